"""A raw provider response object (OpenAI chat/Responses, Anthropic Messages, Gemini), logged as
the whole line or in a field next to the request fields.

Apps often log ``response.model_dump()`` as is, or ``{"model", "messages", "temperature", ...,
"response": <response>}``. The response gives the output, tool calls, finish reason, usage (each
provider names it differently) and the model that served the call; the fields around it give
the prompt, parameters, ids, timing and errors through the shared alias tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect, as_ts, first
from .logfields import PROVIDER_KEYS, call_fields, is_stream_chunk, request_key, text_of
from .messages import is_response, provider_of_model, request_fields, response_fields

NAME = "raw_response"

RESPONSE_FIELDS = ("response", "llm_response", "raw_response", "llm_raw_response", "completion",
                   "result", "output")
REQUEST_FIELDS = ("request", "request_body", "llm_request", "kwargs")
# Every provider response names its model (Gemini: modelVersion) or its usage.
_WHOLE_LINE_KEYS = ("model", "modelVersion", "usage", "usageMetadata")


def claims(obj: dict[str, Any]) -> bool:
    if is_stream_chunk(obj):
        return False
    if is_response(obj):
        return any(key in obj for key in _WHOLE_LINE_KEYS)
    return _response_key(obj) is not None


def _response_key(obj: dict[str, Any]) -> str | None:
    for key in RESPONSE_FIELDS:
        value = obj.get(key)
        if is_response(value) and not is_stream_chunk(value):
            return key
    return None


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    key = None if is_response(obj) else _response_key(obj)
    response = obj if key is None else obj[key]
    around = {} if key is None else {name: value for name, value in obj.items() if name != key}
    fields = _request(around, ctx)
    answer = response_fields(response, ctx)
    response_id = answer.pop("response_id", None)
    shape_provider = answer.pop("provider", None)
    fields.update(answer)
    # Many servers answer in OpenAI's shape, so the shape names the provider last.
    fields["provider"] = (
        text_of(around, PROVIDER_KEYS) or provider_of_model(fields.get("model")) or shape_provider
    )
    fields.setdefault("ts", as_ts(first(response, "created", "created_at"), ctx, "created"))
    if fields.get("status") != "error":
        fields["status"] = "ok"
    return [Call(
        key=request_key(fields.get("request_id")),
        operation=fields.pop("operation", None) or _operation(response),
        tags={"response_id": response_id} if response_id else None,
        dialect=NAME,
        **fields,
    )]


def _request(around: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Fields of the request logged next to the response: a nested request body, then the
    flat fields (prompt, parameters, ids, timing, errors)."""
    body = next((around[k] for k in REQUEST_FIELDS if isinstance(around.get(k), dict)), None)
    fields = request_fields(body, ctx) if body else {}
    fields.update(call_fields(around, ctx) if around else {})
    return {name: value for name, value in fields.items() if value is not None}


def _operation(response: dict[str, Any]) -> str:
    return "text_completion" if response.get("object") == "text_completion" else "chat"


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
