"""LiteLLM ``StandardLoggingPayload``: one JSON object per call, written by the proxy's and the
SDK's logging callbacks (custom callback dumps, s3/gcs bucket loggers), successes and failures.

The payload already holds what a viewer needs: epoch-float start/end/first-token times, the cost
LiteLLM computed, token counts, the request messages and the OpenAI-shaped response. The call is
keyed by the payload ``id`` so the same payload written by two sinks is one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import (
    Context,
    Dialect,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_str,
    as_ts,
    get_path,
    norm_id,
)
from .messages import param_fields, provider_of_model, response_fields, responses_input_messages

NAME = "litellm"

# LiteLLM call types (sync names; the async ones carry an "a" prefix) -> operation names.
_OPERATIONS = {
    "completion": "chat",
    "responses": "chat",
    "anthropic_messages": "chat",
    "text_completion": "text_completion",
    "embedding": "embeddings",
    "image_generation": "image_generation",
    "transcription": "transcription",
    "speech": "speech",
    "rerank": "rerank",
    "moderation": "moderation",
}
_HTTP_STATUS = re.compile(r"^[1-5][0-9][0-9]$")
_TOKENS = (
    ("input_tokens", "prompt_tokens"),
    ("output_tokens", "completion_tokens"),
    ("total_tokens", "total_tokens"),
)


def claims(obj: dict[str, Any]) -> bool:
    return "call_type" in obj and "startTime" in obj and (
        "response_cost" in obj or "status" in obj or "model" in obj
    )


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    meta = as_dict(obj.get("metadata"), ctx, "metadata") or {}
    call_id = _text(obj.get("id"), ctx, "id")
    trace = _text(obj.get("trace_id"), ctx, "trace_id")
    fields = _response_fields(obj.get("response"), ctx)
    fields.update(_token_fields(obj, obj.get("status") == "failure", ctx))
    fields.update(param_fields(as_dict(obj.get("model_parameters"), ctx, "model_parameters"), ctx))
    fields.update(_timing_fields(obj, ctx))
    fields.update(_status_fields(obj, ctx))
    fields.pop("provider", None)  # the response's OpenAI shape says nothing of the provider
    model, provider = _model_and_provider(obj, fields.pop("model", None), ctx)
    return [
        Call(
            key=f"req:{call_id}" if call_id else "",
            request_id=call_id,
            app=_first_text(meta, ctx, "user_api_key_alias", "user_api_key_team_alias"),
            user=_text(obj.get("end_user"), ctx, "end_user")
            or _first_text(meta, ctx, "user_api_key_end_user_id", "user_api_key_user_id"),
            # LiteLLM groups a session's requests by this id (litellm_session_id/_trace_id).
            session=trace,
            trace_id=norm_id(trace),
            provider=provider,
            model=model,
            operation=_operation(_text(obj.get("call_type"), ctx, "call_type")),
            messages=responses_input_messages(obj.get("messages"), ctx),
            cost_usd=_cost(obj, ctx),
            tags=_tags(obj, meta, ctx),
            dialect=NAME,
            **fields,
        )
    ]


def _response_fields(response: Any, ctx: Context) -> dict[str, Any]:
    """Output, tool calls and finish reason from the logged response: an OpenAI-shaped object
    (LiteLLM answers every provider in that shape), or a plain string."""
    if isinstance(response, str):
        return {"output": response} if response else {}
    if not isinstance(response, dict) or not response:
        return {}
    fields = response_fields(response, ctx)
    fields.pop("response_id", None)
    return fields


def _token_fields(obj: dict[str, Any], failed: bool, ctx: Context) -> dict[str, int]:
    """The payload's own counts. A failed call is logged with zeros that were never counted."""
    fields: dict[str, int] = {}
    for name, key in _TOKENS:
        value = as_int(obj.get(key), ctx, key)
        if value is not None and not (failed and value == 0):
            fields[name] = value
    return fields


