"""python-json-logger envelopes whose LLM record is one nested dict.

``JsonFormatter`` writes the stdlib record's fields (``message``, and whatever the format names:
``asctime``, ``levelname``, ``name``, ...) plus every ``extra``. When the extras are the LLM
fields themselves, the object is claimed directly by the dialect that knows them or by the
heuristic, which run before or instead of this one. When the app passed the record as one nested
dict (``extra={"llm": {...}}``, ``{"data": {...}}``), that dict is unwrapped and mapped through the
registry, and the envelope's time, level and ids fill what the nested record lacks; a traceback
the envelope carries (``exc_info``) marks the nested call failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Record
from .base import Context, Dialect
from .generic_event import to_event
from .logfields import (
    claimed_by_registry,
    error_fields,
    looks_like_call,
    normalize_nested,
    with_failure,
)

NAME = "json_logger"


def claims(obj: dict[str, Any]) -> bool:
    """A logging message, no LLM fields of its own, and exactly one nested dict that some
    dialect would map."""
    message = obj.get("message", obj.get("msg"))
    if not isinstance(message, str) or looks_like_call(obj):
        return False
    return _nested_key(obj) is not None


def _nested_key(obj: dict[str, Any]) -> str | None:
    found = None
    for key, value in obj.items():
        if isinstance(value, dict) and claimed_by_registry(value):
            if found is not None:
                return None  # two candidates: which one is "the" record is a guess
            found = key
    return found


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    key = _nested_key(obj)
    envelope = {name: value for name, value in obj.items() if name != key}
    event = to_event(envelope, ctx, dialect=NAME)
    records = normalize_nested(obj[key], event, ctx) if key is not None else None
    if records is None:
        return [event]
    # ``logger.exception(...)`` puts the traceback in the envelope, not in the nested record.
    traceback = envelope.get("exc_info")
    failure = error_fields({"error": traceback}, ctx) if isinstance(traceback, str) else {}
    return [with_failure(record, failure) for record in records]


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
