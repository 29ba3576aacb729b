"""The OpenTelemetry Python SDK's ``ConsoleSpanExporter``: ``span.to_json()`` per span, pretty
printed and concatenated (the reader splits the objects; each arrives here whole).

``{"name", "context": {"trace_id": "0x…", "span_id": "0x…"}, "kind": "SpanKind.CLIENT",
"parent_id": "0x…" | null, "start_time": "…Z", "end_time", "status": {"status_code": "ERROR",
"description"}, "attributes": {flat}, "events": [{"name", "timestamp", "attributes"}], "links",
"resource": {"attributes": {"service.name": …}}}``. Attributes are already plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Record, Span
from .base import Context, Dialect, as_dict, as_str, as_ts, get_path, norm_id
from .span_calls import (
    OTLP_KINDS,
    otel_facts,
    otel_kind,
    span_records,
    span_status,
    timestamped_events,
)

NAME = "otel_console"


def claims(obj: dict[str, Any]) -> bool:
    context = obj.get("context")
    return isinstance(context, dict) and "span_id" in context and "start_time" in obj \
        and "name" in obj


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    context = obj["context"]
    trace_id, span_id = norm_id(context.get("trace_id")), norm_id(context.get("span_id"))
    if trace_id is None or span_id is None:
        ctx.warn(f"{NAME}: a span without a span id or a trace id was skipped")
        return []
    status = as_dict(obj.get("status"), ctx, "status") or {}
    code = span_status(status.get("status_code")) or "unset"
    message = as_str(status.get("description"), ctx, "status.description")
    kind = otel_kind(obj.get("kind"), OTLP_KINDS)
    service = get_path(obj, "resource", "attributes", "service.name")
    span = Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=norm_id(obj.get("parent_id")),
        name=as_str(obj.get("name"), ctx, "name"),
        service=service if isinstance(service, str) else None,
        start=as_ts(obj.get("start_time"), ctx, "start_time"),
        end=as_ts(obj.get("end_time"), ctx, "end_time"),
        status=code,
        error=message if code == "error" and message else None,
        attributes=otel_facts(dict(as_dict(obj.get("attributes"), ctx, "attributes") or {}),
                              kind) or None,
        events=timestamped_events(obj.get("events"), ctx),
        dialect=NAME,
    )
    return span_records(span, ctx)


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
