"""Langfuse exports: a trace from the public API ("get trace": the trace with its observations and
scores), a page of traces (``{"data": [...], "meta": {...}}``), the UI's ``{"trace",
"observations"}`` download, and single observations.

The trace itself becomes the root span (its id doubles as the span id) and every observation a
span under it. GENERATION and EMBEDDING observations are model calls. Scores are evaluations, kept
as events. Overlapping exports repeat observations; they keep their ids, so they merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..records import Call, Event, Record, Span
from .base import (
    Context,
    Dialect,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    as_ts,
    exception_name,
    first,
    norm_id,
)
from .messages import (
    logged_messages,
    output_fields,
    param_fields,
    provider_of_model,
    usage_fields,
)

NAME = "langfuse"

_KINDS = {
    "GENERATION": "llm",
    "EMBEDDING": "embedding",
    "AGENT": "agent",
    "TOOL": "tool",
    "CHAIN": "chain",
    "RETRIEVER": "retrieval",
    "EVALUATOR": "evaluator",
    "GUARDRAIL": "guardrail",
}
_OBSERVATION_TYPES = frozenset({*_KINDS, "SPAN", "EVENT"})
# Token totals of the API before usageDetails, under their two spellings.
_LEGACY_USAGE = {
    "input_tokens": ("usage.input", "promptTokens"),
    "output_tokens": ("usage.output", "completionTokens"),
    "total_tokens": ("usage.total", "totalTokens"),
}
# Observation types that are a request to a model, and the operation each one is.
_CALL_OPERATIONS = {"GENERATION": "chat", "EMBEDDING": "embeddings"}


@dataclass(frozen=True)
class _TraceFacts:
    """What an observation inherits from its trace."""

    trace_id: str | None = None
    user: str | None = None
    session: str | None = None


def claims(obj: dict[str, Any]) -> bool:
    if isinstance(obj.get("observations"), list):
        return "timestamp" in obj or isinstance(obj.get("trace"), dict)
    data = obj.get("data")
    if isinstance(data, list) and "meta" in obj and data:
        head = data[0]
        return isinstance(head, dict) and ("observations" in head or _is_observation(head))
    return _is_observation(obj)


def _is_observation(obj: dict[str, Any]) -> bool:
    kind = obj.get("type")
    return "traceId" in obj and "startTime" in obj and isinstance(kind, str) and (
        kind in _OBSERVATION_TYPES
    )


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    items = obj["data"] if isinstance(obj.get("data"), list) and "meta" in obj else [obj]
    return list(_unique(_records(items, ctx)))


def _records(items: list[Any], ctx: Context) -> Iterator[Record]:
    for item in items:
        if not isinstance(item, dict):
            ctx.warn(f"langfuse: expected a trace or an observation, got {type(item).__name__}")
        elif _is_observation(item):
            yield from _observation(item, _TraceFacts(), ctx)
        else:
            yield from _trace(item, ctx)


def _unique(records: Iterable[Record]) -> Iterator[Record]:
    """Each span and call once: a page of traces may list an observation twice."""
    seen: set[tuple[str, ...]] = set()
    for record in records:
        if isinstance(record, Span):
            identity: tuple[str, ...] = ("span", record.trace_id, record.span_id)
        elif isinstance(record, Call):
            identity = ("call", record.key)
        else:
            yield record
            continue
        if identity not in seen:
            seen.add(identity)
            yield record


def _trace(item: dict[str, Any], ctx: Context) -> Iterator[Record]:
    """The trace as the root span, then its observations and scores."""
    trace = item["trace"] if isinstance(item.get("trace"), dict) else item
    facts = _TraceFacts(
        trace_id=norm_id(trace.get("id")),
        user=as_str(trace.get("userId"), ctx, "userId"),
        session=as_str(trace.get("sessionId"), ctx, "sessionId"),
    )
    if facts.trace_id is None:
        ctx.warn("langfuse: a trace without an id; its observations keep their own trace ids")
    else:
        yield _root_span(trace, facts.trace_id, ctx)
    for observation in as_list(item.get("observations"), ctx, "observations") or []:
        if isinstance(observation, dict):  # the list endpoint gives bare observation ids
            yield from _observation(observation, facts, ctx)
    scores = item.get("scores") if "scores" in item else trace.get("scores")
    for score in as_list(scores, ctx, "scores") or []:
        if isinstance(score, dict):
            yield _score(score, facts, ctx)


def _root_span(trace: dict[str, Any], trace_id: str, ctx: Context) -> Span:
    start = as_ts(trace.get("timestamp"), ctx, "timestamp")
    latency = as_float(trace.get("latency"), ctx, "latency")  # seconds
    attributes = {
        key: trace.get(key)
        for key in ("input", "output", "userId", "sessionId", "release", "version",
                    "environment", "tags", "metadata", "totalCost")
    }
    return Span(
        trace_id=trace_id,
        span_id=trace_id,
        name=as_str(trace.get("name"), ctx, "name"),
        start=start,
        end=start + latency if start is not None and latency is not None else None,
        duration_ms=latency * 1000 if latency is not None else None,
        status="unset",  # a Langfuse trace has no status of its own
        attributes=_present(attributes),
        dialect=NAME,
    )


def _observation(obs: dict[str, Any], facts: _TraceFacts, ctx: Context) -> Iterator[Record]:
    trace_id = norm_id(obs.get("traceId")) or facts.trace_id
    span_id = norm_id(obs.get("id"))
    if trace_id is None or span_id is None:
        ctx.warn("langfuse: an observation without an id or a trace id was skipped")
        return
    kind = as_str(obs.get("type"), ctx, "type")
    start = as_ts(obs.get("startTime"), ctx, "startTime")
    end = as_ts(obs.get("endTime"), ctx, "endTime")
    if kind == "EVENT" and end is None:
        end = start  # an event is a point in time
    duration = _duration_ms(start, end, obs.get("latency"), ctx)
    failed = obs.get("level") == "ERROR"
    message = as_str(obs.get("statusMessage"), ctx, "statusMessage")
    # An observation still running in this export is left unknown, so that a later export
    # that saw it end fills the status in.
    status = "error" if failed else "ok" if end is not None else None
    is_call = kind in _CALL_OPERATIONS
    yield Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=norm_id(obs.get("parentObservationId")) or trace_id,
        name=as_str(obs.get("name"), ctx, "name"),
        kind=_KINDS.get(kind or ""),
        start=start,
        end=end,
        duration_ms=duration,
        status=status,
        error=message if failed else None,
        attributes=_span_attributes(obs, with_io=not is_call),
        dialect=NAME,
    )
    if is_call:
        yield Call(
            key=f"span:{trace_id}:{span_id}",
            origin="span",
            ts=start,
            user=facts.user,
            session=facts.session,
            trace_id=trace_id,
            span_id=span_id,
            operation=_CALL_OPERATIONS.get(kind or ""),
            messages=logged_messages(obs.get("input"), ctx),
            latency_ms=duration,
            ttft_ms=_ttft_ms(obs, start, ctx),
            status=status,
            error_type=exception_name(message) if failed else None,
            error_message=message if failed else None,
            cost_usd=_cost(obs, ctx),
            tags=_present({"observation": obs.get("name"), "prompt": obs.get("promptName")}),
            dialect=NAME,
            **_call_fields(obs, ctx),
        )


def _call_fields(obs: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Model, provider, parameters, output and tokens of a generation."""
    fields = output_fields(obs.get("output"), ctx)
    fields.pop("response_id", None)
    response_provider = fields.pop("provider", None)
    fields.update(param_fields(as_dict(obs.get("modelParameters"), ctx, "modelParameters"), ctx))
    fields.update(_usage(obs, ctx))
    model = as_str(obs.get("model"), ctx, "model") or fields.get("model")
    fields["model"] = model
    fields["provider"] = provider_of_model(model) or response_provider
    return fields


