"""loguru ``serialize=True`` lines: ``{"text": ..., "record": {..., "extra": {...}}}``.

Apps attach their LLM fields with ``logger.bind(...)`` or as keyword arguments of the logging
call; loguru puts both in ``record.extra``. Those fields, together with the record's message,
level and time, are mapped through the registry like any other record, so whatever dialect (or
the alias heuristic) recognises them produces the call, with the loguru time as fallback. A
record whose extras are no LLM call is an event with the loguru level, message and time. A logged
exception (``record.exception``: type, value) marks the call failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Event, Record
from .base import Context, Dialect, as_dict
from .generic_event import to_event
from .logfields import error_fields, normalize_nested, replace_struct, with_failure

NAME = "loguru_record"


def claims(obj: dict[str, Any]) -> bool:
    record = obj.get("record")
    return isinstance(record, dict) and "extra" in record and "level" in record


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    record = obj["record"]
    extra = as_dict(record.get("extra"), ctx, "record.extra") or {}
    level, time = record.get("level"), record.get("time")
    own = {
        "message": record.get("message"),
        "level": level.get("name") if isinstance(level, dict) else level,
        "timestamp": time.get("timestamp") if isinstance(time, dict) else time,
    }
    # The event is loguru's record (its message, level and time); the nested record is the
    # app's fields, which win over loguru's where both name the same thing.
    envelope = to_event({**extra, **own}, ctx, dialect=NAME)
    merged = {**own, **extra}
    exception = as_dict(record.get("exception"), ctx, "record.exception")
    records = normalize_nested(merged, envelope, ctx) if extra else None
    if records is None:
        return [_with_exception_text(envelope, exception)]
    failure = error_fields({"error": exception}, ctx) if exception else {}
    return [
        _with_exception_text(r, exception) if isinstance(r, Event) else with_failure(r, failure)
        for r in records
    ]


def _with_exception_text(event: Event, exception: dict[str, Any] | None) -> Event:
    """Events have no error fields: the exception (loguru's ``{type, value, traceback}``, the
    traceback being a flag; the text is in ``text``) joins the message so search finds it."""
    if not exception:
        return event
    parts = (exception.get("type"), exception.get("value"))
    text = ": ".join(part for part in parts if isinstance(part, str) and part)
    if not text:
        return event
    message = f"{event.message} ({text})" if event.message else text
    return replace_struct(event, {"message": message})

DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
