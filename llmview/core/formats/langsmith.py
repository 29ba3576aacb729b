"""LangSmith runs: the SDK's batch ingest payload (``{"post": [run, …], "patch": [run, …]}``),
single run creates/updates, and runs exported from the API (``{"runs": [...]}``, ``child_runs``).

A run is a span (trace id, run id, parent run id); an ``llm`` or ``embedding`` run is also a model
call. A post creates the run and a later patch completes it (end time, outputs, error): parts of
one run found in the same document are joined here, parts in different documents are joined by the
store through the shared span and call keys, each part leaving unknown what it does not carry.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..records import Call, Record, Span
from .base import (
    UTC,
    Context,
    Dialect,
    as_dict,
    as_float,
    as_list,
    as_str,
    as_ts,
    exception_name,
    first,
    norm_id,
)
from .messages import (
    logged_messages,
    norm_message,
    output_fields,
    param_fields,
    prompt_messages,
    provider_of_model,
    usage_fields,
)

NAME = "langsmith"

_KINDS = {
    "llm": "llm",
    "embedding": "embedding",
    "chain": "chain",
    "tool": "tool",
    "retriever": "retrieval",
}
_CALL_TYPES = frozenset(("llm", "embedding"))
_RUN_TYPES = frozenset((*_KINDS, "prompt", "parser"))
# LangChain message types (``HumanMessage``, ``AIMessageChunk``, ``{"type": "human"}``) -> roles.
_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool",
          "function": "function", "developer": "developer"}
# Metadata keys LangSmith groups a conversation thread by.
_THREAD_KEYS = ("session_id", "thread_id", "conversation_id")
_TRACEBACK = "Traceback (most recent call last)"
_DOTTED = re.compile(r"^(\d{8}T\d{6,12})Z?(.+)$")
_UUID_LENGTH = 36


def claims(obj: dict[str, Any]) -> bool:
    if "dotted_order" in obj or _is_run(obj):
        return True
    return any(_holds_runs(obj.get(key)) for key in ("post", "patch", "runs"))


def _is_run(obj: Any) -> bool:
    """A run by its type and a run's own keys (``run_type`` alone is a common word)."""
    run_type = obj.get("run_type") if isinstance(obj, dict) else None
    return isinstance(run_type, str) and run_type in _RUN_TYPES and (
        "start_time" in obj or "trace_id" in obj or "inputs" in obj
    )


def _holds_runs(value: Any) -> bool:
    head = value[0] if isinstance(value, list) and value else None
    return isinstance(head, dict) and ("dotted_order" in head or _is_run(head))


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    # LangSmith times are UTC; its API exports them without a zone.
    utc = replace(ctx, tz=UTC)
    runs = _joined(_runs(obj, ctx))
    traces = {run_id: _own_trace_id(run) for run_id, run in runs.items()}
    records: list[Record] = []
    for run_id, run in runs.items():
        trace_id = traces[run_id] or traces.get(norm_id(run.get("parent_run_id")) or "")
        if trace_id is None:
            ctx.warn(f"langsmith: run {run_id} names no trace (trace_id, dotted_order); skipped")
            continue
        records.extend(_run_records(run, run_id, trace_id, utc))
    return records


def _runs(obj: dict[str, Any], ctx: Context) -> Iterator[dict[str, Any]]:
    """Every run of the document, posts before patches, child runs after their parent."""
    if any(key in obj for key in ("post", "patch", "runs")) and "run_type" not in obj:
        pending = deque(
            run
            for key in ("post", "runs", "patch")
            for run in as_list(obj.get(key), ctx, key) or []
        )
    else:
        pending = deque([obj])
    while pending:
        run = pending.popleft()
        if not isinstance(run, dict):
            ctx.warn(f"langsmith: expected a run, got {type(run).__name__}")
            continue
        yield run
        children = run.get("child_runs")
        if isinstance(children, list):
            pending.extend(children)


