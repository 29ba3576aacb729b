"""OpenTelemetry-JS spans serialized by the app (``JSON.stringify`` of a ``ReadableSpan`` in a
custom exporter, as Vercel AI SDK users do), one object per span:

- ``spanContext: {traceId, spanId}``, or ``_spanContext`` when the SDK's Span object itself was
  stringified (its other fields then have private names too: ``_duration``, resource
  ``_attributes``);
- the parent as ``parentSpanId`` (SDK 1.x) or ``parentSpanContext.spanId`` (SDK 2.x);
- ``startTime`` / ``endTime`` / ``duration`` as HrTime ``[seconds, nanos]``;
- ``kind`` numbered from 0 = internal (the JS enum, not OTLP's);
- flat ``attributes``, ``status: {code: 0|1|2, message}``,
  ``events: [{name, attributes, time}]``, ``resource: {attributes}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Record, Span
from .base import Context, Dialect, as_dict, as_float, as_list, as_str, as_ts, first, norm_id
from .span_calls import JS_KINDS, otel_facts, otel_kind, span_event, span_records, span_status

NAME = "otel_js"


def claims(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("spanContext", obj.get("_spanContext")), dict) and "name" in obj


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    context = first(obj, "spanContext", "_spanContext")
    trace_id, span_id = norm_id(context.get("traceId")), norm_id(context.get("spanId"))
    if trace_id is None or span_id is None:
        ctx.warn(f"{NAME}: a span without a span id or a trace id was skipped")
        return []
    status = as_dict(obj.get("status"), ctx, "status") or {}
    code = span_status(status.get("code", 0)) or "unset"
    message = as_str(status.get("message"), ctx, "status.message")
    kind = otel_kind(obj.get("kind"), JS_KINDS)
    scope = first(obj, "instrumentationScope.name", "instrumentationLibrary.name")
    span = Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=norm_id(first(obj, "parentSpanId", "parentSpanContext.spanId")),
        name=as_str(obj.get("name"), ctx, "name"),
        service=_service(obj.get("resource")),
        start=as_ts(obj.get("startTime"), ctx, "startTime"),
        end=as_ts(obj.get("endTime"), ctx, "endTime"),
        duration_ms=_hr_ms(first(obj, "duration", "_duration"), ctx),
        status=code,
        error=message if code == "error" and message else None,
        attributes=otel_facts(dict(as_dict(obj.get("attributes"), ctx, "attributes") or {}),
                              kind, scope) or None,
        events=_events(obj.get("events"), ctx),
        dialect=NAME,
    )
    return span_records(span, ctx)


def _service(resource: Any) -> str | None:
    """``service.name`` from the resource's public ``attributes`` or, when the SDK's Resource
    object was stringified, its private ``_attributes`` / ``_syncAttributes``."""
    if not isinstance(resource, dict):
        return None
    for key in ("attributes", "_attributes", "_syncAttributes"):
        attrs = resource.get(key)
        name = attrs.get("service.name") if isinstance(attrs, dict) else None
        if isinstance(name, str):
            return name
    return None


def _hr_ms(value: Any, ctx: Context) -> float | None:
    """Milliseconds from an HrTime duration ``[seconds, nanos]`` (or a plain number of ms)."""
    if isinstance(value, list) and len(value) == 2:
        seconds, nanos = (as_float(part, ctx, "duration") for part in value)
        return None if seconds is None or nanos is None else seconds * 1000 + nanos / 1e6
    return as_float(value, ctx, "duration") if not isinstance(value, list) else None


def _events(value: Any, ctx: Context) -> list[dict[str, Any]] | None:
    events = [
        span_event(item.get("name"), as_ts(item.get("time"), ctx, "event.time"),
                   item.get("attributes"))
        for item in as_list(value, ctx, "events") or [] if isinstance(item, dict)
    ]
    return events or None


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
