"""Any JSON object no dialect claims: an application log line, an audit record, a metric.

Kept as an ``Event`` with the few fields every log viewer filters on, found under their usual
names, so that it is searchable next to the calls.
"""

from __future__ import annotations

from typing import Any

from ..records import Event
from .base import Context, as_str, as_ts, first, norm_id

TIME_KEYS = ("timestamp", "time", "ts", "@timestamp", "asctime", "created", "datetime", "date")
LEVEL_KEYS = ("level", "levelname", "severity", "log.level", "severity_text")
MESSAGE_KEYS = ("message", "msg", "event", "text", "body")


def to_event(obj: dict[str, Any], ctx: Context, *, dialect: str = "event") -> Event:
    message = first(obj, *MESSAGE_KEYS)
    return Event(
        ts=as_ts(first(obj, *TIME_KEYS), ctx),
        level=_level(first(obj, *LEVEL_KEYS)),
        message=message if isinstance(message, str) else None,
        app=as_str(first(obj, "app", "app_name", "application.name", "service", "service_name"),
                   ctx, "app"),
        user=as_str(first(obj, "user_id", "user", "userId"), ctx, "user"),
        session=as_str(first(obj, "session_id", "session", "sessionId"), ctx, "session"),
        trace_id=norm_id(first(obj, "trace_id", "traceId", "tags.trace_id", "otelTraceID")),
        span_id=norm_id(first(obj, "span_id", "spanId", "tags.span_id", "otelSpanID")),
        content_hash=_str_or_none(obj.get("content_hash")),
        dialect=dialect,
    )


def _level(value: Any) -> str | None:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, dict):  # loguru: {"name": "INFO", "no": 20}
        name = value.get("name")
        return name.lower() if isinstance(name, str) else None
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None
