"""Seed 003's tracer spans, as an app writes them: ``asdict(span)`` (times as naive ISO strings,
``T``- or space-separated) one per line, or the ``GET /v1/traces/{trace_id}`` answer
``{"trace_id", "spans": [...]}`` whose spans omit the trace id, the events and the error.

Ids are uuid4 strings. The tracer writes a span when it ends, so children come before their
parents; nothing here depends on the order. ``duration_ms`` is a property the dataclass computes
(0.0 while the span is open), so it only counts once the span has an end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Record, Span
from .base import Context, Dialect, as_dict, as_float, as_str, as_ts, first, norm_id
from .span_calls import span_records, span_status, timestamped_events

NAME = "seed_span"


def claims(obj: dict[str, Any]) -> bool:
    if "span_id" in obj and "trace_id" in obj:
        return "name" in obj and "start_time" in obj
    spans = obj.get("spans")
    return "trace_id" in obj and isinstance(spans, list) and bool(spans) \
        and isinstance(spans[0], dict) and "span_id" in spans[0]


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    if "span_id" in obj:
        return _span(obj, None, ctx)
    records: list[Record] = []
    for item in obj["spans"]:
        if isinstance(item, dict):
            records.extend(_span(item, obj.get("trace_id"), ctx))
        else:
            ctx.warn(f"{NAME}: expected a span, got {type(item).__name__}")
    return records


def _span(obj: dict[str, Any], trace_id: Any, ctx: Context) -> list[Record]:
    trace = norm_id(obj.get("trace_id")) or norm_id(trace_id)
    span_id = norm_id(obj.get("span_id"))
    if trace is None or span_id is None:
        ctx.warn(f"{NAME}: a span without a span id or a trace id was skipped")
        return []
    end = as_ts(obj.get("end_time"), ctx, "end_time")
    duration = as_float(obj.get("duration_ms"), ctx, "duration_ms") if end is not None else None
    status = span_status(obj.get("status")) or "unset"
    span = Span(
        trace_id=trace,
        span_id=span_id,
        parent_id=norm_id(obj.get("parent_id")),
        name=as_str(obj.get("name"), ctx, "name"),
        service=as_str(first(obj, "service", "service_name"), ctx, "service"),
        start=as_ts(obj.get("start_time"), ctx, "start_time"),
        end=end,
        duration_ms=duration,
        status=status,
        error=as_str(obj.get("error"), ctx, "error") if status == "error" else None,
        attributes=as_dict(obj.get("attributes"), ctx, "attributes") or None,
        events=timestamped_events(obj.get("events"), ctx),
        dialect=NAME,
    )
    return span_records(span, ctx)


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
