"""The reproduce snippet: runs with the real SDKs against a local stand-in for the API, sends the
logged model, messages, parameters and tools in each SDK's shape, and parses whatever a log
holds."""

from __future__ import annotations

import ast
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType, SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmview.core.reproduce import reproduce_snippet

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
AGENT_MESSAGES = [
    {"role": "system", "content": "You are a weather bot."},
    {"role": "user", "content": "Weather in Paris and Rome?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_a", "name": "get_weather", "arguments": '{"city": "Paris"}'},
        {"id": "call_b", "name": "get_weather", "arguments": '{"city": "Rome"}'},
    ]},
    {"role": "tool", "tool_call_id": "call_a", "content": '{"temp_c": 21}'},
    {"role": "tool", "tool_call_id": "call_b", "content": "sunny"},
]

CHAT_COMPLETION = {
    "id": "chatcmpl-1", "object": "chat.completion", "created": 1_795_000_000, "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "stop",
                 "message": {"role": "assistant", "content": "Both are sunny."}}],
    "usage": {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34},
}
ANTHROPIC_MESSAGE = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
    "content": [{"type": "text", "text": "Both are sunny."}], "stop_reason": "end_turn",
    "stop_sequence": None, "usage": {"input_tokens": 30, "output_tokens": 4},
}


