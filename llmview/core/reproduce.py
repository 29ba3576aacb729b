"""A runnable Python snippet that makes a logged call again with the provider's own SDK.

Seeing an odd call is half the job; re-running it with one change is the other half. The snippet
is built from log values, so each value is emitted as a Python literal of plain data (``repr`` of
str, int, float, bool, None, list and dict) and no log text is ever spliced into code: whatever a
log holds, the snippet parses. Comments hold only fixed text or ``repr`` of a log string, which
never contains a line break.

The SDK follows the provider: ``openai`` for OpenAI, Azure (``AzureOpenAI``) and anything unknown
or OpenAI-compatible, ``anthropic`` for Anthropic, and ``google.genai`` (the current Google Gen AI
SDK, not its OpenAI-compatible endpoint) for Gemini. The API key always comes from the
environment.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from .formats.messages import plain_text, provider_of_model

WIDTH = 88  # a literal longer than this on its line is spread over several lines

OPENAI, AZURE, ANTHROPIC, GOOGLE = "openai", "azure", "anthropic", "google"
_SDK_OF_PROVIDER = {
    "openai": OPENAI, "azure": AZURE, "azure_openai": AZURE, "anthropic": ANTHROPIC,
    "google": GOOGLE, "gemini": GOOGLE, "vertex_ai": GOOGLE, "vertexai": GOOGLE,
}
# Routing prefixes (LiteLLM style "anthropic/claude-...") the SDKs themselves do not accept.
_ROUTING_PREFIXES = frozenset((
    "openai", "azure", "anthropic", "google", "gemini", "vertex_ai",
))
_REASONING_MODELS = ("o1", "o3", "o4", "gpt-5")  # take max_completion_tokens, not max_tokens
DEFAULT_ANTHROPIC_MAX_TOKENS = 1024

# Logged parameters passed on as they are, per SDK; anything else is named in a comment, since
# a logger's own fields (stream, api_base, metadata) would change or break the call.
_PASSED_PARAMS = {
    OPENAI: frozenset((
        "stop", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs",
        "top_logprobs", "n", "response_format", "tool_choice", "parallel_tool_calls",
        "reasoning_effort", "user",
    )),
    ANTHROPIC: frozenset(("stop_sequences", "top_k", "tool_choice", "thinking")),
    GOOGLE: frozenset((
        "stop_sequences", "top_k", "candidate_count", "presence_penalty", "frequency_penalty",
        "response_mime_type", "response_schema",
    )),
}
# The anthropic SDK 2.x has no keyword arguments for sampling parameters (temperature, top_p and
# these); ``extra_body`` still sends them, with older and newer SDKs alike.
_ANTHROPIC_SAMPLING = ("top_k",)
_RENAMED_PARAMS = {ANTHROPIC: {"stop": "stop_sequences"}, GOOGLE: {"stop": "stop_sequences"}}
_OPENAI_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


Kwarg = tuple[str, Any, str]  # name, value, a comment for its line ("" for none)


@dataclass
class _ToolCall:
    id: str
    name: str
    arguments: str  # as the model wrote it, possibly not JSON


@dataclass
class _Turn:
    role: str
    content: str
    name: str = ""
    tool_calls: list[_ToolCall] = field(default_factory=list)
    answers: _ToolCall | None = None  # set on a tool result: the call it answers


@dataclass
class _Request:
    call: dict[str, Any]
    sdk: str
    model: str | None
    turns: list[_Turn]
    recorded: bool  # False when the log did not record the messages
    tools: list[Any]
    params: dict[str, Any]


def reproduce_snippet(call: dict[str, Any]) -> str:
    """Python source that repeats ``call`` (a row of the ``calls`` table; JSON columns may be
    strings or decoded values) with the same model, messages, parameters and tools."""
    messages = _decoded(call.get("messages"))
    params = _decoded(call.get("params"))
    request = _Request(
        call=call,
        sdk=_sdk(call),
        model=_model(call.get("model")),
        turns=_turns(messages),
        recorded=isinstance(messages, list),
        tools=_tool_specs(_decoded(call.get("tools"))),
        params=params if isinstance(params, dict) else {},
    )
    source = _Source()
    if call.get("operation") == "embeddings" and request.sdk != ANTHROPIC:
        build = _google_embeddings if request.sdk == GOOGLE else _openai_embeddings
    else:
        build = {ANTHROPIC: _anthropic, GOOGLE: _google}.get(request.sdk, _openai)
    return source.finish(request.sdk, build(request, source))


# --- the SDK and the model -------------------------------------------------------------------


def _sdk(call: dict[str, Any]) -> str:
    provider = call.get("provider")
    if not isinstance(provider, str) or not provider:
        model = call.get("model")
        provider = provider_of_model(model) if isinstance(model, str) else None
    return _SDK_OF_PROVIDER.get((provider or "").lower(), OPENAI)


def _model(model: Any) -> str | None:
    if not isinstance(model, str) or not model:
        return None
    prefix, _, rest = model.partition("/")
    return rest if rest and prefix.lower() in _ROUTING_PREFIXES else model


def _reasoning_model(model: str | None) -> bool:
    return model is not None and model.lower().startswith(_REASONING_MODELS)


# --- decoding the logged values --------------------------------------------------------------


def _decoded(value: Any) -> Any:
    """A JSON column as Python data; unreadable JSON counts as not recorded."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value


