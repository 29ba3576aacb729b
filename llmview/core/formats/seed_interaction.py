"""``llm_interaction`` / ``llm_interaction_full`` lines (seeds 000 and 001).

``log_llm_interaction`` writes ``{event, request_id, model, prompt_messages, llm_raw_response,
parsed_output, timestamp}``; ``log_llm_interaction_with_metadata`` replaces ``model`` by an
``llm_config`` dict (model_name and generation parameters) and adds ``application`` (app, user,
session, host) and ``rag_meta``. Both are written once, after the response, so the epoch-float
``timestamp`` is when the call was logged; no latency is recorded. When the stdlib formatter puts
``asctime - name - level -`` before the JSON, the line reader has already removed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect, as_dict, as_str, as_ts, first
from .logfields import error_fields, request_key, text_of
from .messages import (
    content_text,
    norm_messages,
    param_fields,
    provider_of_model,
    response_fields,
)

NAME = "seed_interaction"
EVENTS = ("llm_interaction", "llm_interaction_full")

# application keys shown as tags (name, user and session have Call fields of their own).
_APP_TAGS = ("version", "request_type", "hostname", "python_version")


def claims(obj: dict[str, Any]) -> bool:
    return obj.get("event") in EVENTS


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    request_id = as_str(obj.get("request_id"), ctx, "request_id")
    config = as_dict(obj.get("llm_config"), ctx, "llm_config") or {}
    app = as_dict(obj.get("application"), ctx, "application") or {}
    fields: dict[str, Any] = {**param_fields(config, ctx), **_response(obj, ctx)}
    # The response names the exact model that served the call; the logged name is what was asked.
    model = as_str(first(obj, "model") or first(config, "model_name", "model"), ctx, "model")
    if model and not fields.get("model"):
        fields["model"] = model
    shape_provider = fields.pop("provider", None)  # many servers answer in OpenAI's shape
    provider = provider_of_model(fields.get("model")) or shape_provider
    fields.update(error_fields(obj, ctx))
    response_id = fields.pop("response_id", None)
    return [Call(
        key=request_key(request_id),
        ts=as_ts(obj.get("timestamp"), ctx),
        request_id=request_id,
        app=text_of(app, ("name",)),
        user=text_of(app, ("user_id",)),
        session=text_of(app, ("session_id",)),
        provider=provider,
        operation="chat",  # both seeds log chat-completion calls
        messages=norm_messages(obj.get("prompt_messages"), ctx),
        parsed_output=obj.get("parsed_output"),
        tags=_tags(app, obj.get("rag_meta"), response_id),
        dialect=NAME,
        **fields,
    )]


def _response(obj: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Output, tool calls, finish reason, usage and model from ``llm_raw_response`` (an
    OpenAI-shaped dict, or whatever the client returned), falling back on ``parsed_output``."""
    raw = obj.get("llm_raw_response")
    fields: dict[str, Any] = response_fields(raw, ctx) if isinstance(raw, dict) else {}
    if not fields.get("output"):
        fields.pop("output", None)
        text = raw if isinstance(raw, str) else obj.get("parsed_output")
        if isinstance(text, (str, list)):
            fields["output"] = content_text(text)
    if raw is not None or "output" in fields:
        fields["status"] = "ok"
    return fields


def _tags(app: dict[str, Any], rag: Any, response_id: str | None) -> dict[str, Any] | None:
    """Application details without a Call field of their own, the RAG settings and the
    provider's response id."""
    tags: dict[str, Any] = {
        f"app_{key}" if key == "version" else key: app[key]
        for key in _APP_TAGS if app.get(key) is not None
    }
    if response_id:
        tags["response_id"] = response_id
    if isinstance(rag, dict) and rag:
        tags["rag"] = rag
    return tags or None


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
