"""Chat messages and provider response objects, in the one shape the viewer shows.

OpenAI chat, OpenAI Responses, Anthropic Messages and Gemini all spell messages, content parts,
tool calls and usage differently; every dialect that carries them goes through here.
"""

from __future__ import annotations

import json
from typing import Any

from .base import Context, as_float, as_int

Message = dict[str, Any]


def norm_messages(value: Any, ctx: Context) -> list[Message] | None:
    """``[{role, content, name?, tool_calls?, tool_call_id?}]`` with content as plain text."""
    if value is None:
        return None
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        ctx.warn(f"messages: expected a list, got {type(value).__name__}")
        return None
    return [norm_message(item) for item in value]


def norm_message(item: Any) -> Message:
    if not isinstance(item, dict):
        return {"role": "user", "content": content_text(item)}
    role = item.get("role")
    if not isinstance(role, str):
        role = item.get("type") if isinstance(item.get("type"), str) else "user"
    message: Message = {"role": "assistant" if role == "model" else role}
    content = item.get("content", item.get("parts", item.get("text")))
    message["content"] = content_text(content)
    calls = tool_calls_of(item, content)
    if calls:
        message["tool_calls"] = calls
    for key in ("name", "tool_call_id"):
        if isinstance(item.get(key), str):
            message[key] = item[key]
    if "tool_call_id" not in message and isinstance(content, list):
        for part in content:  # Anthropic tool_result parts answer a tool_use id
            if isinstance(part, dict) and part.get("type") == "tool_result":
                message["tool_call_id"] = as_plain(part.get("tool_use_id"))
                message["role"] = "tool" if role == "user" else role
                break
    return message


def content_text(content: Any) -> str:
    """Text of a content value: a string, or a list of parts (text, image, tool_use, ...)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [_part_text(part) for part in content]
        return "\n".join(text for text in texts if text)
    if isinstance(content, dict):
        return _part_text(content)
    return str(content)


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return "" if part is None else str(part)
    kind = part.get("type")
    if isinstance(part.get("text"), str):
        return part["text"]
    if kind == "tool_result":
        return content_text(part.get("content"))
    if kind in ("image_url", "image", "input_image"):
        return "[image]"
    if kind in ("input_audio", "audio"):
        return "[audio]"
    if kind in ("tool_use", "function_call"):
        return ""
    return ""


def tool_calls_of(message: dict[str, Any], content: Any = None) -> list[dict[str, Any]]:
    """``[{id?, name, arguments}]`` from OpenAI ``tool_calls``/``function_call`` or Anthropic
    ``tool_use`` parts. Arguments stay as the text the model produced (possibly invalid JSON)."""
    calls: list[dict[str, Any]] = []
    raw = message.get("tool_calls")
    if isinstance(raw, list):
        for call in raw:
            if not isinstance(call, dict):
                continue
            function = call.get("function") if isinstance(call.get("function"), dict) else call
            calls.append(
                _tool_call(call.get("id"), function.get("name"), function.get("arguments"))
            )
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        calls.append(_tool_call(None, legacy.get("name"), legacy.get("arguments")))
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") == "tool_use":
                calls.append(_tool_call(part.get("id"), part.get("name"), part.get("input")))
            elif isinstance(part, dict) and isinstance(part.get("functionCall"), dict):
                fc = part["functionCall"]
                calls.append(_tool_call(None, fc.get("name"), fc.get("args")))
    return calls


def _tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    call: dict[str, Any] = {"name": as_plain(name) or "", "arguments": plain_text(arguments)}
    if call_id is not None:
        call["id"] = as_plain(call_id)
    return call


def plain_text(value: Any) -> str:
    """A value as one string: text as is, nothing as "", anything else as compact JSON (tool
    arguments, parameters and tags are shown and sent as they were logged)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return str(value)


def as_plain(value: Any) -> str | None:
    return None if value is None else value if isinstance(value, str) else str(value)


# --- provider response objects -------------------------------------------------------------


def is_response(obj: Any) -> bool:
    """Looks like an OpenAI/Anthropic/Gemini response body (choices, content or output + usage)."""
    if not isinstance(obj, dict):
        return False
    return (
        isinstance(obj.get("choices"), list)
        or (obj.get("type") == "message" and "content" in obj)
        or (obj.get("object") == "response" and "output" in obj)
        or isinstance(obj.get("candidates"), list)
    )