def _turns(messages: Any) -> list[_Turn]:
    """Normalized messages as turns, each tool result paired with the call it answers: by id,
    or else the oldest unanswered call (some logs drop the ids)."""
    if not isinstance(messages, list):
        return []
    turns: list[_Turn] = []
    pending: list[_ToolCall] = []
    count = 0
    for item in messages:
        message = item if isinstance(item, dict) else {"role": "user", "content": item}
        role = plain_text(message.get("role")) or "user"
        turn = _Turn(role, plain_text(message.get("content")), plain_text(message.get("name")))
        raw_calls = message.get("tool_calls")
        for raw in raw_calls if isinstance(raw_calls, list) else []:
            if isinstance(raw, dict):
                count += 1
                call_id = plain_text(raw.get("id")) or f"call_{count}"
                turn.tool_calls.append(_ToolCall(call_id, plain_text(raw.get("name")),
                                                 plain_text(raw.get("arguments"))))
        pending.extend(turn.tool_calls)
        if role in ("tool", "function") or message.get("tool_call_id") is not None:
            count += 1
            turn.answers = _answered(pending, plain_text(message.get("tool_call_id")), turn.name,
                                     f"call_{count}")
        turns.append(turn)
    return turns


def _answered(pending: list[_ToolCall], call_id: str, name: str, fallback: str) -> _ToolCall:
    for index, call in enumerate(pending):
        if call.id == call_id:
            return pending.pop(index)
    if call_id:
        return _ToolCall(call_id, name, "")
    if pending:
        return pending.pop(0)
    return _ToolCall(fallback, name, "")


def _system_text(turns: list[_Turn]) -> str:
    """System and developer messages, which Anthropic and Gemini take apart from the turns."""
    return "\n\n".join(t.content for t in turns
                       if t.role in ("system", "developer") and t.answers is None)


