"""What every span dialect shares once it has decoded its envelope: the span's kind, its error,
and the LLM call it made (not a dialect itself).

The span dialects (seed 003's tracer, OTLP JSON, the SDK console exporter, OpenTelemetry-JS) each
turn their own shape into a ``Span`` whose ``attributes`` is a flat key -> plain JSON value dict
and whose ``events`` are ``{"name", "ts", "attributes"}`` dicts, then hand it to
:func:`span_records`. Instrumentations spell the same facts differently; all of them are read
here, in this order of trust when two disagree:

- OpenTelemetry GenAI semantic conventions, old and new: ``gen_ai.system`` /
  ``gen_ai.provider.name``, ``gen_ai.usage.prompt_tokens`` / ``input_tokens``,
  ``gen_ai.input.messages`` / ``gen_ai.output.messages`` (parts-based messages, JSON text or
  structured), ``gen_ai.system_instructions``, and the message events (``gen_ai.user.message``,
  ``gen_ai.choice``, ``gen_ai.content.prompt``, ...) of the versions in between;
- OpenLLMetry (Traceloop): indexed ``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*``,
  ``llm.request.type``, ``llm.usage.total_tokens``, ``traceloop.span.kind``;
- OpenInference (Phoenix, Arize): ``openinference.span.kind``, ``llm.model_name``,
  ``llm.token_count.*``, indexed ``llm.input_messages.N.message.*``,
  ``llm.invocation_parameters``, ``input.value`` / ``output.value``;
- Vercel AI SDK: ``ai.model.id``, ``ai.usage.*``, ``ai.prompt.messages``, ``ai.response.*``;
- seed 003's tracer: span names ``llm.<operation>``, ``chain.<step>``, ``retrieval`` and the
  attributes ``llm.model``, ``llm.prompt_tokens``, ``llm.completion_tokens``, ``llm.total_tokens``.

Which spans are calls: those whose kind is ``llm`` or ``embedding``. Wrappers, which repeat their
children's usage but sent no request themselves, get another kind and so never yield a call:
Vercel's ``ai.generateText`` / ``ai.streamText`` / ``ai.generateObject`` / ``ai.streamObject`` /
``ai.embed`` / ``ai.embedMany`` (kind ``chain``; the request is their ``.doGenerate`` /
``.doStream`` / ``.doEmbed`` child), OpenInference CHAIN and AGENT spans, GenAI ``invoke_agent``
/ ``create_agent`` spans and Traceloop workflow/task spans, even when they carry token counts.
An LLM span around another LLM span (a framework's span around the SDK instrumentor's) is left
to the store, which keeps the innermost. Events never make calls: a streaming chunk event only
gives the time to the first token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from ..records import Call, Record, Span
from .base import Context, as_float, as_int, as_list, as_str, as_ts, exception_name, first
from .logfields import error_fields
from .messages import (
    Message,
    content_text,
    logged_messages,
    norm_message,
    norm_messages,
    output_fields,
    param_fields,
    provider_of_model,
    tool_calls_of,
)

Attributes = Mapping[str, Any]

# --- span envelope helpers shared by the span dialects ------------------------------------------

# OTLP's SpanKind enum (0 = unspecified); OpenTelemetry-JS numbers the same kinds from 0.
OTLP_KINDS: tuple[str | None, ...] = (None, "internal", "server", "client", "producer", "consumer")
JS_KINDS: tuple[str | None, ...] = ("internal", "server", "client", "producer", "consumer")

_STATUSES = {"0": "unset", "1": "ok", "2": "error", "unset": "unset", "ok": "ok", "error": "error"}


def span_status(value: Any) -> str | None:
    """``ok`` / ``error`` / ``unset`` from any spelling: OTLP and OTel-JS codes 0/1/2,
    ``STATUS_CODE_ERROR``, the console exporter's ``ERROR``, ``StatusCode.ERROR``, seed 003's
    ``error``. Unknown spellings give None."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    text = str(value).strip().lower().rsplit(".", 1)[-1].removeprefix("status_code_")
    return _STATUSES.get(text)


