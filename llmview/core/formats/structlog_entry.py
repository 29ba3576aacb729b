"""Seed 004's ``llm_request`` records, from structlog's JSONRenderer and from the log file.

``LLMLogger._write_log`` sends ``asdict(LLMLogEntry)`` (None values removed) to structlog as
``logger.info("llm_request", **entry)`` -- adding ``event``, ``logger``, ``level`` and replacing
``timestamp`` by the TimeStamper's UTC time -- and, when ``log_file`` is set, writes the same dict
with ``json.dumps``. The two sinks share ``request_id`` and merge into one call. The simpler
``log_llm_request`` writes ``event="llm_request"`` with ``input_tokens``/``output_tokens``.

Facts of that code this mapping relies on: the entry is written after the call returned, so the
call started ``latency_ms`` before its timestamp; timestamps come from ``datetime.utcnow()``, so a
naive one is UTC; messages are absent unless ``include_messages`` (privacy default); failed calls
keep the dataclass's 0 token counts, which mean unknown; ``tags`` holds ``trace_id``/``span_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect
from .logfields import call_fields, naive_utc_ts, request_key, unknown_zero_tokens

NAME = "structlog_entry"
EVENT = "llm_request"

_ENTRY_KEYS = frozenset(("request_id", "timestamp", "model", "provider", "operation"))
# LLMLogEntry.operation values -> operation names shared with the other dialects (OTel GenAI).
_OPERATIONS = {"completion": "chat", "function_call": "chat", "embedding": "embeddings"}


def claims(obj: dict[str, Any]) -> bool:
    if obj.get("event") == EVENT and "model" in obj:
        return True
    return obj.keys() >= _ENTRY_KEYS


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    """The entry's fields through the shared alias tables (so fields an app adds to its own
    ``llm_request`` events, such as a prompt or a response, are kept), then what this code
    means by them: UTC times, the start before the log time, 0 tokens on failure."""
    fields = call_fields({k: v for k, v in obj.items() if k != "timestamp"}, ctx)
    logged_at = naive_utc_ts(obj.get("timestamp"), ctx)
    latency = fields.get("latency_ms")
    fields["ts"] = logged_at - latency / 1000.0 if logged_at is not None and latency else logged_at
    failed = fields.get("status") == "error" or obj.get("level") == "error"
    fields["status"] = "error" if failed else "ok"
    if failed:
        fields = unknown_zero_tokens(fields)
    operation = fields.get("operation")
    fields["operation"] = _OPERATIONS.get(operation, operation) if operation else None
    tags = obj.get("tags")
    fields["tags"] = tags if isinstance(tags, dict) and tags else None
    return [Call(key=request_key(fields.get("request_id")), dialect=NAME, **fields)]


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