def response_fields(resp: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Call fields from a provider response object: output text, tool calls, finish reason,
    token usage, model, provider and the provider's response id. Keys absent when unknown."""
    fields: dict[str, Any] = {}
    if isinstance(resp.get("choices"), list):
        _openai_chat(resp, fields)
        fields.setdefault("provider", "openai")
    elif resp.get("type") == "message":
        _anthropic(resp, fields)
        fields["provider"] = "anthropic"
    elif resp.get("object") == "response":
        _openai_responses(resp, fields)
        fields["provider"] = "openai"
    elif isinstance(resp.get("candidates"), list):
        _gemini(resp, fields)
        fields["provider"] = "google"
    model = resp.get("model", resp.get("modelVersion"))
    if isinstance(model, str):
        fields["model"] = model
    if isinstance(resp.get("id"), str):
        fields["response_id"] = resp["id"]
    fields.update(usage_fields(resp.get("usage", resp.get("usageMetadata")), ctx))
    return fields


def _openai_chat(resp: dict[str, Any], fields: dict[str, Any]) -> None:
    choices = [c for c in resp["choices"] if isinstance(c, dict)]
    if not choices:
        return
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    text = message.get("content") if message else choice.get("text")
    fields["output"] = content_text(text)
    calls = tool_calls_of(message) if message else []
    if calls:
        fields["tool_calls"] = calls
    if isinstance(choice.get("finish_reason"), str):
        fields["finish_reason"] = choice["finish_reason"]


def _anthropic(resp: dict[str, Any], fields: dict[str, Any]) -> None:
    content = resp.get("content")
    fields["output"] = content_text(content)
    calls = tool_calls_of({}, content)
    if calls:
        fields["tool_calls"] = calls
    if isinstance(resp.get("stop_reason"), str):
        fields["finish_reason"] = resp["stop_reason"]


def _openai_responses(resp: dict[str, Any], fields: dict[str, Any]) -> None:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    output = resp.get("output")
    for item in output if isinstance(output, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            texts.append(content_text(item.get("content")))
        elif item.get("type") == "function_call":
            calls.append(_tool_call(item.get("call_id"), item.get("name"), item.get("arguments")))
    fields["output"] = "\n".join(t for t in texts if t)
    if calls:
        fields["tool_calls"] = calls
    if isinstance(resp.get("status"), str):
        fields["finish_reason"] = resp["status"]


def _gemini(resp: dict[str, Any], fields: dict[str, Any]) -> None:
    candidate = next((c for c in resp["candidates"] if isinstance(c, dict)), None)
    if candidate is None:
        return
    content = candidate.get("content") if isinstance(candidate.get("content"), dict) else {}
    parts = content.get("parts")
    fields["output"] = content_text(parts)
    calls = tool_calls_of({}, parts)
    if calls:
        fields["tool_calls"] = calls
    if isinstance(candidate.get("finishReason"), str):
        fields["finish_reason"] = candidate["finishReason"].lower()


_INPUT_KEYS = ("prompt_tokens", "input_tokens", "promptTokenCount", "promptTokens", "inputTokens")
_OUTPUT_KEYS = (
    "completion_tokens", "output_tokens", "candidatesTokenCount", "completionTokens",
    "outputTokens",
)
_TOTAL_KEYS = ("total_tokens", "totalTokenCount", "totalTokens")


def usage_fields(usage: Any, ctx: Context) -> dict[str, int]:
    """Token counts from any provider's usage object. Anthropic reports cached input apart from
    ``input_tokens``; it is added back so input means everything the model read."""
    if not isinstance(usage, dict):
        return {}
    fields: dict[str, int] = {}
    for name, keys in (("input_tokens", _INPUT_KEYS), ("output_tokens", _OUTPUT_KEYS),
                       ("total_tokens", _TOTAL_KEYS)):
        for key in keys:
            if usage.get(key) is not None:
                value = as_int(usage[key], ctx, f"usage.{key}")
                if value is not None:
                    fields[name] = value
                break
    if "input_tokens" in usage and "prompt_tokens" not in usage:
        cached = sum(
            as_int(usage.get(key), ctx, f"usage.{key}") or 0
            for key in ("cache_read_input_tokens", "cache_creation_input_tokens")
        )
        if cached and "input_tokens" in fields:
            fields["input_tokens"] += cached
    if "total_tokens" not in fields and "input_tokens" in fields and "output_tokens" in fields:
        fields["total_tokens"] = fields["input_tokens"] + fields["output_tokens"]
    return fields


def provider_of_model(model: str | None) -> str | None:
    """A best guess when the log does not say: the model family names its maker."""
    if not model:
        return None
    name = model.lower().split("/")[-1]
    if "/" in model:
        prefix = model.split("/")[0].lower()
        if prefix in ("openai", "anthropic", "google", "gemini", "vertex_ai", "bedrock", "azure",
                      "mistral", "groq", "ollama", "cohere", "together_ai", "deepseek"):
            return {"gemini": "google", "vertex_ai": "google"}.get(prefix, prefix)
    for prefixes, provider in (
        (("gpt-", "o1", "o3", "o4", "text-embedding", "davinci", "chatgpt"), "openai"),
        (("claude",), "anthropic"),
        (("gemini", "palm"), "google"),
        (("mistral", "mixtral", "codestral"), "mistral"),
        (("command",), "cohere"),
        (("deepseek",), "deepseek"),
        (("llama", "qwen", "phi", "gemma"), "local"),
    ):
        if name.startswith(prefixes):
            return provider
    return None


# --- request bodies and logged inputs/outputs of unknown shape ------------------------------

# Generation parameters with a typed Call field, under each spelling providers and SDKs use.
_PARAM_FIELDS: tuple[tuple[str, tuple[str, ...], Any], ...] = (
    ("temperature", ("temperature",), as_float),
    ("top_p", ("top_p", "topP"), as_float),
    ("max_tokens", ("max_tokens", "max_completion_tokens", "max_output_tokens", "max_new_tokens",
                    "maxTokens", "maxOutputTokens"), as_int),
    ("seed", ("seed",), as_int),
)
# Request keys that are the prompt, the model or the tools, not generation parameters.
_NOT_PARAMS = frozenset((
    "messages", "input", "prompt", "instructions", "system", "contents", "model", "model_name",
    "tools", "functions",
))


def param_fields(params: Any, ctx: Context) -> dict[str, Any]:
    """temperature, top_p, max_tokens, seed, tools and every other parameter (as ``params``) from
    a dict of generation parameters: an OpenAI/Anthropic request body, LiteLLM
    ``model_parameters``, Langfuse ``modelParameters``, LangChain ``invocation_params``. The prompt
    and the model are left to the caller. Keys absent when unknown."""
    if not isinstance(params, dict):
        return {}
    fields: dict[str, Any] = {}
    used: set[str] = set()
    for name, aliases, coerce in _PARAM_FIELDS:
        alias = next((a for a in aliases if params.get(a) is not None), None)
        if alias is not None:
            used.add(alias)
            value = coerce(params[alias], ctx, alias)
            if value is not None:
                fields[name] = value
    tools = params.get("tools", params.get("functions"))
    if isinstance(tools, list) and tools:
        fields["tools"] = tools
    rest = {
        key: value for key, value in params.items()
        if key not in used and key not in _NOT_PARAMS and value is not None
    }
    if rest:
        fields["params"] = rest
    return fields


def request_fields(body: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Call fields from a provider request body (OpenAI chat, completions, Responses and
    embeddings; Anthropic messages): model, messages, parameters and tools."""
    fields = param_fields(body, ctx)
    if isinstance(body.get("model"), str):
        fields["model"] = body["model"]
    messages = prompt_messages(body, ctx)
    if messages is not None:
        fields["messages"] = messages
    return fields


def prompt_messages(body: dict[str, Any], ctx: Context) -> list[Message] | None:
    """The conversation a request body sends: ``messages`` (chat), ``input`` (Responses,
    embeddings) or ``prompt`` (completions), after the ``system``/``instructions`` text."""
    if "messages" in body:
        messages = norm_messages(body["messages"], ctx)
    elif "input" in body:
        messages = responses_input_messages(body["input"], ctx)
    elif "prompt" in body:
        messages = norm_messages(body["prompt"], ctx)
    else:
        messages = None
    system = content_text(body.get("system", body.get("instructions")))
    if system:
        messages = [{"role": "system", "content": system}, *(messages or [])]
    return messages


def responses_input_messages(value: Any, ctx: Context) -> list[Message] | None:
    """Messages from an OpenAI Responses ``input`` (a string or a list of items, where function
    calls and their outputs are items of their own) or an embeddings ``input``."""
    if not isinstance(value, list):
        return norm_messages(value, ctx)
    return [_responses_item(item) for item in value]


def _responses_item(item: Any) -> Message:
    if isinstance(item, dict) and item.get("type") == "function_call":
        call = _tool_call(item.get("call_id"), item.get("name"), item.get("arguments"))
        return {"role": "assistant", "content": "", "tool_calls": [call]}
    if isinstance(item, dict) and item.get("type") == "function_call_output":
        message: Message = {"role": "tool", "content": content_text(item.get("output"))}
        if item.get("call_id") is not None:
            message["tool_call_id"] = as_plain(item["call_id"])
        return message
    return norm_message(item)


def logged_messages(value: Any, ctx: Context) -> list[Message] | None:
    """Messages from a logged input of unknown shape (a Langfuse observation or LangSmith run
    input): a message list, one message, a request body, a prompt string; any other JSON becomes
    one user message holding its text, so that it stays visible and searchable."""
    if value is None:
        return None
    if isinstance(value, dict):
        if any(key in value for key in ("messages", "input", "prompt")):
            return prompt_messages(value, ctx)
        if isinstance(value.get("role"), str):
            return [norm_message(value)]
        return [{"role": "user", "content": plain_text(value)}]
    return norm_messages(value, ctx)


def output_fields(value: Any, ctx: Context) -> dict[str, Any]:
    """Output text, tool calls, finish reason and usage from a logged output of unknown shape: a
    string, an assistant message (or a list ending with one), a provider response object; any
    other JSON becomes its text. Keys absent when unknown."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"output": value}
    if is_response(value):
        return response_fields(value, ctx)
    message = value[-1] if isinstance(value, list) and value else value
    if isinstance(message, dict) and isinstance(message.get("role"), str):
        normed = norm_message(message)
        fields: dict[str, Any] = {"output": normed["content"]}
        if normed.get("tool_calls"):
            fields["tool_calls"] = normed["tool_calls"]
        return fields
    return {"output": plain_text(value)}


__all__ = [
    "content_text", "is_response", "logged_messages", "norm_message", "norm_messages",
    "output_fields", "param_fields", "prompt_messages", "provider_of_model", "request_fields",
    "response_fields", "responses_input_messages", "tool_calls_of", "usage_fields",
]