def otel_kind(value: Any, names: tuple[str | None, ...]) -> str | None:
    """The OpenTelemetry span kind (``client``, ``server``, ...) from an enum number of the given
    numbering or a name (``SPAN_KIND_CLIENT``, ``SpanKind.CLIENT``, ``client``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return names[value] if 0 <= value < len(names) else None
    if isinstance(value, str):
        name = value.strip().lower().rsplit(".", 1)[-1].removeprefix("span_kind_")
        return name if name in OTLP_KINDS[1:] else None
    return None


def otel_facts(
    attributes: dict[str, Any], kind: str | None, scope: Any = None
) -> dict[str, Any]:
    """Attributes plus the two facts an OTel envelope carries outside them, under the names
    Jaeger and Zipkin show them by: ``span.kind`` (when not internal) and ``otel.scope.name``."""
    if kind not in (None, "internal"):
        attributes.setdefault("span.kind", kind)
    if isinstance(scope, str) and scope:
        attributes.setdefault("otel.scope.name", scope)
    return attributes


def span_event(name: Any, ts: float | None, attributes: Any) -> dict[str, Any]:
    """One span event in the shape every span dialect stores: ``{"name", "ts", "attributes"}``."""
    return {
        "name": name if isinstance(name, str) else "",
        "ts": ts,
        "attributes": attributes if isinstance(attributes, dict) else {},
    }


def timestamped_events(value: Any, ctx: Context) -> list[dict[str, Any]] | None:
    """Events written as ``{"name", "timestamp", "attributes"}`` (the console exporter and the
    seed tracer's ``span.add_event``), in the stored shape."""
    events = [
        span_event(item.get("name"), as_ts(item.get("timestamp"), ctx, "event.timestamp"),
                   item.get("attributes"))
        for item in as_list(value, ctx, "events") or [] if isinstance(item, dict)
    ]
    return events or None


def span_records(span: Span, ctx: Context) -> list[Record]:
    """The span with its duration, error and kind completed, and the Call it made if it is an
    LLM span."""
    if span.duration_ms is None and span.start is not None and span.end is not None \
            and span.end >= span.start:
        # Microseconds: epoch floats carry no finer digits, only rounding noise.
        span.duration_ms = round((span.end - span.start) * 1000, 3)
    if span.status == "error" and not span.error:
        span.error = _exception_text(_last_exception(span.events))
    if span.kind is None:
        span.kind = span_kind(span.name, span.attributes or {})
    call = span_call(span, ctx)
    return [span] if call is None else [span, call]


def _last_exception(events: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The attributes of the span's last ``exception`` event (empty when it has none)."""
    for event in reversed(events or []):
        attributes = event.get("attributes")
        if _event_name(event) == "exception" and isinstance(attributes, dict):
            return attributes
    return {}


def _event_name(event: dict[str, Any]) -> str:
    name = event.get("name")
    return name if isinstance(name, str) else ""


def _exception_text(exception: Attributes) -> str | None:
    kind, message = exception.get("exception.type"), exception.get("exception.message")
    kind = kind if isinstance(kind, str) and kind else None
    message = message if isinstance(message, str) and message else None
    if kind and message:
        return f"{kind}: {message}"
    return message or kind


# --- span kind ----------------------------------------------------------------------------------

_OPENINFERENCE_KINDS = {
    "LLM": "llm", "EMBEDDING": "embedding", "RETRIEVER": "retrieval", "TOOL": "tool",
    "CHAIN": "chain", "AGENT": "agent", "RERANKER": "reranker", "GUARDRAIL": "guardrail",
    "EVALUATOR": "evaluator", "PROMPT": "chain",
}
_GENAI_OPERATIONS = {
    "chat": "llm", "text_completion": "llm", "completion": "llm", "generate_content": "llm",
    "embeddings": "embedding", "embedding": "embedding", "execute_tool": "tool",
    "invoke_agent": "agent", "create_agent": "agent", "retrieval": "retrieval",
}
_LLM_REQUEST_TYPES = {
    "chat": "llm", "completion": "llm", "embedding": "embedding", "rerank": "reranker",
}
_TRACELOOP_KINDS = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
_GENAI_MARKERS = ("gen_ai.system", "gen_ai.provider.name", "gen_ai.request.model")
_CALL_KINDS = frozenset({"llm", "embedding"})


def span_kind(name: str | None, attrs: Attributes) -> str | None:
    """The kind of work a span did, from the conventions its instrumentation followed."""
    for detect in (_openinference_kind, _vercel_kind, _genai_kind, _seed_kind, _infra_kind):
        kind = detect(name or "", attrs)
        if kind:
            return kind
    return None


def _lower(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def _openinference_kind(_: str, attrs: Attributes) -> str | None:
    kind = attrs.get("openinference.span.kind")
    return _OPENINFERENCE_KINDS.get(kind.strip().upper()) if isinstance(kind, str) else None


def _vercel_operation(name: str, attrs: Attributes) -> str | None:
    """``ai.generateText.doGenerate`` and the like: the AI SDK's operation id."""
    operation = attrs.get("ai.operationId")
    if not isinstance(operation, str):
        operation = name
    return operation if operation.startswith("ai.") else None


def _vercel_kind(name: str, attrs: Attributes) -> str | None:
    operation = _vercel_operation(name, attrs)
    if operation is None:
        return None
    if operation.endswith((".doGenerate", ".doStream")):
        return "llm"
    if operation.endswith(".doEmbed"):
        return "embedding"
    if operation == "ai.toolCall":
        return "tool"
    return "chain"  # ai.generateText, ai.streamObject, ...: wrappers around the requests


def _genai_kind(_: str, attrs: Attributes) -> str | None:
    for key, table in (("gen_ai.operation.name", _GENAI_OPERATIONS),
                       ("llm.request.type", _LLM_REQUEST_TYPES),
                       ("traceloop.span.kind", _TRACELOOP_KINDS)):
        kind = table.get(_lower(attrs.get(key)))
        if kind:
            return kind
    return "llm" if any(attrs.get(key) is not None for key in _GENAI_MARKERS) else None


def _seed_kind(name: str, attrs: Attributes) -> str | None:
    """Seed 003's tracer: ``llm.<operation>`` with ``llm.model``, ``chain.<step>``,
    ``retrieval``."""
    if attrs.get("llm.model") is not None or name.startswith("llm."):
        operation = attrs.get("llm.operation")
        text = operation if isinstance(operation, str) else name
        return "embedding" if "embed" in text.lower() else "llm"
    if name.startswith("chain.") or "chain.step" in attrs:
        return "chain"
    if name == "retrieval" or "retrieval.source" in attrs:
        return "retrieval"
    return None


def _infra_kind(_: str, attrs: Attributes) -> str | None:
    if attrs.get("db.system") is not None or attrs.get("db.system.name") is not None:
        return "db"
    if attrs.get("http.request.method") is not None or attrs.get("http.method") is not None:
        return "http"
    return None


# --- the call -----------------------------------------------------------------------------------

_MODEL_KEYS = (
    "gen_ai.request.model", "llm.model_name", "embedding.model_name", "ai.model.id", "llm.model",
    "gen_ai.response.model", "ai.response.model", "llm.response.model",
)
_RESPONSE_MODEL_KEYS = ("gen_ai.response.model", "ai.response.model", "llm.response.model")
_PROVIDER_KEYS = (
    "gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system", "ai.model.provider",
)
# Call field, attribute names (first present wins), coercion.
_SCALARS: tuple[tuple[str, tuple[str, ...], Callable[[Any, Context, str], Any]], ...] = (
    ("input_tokens", ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens",
                      "llm.token_count.prompt", "ai.usage.inputTokens", "ai.usage.promptTokens",
                      "ai.usage.tokens", "llm.prompt_tokens", "llm.usage.prompt_tokens"), as_int),
    ("output_tokens", ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
                       "llm.token_count.completion", "ai.usage.outputTokens",
                       "ai.usage.completionTokens", "llm.completion_tokens",
                       "llm.usage.completion_tokens"), as_int),
    ("total_tokens", ("gen_ai.usage.total_tokens", "llm.usage.total_tokens",
                      "llm.token_count.total", "ai.usage.totalTokens", "llm.total_tokens"), as_int),
    ("temperature", ("gen_ai.request.temperature", "ai.settings.temperature"), as_float),
    ("top_p", ("gen_ai.request.top_p", "ai.settings.topP"), as_float),
    ("max_tokens", ("gen_ai.request.max_tokens", "ai.settings.maxOutputTokens",
                    "ai.settings.maxTokens"), as_int),
    ("seed", ("gen_ai.request.seed", "ai.settings.seed"), as_int),
    ("conversation", ("gen_ai.conversation.id",), as_str),
    ("session", ("session.id", "gen_ai.conversation.id", "ai.telemetry.metadata.sessionId",
                 "traceloop.association.properties.session_id", "langfuse.session.id"), as_str),
    ("user", ("user.id", "enduser.id", "ai.telemetry.metadata.userId",
              "traceloop.association.properties.user_id", "langfuse.user.id"), as_str),
    ("cost_usd", ("gen_ai.usage.cost", "llm.cost.total"), as_float),
    ("http_status", ("http.response.status_code", "http.status_code"), as_int),
    ("ttft_ms", ("ai.response.msToFirstChunk",), as_float),
)
# Request attributes with a typed Call field; the other gen_ai.request.* / ai.settings.* keys
# are kept as ``params``.
_TYPED_PARAMS = frozenset({
    "model", "temperature", "top_p", "max_tokens", "seed", "topP", "maxTokens", "maxOutputTokens",
})
# Events whose time is the first streamed token.
_FIRST_TOKEN_EVENTS = frozenset({
    "ai.stream.firstChunk", "first_token", "gen_ai.first_token", "llm.content.completion.chunk",
    "new_token",
})
_PROVIDER_ALIASES = {
    "gcp": "google", "gcp.gemini": "google", "gcp.vertex_ai": "google", "gcp.gen_ai": "google",
    "vertex_ai": "google", "vertexai": "google", "google-vertex": "google", "gemini": "google",
    "aws": "bedrock", "aws.bedrock": "bedrock", "amazon-bedrock": "bedrock", "az": "azure",
    "azure.ai.openai": "azure", "azure.ai.inference": "azure", "azure-openai": "azure",
    "mistral_ai": "mistral", "x_ai": "xai",
}


def span_call(span: Span, ctx: Context) -> Call | None:
    """The Call an LLM or embedding span made, linked to it by trace and span id; None for every
    other span (see the module docstring for the wrappers)."""
    if span.kind not in _CALL_KINDS:
        return None
    attrs: Attributes = span.attributes or {}
    events = span.events or []
    fields = _scalar_fields(attrs, ctx)
    _fill(fields, _request_fields(attrs, ctx))
    _fill(fields, _first_found(_OUTPUT_READERS, attrs, events, ctx) or {})
    _fill(fields, {"ttft_ms": _first_token_ms(span)})
    # Read from a logged response object at most; the attributes say it better.
    logged_model, logged_provider = fields.pop("model", None), fields.pop("provider", None)
    response_id = fields.pop("response_id", None)
    model = as_str(first(attrs, *_MODEL_KEYS), ctx, "model") or logged_model
    provider = _provider(first(attrs, *_PROVIDER_KEYS)) or provider_of_model(model)
    failed = span.status == "error" or attrs.get("error.type") is not None
    if failed:
        _fill(fields, _error_fields(span, attrs, ctx))
    return Call(
        key=f"span:{span.trace_id}:{span.span_id}",
        origin="span",
        ts=span.start,
        app=span.service,
        trace_id=span.trace_id,
        span_id=span.span_id,
        provider=provider or logged_provider,
        model=model,
        operation=_operation(span, attrs),
        messages=_first_found(_MESSAGE_READERS, attrs, events, ctx),
        latency_ms=span.duration_ms,
        status="error" if failed else "ok" if span.end is not None else None,
        tags=_tags(span, attrs, model, response_id),
        dialect=span.dialect,
        **fields,
    )


def _fill(fields: dict[str, Any], more: Mapping[str, Any]) -> None:
    """Add what ``fields`` does not know yet; a stronger source was read first."""
    for key, value in more.items():
        if value is not None and fields.get(key) is None:
            fields[key] = value


Reader = Callable[[Attributes, list[dict[str, Any]], Context], Any]


def _first_found(readers: Iterable[Reader], attrs: Attributes,
                 events: list[dict[str, Any]], ctx: Context) -> Any:
    """The first non-empty answer, so a convention's messages are parsed only when the stronger
    conventions had none."""
    for reader in readers:
        found = reader(attrs, events, ctx)
        if found:
            return found
    return None


def _scalar_fields(attrs: Attributes, ctx: Context) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, keys, coerce in _SCALARS:
        value = first(attrs, *keys)
        if value is not None:
            fields[name] = coerce(value, ctx, name)
    if fields.get("total_tokens") is None and fields.get("input_tokens") is not None \
            and fields.get("output_tokens") is not None:
        fields["total_tokens"] = fields["input_tokens"] + fields["output_tokens"]
    fields["finish_reason"] = _finish_reason(attrs.get("gen_ai.response.finish_reasons"))
    fields["response_id"] = as_str(first(attrs, "gen_ai.response.id", "ai.response.id"), ctx,
                                   "response_id")
    return {key: value for key, value in fields.items() if value is not None}


def _finish_reason(value: Any) -> str | None:
    value = _json(value)
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, str)), None)
    return value if isinstance(value, str) and value else None


