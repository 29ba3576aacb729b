"""Seed 003's ``LLMRequestLog`` / ``LLMResponseLog`` records.

``LLMLogger`` logs the request before the call and the response after it, as two records sharing
``request_id``; they merge into one call (key ``req:<id>``) in either order. The records appear
flat (``FileLogStorage`` writes the dicts to ``llm_logs_YYYY-MM-DD.jsonl``) or wrapped by stdlib
logging through python-json-logger: ``{"message": "LLM_REQUEST" | "LLM_RESPONSE", "llm_log":
{...}, "asctime": ...}``. Timestamps are naive ``datetime.now().isoformat()`` (local time). The
response timestamp is when the call ended, so its start is that minus ``latency_ms``. A failed
call is logged with ``finish_reason="error"``, the error text, and the dataclass's default token
counts of 0, which mean "no usage came back", not zero tokens.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect, as_float, as_int, as_str, as_ts, first, norm_id
from .generic_event import TIME_KEYS
from .logfields import error_fields, request_key, unknown_zero_tokens
from .messages import norm_messages, provider_of_model, usage_fields

NAME = "seed_request_log"
REQUEST, RESPONSE = "LLM_REQUEST", "LLM_RESPONSE"

# Every key ``asdict`` writes for each dataclass that tells the two apart from other logs.
_REQUEST_KEYS = frozenset(("request_id", "timestamp", "model", "messages", "trace_id"))
_RESPONSE_KEYS = frozenset(("request_id", "timestamp", "content", "finish_reason", "latency_ms"))


def claims(obj: dict[str, Any]) -> bool:
    if obj.get("message") in (REQUEST, RESPONSE) and isinstance(obj.get("llm_log"), dict):
        return True
    return "event" not in obj and (obj.keys() >= _REQUEST_KEYS or obj.keys() >= _RESPONSE_KEYS)


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    log, logged_at = obj, None
    if isinstance(obj.get("llm_log"), dict) and obj.get("message") in (REQUEST, RESPONSE):
        log = obj["llm_log"]
        logged_at = as_ts(first(obj, *TIME_KEYS), ctx)  # the envelope's time, if the log lacks one
        is_request = obj["message"] == REQUEST
    else:
        is_request = "messages" in log and "model" in log
    request_id = as_str(log.get("request_id"), ctx, "request_id")
    logged_at = as_ts(log.get("timestamp"), ctx) or logged_at
    if is_request:
        return [_request(log, request_id, logged_at, ctx)]
    return [_response(log, request_id, logged_at, ctx)]


def _request(log: dict[str, Any], request_id: str | None, ts: float | None, ctx: Context) -> Call:
    """The request part: what was asked, by whom, in which trace. An empty message list means
    the logger was told not to log prompts, so the prompt is unknown rather than empty."""
    model = as_str(log.get("model"), ctx, "model")
    return Call(
        key=request_key(request_id),
        ts=ts,
        request_id=request_id,
        user=as_str(log.get("user_id"), ctx, "user_id"),
        session=as_str(log.get("session_id"), ctx, "session_id"),
        trace_id=norm_id(log.get("trace_id")),
        provider=provider_of_model(model),
        model=model,
        operation="chat",  # LoggingLLMClient wraps chat.completions.create
        temperature=as_float(log.get("temperature"), ctx, "temperature"),
        max_tokens=as_int(log.get("max_tokens"), ctx, "max_tokens"),
        messages=norm_messages(log.get("messages"), ctx) or None,
        dialect=NAME,
    )


def _response(
    log: dict[str, Any], request_id: str | None, ended: float | None, ctx: Context
) -> Call:
    """The response part: output, usage, latency and outcome. Starts ``latency_ms`` before the
    line was written."""
    latency = as_float(log.get("latency_ms"), ctx, "latency_ms")
    outcome = error_fields(log, ctx)
    finish = as_str(log.get("finish_reason"), ctx, "finish_reason")
    failed = outcome.get("status") == "error" or finish == "error"
    tokens = usage_fields(log, ctx)
    content = as_str(log.get("content"), ctx, "content")
    return Call(
        key=request_key(request_id),
        ts=ended - latency / 1000.0 if ended is not None and latency is not None else ended,
        request_id=request_id,
        output=content or None,
        finish_reason=None if failed else finish,
        latency_ms=latency,
        cost_usd=as_float(log.get("estimated_cost"), ctx, "estimated_cost"),
        status="error" if failed else "ok",
        error_type=outcome.get("error_type"),
        error_message=outcome.get("error_message"),
        http_status=outcome.get("http_status"),
        dialect=NAME,
        **(unknown_zero_tokens(tokens) if failed else tokens),
    )


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