def _as_object(text: str, key: str) -> dict[str, Any]:
    """Tool arguments or a tool result as the JSON object Anthropic and Gemini require: the text
    itself when it is one, else the value wrapped under ``key``."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = text
    return value if isinstance(value, dict) else {key: value}


def _tool_specs(tools: Any) -> list[Any]:
    """Function tools as ``{"name", "description"?, "parameters"?}`` whatever dialect defined
    them (OpenAI chat or Responses, Anthropic, Gemini); other tools (built-in search, code
    execution) are kept as logged, in a ``("raw", tool)`` pair."""
    specs: list[Any] = []
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):
            continue
        declarations = tool.get("function_declarations", tool.get("functionDeclarations"))
        if isinstance(declarations, list):
            specs.extend(_function_spec(d) for d in declarations if isinstance(d, dict))
        elif isinstance(tool.get("function"), dict):
            specs.append(_function_spec(tool["function"]))
        elif "name" in tool and tool.get("type", "function") in ("function", "custom"):
            specs.append(_function_spec(tool))
        else:
            specs.append(("raw", tool))
    return specs


def _function_spec(tool: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": plain_text(tool.get("name"))}
    if tool.get("description") is not None:
        spec["description"] = plain_text(tool.get("description"))
    schema = tool.get("parameters", tool.get("input_schema", tool.get("inputSchema")))
    if isinstance(schema, dict):
        spec["parameters"] = schema
    return spec


def _tools_for(specs: list[Any], shape: Any) -> list[Any]:
    return [spec[1] if isinstance(spec, tuple) else shape(spec) for spec in specs]


# --- OpenAI ----------------------------------------------------------------------------------


def _openai(request: _Request, source: _Source) -> list[str]:
    call = request.call
    kwargs: list[Kwarg] = [
        _model_arg(request),
        _recorded_arg(request, "messages", [_openai_message(t) for t in request.turns]),
    ]
    _optional(kwargs, "temperature", call.get("temperature"))
    _optional(kwargs, "top_p", call.get("top_p"))
    max_name = "max_completion_tokens" if _reasoning_model(request.model) else "max_tokens"
    _optional(kwargs, max_name, call.get("max_tokens"))
    _optional(kwargs, "seed", call.get("seed"))
    if request.tools:
        kwargs.append(("tools", _tools_for(request.tools, _openai_tool), ""))
    passed, skipped = _logged_params(request.params, OPENAI, {name for name, _, _ in kwargs})
    kwargs.extend((name, value, "") for name, value in passed.items())
    return [
        *_client_lines(request, source),
        "response = client.chat.completions.create(",
        *source.kwargs(kwargs),
        ")",
        *_skipped_comment(skipped),
        "print(response.choices[0].message)",
    ]


def _client_lines(request: _Request, source: _Source) -> list[str]:
    if request.sdk == AZURE:
        source.imports.append("from openai import AzureOpenAI")
        return [
            "# reads AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION;",
            "# model is the name of your Azure deployment",
            "client = AzureOpenAI()",
            "",
        ]
    source.imports.append("from openai import OpenAI")
    provider = request.call.get("provider")
    lines = ["client = OpenAI()  # reads OPENAI_API_KEY from the environment"]
    if isinstance(provider, str) and provider and provider.lower() != OPENAI:
        lines.insert(0, f"# the call went to {provider!r}: for an OpenAI-compatible endpoint "
                        "pass base_url= and api_key=")
    return [*lines, ""]


def _openai_message(turn: _Turn) -> dict[str, Any]:
    if turn.answers is not None:
        return {"role": "tool", "tool_call_id": turn.answers.id, "content": turn.content}
    if turn.role == "assistant":
        message: dict[str, Any] = {"role": "assistant", "content": turn.content or None}
        if turn.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function",
                 "function": {"name": c.name, "arguments": c.arguments}}
                for c in turn.tool_calls
            ]
    else:
        role = turn.role if turn.role in ("system", "developer", "user") else "user"
        message = {"role": role, "content": turn.content}
    if turn.name and _OPENAI_NAME.fullmatch(turn.name):
        message["name"] = turn.name
    return message


def _openai_tool(spec: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": spec}


def _openai_embeddings(request: _Request, source: _Source) -> list[str]:
    kwargs: list[Kwarg] = [
        _model_arg(request),
        _recorded_arg(request, "input", [t.content for t in request.turns], "input"),
    ]
    return [
        *_client_lines(request, source),
        "response = client.embeddings.create(",
        *source.kwargs(kwargs),
        ")",
        "print(len(response.data), 'embeddings of', len(response.data[0].embedding), 'floats')",
    ]


# --- Anthropic -------------------------------------------------------------------------------


def _anthropic(request: _Request, source: _Source) -> list[str]:
    call = request.call
    system = _system_text(request.turns)
    max_tokens = call.get("max_tokens")
    kwargs: list[Kwarg] = [
        _model_arg(request),
        ("max_tokens", DEFAULT_ANTHROPIC_MAX_TOKENS,
         "the log did not record max_tokens; Anthropic requires it")
        if max_tokens is None else ("max_tokens", max_tokens, ""),
    ]
    if system:
        kwargs.append(("system", system, ""))
    kwargs.append(_recorded_arg(request, "messages", _anthropic_messages(request.turns)))
    if request.tools:
        kwargs.append(("tools", _tools_for(request.tools, _anthropic_tool), ""))
    passed, skipped = _logged_params(request.params, ANTHROPIC,
                                     {name for name, _, _ in kwargs})
    sampling = {name: call.get(name) for name in ("temperature", "top_p")
                if call.get(name) is not None}
    sampling.update({name: passed.pop(name) for name in _ANTHROPIC_SAMPLING if name in passed})
    kwargs.extend((name, value, "") for name, value in passed.items())
    if sampling:
        kwargs.append(("extra_body", sampling,
                       "recent anthropic SDKs take sampling parameters only here"))
    if call.get("seed") is not None:
        skipped.append("seed")
    source.imports.append("import anthropic")
    return [
        "client = anthropic.Anthropic()  # reads ANTHROPIC_API_KEY from the environment",
        "",
        "response = client.messages.create(",
        *source.kwargs(kwargs),
        ")",
        *_skipped_comment(skipped),
        "print(response.content)",
    ]


def _anthropic_messages(turns: list[_Turn]) -> list[dict[str, Any]]:
    """Tool results go back as ``tool_result`` blocks of one user message, tool calls as
    ``tool_use`` blocks of the assistant message; system text is not a message."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        if turn.answers is not None:
            block = {"type": "tool_result", "tool_use_id": turn.answers.id,
                     "content": turn.content}
            last = messages[-1] if messages else None
            if last and last["role"] == "user" and isinstance(last["content"], list):
                last["content"].append(block)
            else:
                messages.append({"role": "user", "content": [block]})
        elif turn.role in ("system", "developer"):
            continue
        elif turn.role == "assistant" and turn.tool_calls:
            blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.content}] \
                if turn.content else []
            blocks.extend({"type": "tool_use", "id": c.id, "name": c.name,
                           "input": _as_object(c.arguments, "arguments")}
                          for c in turn.tool_calls)
            messages.append({"role": "assistant", "content": blocks})
        else:
            role = "assistant" if turn.role == "assistant" else "user"
            messages.append({"role": role, "content": turn.content})
    return messages