def _request_fields(attrs: Attributes, ctx: Context) -> dict[str, Any]:
    """Parameters (typed ones only where no attribute gave them), tools, and the model an
    OpenInference ``llm.invocation_parameters`` names."""
    invocation = _json(attrs.get("llm.invocation_parameters"))
    fields = param_fields(invocation, ctx) if isinstance(invocation, dict) else {}
    if isinstance(invocation, dict):
        fields["model"] = as_str(first(invocation, "model", "model_name"), ctx, "model")
    params = dict(fields.pop("params", None) or {})
    for prefix in ("gen_ai.request.", "ai.settings."):
        for key, value in attrs.items():
            name = key[len(prefix):]
            if key.startswith(prefix) and name not in _TYPED_PARAMS and value is not None:
                params[name] = value
    if params:
        fields["params"] = params
    tools = _tools(attrs)
    if tools:
        fields["tools"] = tools
    return fields


def _tools(attrs: Attributes) -> list[Any] | None:
    """Tool definitions offered to the model, in any convention's spelling."""
    for key in ("gen_ai.tool.definitions", "ai.prompt.tools"):
        value = _json(attrs.get(key))
        if isinstance(value, list) and value:
            return [_json(item) for item in value]
    openinference = [_json(item.get("tool.json_schema")) for item in indexed(attrs, "llm.tools")]
    found = [tool for tool in openinference if tool is not None]
    if found:
        return found
    functions = indexed(attrs, "llm.request.functions")  # OpenLLMetry
    return [{key: _json(value) for key, value in item.items()} for item in functions] or None


