"""Seed 004's audit log: ``json.dumps(asdict(AuditEntry))`` lines written by FileAuditStorage.

``{timestamp, action, user_id, resource, details, ip_address, user_agent, content_hash}``. An
audit entry records who did what to which resource; it is an ``Event`` (searchable by action,
resource and details) that keeps ``content_hash``, the SHA-256 of the query or content.

Verification: the seed hashes content it does not store (``log_query`` keeps the query's length,
``log_content_filter`` the content's length; ``log_data_access`` stores the query but no hash),
so seed logs never allow it. When a record does carry both -- a hash and ``details.query`` or
``details.content`` -- the hash is checked and a mismatch is reported as a warning, because it
means the content or the hash was altered after the entry was written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from ..records import Record
from .base import Context, Dialect, as_dict, as_str
from .generic_event import to_event
from .logfields import naive_utc_ts, replace_struct

NAME = "audit"

_ENTRY_KEYS = frozenset(("action", "resource", "content_hash"))
_HASHED_DETAILS = ("query", "content")  # the text the seed's _hash_content is given
_DETAILS_IN_MESSAGE = 300  # characters of details kept in the searchable message


def claims(obj: dict[str, Any]) -> bool:
    return obj.keys() >= _ENTRY_KEYS


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    content_hash = as_str(obj.get("content_hash"), ctx, "content_hash")
    details = as_dict(obj.get("details"), ctx, "details")
    if content_hash and details:
        _verify(content_hash, details, ctx)
    event = to_event(obj, ctx, dialect=NAME)
    return [replace_struct(event, {
        "ts": naive_utc_ts(obj.get("timestamp"), ctx),  # AuditEntry uses datetime.utcnow()
        "level": event.level or "info",
        "message": _message(obj, details),
        "content_hash": content_hash.lower() if content_hash else None,
    })]


def _message(obj: dict[str, Any], details: dict[str, Any] | None) -> str:
    """``"<action> <resource> <details as JSON>"``: what free-text search matches."""
    parts = [obj[key] for key in ("action", "resource") if isinstance(obj.get(key), str)]
    text = _compact(details) if details else ""
    if text:
        parts.append(text if len(text) <= _DETAILS_IN_MESSAGE else text[:_DETAILS_IN_MESSAGE] + "…")
    return " ".join(parts) or "audit"


def _compact(details: dict[str, Any]) -> str:
    try:
        return orjson.dumps(details, default=str).decode()
    except (TypeError, ValueError):  # orjson refuses > 64-bit ints and very deep nesting
        return ""


def _verify(content_hash: str, details: dict[str, Any], ctx: Context) -> None:
    content = next((details[k] for k in _HASHED_DETAILS if isinstance(details.get(k), str)), None)
    if content is None:
        return
    if hashlib.sha256(content.encode()).hexdigest() != content_hash.strip().lower():
        ctx.warn("audit: content_hash does not match the SHA-256 of the logged content")


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
