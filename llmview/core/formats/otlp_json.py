"""OpenTelemetry OTLP JSON: an ``ExportTraceServiceRequest`` per line, as the collector's ``file``
exporter and OTLP/HTTP JSON write it, or as protobuf's ``MessageToJson`` renders it.

One object holds many spans: ``resourceSpans[].scopeSpans[].spans[]``
(``instrumentationLibrarySpans`` before OTLP 0.15). The writers differ in what the spec left
open, and all spellings are read:

- ids: hex (OTLP/JSON, the collector) or base64 (protobuf JSON), both through ``norm_id``;
- enums: numbers (``"kind": 3``, ``"code": 2``) or names (``SPAN_KIND_CLIENT``,
  ``STATUS_CODE_ERROR``);
- 64-bit integers (``intValue``, ``startTimeUnixNano``) as strings or numbers, possibly past the
  int64 range;
- field names in lowerCamelCase or, with ``preserving_proto_field_name``, snake_case.

Attribute values are typed (``{"stringValue": ...}``, ``arrayValue``, ``kvlistValue``, ...) and
are decoded to plain JSON values; the resource's ``service.name`` is the span's service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..records import Record, Span
from .base import Context, Dialect, as_list, as_str, as_ts, norm_id
from .span_calls import OTLP_KINDS, otel_facts, otel_kind, span_event, span_records, span_status

NAME = "otlp_json"

# Typed values nested deeper than this are kept as they are rather than decoded.
_MAX_DEPTH = 32
_SNAKE = re.compile(r"(?<!^)([A-Z])")
_INT = re.compile(r"^[+-]?\d{1,40}$")  # longer digit strings stay text


def claims(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("resourceSpans", obj.get("resource_spans")), list)


def _get(obj: dict[str, Any], name: str) -> Any:
    """A field by its lowerCamelCase name, or by the snake_case name protobuf's
    ``preserving_proto_field_name`` writes."""
    value = obj.get(name)
    return value if value is not None else obj.get(_SNAKE.sub(r"_\1", name).lower())


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    return list(_records(obj, ctx))


def _records(obj: dict[str, Any], ctx: Context) -> Iterator[Record]:
    for resource_spans in _dicts(_get(obj, "resourceSpans"), ctx, "resourceSpans"):
        resource = _get(resource_spans, "resource")
        resource_attrs = attributes(_get(resource, "attributes"), ctx) \
            if isinstance(resource, dict) else {}
        service = resource_attrs.get("service.name")
        service = service if isinstance(service, str) else None
        scopes = _get(resource_spans, "scopeSpans")
        if scopes is None:
            scopes = _get(resource_spans, "instrumentationLibrarySpans")
        for scope_spans in _dicts(scopes, ctx, "scopeSpans"):
            scope = _get(scope_spans, "scope")
            if scope is None:
                scope = _get(scope_spans, "instrumentationLibrary")
            scope_name = scope.get("name") if isinstance(scope, dict) else None
            for span in _dicts(_get(scope_spans, "spans"), ctx, "spans"):
                yield from _span(span, service, scope_name, ctx)


def _dicts(value: Any, ctx: Context, name: str) -> Iterator[dict[str, Any]]:
    for item in as_list(value, ctx, name) or []:
        if isinstance(item, dict):
            yield item
        else:
            ctx.warn(f"{NAME}: {name}: expected an object, got {type(item).__name__}")


def _span(obj: dict[str, Any], service: str | None, scope: Any, ctx: Context) -> list[Record]:
    trace_id, span_id = norm_id(_get(obj, "traceId")), norm_id(_get(obj, "spanId"))
    if trace_id is None or span_id is None:
        ctx.warn(f"{NAME}: a span without a span id or a trace id was skipped")
        return []
    status = _get(obj, "status")
    status = status if isinstance(status, dict) else {}
    kind = otel_kind(_get(obj, "kind"), OTLP_KINDS)
    code = span_status(status.get("code", 0)) or "unset"
    message = as_str(status.get("message"), ctx, "status.message") if code == "error" else None
    span = Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=norm_id(_get(obj, "parentSpanId")),
        name=as_str(_get(obj, "name"), ctx, "name"),
        service=service,
        start=_unix_nano(_get(obj, "startTimeUnixNano"), ctx, "startTimeUnixNano"),
        end=_unix_nano(_get(obj, "endTimeUnixNano"), ctx, "endTimeUnixNano"),
        status=code,
        error=message or None,
        attributes=otel_facts(attributes(_get(obj, "attributes"), ctx), kind, scope) or None,
        events=_events(_get(obj, "events"), ctx),
        dialect=NAME,
    )
    return span_records(span, ctx)


def _unix_nano(value: Any, ctx: Context, name: str) -> float | None:
    """Epoch seconds from nanoseconds; OTLP writes 0 for a time it does not know."""
    if value in (0, "0"):
        return None
    return as_ts(value, ctx, name)


def _events(value: Any, ctx: Context) -> list[dict[str, Any]] | None:
    events = [
        span_event(_get(item, "name"),
                   _unix_nano(_get(item, "timeUnixNano"), ctx, "event.timeUnixNano"),
                   attributes(_get(item, "attributes"), ctx))
        for item in _dicts(value, ctx, "events")
    ]
    return events or None


def attributes(value: Any, ctx: Context) -> dict[str, Any]:
    """``[{"key", "value": {typed}}]`` -> ``{key: plain value}``."""
    decoded: dict[str, Any] = {}
    for item in as_list(value, ctx, "attributes") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            decoded[item["key"]] = any_value(item.get("value"))
    return decoded


def any_value(value: Any, depth: int = 0) -> Any:
    """A plain JSON value from an OTLP ``AnyValue``: ``intValue`` strings become ints,
    ``arrayValue`` lists, ``kvlistValue`` objects; ``bytesValue`` stays base64 text. A value that
    is not typed (a writer that skipped the wrapper) is kept as it is."""
    if not isinstance(value, dict) or depth > _MAX_DEPTH:
        return value
    for key, inner in value.items():
        if key in ("stringValue", "string_value", "boolValue", "bool_value", "bytesValue",
                   "bytes_value", "doubleValue", "double_value"):
            return inner
        if key in ("intValue", "int_value"):
            return int(inner) if isinstance(inner, str) and _INT.match(inner) else inner
        if key in ("arrayValue", "array_value"):
            items = inner.get("values") if isinstance(inner, dict) else None
            return [any_value(item, depth + 1) for item in items] \
                if isinstance(items, list) else []
        if key in ("kvlistValue", "kvlist_value"):
            items = inner.get("values") if isinstance(inner, dict) else None
            return {
                item["key"]: any_value(item.get("value"), depth + 1)
                for item in (items if isinstance(items, list) else [])
                if isinstance(item, dict) and isinstance(item.get("key"), str)
            }
    return None


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