def _provider(value: Any) -> str | None:
    """One provider name per provider: ``openai.chat`` (Vercel), ``gcp.vertex_ai`` (GenAI) and
    ``vertexai`` all name the maker the rest of the viewer knows."""
    text = _lower(value)
    if not text:
        return None
    if text in _PROVIDER_ALIASES:
        return _PROVIDER_ALIASES[text]
    head = text.split(".", 1)[0]
    return _PROVIDER_ALIASES.get(head, head)


def _operation(span: Span, attrs: Attributes) -> str | None:
    operation = first(attrs, "gen_ai.operation.name", "llm.operation", "llm.request.type")
    if isinstance(operation, str) and operation:
        return operation
    vercel = _vercel_operation(span.name or "", attrs)
    if vercel:  # ai.generateText.doGenerate -> generateText
        return vercel.split(".")[1] if vercel.count(".") >= 2 else vercel.removeprefix("ai.")
    return "embeddings" if span.kind == "embedding" else "chat"


def _first_token_ms(span: Span) -> float | None:
    if span.start is None:
        return None
    for event in span.events or []:
        ts = event.get("ts")
        if _event_name(event) in _FIRST_TOKEN_EVENTS and isinstance(ts, float) \
                and ts >= span.start:
            return round((ts - span.start) * 1000, 3)
    return None