def _timing_fields(obj: dict[str, Any], ctx: Context) -> dict[str, float]:
    """Latency from start to end; time to first token only for a stream, because LiteLLM sets
    ``completionStartTime`` to the end time for a call that was not streamed."""
    start = as_ts(obj.get("startTime"), ctx, "startTime")
    end = as_ts(obj.get("endTime"), ctx, "endTime")
    fields: dict[str, float] = {}
    if start is not None:
        fields["ts"] = start
    if start is not None and end is not None and end >= start:
        fields["latency_ms"] = (end - start) * 1000
    first_token = as_ts(obj.get("completionStartTime"), ctx, "completionStartTime")
    streamed = obj.get("stream") is True
    if streamed and start is not None and first_token is not None and first_token >= start:
        fields["ttft_ms"] = (first_token - start) * 1000
    return fields


def _model_and_provider(
    obj: dict[str, Any], response_model: str | None, ctx: Context
) -> tuple[str | None, str | None]:
    """The model asked for (else the one that answered) and the provider that served it."""
    model = (
        _text(obj.get("model"), ctx, "model")
        or _text(get_path(obj, "hidden_params", "litellm_model_name"), ctx, "litellm_model_name")
        or response_model
    )
    provider = (
        _text(obj.get("custom_llm_provider"), ctx, "custom_llm_provider")
        or _text(get_path(obj, "error_information", "llm_provider"), ctx, "llm_provider")
        or provider_of_model(model)
    )
    return model, provider


def _status_fields(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """``ok``, or ``error`` with the class, message and HTTP status LiteLLM recorded."""
    if obj.get("status") != "failure" and not _text(obj.get("error_str"), ctx, "error_str"):
        return {"status": "ok"}
    info = as_dict(obj.get("error_information"), ctx, "error_information") or {}
    code = _text(info.get("error_code"), ctx, "error_information.error_code")
    status = int(code) if code and _HTTP_STATUS.match(code) else None
    return {
        "status": "error",
        "error_type": _text(info.get("error_class"), ctx, "error_information.error_class")
        or code,
        "error_message": _text(info.get("error_message"), ctx, "error_information.error_message")
        or _text(obj.get("error_str"), ctx, "error_str"),
        "http_status": status,
    }


def _cost(obj: dict[str, Any], ctx: Context) -> float | None:
    cost = as_float(obj.get("response_cost"), ctx, "response_cost")
    if cost is None:
        cost = as_float(get_path(obj, "cost_breakdown", "total_cost"), ctx, "cost_breakdown")
    return cost


def _tags(obj: dict[str, Any], meta: dict[str, Any], ctx: Context) -> dict[str, Any] | None:
    """Routing and key facts a LiteLLM user filters on: deployment, cache, team, tags."""
    tags = {
        "model_group": _text(obj.get("model_group"), ctx, "model_group"),
        "model_id": _text(obj.get("model_id"), ctx, "model_id"),
        "api_base": _text(obj.get("api_base"), ctx, "api_base"),
        "cache_hit": obj.get("cache_hit") if isinstance(obj.get("cache_hit"), bool) else None,
        "request_tags": as_list(obj.get("request_tags"), ctx, "request_tags") or None,
        "team_id": _text(meta.get("user_api_key_team_id"), ctx, "user_api_key_team_id"),
        "requester_ip_address": _text(obj.get("requester_ip_address"), ctx, "requester_ip"),
        "spend_logs_metadata": as_dict(meta.get("spend_logs_metadata"), ctx, "spend_logs_metadata")
        or None,
    }
    return {name: value for name, value in tags.items() if value is not None} or None


def _operation(call_type: str | None) -> str | None:
    if call_type is None:
        return None
    if call_type not in _OPERATIONS and call_type.startswith("a"):
        call_type = call_type[1:] if call_type[1:] in _OPERATIONS else call_type
    return _OPERATIONS.get(call_type, call_type)


def _text(value: Any, ctx: Context, name: str) -> str | None:
    """A string field where LiteLLM writes "" for unknown."""
    return as_str(value, ctx, name) or None


def _first_text(meta: dict[str, Any], ctx: Context, *keys: str) -> str | None:
    return next((text for key in keys if (text := _text(meta.get(key), ctx, key))), None)


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