class FakeApi:
    """A local HTTP server that answers like the OpenAI and Anthropic APIs and keeps every
    request body, so a snippet runs with the real SDK and its request can be checked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append((self.path, body))
                answer = ANTHROPIC_MESSAGE if self.path.endswith("/messages") else CHAT_COMPLETION
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    api = FakeApi()
    thread = threading.Thread(target=api.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("OPENAI_BASE_URL", f"{api.url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    yield api
    api.server.shutdown()
    api.server.server_close()


def run(snippet: str) -> None:
    exec(compile(snippet, "<snippet>", "exec"), {})  # noqa: S102 - the point of the test


def test_openai_snippet_sends_the_logged_call(fake_api: FakeApi,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    snippet = reproduce_snippet({
        "provider": "openai", "model": "gpt-4o", "messages": json.dumps(AGENT_MESSAGES),
        "tools": json.dumps([WEATHER_TOOL]), "temperature": 0.2, "top_p": 0.9,
        "max_tokens": 200, "seed": 7, "params": json.dumps({"stop": ["END"], "stream": False}),
    })
    assert "OpenAI()" in snippet and "api_key" not in snippet.split("OpenAI()")[1][:10]
    run(snippet)
    [(path, body)] = fake_api.requests
    assert path == "/v1/chat/completions"
    assert body["model"] == "gpt-4o" and body["seed"] == 7 and body["stop"] == ["END"]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 200)
    assert body["tools"] == [WEATHER_TOOL]
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "tool",
                                                    "tool"]
    assert body["messages"][2]["tool_calls"][1] == {
        "id": "call_b", "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}
    assert body["messages"][4] == {"role": "tool", "tool_call_id": "call_b", "content": "sunny"}
    assert "stream" not in body and "# also logged, not sent: 'stream'" in snippet
    assert "Both are sunny." in capsys.readouterr().out


def test_anthropic_snippet_moves_system_and_maps_tools(fake_api: FakeApi) -> None:
    snippet = reproduce_snippet({
        "provider": "anthropic", "model": "anthropic/claude-haiku-4-5",
        "messages": json.dumps(AGENT_MESSAGES), "tools": json.dumps([WEATHER_TOOL]),
        "temperature": 0.5, "seed": 3,
    })
    assert "max_tokens=1024,  # the log did not record max_tokens; Anthropic requires it" \
        in snippet
    run(snippet)
    [(path, body)] = fake_api.requests
    assert path == "/v1/messages"
    assert body["model"] == "claude-haiku-4-5"  # the LiteLLM routing prefix is dropped
    assert body["system"] == "You are a weather bot." and body["max_tokens"] == 1024
    assert body["temperature"] == 0.5  # through extra_body: SDK 2.x has no such argument
    assert "seed" not in body and "'seed'" in snippet
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "call_a", "name": "get_weather", "input": {"city": "Paris"}},
        {"type": "tool_use", "id": "call_b", "name": "get_weather", "input": {"city": "Rome"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "call_a", "content": '{"temp_c": 21}'},
        {"type": "tool_result", "tool_use_id": "call_b", "content": "sunny"},
    ]
    assert body["tools"] == [{
        "name": "get_weather", "description": "Current weather for a city",
        "input_schema": WEATHER_TOOL["function"]["parameters"]}]


def test_anthropic_keeps_a_logged_max_tokens() -> None:
    snippet = reproduce_snippet({"provider": "anthropic", "model": "claude-3-haiku",
                                 "messages": [{"role": "user", "content": "hi"}],
                                 "max_tokens": 50})
    assert "    max_tokens=50,\n" in snippet and "1024" not in snippet


def fake_sdks() -> tuple[dict[str, ModuleType], list[dict[str, Any]]]:
    """Modules standing in for openai, anthropic and google.genai that record each request,
    for checks that need no network (and for google-genai, which is not installed)."""
    sent: list[dict[str, Any]] = []

    def record(**kwargs: Any) -> Any:
        sent.append(kwargs)
        return SimpleNamespace(choices=[SimpleNamespace(message="ok")], content="ok", text="ok",
                               data=[SimpleNamespace(embedding=[0.0])], embeddings=[[0.0]])

    endpoint = SimpleNamespace(create=record, generate_content=record, embed_content=record)

    def client(**_: Any) -> Any:
        return SimpleNamespace(chat=SimpleNamespace(completions=endpoint), embeddings=endpoint,
                               messages=endpoint, models=endpoint)

    openai = ModuleType("openai")
    openai.OpenAI = openai.AzureOpenAI = client  # type: ignore[attr-defined]
    anthropic = ModuleType("anthropic")
    anthropic.Anthropic = client  # type: ignore[attr-defined]
    genai = ModuleType("google.genai")
    genai.Client = client  # type: ignore[attr-defined]
    google = ModuleType("google")
    google.genai = genai  # type: ignore[attr-defined]
    modules = {"openai": openai, "anthropic": anthropic, "google": google, "google.genai": genai}
    return modules, sent


def sent_with_fakes(call: dict[str, Any]) -> dict[str, Any]:
    modules, sent = fake_sdks()
    with mock.patch.dict(sys.modules, modules):
        run(reproduce_snippet(call))
    [kwargs] = sent
    return kwargs


def test_google_snippet_uses_google_genai() -> None:
    snippet = reproduce_snippet({"provider": "google", "model": "gemini-2.0-flash",
                                 "messages": json.dumps(AGENT_MESSAGES),
                                 "tools": json.dumps([WEATHER_TOOL]), "max_tokens": 64})
    assert "from google import genai" in snippet
    kwargs = sent_with_fakes({"provider": "google", "model": "gemini-2.0-flash",
                              "messages": json.dumps(AGENT_MESSAGES),
                              "tools": json.dumps([WEATHER_TOOL]), "max_tokens": 64})
    assert kwargs["model"] == "gemini-2.0-flash"
    config = kwargs["config"]
    assert config["system_instruction"] == "You are a weather bot."
    assert config["max_output_tokens"] == 64
    assert config["tools"] == [{"function_declarations": [WEATHER_TOOL["function"]]}]
    contents = kwargs["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user", "user"]
    assert contents[1]["parts"][0] == {"function_call": {"name": "get_weather",
                                                         "args": {"city": "Paris"}}}
    assert contents[3]["parts"][0] == {"function_response": {
        "name": "get_weather", "response": {"result": "sunny"}}}


def test_tool_results_without_ids_answer_calls_in_order() -> None:
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"name": "a", "arguments": "{}"}, {"name": "b", "arguments": "not json"}]},
        {"role": "tool", "content": "A"},
        {"role": "tool", "content": "B"},
    ]
    sent = sent_with_fakes({"provider": "openai", "model": "gpt-4o", "messages": messages})
    calls = sent["messages"][1]["tool_calls"]
    assert [m["tool_call_id"] for m in sent["messages"][2:]] == [c["id"] for c in calls]
    sent = sent_with_fakes({"provider": "anthropic", "model": "claude-3-haiku",
                            "messages": messages})
    uses = sent["messages"][1]["content"]
    assert uses[1]["input"] == {"arguments": "not json"}  # Anthropic wants an object
    results = sent["messages"][2]["content"]
    assert [r["tool_use_id"] for r in results] == [u["id"] for u in uses]


def test_missing_messages_are_said_plainly() -> None:
    snippet = reproduce_snippet({"provider": "openai", "model": "gpt-4o-mini",
                                 "messages": None})
    assert "messages=[],  # the log did not record the messages" in snippet
    assert "model=None,  # the log did not record the model" in reproduce_snippet({})


def test_reasoning_models_take_max_completion_tokens() -> None:
    kwargs = sent_with_fakes({"model": "o3-mini", "max_tokens": 500, "messages": []})
    assert kwargs["max_completion_tokens"] == 500 and "max_tokens" not in kwargs


def test_embeddings_call_the_embeddings_endpoint() -> None:
    kwargs = sent_with_fakes({"provider": "openai", "model": "text-embedding-3-small",
                              "operation": "embeddings",
                              "messages": [{"role": "user", "content": "hello"}]})
    assert kwargs == {"model": "text-embedding-3-small", "input": ["hello"]}


def test_another_provider_gets_the_openai_compatible_form() -> None:
    snippet = reproduce_snippet({"provider": "mistral", "model": "mistral-large",
                                 "messages": []})
    assert "# the call went to 'mistral': for an OpenAI-compatible endpoint" in snippet


def test_deeply_nested_values_fall_back_to_json_loads() -> None:
    deep: Any = "bottom"
    for _ in range(900):
        deep = [deep]
    snippet = reproduce_snippet({"model": "gpt-4o", "messages": [],
                                 "params": json.dumps({"response_format": deep})})
    assert snippet.startswith("# Repeats") and "import json\n" in snippet
    kwargs = sent_with_fakes({"model": "gpt-4o", "messages": [],
                              "params": json.dumps({"response_format": deep})})
    assert kwargs["response_format"] == deep


# --- any input ------------------------------------------------------------------------------

ANY_CHAR = st.characters(exclude_categories=())  # surrogates and controls included
TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from([
    "'''", '"""', "\\", "\n# ", "\r", "\x00", "\u2028", "[@click=app.quit]x[/]", "\x1b]52;c;x\x07",
    "')\nimport os\nos.system('x')  #", "coding: latin-1",
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
TOOL_CALL = st.fixed_dictionaries({"name": TEXT, "arguments": TEXT | JSON.map(json.dumps)},
                                  optional={"id": TEXT | st.none()})
MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool", "developer"]) | TEXT,
     "content": TEXT | JSON},
    optional={"name": TEXT, "tool_call_id": TEXT | st.none(),
              "tool_calls": st.lists(TOOL_CALL, max_size=3) | JSON},
)
MESSAGES = st.lists(MESSAGE | JSON, max_size=6)
CALL = st.fixed_dictionaries({}, optional={
    "provider": st.sampled_from(["openai", "anthropic", "google", "azure", "mistral"]) | TEXT,
    "model": TEXT | st.none(),
    "operation": st.sampled_from(["chat", "embeddings"]) | TEXT,
    "messages": MESSAGES.map(json.dumps) | MESSAGES | TEXT,
    "tools": st.lists(st.just(WEATHER_TOOL) | JSON, max_size=3).map(json.dumps) | TEXT,
    "params": st.dictionaries(st.sampled_from(["stop", "n", "tool_choice", "stream"]) | TEXT,
                              JSON, max_size=4).map(json.dumps) | JSON,
    "temperature": st.floats() | st.none() | TEXT,
    "top_p": st.floats() | st.none(),
    "max_tokens": st.integers() | st.none(),
    "seed": st.integers() | st.none(),
})


@settings(max_examples=400, deadline=None)
@given(call=CALL)
def test_any_call_gives_valid_python(call: dict[str, Any]) -> None:
    ast.parse(reproduce_snippet(call))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents=st.lists(TEXT, min_size=1, max_size=4),
       provider=st.sampled_from(["openai", "anthropic", "google"]))
def test_message_text_arrives_unchanged(contents: list[str], provider: str) -> None:
    messages = [{"role": "user", "content": text} for text in contents]
    kwargs = sent_with_fakes({"provider": provider, "model": "m", "messages": messages})
    if provider == "google":
        sent = [part["text"] for c in kwargs["contents"] for part in c["parts"]]
    else:
        sent = [m["content"] for m in kwargs["messages"]]
    assert sent == contents