def _joined(runs: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Runs by id, the later parts (patches) adding what they know to the earlier ones."""
    joined: dict[str, dict[str, Any]] = {}
    for run in runs:
        run_id = norm_id(run.get("id"))
        if run_id is None:
            continue
        known = joined.setdefault(run_id, {})
        known.update({key: value for key, value in run.items() if value is not None})
    return joined


def _own_trace_id(run: dict[str, Any]) -> str | None:
    """The trace a run names itself: ``trace_id``, else the root of its dotted order, else its
    own id when it has no parent (a root run is its trace)."""
    trace_id = norm_id(run.get("trace_id"))
    if trace_id:
        return trace_id
    segments = _dotted_segments(run.get("dotted_order"))
    if segments:
        return segments[0][1]
    return norm_id(run.get("id")) if run.get("parent_run_id") is None else None


def _dotted_segments(value: Any) -> list[tuple[str, str]]:
    """``[(timestamp, run id), …]`` from root to run, parsed from a dotted order
    (``20240529T134619963000Z<uuid>.20240529T…Z<uuid>``)."""
    if not isinstance(value, str):
        return []
    segments = []
    for part in value.split("."):
        match = _DOTTED.match(part)
        if match is None or len(match.group(2)) != _UUID_LENGTH:
            return []
        segments.append((match.group(1), norm_id(match.group(2)) or ""))
    return segments


def _dotted_start(value: Any) -> float | None:
    segments = _dotted_segments(value)
    if not segments:
        return None
    stamp = segments[-1][0]
    try:
        moment = datetime.strptime(stamp, "%Y%m%dT%H%M%S%f")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def _run_records(
    run: dict[str, Any], run_id: str, trace_id: str, ctx: Context
) -> Iterator[Record]:
    run_type = as_str(run.get("run_type"), ctx, "run_type")
    start = as_ts(run.get("start_time"), ctx, "start_time")
    start = _dotted_start(run.get("dotted_order")) if start is None else start
    end = as_ts(run.get("end_time"), ctx, "end_time")
    error = _error_message(run, ctx)
    done = end is not None or error is not None or run.get("status") == "success"
    status = "error" if error else "ok" if done else None  # None: only the create is known
    duration = (end - start) * 1000 if start is not None and end is not None else None
    parent_id = norm_id(run.get("parent_run_id"))
    if parent_id is None:
        segments = _dotted_segments(run.get("dotted_order"))
        parent_id = segments[-2][1] if len(segments) > 1 else None
    is_call = _is_call(run, run_type)
    yield Span(
        trace_id=trace_id,
        span_id=run_id,
        parent_id=parent_id,
        name=as_str(run.get("name"), ctx, "name"),
        kind=_KINDS.get(run_type or ""),
        start=start,
        end=end,
        duration_ms=duration,
        status=status,
        error=error,
        attributes=_span_attributes(run, with_io=not is_call),
        # A create carries only the start event; leave events to the update that has them all.
        events=_events(run, ctx) if done else None,
        dialect=NAME,
    )
    if is_call:
        yield Call(
            key=f"span:{trace_id}:{run_id}",
            origin="span",
            ts=start,
            trace_id=trace_id,
            span_id=run_id,
            operation=_operation(run, run_type),
            latency_ms=duration,
            ttft_ms=_ttft_ms(run, start, ctx),
            status=status,
            error_type=exception_name(error),
            error_message=error,
            cost_usd=as_float(run.get("total_cost"), ctx, "total_cost"),
            dialect=NAME,
            **_call_fields(run, ctx),
        )


def _events(run: dict[str, Any], ctx: Context) -> list[dict[str, Any]] | None:
    events = as_list(run.get("events"), ctx, "events") or []
    return [event for event in events if isinstance(event, dict)] or None


def _is_call(run: dict[str, Any], run_type: str | None) -> bool:
    """An llm/embedding run; an update that omits its run type is recognised by LangChain's
    model output or model metadata."""
    if run_type is not None:
        return run_type in _CALL_TYPES
    outputs = run.get("outputs") if isinstance(run.get("outputs"), dict) else {}
    metadata = _metadata(run)
    return "generations" in outputs or "llm_output" in outputs or "ls_model_type" in metadata


def _operation(run: dict[str, Any], run_type: str | None) -> str:
    """Embeddings, a completion model (LangChain ``LLM``: ``prompts`` in, ``ls_model_type``
    "llm"), or a chat model."""
    if run_type == "embedding":
        return "embeddings"
    inputs = run.get("inputs") if isinstance(run.get("inputs"), dict) else {}
    if _metadata(run).get("ls_model_type") == "llm" or "prompts" in inputs:
        return "text_completion"
    return "chat"


def _call_fields(run: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Who, which model, what was sent and what came back."""
    extra = as_dict(run.get("extra"), ctx, "extra") or {}
    metadata = _metadata(run)
    inputs = as_dict(run.get("inputs"), ctx, "inputs") or {}
    invocation = as_dict(extra.get("invocation_params"), ctx, "invocation_params")
    # LangChain models report their parameters apart; a traced SDK call's inputs are the request.
    fields = param_fields(invocation if invocation else inputs, ctx)
    fields.update(_output_fields(as_dict(run.get("outputs"), ctx, "outputs") or {}, ctx))
    for name, count in _usage(run, metadata, ctx).items():
        fields.setdefault(name, count)
    model = as_str(
        first(invocation or {}, "model", "model_name")
        or first(metadata, "ls_model_name")
        or fields.get("model")
        or inputs.get("model"),
        ctx,
        "model",
    )
    fields.update(
        model=model,
        provider=as_str(metadata.get("ls_provider"), ctx, "ls_provider")
        or provider_of_model(model)
        or fields.get("provider"),
        messages=_input_messages(inputs, ctx),
        app=as_str(run.get("session_name"), ctx, "session_name"),
        user=as_str(first(metadata, "user_id", "user"), ctx, "user_id"),
        session=as_str(first(metadata, *_THREAD_KEYS), ctx, "thread_id"),
        tags=_call_tags(run, ctx),
    )
    if "temperature" not in fields:
        fields.update(param_fields({"temperature": metadata.get("ls_temperature")}, ctx))
    fields.pop("response_id", None)
    return fields


def _input_messages(inputs: dict[str, Any], ctx: Context) -> list[dict[str, Any]] | None:
    """A chat model's ``messages`` (LangChain batches them: a list of message lists, of which the
    first is shown), a completion model's ``prompts``, or a traced SDK call's request."""
    messages = inputs.get("messages")
    if isinstance(messages, list):
        if messages and isinstance(messages[0], list):
            messages = messages[0]
        converted = [_openai_message(message) for message in messages]
        return prompt_messages({**inputs, "messages": converted}, ctx)
    if "prompts" in inputs:
        return prompt_messages({"prompt": inputs["prompts"]}, ctx)
    return logged_messages(inputs or None, ctx)


def _openai_message(message: Any) -> Any:
    """A LangChain message in any of its serialized forms (``dumpd``: ``{"lc": 1, "id": [...,
    "HumanMessage"], "kwargs": {...}}``; ``messages_to_dict``: ``{"type": "human", "data":
    {...}}``; flat ``{"type": "human", "content": ...}``) as an OpenAI-style message."""
    if not isinstance(message, dict):
        return message
    if isinstance(message.get("kwargs"), dict):
        data = message["kwargs"]
        names = message.get("id")
        kind = data.get("type") or (names[-1] if isinstance(names, list) and names else None)
    elif isinstance(message.get("data"), dict) and "type" in message:
        data, kind = message["data"], message["type"]
    elif "role" not in message and "type" in message:
        data, kind = message, message["type"]
    else:
        return message
    converted: dict[str, Any] = {"role": _role(kind, data), "content": data.get("content")}
    calls = data.get("tool_calls")
    if isinstance(calls, list) and calls:
        converted["tool_calls"] = [_openai_tool_call(call) for call in calls]
        converted["content"] = _without_tool_use(data.get("content"))
    elif isinstance(data.get("additional_kwargs"), dict):
        converted["tool_calls"] = data["additional_kwargs"].get("tool_calls")
    for key in ("tool_call_id", "name"):
        if data.get(key) is not None:
            converted[key] = data[key]
    return converted


def _role(kind: Any, data: dict[str, Any]) -> str:
    if not isinstance(kind, str):
        return "user"
    name = kind.removesuffix("Chunk").removesuffix("Message").lower()
    if name == "chat" and isinstance(data.get("role"), str):
        return data["role"]
    return _ROLES.get(name, name or "user")


def _openai_tool_call(call: Any) -> Any:
    """LangChain's ``{name, args, id}`` as OpenAI's ``{id, function: {name, arguments}}``."""
    if not isinstance(call, dict) or "args" not in call:
        return call
    return {"id": call.get("id"), "function": {"name": call.get("name"), "arguments": call["args"]}}


def _without_tool_use(content: Any) -> Any:
    """Anthropic content repeats the tool calls as ``tool_use`` parts; keep them once."""
    if not isinstance(content, list):
        return content
    return [
        part for part in content if not (isinstance(part, dict) and part.get("type") == "tool_use")
    ]


def _output_fields(outputs: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Output, tool calls, finish reason, model and usage from LangChain's ``LLMResult``
    (``generations`` + ``llm_output``) or a traced SDK call's response object."""
    generations = outputs.get("generations")
    if not isinstance(generations, list):
        value = outputs.get("output") if set(outputs) == {"output"} else outputs or None
        return output_fields(value, ctx)
    fields: dict[str, Any] = {}
    generation = generations[0] if generations else None
    if isinstance(generation, list):
        generation = generation[0] if generation else None
    if isinstance(generation, dict):
        fields.update(_generation_fields(generation, ctx))
    llm_output = outputs.get("llm_output") if isinstance(outputs.get("llm_output"), dict) else {}
    if "input_tokens" not in fields:
        fields.update(usage_fields(first(llm_output, "token_usage", "usage"), ctx))
    if isinstance(llm_output.get("model_name"), str):
        fields.setdefault("model", llm_output["model_name"])
    return fields


def _generation_fields(generation: dict[str, Any], ctx: Context) -> dict[str, Any]:
    raw = generation.get("message")
    message = _openai_message(raw) if isinstance(raw, dict) else {}
    normed = norm_message(message) if message else {}
    text = generation.get("text")
    fields: dict[str, Any] = {
        "output": text if isinstance(text, str) and text else normed.get("content", ""),
    }
    if normed.get("tool_calls"):
        fields["tool_calls"] = normed["tool_calls"]
    data = _message_data(raw)
    reason = first(
        generation, "generation_info.finish_reason", "generation_info.stop_reason"
    ) or first(data, "response_metadata.finish_reason", "response_metadata.stop_reason")
    if isinstance(reason, str):
        fields["finish_reason"] = reason
    fields.update(usage_fields(data.get("usage_metadata"), ctx))
    model = first(data, "response_metadata.model_name", "response_metadata.model")
    if isinstance(model, str):
        fields["model"] = model
    return fields


def _message_data(message: Any) -> dict[str, Any]:
    """The fields of a serialized LangChain message, whichever form it was dumped in."""
    if not isinstance(message, dict):
        return {}
    for key in ("kwargs", "data"):
        if isinstance(message.get(key), dict):
            return message[key]
    return message


def _usage(run: dict[str, Any], metadata: dict[str, Any], ctx: Context) -> dict[str, int]:
    """Usage the run records beside the model output (which is preferred): ``usage_metadata``
    set by the SDK, or the totals of an API export."""
    outputs = run.get("outputs") if isinstance(run.get("outputs"), dict) else {}
    for usage in (outputs.get("usage_metadata"), metadata.get("usage_metadata"),
                  run.get("usage_metadata")):
        fields = usage_fields(usage, ctx)
        if fields:
            return fields
    return usage_fields(run, ctx)


def _ttft_ms(run: dict[str, Any], start: float | None, ctx: Context) -> float | None:
    """From the first streamed token: the ``new_token`` event, or an export's
    ``first_token_time``."""
    first_token = as_ts(run.get("first_token_time"), ctx, "first_token_time")
    if first_token is None:
        tokens = (e for e in _events(run, ctx) or [] if e.get("name") == "new_token")
        first_event = next(tokens, None)
        first_token = as_ts(first_event.get("time"), ctx, "events.time") if first_event else None
    if start is None or first_token is None or first_token < start:
        return None
    return (first_token - start) * 1000


def _error_message(run: dict[str, Any], ctx: Context) -> str | None:
    """The error without its traceback: LangChain writes ``repr(exc)`` then the traceback."""
    text = as_str(run.get("error"), ctx, "error")
    if not text:
        return "error" if run.get("status") == "error" else None
    message = text.split(_TRACEBACK, 1)[0].strip()
    return message or text.strip()


def _metadata(run: dict[str, Any]) -> dict[str, Any]:
    extra = run.get("extra")
    metadata = extra.get("metadata") if isinstance(extra, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _call_tags(run: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
    tags = as_list(run.get("tags"), ctx, "tags")
    metadata = {key: value for key, value in _metadata(run).items()
                if not key.startswith("ls_") and key != "usage_metadata"}
    kept = {"tags": tags or None, "metadata": metadata or None, "run_name": run.get("name")}
    return {key: value for key, value in kept.items() if value is not None} or None


def _span_attributes(run: dict[str, Any], *, with_io: bool) -> dict[str, Any] | None:
    """What the span detail shows. A model call's inputs and outputs live on its Call."""
    keys = ["run_type", "tags", "session_name"]
    if with_io:
        keys += ["inputs", "outputs"]
    attributes = {f"langsmith.{key}": run.get(key) for key in keys}
    attributes["langsmith.metadata"] = _metadata(run) or None
    kept = {key: value for key, value in attributes.items() if value not in (None, [], {})}
    return kept or None


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