def _anthropic_tool(spec: dict[str, Any]) -> dict[str, Any]:
    tool = {key: value for key, value in spec.items() if key != "parameters"}
    tool["input_schema"] = spec.get("parameters", {"type": "object", "properties": {}})
    return tool


# --- Google Gen AI ---------------------------------------------------------------------------


def _google(request: _Request, source: _Source) -> list[str]:
    call = request.call
    config: dict[str, Any] = {}
    system = _system_text(request.turns)
    if system:
        config["system_instruction"] = system
    for name, value in (("temperature", call.get("temperature")), ("top_p", call.get("top_p")),
                        ("max_output_tokens", call.get("max_tokens")),
                        ("seed", call.get("seed"))):
        if value is not None:
            config[name] = value
    if request.tools:
        functions = [s for s in request.tools if not isinstance(s, tuple)]
        others = [s[1] for s in request.tools if isinstance(s, tuple)]
        config["tools"] = ([{"function_declarations": functions}] if functions else []) + others
    kwargs: list[Kwarg] = [
        _model_arg(request),
        _recorded_arg(request, "contents", _google_contents(request.turns)),
    ]
    passed, skipped = _logged_params(request.params, GOOGLE, set(config))
    config.update(passed)
    if config:
        kwargs.append(("config", config, ""))
    source.imports.append("from google import genai")
    return [
        "# reads GEMINI_API_KEY (or GOOGLE_API_KEY) from the environment",
        "client = genai.Client()",
        "",
        "response = client.models.generate_content(",
        *source.kwargs(kwargs),
        ")",
        *_skipped_comment(skipped),
        "print(response.text)",
    ]


def _google_contents(turns: list[_Turn]) -> list[dict[str, Any]]:
    contents: list[dict[str, Any]] = []
    for turn in turns:
        if turn.role in ("system", "developer") and turn.answers is None:
            continue
        if turn.answers is not None:
            response = _as_object(turn.content, "result")
            parts: list[dict[str, Any]] = [{"function_response": {
                "name": turn.answers.name or turn.name, "response": response}}]
            contents.append({"role": "user", "parts": parts})
            continue
        parts = [{"text": turn.content}] if turn.content or not turn.tool_calls else []
        parts.extend({"function_call": {"name": c.name,
                                        "args": _as_object(c.arguments, "arguments")}}
                     for c in turn.tool_calls)
        contents.append({"role": "model" if turn.role == "assistant" else "user",
                         "parts": parts})
    return contents