def _error_fields(span: Span, attrs: Attributes, ctx: Context) -> dict[str, Any]:
    """Error type, message and HTTP status: the ``error.type`` attribute or the recorded
    exception's class (without its module), the exception's own message before the span's status
    text, and what that text tells (an SDK's ``"Error code: 429 - …"``)."""
    exception = _last_exception(span.events)
    message = exception.get("exception.message")
    message = message if isinstance(message, str) and message else span.error
    from_text = error_fields({"error": message}, ctx) if message else {}
    kind = as_str(first(attrs, "error.type"), ctx, "error.type") \
        or as_str(exception.get("exception.type"), ctx, "exception.type") \
        or from_text.get("error_type")
    fields = {"error_type": (exception_name(kind) or kind) if kind else None,
              "error_message": message}
    if from_text.get("http_status") is not None:
        fields["http_status"] = from_text["http_status"]
    return fields


def _tags(span: Span, attrs: Attributes, model: str | None,
          response_id: str | None) -> dict[str, Any] | None:
    response_model = first(attrs, *_RESPONSE_MODEL_KEYS)
    tags = {
        "span": span.name,
        "response_id": response_id,
        "response_model": response_model if response_model != model else None,
        "function_id": attrs.get("ai.telemetry.functionId"),
    }
    kept = {key: value for key, value in tags.items() if isinstance(value, str) and value}
    return kept or None


