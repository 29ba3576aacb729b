"""Raw OpenAI / Anthropic / Gemini response objects, alone or next to the request fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats.raw_response import DIALECT
from tests.fixtures import raw_response as fixture
from tests.formats._json_fuzz import altered, check_survives
from tests.formats._loglines import calls, events, warnings


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.write_raw_responses(tmp_path_factory.mktemp("raw"))


def _by_response_id(path: Path) -> dict:
    return {(c.tags or {}).get("response_id"): c for c in calls(path)}


def test_a_whole_line_openai_tool_call(path: Path) -> None:
    call = _by_response_id(path)["chatcmpl-T1"]
    assert call.dialect == "raw_response" and call.key == "" and call.status == "ok"
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o-2024-08-06", "chat")
    assert call.tool_calls == [
        {"name": "get_weather", "arguments": '{"city": "Paris"}', "id": "call_1"}]
    assert call.finish_reason == "tool_calls" and call.ts == 1_795_000_000
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (25, 9, 34)


def test_a_whole_line_anthropic_message(path: Path) -> None:
    call = calls(path)[2]  # keyed calls first, then unkeyed ones in file order
    assert (call.provider, call.model) == ("anthropic", "claude-sonnet-4-5-20250929")
    assert call.output == "Sunny, 21°C." and call.finish_reason == "end_turn"
    assert call.input_tokens == 1040  # cache reads are input the model read
    assert call.ts is None  # an Anthropic message carries no time


def test_a_response_next_to_the_request(path: Path) -> None:
    call = calls(path)[0]
    assert call.key == "req:rr-3" and call.request_id == "rr-3" and call.user == "usr_42"
    assert call.model == "gpt-4o-2024-08-06"  # what served the call, over what was asked
    assert call.temperature == 0.3 and call.latency_ms == 640.0
    assert call.messages == [{"role": "user", "content": "What's the weather in Paris?"}]
    assert call.output == "It is sunny in Paris." and call.ts == 1_795_167_000


def test_a_response_next_to_a_request_body(path: Path) -> None:
    call = calls(path)[3]
    assert call.session == "sess_9" and call.max_tokens == 1024 and call.latency_ms == 1800
    assert [m["role"] for m in call.messages or []] == ["system", "user"]
    assert call.provider == "anthropic"


def test_gemini_and_openai_responses_api(path: Path) -> None:
    gemini, responses = calls(path)[4:6]
    assert (gemini.provider, gemini.model) == ("google", "gemini-2.0-flash")
    assert gemini.output == "Bonjour! It is sunny." and gemini.finish_reason == "stop"
    assert (gemini.input_tokens, gemini.output_tokens, gemini.total_tokens) == (9, 6, 15)
    assert gemini.ts == 1_795_167_005 and gemini.messages is not None
    assert (responses.model, responses.output) == ("gpt-4.1-2025-04-14", "Hi there")
    assert (responses.input_tokens, responses.output_tokens) == (10, 3)
    assert responses.ts == 1_795_167_000


def test_a_streaming_chunk_is_no_call(path: Path) -> None:
    assert len(calls(path)) == fixture.EXPECTED["calls"]
    assert len(events(path)) == 1 and warnings(path) == []


def test_claims() -> None:
    assert not DIALECT.claims({"choices": []})  # no model, no usage: not a response body
    assert not DIALECT.claims({"response": "text"})
    assert DIALECT.claims({"output": {"type": "message", "content": [], "model": "claude"}})


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, fixture.records()))