def _usage(obs: dict[str, Any], ctx: Context) -> dict[str, int]:
    """Token counts. ``usageDetails`` splits input and output into parts (``input`` without
    the cache, ``input_cached_tokens`` or ``cache_read_input_tokens``, ``output_reasoning_tokens``,
    …) that Langfuse adds up; the older ``usage`` object and ``promptTokens`` hold plain totals."""
    details = as_dict(obs.get("usageDetails"), ctx, "usageDetails")
    fields: dict[str, int] = {}
    if details:
        fields.update(_detail_sums(details, ctx))
        if not fields:  # OpenAI-style keys passed straight through
            fields.update(usage_fields(details, ctx))
    for name, aliases in _LEGACY_USAGE.items():
        if name not in fields:
            count = as_int(first(obs, *aliases), ctx, aliases[-1])
            if count is not None:
                fields[name] = count
    if not any(fields.values()):
        return {}  # the API fills zeros for a generation that reported no usage
    if "total_tokens" not in fields and {"input_tokens", "output_tokens"} <= fields.keys():
        fields["total_tokens"] = fields["input_tokens"] + fields["output_tokens"]
    return fields


def _detail_sums(details: dict[str, Any], ctx: Context) -> dict[str, int]:
    sums: dict[str, int] = {}
    for key, value in details.items():
        name = _usage_part(key)
        count = as_int(value, ctx, f"usageDetails.{key}") if name else None
        if name and count is not None:
            sums[name] = sums.get(name, 0) + count
    return sums