# --- messages -----------------------------------------------------------------------------------


def _json(value: Any) -> Any:
    """A JSON-looking string parsed; anything else (and text that is not JSON) as it is.
    Instrumentations write structured values as JSON text because attributes hold only scalars."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def indexed(attrs: Attributes, prefix: str) -> list[dict[str, Any]]:
    """A list flattened into attributes, read back: ``p.0.role``, ``p.0.content``, ``p.1.role``
    -> ``[{"role", "content"}, {"role"}]`` in index order."""
    head = prefix + "."
    items: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        if not key.startswith(head):
            continue
        index, _, rest = key[len(head):].partition(".")
        if rest and index.isascii() and index.isdigit():
            items.setdefault(int(index), {})[rest] = value
    return [items[index] for index in sorted(items)]


def _message(role: Any, content: Any, calls: list[dict[str, Any]] | None = None,
             **extra: Any) -> Message:
    """A message in the OpenAI shape ``norm_message`` reads, from one convention's parts."""
    raw: dict[str, Any] = {"role": role if isinstance(role, str) else "user", "content": content}
    if calls:
        raw["tool_calls"] = calls
    raw.update({key: value for key, value in extra.items() if isinstance(value, str)})
    return norm_message(raw)


def _tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    return {"id": call_id, "name": name, "arguments": arguments}


def _parts_message(raw: Any) -> Message:
    """A message of the new GenAI conventions (``{"role", "parts": [{"type": "text",
    "content"}, {"type": "tool_call", "id", "name", "arguments"}, {"type":
    "tool_call_response", "id", "response"}]}``) or of the Vercel AI SDK (``content`` parts
    ``text`` / ``tool-call`` / ``tool-result``); any other shape goes to ``norm_message``."""
    if not isinstance(raw, dict):
        return norm_message(raw)
    parts = raw.get("parts")
    if not isinstance(parts, list):
        parts = raw.get("content")
        if not isinstance(parts, list) or not any(_is_tool_part(part) for part in parts):
            return norm_message(raw)
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    answered: Any = None
    for part in parts:
        if not isinstance(part, dict):
            texts.append(content_text(part))
            continue
        kind = part.get("type") if isinstance(part.get("type"), str) else None
        if kind in ("tool_call", "tool-call"):
            calls.append(_tool_call(first(part, "id", "toolCallId"),
                                    first(part, "name", "toolName"),
                                    first(part, "arguments", "args", "input")))
        elif kind in ("tool_call_response", "tool-result"):
            answered = first(part, "id", "toolCallId")
            texts.append(_text(first(part, "response", "result", "output")))
        elif kind == "reasoning":
            continue  # the model's thinking is not its message
        elif kind in _MEDIA_PARTS:
            texts.append(f"[{first(part, 'modality') or kind}]")
        elif kind in ("text", None):
            texts.append(_text(first(part, "content", "text")))
        else:
            texts.append(content_text(part))
    role = raw.get("role")
    if answered is not None and role in (None, "user", "tool"):
        role = "tool"
    return _message(role, "\n".join(text for text in texts if text), calls,
                    tool_call_id=answered if isinstance(answered, str) else None,
                    name=raw.get("name"))


# Parts that carry data, not text: shown as ``[image]``, ``[audio]``, ...
_MEDIA_PARTS = frozenset({"blob", "uri", "file", "image", "audio", "video"})


