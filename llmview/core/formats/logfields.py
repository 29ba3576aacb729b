"""Field names and small mappings shared by the log-line dialects (not a dialect itself).

Application logs name the same facts in many ways (``model``/``model_name``/``engine``,
``latency``/``duration_ms``/``response_time_s``, ``error`` as text, as an object or as a
traceback). The alias tables below are the one place those spellings live: the ``heuristic``
dialect maps a whole record through them, ``raw_response`` maps the request fields next to a
provider response, and the envelope dialects (``json_logger``, ``loguru_record``) unwrap a nested
record and hand it back to the registry through :func:`normalize_nested`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

import msgspec

from ..records import Call, Event, Problem, Record, Span
from .base import (
    UTC,
    Context,
    as_float,
    as_int,
    as_str,
    as_ts,
    exception_name,
    first,
    norm_id,
)
from .generic_event import TIME_KEYS
from .messages import (
    logged_messages,
    output_fields,
    param_fields,
    provider_of_model,
    tool_calls_of,
    usage_fields,
)

# --- alias tables ----------------------------------------------------------------------------

MODEL_KEYS = ("model", "model_name", "llm_model", "model_id", "engine", "deployment_name",
              "llm.model")
PROMPT_KEYS = ("messages", "prompt_messages", "prompt", "input", "inputs", "question", "query",
               "user_input", "user_message")
RESPONSE_KEYS = ("response", "completion", "output", "answer", "content", "result",
                 "generated_text", "output_text", "response_text", "reply")
INPUT_TOKEN_KEYS = ("input_tokens", "prompt_tokens", "tokens_in", "input_token_count",
                    "prompt_token_count", "num_input_tokens")
OUTPUT_TOKEN_KEYS = ("output_tokens", "completion_tokens", "tokens_out", "output_token_count",
                     "completion_token_count", "num_output_tokens", "generated_tokens")
TOTAL_TOKEN_KEYS = ("total_tokens", "tokens", "token_count", "tokens_total", "num_tokens")
LATENCY_KEYS = ("latency_ms", "duration_ms", "elapsed_ms", "response_time_ms", "latency_s",
                "latency_seconds", "duration_s", "duration_seconds", "elapsed_s",
                "elapsed_seconds", "response_time_s", "response_time_seconds", "latency",
                "duration", "elapsed", "response_time", "elapsed_time", "time_taken")
TTFT_KEYS = ("ttft_ms", "time_to_first_token_ms", "ttft_s", "time_to_first_token_s", "ttft",
             "time_to_first_token")
ERROR_KEYS = ("error", "exception", "err", "error_message", "error_msg", "exc_info")
ERROR_TYPE_KEYS = ("error_type", "exception_type", "error_class", "error_code", "exc_type")
HTTP_STATUS_KEYS = ("http_status", "status_code", "http_status_code", "http.status_code")
REQUEST_ID_KEYS = ("request_id", "requestId", "req_id", "call_id", "llm_request_id")
USER_KEYS = ("user_id", "userId", "user", "username", "end_user")
SESSION_KEYS = ("session_id", "sessionId", "session", "chat_id")
CONVERSATION_KEYS = ("conversation_id", "conversationId", "thread_id", "threadId")
TRACE_KEYS = ("trace_id", "traceId", "tags.trace_id", "otelTraceID", "dd.trace_id")
SPAN_KEYS = ("span_id", "spanId", "tags.span_id", "otelSpanID", "dd.span_id")
START_KEYS = ("start_time", "started_at", "startTime", "start_ts")
END_KEYS = ("end_time", "ended_at", "endTime", "completed_at", "end_ts")
PROVIDER_KEYS = ("provider", "llm_provider", "model_provider", "vendor", "api_provider")
APP_KEYS = ("app", "app_name", "application", "service", "service_name", "otelServiceName")
OPERATION_KEYS = ("operation", "call_type", "request_type", "task")
COST_KEYS = ("cost_usd", "cost", "estimated_cost", "total_cost", "response_cost", "price_usd")
FINISH_KEYS = ("finish_reason", "stop_reason", "finishReason")
TOOL_CALL_KEYS = ("tool_calls", "function_calls")
PARAM_CONTAINER_KEYS = ("params", "parameters", "model_parameters", "model_params",
                        "generation_config", "llm_config", "invocation_params")
PARAM_KEYS = ("temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens",
              "max_output_tokens", "max_new_tokens", "seed", "stop", "frequency_penalty",
              "presence_penalty", "n", "response_format")

# Fields whose presence next to a model name makes a record an LLM call.
CALL_EVIDENCE_KEYS = frozenset(
    PROMPT_KEYS + RESPONSE_KEYS + INPUT_TOKEN_KEYS + OUTPUT_TOKEN_KEYS + TOTAL_TOKEN_KEYS
    + ("usage",)
)

_ERROR_STATUSES = frozenset(("error", "failed", "failure", "fail", "exception", "timeout"))
_OK_STATUSES = frozenset(("ok", "success", "succeeded", "completed", "complete", "done"))
# Streaming deltas name themselves: OpenAI "chat.completion.chunk", Anthropic
# "content_block_delta", app events such as "llm_stream_token".
_STREAM_MARKERS = ("chunk", "delta", "stream_token", "token_stream")


def model_of(obj: dict[str, Any]) -> str | None:
    """The first non-empty model name under a model alias."""
    value = first(obj, *MODEL_KEYS)
    return value if isinstance(value, str) and value else None


def is_stream_chunk(obj: dict[str, Any]) -> bool:
    """A streaming delta (a piece of a call, not a call): judged by its self-declared type."""
    for key in ("object", "type", "event"):
        value = obj.get(key)
        if isinstance(value, str) and any(mark in value.lower() for mark in _STREAM_MARKERS):
            return True
    return False


def looks_like_call(obj: dict[str, Any]) -> bool:
    """A model name plus a prompt, a response or token counts, and not a streaming delta."""
    if model_of(obj) is None or is_stream_chunk(obj):
        return False
    return any(key in obj for key in CALL_EVIDENCE_KEYS)


def text_of(obj: dict[str, Any], keys: Iterable[str]) -> str | None:
    """The first alias holding a string (or an integer, as text). Other types are skipped without
    a warning: a generic name such as ``user`` or ``application`` may well hold an object."""
    for key in keys:
        value = first(obj, key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # numeric user and session ids
    return None


# --- numbers with units ------------------------------------------------------------------------

_SECONDS_SUFFIXES = ("_s", "_sec", "_secs", "_seconds", "seconds")


def duration_ms(obj: dict[str, Any], keys: Iterable[str], ctx: Context) -> float | None:
    """A duration in milliseconds from the first alias present. The unit comes from the name
    (``*_ms``; ``*_s``/``*_seconds``); a bare ``latency``/``duration`` holding a fraction below
    60 is taken as seconds (``time.time()`` differences), any other bare value as milliseconds."""
    for key in keys:
        if obj.get(key) is None:
            continue
        value = as_float(obj[key], ctx, key)
        if value is None:
            return None
        if value < 0:
            ctx.warn(f"{key}: a negative duration ({value}) is not a latency")
            return None
        if key.endswith("_ms"):
            return value
        if key.endswith(_SECONDS_SUFFIXES) or (not value.is_integer() and value < 60):
            return value * 1000.0
        return value
    return None


def token_fields(obj: dict[str, Any], ctx: Context) -> dict[str, int]:
    """input/output/total tokens from flat aliases, else from a provider ``usage`` object."""
    fields = usage_fields(obj.get("usage"), ctx)
    for name, keys in (("input_tokens", INPUT_TOKEN_KEYS), ("output_tokens", OUTPUT_TOKEN_KEYS),
                       ("total_tokens", TOTAL_TOKEN_KEYS)):
        key = next((k for k in keys if isinstance(obj.get(k), (int, float, str))), None)
        if key is not None and not isinstance(obj[key], bool):
            value = as_int(obj[key], ctx, key)
            if value is not None:
                fields[name] = value
    if "total_tokens" not in fields and "input_tokens" in fields and "output_tokens" in fields:
        fields["total_tokens"] = fields["input_tokens"] + fields["output_tokens"]
    return fields


def unknown_zero_tokens(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop token counts of 0 from a failed call: loggers that default counts to 0 (seed 003's
    ``LLMResponseLog``, seed 004's ``LLMLogEntry``) write 0 when no usage came back."""
    return {
        name: value for name, value in fields.items()
        if not (name.endswith("_tokens") and value == 0)
    }