def _usage_part(key: str) -> str | None:
    """The token count a ``usageDetails`` key adds to."""
    if key == "total":
        return "total_tokens"
    if "input" in key:
        return "input_tokens"
    if "output" in key:
        return "output_tokens"
    return None


def _cost(obs: dict[str, Any], ctx: Context) -> float | None:
    """The cost Langfuse logged or computed: ``costDetails`` (v3), else the older totals."""
    return as_float(
        first(obs, "costDetails.total", "calculatedTotalCost", "usage.totalCost"), ctx, "cost"
    )


def _duration_ms(
    start: float | None, end: float | None, latency: Any, ctx: Context
) -> float | None:
    if start is not None and end is not None and end >= start:
        return (end - start) * 1000
    seconds = as_float(latency, ctx, "latency")
    return seconds * 1000 if seconds is not None else None


def _ttft_ms(obs: dict[str, Any], start: float | None, ctx: Context) -> float | None:
    first_token = as_ts(obs.get("completionStartTime"), ctx, "completionStartTime")
    if start is not None and first_token is not None and first_token >= start:
        return (first_token - start) * 1000
    seconds = as_float(obs.get("timeToFirstToken"), ctx, "timeToFirstToken")
    return seconds * 1000 if seconds is not None else None


def _span_attributes(obs: dict[str, Any], *, with_io: bool) -> dict[str, Any] | None:
    """What the span detail shows. A model call's input and output live on its Call."""
    keys = ["type", "level", "statusMessage", "model", "modelParameters", "metadata",
            "promptName", "promptVersion", "version", "environment"]
    if with_io:
        keys += ["input", "output"]
    return _present({f"langfuse.{key}": obs.get(key) for key in keys})


def _score(score: dict[str, Any], facts: _TraceFacts, ctx: Context) -> Event:
    """A score (user feedback, an evaluator's verdict) as a searchable event on its trace."""
    name = as_str(score.get("name"), ctx, "score.name") or "score"
    value = first(score, "stringValue", "value")
    comment = as_str(score.get("comment"), ctx, "score.comment")
    text = f"score {name} = {value}" + (f" ({comment})" if comment else "")
    return Event(
        ts=as_ts(score.get("timestamp"), ctx, "score.timestamp"),
        level="info",
        message=text,
        user=facts.user,
        session=facts.session,
        trace_id=norm_id(score.get("traceId")) or facts.trace_id,
        span_id=norm_id(score.get("observationId")),
        dialect=NAME,
    )


def _present(values: dict[str, Any]) -> dict[str, Any] | None:
    kept = {key: value for key, value in values.items() if value is not None}
    return kept or None


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