def _google_embeddings(request: _Request, source: _Source) -> list[str]:
    kwargs: list[Kwarg] = [
        _model_arg(request),
        _recorded_arg(request, "contents", [t.content for t in request.turns], "input"),
    ]
    source.imports.append("from google import genai")
    return [
        "# reads GEMINI_API_KEY (or GOOGLE_API_KEY) from the environment",
        "client = genai.Client()",
        "",
        "response = client.models.embed_content(",
        *source.kwargs(kwargs),
        ")",
        "print(len(response.embeddings), 'embeddings')",
    ]


# --- parameters ------------------------------------------------------------------------------


def _model_arg(request: _Request) -> Kwarg:
    return ("model", request.model, "" if request.model else "the log did not record the model")


def _recorded_arg(request: _Request, name: str, value: Any, what: str = "messages") -> Kwarg:
    """The messages (or embedding input) argument, saying so when the log did not keep them."""
    return (name, value, "" if request.recorded else f"the log did not record the {what}")


def _optional(kwargs: list[Kwarg], name: str, value: Any) -> None:
    if value is not None:
        kwargs.append((name, value, ""))


def _logged_params(params: dict[str, Any], sdk: str,
                   taken: set[str]) -> tuple[dict[str, Any], list[str]]:
    """The logged parameters this SDK takes (not already in ``taken``), and the names of the
    rest."""
    renamed = _RENAMED_PARAMS.get(sdk, {})
    passed: dict[str, Any] = {}
    skipped = []
    for key, value in params.items():
        name = renamed.get(key, key)
        if name in _PASSED_PARAMS[sdk] and name not in taken and name not in passed:
            passed[name] = value
        else:
            skipped.append(plain_text(key))
    return passed, skipped


def _skipped_comment(names: list[str]) -> list[str]:
    if not names:
        return []
    listed = ", ".join(repr(name) for name in names)
    return [f"# also logged, not sent: {listed}"]


# --- emitting source -------------------------------------------------------------------------


class _Source:
    """Collects imports while the body is written, then assembles the snippet."""

    def __init__(self) -> None:
        self.imports: list[str] = []

    def kwargs(self, kwargs: list[Kwarg]) -> list[str]:
        lines = []
        for name, value, note in kwargs:
            line = f"    {name}={self.literal(value, 4)},"
            lines.append(f"{line}  # {note}" if note else line)
        return lines

    def literal(self, value: Any, indent: int) -> str:
        """``value`` as a Python expression. Data nested too deep for the pretty printer goes
        through ``json.loads`` of its JSON text instead."""
        try:
            return _pretty(value, indent)
        except RecursionError:
            if "import json" not in self.imports:
                self.imports.insert(0, "import json")
            try:
                text = json.dumps(value, ensure_ascii=False)
            except (TypeError, ValueError, RecursionError):
                return "None"
            return f"json.loads({text!r})"

    def finish(self, sdk: str, body: list[str]) -> str:
        package = {ANTHROPIC: "anthropic", GOOGLE: "google-genai"}.get(sdk, "openai")
        header = [f"# Repeats the logged call with the {package} SDK (pip install {package}).",
                  *self.imports, ""]
        return "\n".join([*header, *body]) + "\n"


def _pretty(value: Any, indent: int) -> str:
    flat = _flat(value)
    if indent + len(flat) <= WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{_flat(key)}: {_pretty(item, indent + 4)}," for key, item in value.items()]
        opening, closing = "{", "}"
    else:
        items = [f"{pad}{_pretty(item, indent + 4)}," for item in value]
        opening, closing = "[", "]"
    return "\n".join([opening, *items, " " * indent + closing])


def _flat(value: Any) -> str:
    """One-line Python source for plain data; anything else becomes its string."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flat(item) for item in value) + "]"
    return repr(str(value))
