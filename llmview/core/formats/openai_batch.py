"""OpenAI Batch API files: the input JSONL a user uploads and the output/error JSONL OpenAI returns.

An input line ``{"custom_id", "method", "url", "body"}`` is the request; an output line
``{"id": "batch_req_…", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``
is its result. Both become parts of one call keyed by ``custom_id``, so the call shows its prompt
and its answer whichever file is read first. Only the output part carries tags, because the store
keeps the first non-null tags it sees and the batch request id must survive.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect, as_dict, as_int, as_str, as_ts, first
from .messages import request_fields, response_fields

NAME = "openai_batch"

# The endpoint of a batch line names the operation (OpenTelemetry GenAI operation names).
_OPERATIONS = {
    "/v1/chat/completions": "chat",
    "/v1/responses": "chat",
    "/v1/completions": "text_completion",
    "/v1/embeddings": "embeddings",
    "/v1/moderations": "moderation",
}
# The object type of a response body names it when the input file is not at hand.
_OBJECT_OPERATIONS = {
    "chat.completion": "chat",
    "response": "chat",
    "text_completion": "text_completion",
    "list": "embeddings",
}


def claims(obj: dict[str, Any]) -> bool:
    return "custom_id" in obj and (
        "response" in obj or "error" in obj or "body" in obj or "url" in obj
    )


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    custom_id = as_str(obj.get("custom_id"), ctx, "custom_id")
    key = f"req:batch:{custom_id}" if custom_id else ""
    if "response" in obj or "error" in obj:
        return [_output_call(obj, key, custom_id, ctx)]
    return [_input_call(obj, key, ctx)]


def _input_call(obj: dict[str, Any], key: str, ctx: Context) -> Call:
    """The request part: what was asked, of which model, with which parameters."""
    url = as_str(obj.get("url"), ctx, "url")
    body = as_dict(obj.get("body"), ctx, "body") or {}
    fields = request_fields(body, ctx)
    return Call(
        key=key,
        provider="openai",
        operation=_OPERATIONS.get(url or "", url),
        dialect=NAME,
        **fields,
    )


def _output_call(obj: dict[str, Any], key: str, custom_id: str | None, ctx: Context) -> Call:
    """The result part: the response body (or the error), its HTTP status and request ids."""
    response = as_dict(obj.get("response"), ctx, "response") or {}
    body = as_dict(response.get("body"), ctx, "response.body") or {}
    fields = {"provider": "openai", **response_fields(body, ctx)}
    response_id = fields.pop("response_id", None)
    status_code = as_int(response.get("status_code"), ctx, "response.status_code")
    error = _error(obj, body, status_code, ctx)
    tags = {
        "batch_request_id": as_str(obj.get("id"), ctx, "id"),
        "custom_id": custom_id,
        "response_id": response_id,
    }
    return Call(
        key=key,
        ts=as_ts(first(body, "created", "created_at"), ctx, "response.body.created"),
        request_id=as_str(response.get("request_id"), ctx, "response.request_id"),
        operation=_OBJECT_OPERATIONS.get(as_str(body.get("object"), ctx, "object") or ""),
        status="error" if error else "ok" if body else None,
        error_type=error.get("type") if error else None,
        error_message=error.get("message") if error else None,
        http_status=status_code,
        tags={name: value for name, value in tags.items() if value is not None} or None,
        dialect=NAME,
        **fields,
    )


def _error(
    obj: dict[str, Any], body: dict[str, Any], status_code: int | None, ctx: Context
) -> dict[str, str | None]:
    """``{type, message}`` of a failed request: the line's own ``error`` (expired, failed to
    run) or the API error in a 4xx/5xx body; empty when the request succeeded."""
    error = as_dict(obj.get("error"), ctx, "error")
    if error is None and ((status_code or 0) >= 400 or isinstance(body.get("error"), dict)):
        error = as_dict(body.get("error"), ctx, "response.body.error") or {}
    if error is None:
        return {}
    kind = as_str(first(error, "code", "type"), ctx, "error.code")
    message = as_str(error.get("message"), ctx, "error.message")
    if kind is None and message is None:
        kind = f"HTTP {status_code}" if status_code else "error"
    return {"type": kind, "message": message}


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