def naive_utc_ts(value: Any, ctx: Context, name: str = "timestamp") -> float | None:
    """A time whose naive ISO form means UTC, for code that writes
    ``datetime.utcnow().isoformat()`` (seed 004) rather than local time."""
    return as_ts(value, replace(ctx, tz=UTC), name)


# --- errors ------------------------------------------------------------------------------------

# The OpenAI and Anthropic SDKs render an HTTP error as "Error code: 429 - {...}".
_HTTP_IN_TEXT = re.compile(r"\b(?:Error code|status code|HTTP)[: ]+([1-5]\d\d)\b", re.IGNORECASE)
_TRACEBACK_LAST = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s*(.*))?$", re.DOTALL)


def error_fields(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """``status="error"`` with error_type, error_message and http_status when the record says
    the call failed (an error alias, a failure status, an HTTP status >= 400); otherwise only
    ``status="ok"`` when a status field says so explicitly, or nothing."""
    fields: dict[str, Any] = {}
    error = first(obj, *ERROR_KEYS)
    if isinstance(error, dict):
        fields.update(_error_object(error, ctx))
    elif error is True or (isinstance(error, str) and error.strip()):
        fields["status"] = "error"
        if isinstance(error, str):
            fields.update(_error_text(error))
    elif error is not None and not isinstance(error, (bool, str)):
        message = as_str(error, ctx, "error")
        if message is not None:
            fields.update(status="error", error_message=message)
    kind = as_str(first(obj, *ERROR_TYPE_KEYS), ctx, "error_type")
    if kind:
        fields["error_type"] = kind
    http = as_int(first(obj, *HTTP_STATUS_KEYS), ctx, "http_status")
    status = obj.get("status")
    if http is None and isinstance(status, int) and 100 <= status < 600:
        http = status  # "status": 429 is an HTTP status
    if http is not None:
        fields.setdefault("http_status", http)
    fields.update(_status_flag(obj, fields))
    if fields.get("status") != "error":
        fields.pop("error_type", None)  # "error_code": null-like fields of a success
    return fields


def _status_flag(obj: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status")
    if isinstance(status, str) and status.lower() in _ERROR_STATUSES:
        return {"status": "error"}
    if (fields.get("http_status") or 0) >= 400 or obj.get("success") is False:
        return {"status": "error"}
    if "status" in fields:
        return {}
    if (isinstance(status, str) and status.lower() in _OK_STATUSES) or obj.get("success") is True:
        return {"status": "ok"}
    return {}


def _error_text(text: str) -> dict[str, Any]:
    """Type and message from error text: ``"RateLimitError: ..."``, a Python traceback (its
    last line names the exception) or an SDK's ``"Error code: 429 - {...}"``."""
    text = text.strip()
    fields: dict[str, Any] = {"error_message": text}
    if text.startswith("Traceback (most recent call last)"):
        last = text.rstrip().rsplit("\n", 1)[-1].strip()
        match = _TRACEBACK_LAST.match(last)
        if match:
            fields["error_type"] = match.group(1).rsplit(".", 1)[-1]
            fields["error_message"] = (match.group(2) or last).strip()
    else:
        kind = exception_name(text)
        if kind:
            fields["error_type"] = kind
    http = _HTTP_IN_TEXT.search(text[:300])
    if http:
        fields["http_status"] = int(http.group(1))
    return fields


def _error_object(error: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """An error object: ``{type|code|name, message|value|detail}`` (loguru exceptions, OpenAI
    error bodies, ``{"error": {...}}`` wrappers)."""
    inner = error.get("error")
    if isinstance(inner, dict):
        error = {**error, **inner}
    fields: dict[str, Any] = {"status": "error"}
    kind = first(error, "type", "code", "name", "exc_type")
    message = first(error, "message", "msg", "value", "detail", "error")
    if isinstance(message, str) and message.strip():
        fields.update(_error_text(message))
    elif message is not None:
        fields["error_message"] = as_str(message, ctx, "error.message")
    if isinstance(kind, (str, int)) and not isinstance(kind, bool):
        fields["error_type"] = str(kind)
    http = as_int(first(error, "status", "status_code", "http_status"), ctx, "error.status")
    if http is not None:
        fields["http_status"] = http
    return fields


# --- a whole record through the alias tables -------------------------------------------------


def call_fields(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Every Call field the alias tables find in ``obj`` (keys absent when unknown), except
    ``key`` and ``dialect``: the mapping of an application log line of unknown shape."""
    fields: dict[str, Any] = {}
    fields.update(_params(obj, ctx))
    prompt_key = next((k for k in PROMPT_KEYS if obj.get(k) is not None), None)
    if prompt_key is not None:
        fields["messages"] = logged_messages(obj[prompt_key], ctx)
    response_key = next((k for k in RESPONSE_KEYS if obj.get(k) is not None), None)
    if response_key is not None:
        output = output_fields(obj[response_key], ctx)
        output.pop("response_id", None)
        fields.update(output)
    fields.update(token_fields(obj, ctx))
    fields.update(_identity(obj, ctx))
    fields.update(_timing(obj, ctx))
    fields.update(_outcome(obj, ctx))
    model = model_of(obj)
    if model is not None:
        fields["model"] = model
    # The response shape names the provider only weakly (many servers speak OpenAI's API), so
    # the model's maker comes before it.
    fields["provider"] = (
        text_of(obj, PROVIDER_KEYS) or provider_of_model(fields.get("model"))
        or fields.get("provider")
    )
    status = fields.get("status")
    if status is None and any(
        fields.get(name) is not None
        for name in ("output", "output_tokens", "finish_reason", "latency_ms", "tool_calls")
    ):
        fields["status"] = "ok"
    return {name: value for name, value in fields.items() if value is not None}


def _params(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    container = next(
        (obj[k] for k in PARAM_CONTAINER_KEYS if isinstance(obj.get(k), dict)), None
    )
    flat = {key: obj[key] for key in PARAM_KEYS if key in obj}
    return param_fields({**(container or {}), **flat}, ctx)


def _identity(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    return {
        "request_id": text_of(obj, REQUEST_ID_KEYS),
        "app": text_of(obj, APP_KEYS),
        "user": text_of(obj, USER_KEYS),
        "session": text_of(obj, SESSION_KEYS),
        "conversation": text_of(obj, CONVERSATION_KEYS),
        "trace_id": norm_id(first(obj, *TRACE_KEYS)),
        "span_id": norm_id(first(obj, *SPAN_KEYS)),
        "operation": text_of(obj, OPERATION_KEYS),
    }


def _timing(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Start time, latency and TTFT. A log line is usually written when the call ends, so an
    end time without a start is moved back by the latency; a bare timestamp is kept as is."""
    latency = duration_ms(obj, LATENCY_KEYS, ctx)
    start = as_ts(first(obj, *START_KEYS), ctx, "start_time")
    if start is None:
        end = as_ts(first(obj, *END_KEYS), ctx, "end_time")
        if end is not None and latency is not None:
            start = end - latency / 1000.0
        if start is None:
            start = as_ts(first(obj, *TIME_KEYS), ctx) if end is None else end
    return {"ts": start, "latency_ms": latency, "ttft_ms": duration_ms(obj, TTFT_KEYS, ctx)}


def _outcome(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    fields: dict[str, Any] = error_fields(obj, ctx)
    finish = first(obj, *FINISH_KEYS)
    if isinstance(finish, str):
        fields["finish_reason"] = finish
    calls_key = next((k for k in TOOL_CALL_KEYS if isinstance(obj.get(k), list)), None)
    if calls_key is not None:
        calls = tool_calls_of({"tool_calls": obj[calls_key]})
        if calls:
            fields["tool_calls"] = calls
    cost = as_float(first(obj, *COST_KEYS), ctx, "cost")
    if cost is not None and cost >= 0:
        fields["cost_usd"] = cost
    return fields


def request_key(request_id: str | None) -> str:
    """The merge key of a call identified by a request id shared by its parts or sinks."""
    return f"req:{request_id}" if request_id else ""


# --- envelopes: a record nested in a logging library's own record -----------------------------

# Envelope dialects hand the nested record back to the registry; the depth stops a record that
# nests envelopes in envelopes (hostile or accidental) from recursing without end.
_DEPTH: ContextVar[int] = ContextVar("llmview_envelope_depth", default=0)
_MAX_DEPTH = 4
ENVELOPE_DIALECTS = frozenset(("json_logger", "loguru_record"))


def claimed_by_registry(obj: dict[str, Any]) -> bool:
    """Some non-envelope dialect would map ``obj`` (so it is not left to the generic event)."""
    from . import DIALECTS  # the registry imports this module's users: import on first use

    for dialect in DIALECTS:
        if dialect.name in ENVELOPE_DIALECTS:
            continue
        try:
            if dialect.claims(obj):
                return True
        except Exception:  # noqa: BLE001 - a check on odd input is a "no"
            continue
    return False


def normalize_nested(
    inner: dict[str, Any], envelope: Event, ctx: Context
) -> list[Record] | None:
    """The records the registry makes of ``inner``, with the envelope's time, level, user,
    session, app and trace ids filling what the inner record lacks; None when no dialect
    claimed it (the caller then keeps the envelope as an event). Warnings land in ``ctx``."""
    from . import normalize  # the registry imports this module's users: import on first use

    depth = _DEPTH.get()
    if depth >= _MAX_DEPTH:
        return None
    token = _DEPTH.set(depth + 1)
    try:
        inner_ctx = Context(path=ctx.path, tz=ctx.tz)
        records = [r for r in normalize(inner, inner_ctx) if not isinstance(r, Problem)]
    finally:
        _DEPTH.reset(token)
    for reason in inner_ctx.warnings:
        ctx.warn(reason)
    if all(isinstance(r, Event) and r.dialect == "event" for r in records):
        return None
    return [_with_envelope(record, envelope) for record in records]


_ENVELOPE_FIELDS = ("ts", "app", "user", "session", "trace_id", "span_id")


def _with_envelope(record: Record, envelope: Event) -> Record:
    if isinstance(record, (Span, Problem)):
        return record
    changes = {
        name: getattr(envelope, name) for name in _ENVELOPE_FIELDS
        if getattr(record, name) is None and getattr(envelope, name) is not None
    }
    if isinstance(record, Event) and record.level is None and envelope.level is not None:
        changes["level"] = envelope.level
    return replace_struct(record, changes)


def with_failure(record: Record, failure: dict[str, Any]) -> Record:
    """A call marked failed by what its envelope logged (a loguru exception, a stdlib
    ``exc_info`` traceback), unless the call already records its own error. Failure fields
    come from :func:`error_fields`."""
    if not isinstance(record, Call) or failure.get("status") != "error" or record.error_message:
        return record
    return replace_struct(record, {
        "status": "error",
        "error_type": record.error_type or failure.get("error_type"),
        "error_message": failure.get("error_message"),
        "http_status": record.http_status or failure.get("http_status"),
    })


def replace_struct(record: Call | Event, changes: dict[str, Any]) -> Any:
    """A copy of a msgspec record with some fields changed."""
    return msgspec.structs.replace(record, **changes) if changes else record