def _is_tool_part(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") in ("tool-call", "tool-result")


def _text(value: Any) -> str:
    """Text of a content value that may be a string, content parts or any JSON."""
    if value is None or isinstance(value, (str, list)):
        return content_text(value)
    if isinstance(value, dict):
        try:
            return orjson.dumps(value).decode()
        except TypeError:  # integers past 64 bits, nesting past orjson's limit
            return str(value)
    return str(value)


def _parts_messages(value: Any) -> list[Message] | None:
    value = _json(value)
    if isinstance(value, dict):
        value = [value]
    return [_parts_message(item) for item in value] if isinstance(value, list) else None


def _system_instructions(attrs: Attributes) -> list[Message]:
    value = _json(attrs.get("gen_ai.system_instructions"))
    if value is None:
        return []
    text = content_text(value) if not isinstance(value, list) else "\n".join(
        _text(first(part, "content", "text")) if isinstance(part, dict) else _text(part)
        for part in value
    )
    return [{"role": "system", "content": text}] if text else []


def _semconv_input(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    messages = _parts_messages(attrs.get("gen_ai.input.messages"))
    system = _system_instructions(attrs)
    return system + messages if messages is not None else (system or None)


def _openinference_message(item: dict[str, Any]) -> Message:
    content = item.get("message.content")
    if content is None:
        content = [{"type": part.get("message_content.type"),
                    "text": part.get("message_content.text")}
                   for part in indexed(item, "message.contents")]
    calls = [_tool_call(call.get("tool_call.id"), call.get("tool_call.function.name"),
                        call.get("tool_call.function.arguments"))
             for call in indexed(item, "message.tool_calls")]
    return _message(item.get("message.role"), content, calls,
                    tool_call_id=item.get("message.tool_call_id"), name=item.get("message.name"))


def _openinference_input(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    return [_openinference_message(item) for item in indexed(attrs, "llm.input_messages")]


def _traceloop_message(item: dict[str, Any]) -> Message:
    calls = [_tool_call(call.get("id"), call.get("name"), call.get("arguments"))
             for call in indexed(item, "tool_calls")]
    if item.get("function_call.name") is not None:
        calls.append(_tool_call(None, item["function_call.name"],
                                item.get("function_call.arguments")))
    content = item.get("content")
    parsed = _json(content)
    return _message(item.get("role"), parsed if isinstance(parsed, list) else content, calls,
                    tool_call_id=item.get("tool_call_id"))


def _traceloop_input(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    return [_traceloop_message(item) for item in indexed(attrs, "gen_ai.prompt")]


def _vercel_input(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    messages = _parts_messages(attrs.get("ai.prompt.messages"))
    if messages:
        return messages
    values = _json(first(attrs, "ai.values", "ai.value"))  # embedding inputs
    return [{"role": "user", "content": _text(value)} for value in values] \
        if isinstance(values, list) else None


_EVENT_ROLES = {
    "gen_ai.system.message": "system", "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool",
}


def _event_body(attributes: dict[str, Any]) -> dict[str, Any]:
    """The event's body: some exporters put the log-event body in ``gen_ai.event.content``."""
    body = _json(attributes.get("gen_ai.event.content"))
    return body if isinstance(body, dict) else attributes


def _event_message(body: dict[str, Any], role: str) -> Message:
    calls = _json(body.get("tool_calls"))
    raw = {**body, "role": body.get("role") if isinstance(body.get("role"), str) else role,
           "content": _json(body.get("content")),
           "tool_calls": calls if isinstance(calls, list) else None}
    if "tool_call_id" not in raw and isinstance(body.get("id"), str) and role == "tool":
        raw["tool_call_id"] = body["id"]
    return _parts_message(raw)


def _event_input(_: Attributes, events: list[dict[str, Any]], ctx: Context) -> Any:
    """Messages from the GenAI message events, or the older ``gen_ai.content.prompt`` event."""
    messages = []
    for event in events:
        name, attributes = _event_name(event), event.get("attributes") or {}
        if name in _EVENT_ROLES:
            messages.append(_event_message(_event_body(attributes), _EVENT_ROLES[name]))
        elif name == "gen_ai.content.prompt" and not messages:
            return norm_messages(_json(attributes.get("gen_ai.prompt")), ctx)
    return messages


def _legacy_input(attrs: Attributes, _: list[dict[str, Any]], ctx: Context) -> Any:
    return norm_messages(_json(attrs.get("gen_ai.prompt")), ctx)


def _io_value(attrs: Attributes, name: str) -> Any:
    """OpenInference ``input.value`` / ``output.value``: parsed unless its mime type says it is
    plain text."""
    value = attrs.get(f"{name}.value")
    return value if attrs.get(f"{name}.mime_type") == "text/plain" else _json(value)


def _openinference_value(attrs: Attributes, _: list[dict[str, Any]], ctx: Context) -> Any:
    """``input.value``: a request body, a message list or the prompt text."""
    return logged_messages(_io_value(attrs, "input"), ctx)


_MESSAGE_READERS: tuple[Reader, ...] = (
    _semconv_input, _openinference_input, _traceloop_input, _vercel_input, _event_input,
    _legacy_input, _openinference_value,
)


def _message_output(message: Message, finish_reason: Any = None) -> dict[str, Any]:
    fields: dict[str, Any] = {"output": message.get("content") or None,
                              "tool_calls": message.get("tool_calls") or None}
    if isinstance(finish_reason, str) and finish_reason:
        fields["finish_reason"] = finish_reason
    return fields


def _semconv_output(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    value = _json(attrs.get("gen_ai.output.messages"))
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    head = next((item for item in items if isinstance(item, dict)), None)
    return _message_output(_parts_message(head), head.get("finish_reason")) if head else None


def _openinference_output(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    items = indexed(attrs, "llm.output_messages")
    return _message_output(_openinference_message(items[0])) if items else None


def _traceloop_output(attrs: Attributes, _: list[dict[str, Any]], __: Context) -> Any:
    items = indexed(attrs, "gen_ai.completion")
    if not items:
        return None
    return _message_output(_traceloop_message(items[0]), items[0].get("finish_reason"))


def _vercel_output(attrs: Attributes, _: list[dict[str, Any]], ctx: Context) -> Any:
    text = attrs.get("ai.response.text")
    parsed_object = _json(attrs.get("ai.response.object"))
    calls = _json(attrs.get("ai.response.toolCalls"))
    tool_calls = [
        _tool_call(call.get("toolCallId"), call.get("toolName"), first(call, "args", "input"))
        for call in (calls if isinstance(calls, list) else []) if isinstance(call, dict)
    ]
    fields = {
        "output": as_str(text, ctx, "ai.response.text")
        or as_str(attrs.get("ai.response.object"), ctx, "ai.response.object"),
        "parsed_output": parsed_object if isinstance(parsed_object, (dict, list)) else None,
        "tool_calls": tool_calls_of({"tool_calls": tool_calls}),
        "finish_reason": as_str(attrs.get("ai.response.finishReason"), ctx, "finishReason"),
    }
    return {key: value for key, value in fields.items() if value} or None


def _event_output(_: Attributes, events: list[dict[str, Any]], ctx: Context) -> Any:
    """``gen_ai.choice`` (its ``message`` and ``finish_reason``) or the older
    ``gen_ai.content.completion`` event."""
    for event in events:
        name, attributes = _event_name(event), event.get("attributes") or {}
        if name == "gen_ai.choice":
            body = _event_body(attributes)
            message = _json(body.get("message"))
            message = message if isinstance(message, dict) else {}
            return _message_output(_event_message(message, "assistant"),
                                   body.get("finish_reason"))
        if name == "gen_ai.content.completion":
            return output_fields(_json(attributes.get("gen_ai.completion")), ctx)
    return None


def _legacy_output(attrs: Attributes, _: list[dict[str, Any]], ctx: Context) -> Any:
    return output_fields(_json(attrs.get("gen_ai.completion")), ctx)


def _openinference_output_value(attrs: Attributes, _: list[dict[str, Any]], ctx: Context) -> Any:
    return output_fields(_io_value(attrs, "output"), ctx)


_OUTPUT_READERS: tuple[Reader, ...] = (
    _semconv_output, _openinference_output, _traceloop_output, _vercel_output, _event_output,
    _legacy_output, _openinference_output_value,
)
