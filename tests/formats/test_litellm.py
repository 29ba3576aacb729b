"""LiteLLM ``StandardLoggingPayload`` (callback dumps, s3 objects) -> one call per payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.litellm import DIALECT
from llmview.core.records import Call
from tests.fixtures import litellm as fixture
from tests.formats._json_fuzz import altered, check_survives


@pytest.fixture()
def calls(tmp_path: Path) -> list[Call]:
    path = fixture.write_callback_log(tmp_path)
    records = []
    for line in path.read_text().splitlines():
        records.extend(normalize(json.loads(line), Context(path=str(path))))
    assert all(isinstance(record, Call) for record in records), records
    return records


def test_a_successful_call(calls: list[Call]) -> None:
    call = calls[0]
    assert call.key == "req:chatcmpl-L1" and call.request_id == "chatcmpl-L1"
    assert call.dialect == "litellm" and call.origin == "log"
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o-mini", "chat")
    assert call.ts == fixture.START
    assert call.latency_ms == pytest.approx(1200, abs=0.01)
    assert call.ttft_ms is None  # not streamed: completionStartTime is only the end time
    assert call.status == "ok" and call.error_type is None
    assert call.cost_usd == pytest.approx(6.75e-06)
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (21, 6, 27)
    assert [m["role"] for m in call.messages or []] == ["system", "user"]
    assert call.output == "Paris is the capital." and call.finish_reason == "stop"
    assert (call.temperature, call.max_tokens) == (0.3, 256)
    assert call.params == {"stream": False, "max_retries": 0, "extra_body": {}}


def test_who_asked(calls: list[Call]) -> None:
    call = calls[0]
    assert call.user == "customer-42"  # the end user, not the key's owner
    assert call.app == "support-bot"  # the virtual key's alias
    assert call.session == call.trace_id == "5f0c8a0e-1b7d-4c7e-9a51-0d2a6e1f3b11"
    assert call.tags is not None
    assert call.tags["model_group"] == "gpt-4o-mini" and call.tags["team_id"] == "team-support"
    assert call.tags["request_tags"] == ["prod", "support"]
    assert call.tags["spend_logs_metadata"] == {"ticket": "T-1009"}
    assert calls[1].user == "default_user_id"  # no end user: the key's user


def test_a_streamed_tool_call(calls: list[Call]) -> None:
    call = calls[1]
    assert (call.provider, call.model) == ("anthropic", "claude-3-5-sonnet-20241022")
    assert call.ttft_ms == pytest.approx(800, abs=0.01)
    assert call.latency_ms == pytest.approx(3500, abs=0.01)
    assert call.tool_calls == [
        {"id": "toolu_01A", "name": "get_weather", "arguments": '{"city": "Oslo"}'}
    ]
    assert call.tools == [{"type": "function", "function": {"name": "get_weather"}}]
    assert call.messages == [{"role": "user", "content": "Weather in Oslo?"}]
    assert call.temperature == 0.0


def test_a_failure(calls: list[Call]) -> None:
    call = calls[2]
    assert call.key == "req:0a6c2b8e-8f3e-4a8e-b1c9-6f1d2e3a4b5c"
    assert call.status == "error" and call.error_type == "RateLimitError"
    assert call.http_status == 429
    assert call.error_message is not None and "Rate limit reached for gpt-4o" in call.error_message
    # LiteLLM logs zeros for a failed call: they were never counted.
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (None, None, None)
    assert call.output is None
    assert call.latency_ms == pytest.approx(400, abs=0.01)


def test_an_embedding(calls: list[Call]) -> None:
    call = calls[3]
    assert call.operation == "embeddings" and call.model == "text-embedding-3-small"
    assert call.messages == [{"role": "user", "content": "hello embedding world"}]
    assert (call.input_tokens, call.total_tokens) == (5, 5)
    assert call.cost_usd == pytest.approx(1e-07)


def test_the_same_payload_from_two_sinks_is_one_call(tmp_path: Path, calls: list[Call]) -> None:
    path = fixture.write_s3_object(tmp_path)
    [again] = normalize(json.loads(path.read_text()), Context(path=str(path)))
    assert again == calls[0]
    keys = {call.key for call in [*calls, again]}
    assert len(keys) == fixture.EXPECTED["calls"]


def test_empty_strings_are_unknown() -> None:
    payload = {**fixture.chat_success(), "end_user": "", "model": "", "custom_llm_provider": ""}
    payload["metadata"] = {"user_api_key_user_id": "", "user_api_key_alias": ""}
    [call] = normalize(payload, Context())
    assert isinstance(call, Call)
    assert call.user is None and call.app is None
    assert call.model == "gpt-4o-mini"  # LiteLLM's model name sent to the provider
    assert call.provider == "openai"


# --- any JSON value in any field --------------------------------------------------------------

SAMPLES = [fixture.chat_success(), fixture.stream_tool_call(), fixture.rate_limited(),
           fixture.embedding()]


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, SAMPLES))
