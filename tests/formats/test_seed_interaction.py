"""Seeds 000/001 ``llm_interaction(_full)`` lines -> one call each, with or without the stdlib
``asctime - name - level -`` prefix."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.seed_interaction import DIALECT
from llmview.core.records import Call
from tests.fixtures import seed_interaction as fixture
from tests.formats._json_fuzz import altered, check_survives
from tests.formats._loglines import calls, objects, warnings


@pytest.fixture()
def plain(tmp_path: Path) -> Path:
    return fixture.write_interactions(tmp_path)


@pytest.fixture()
def prefixed(tmp_path: Path) -> Path:
    return fixture.write_interactions_prefixed(tmp_path)


def test_seed_001_interaction(plain: Path) -> None:
    call = calls(plain)[0]
    assert call.dialect == "seed_interaction" and call.origin == "log"
    assert call.key == f"req:{fixture.IDS[0]}" and call.request_id == fixture.IDS[0]
    assert (call.model, call.provider, call.operation) == ("gpt-3.5-turbo", "openai", "chat")
    assert call.ts == fixture.T0
    assert [(m["role"], m["content"]) for m in call.messages or []] == [
        ("system", "You are a helpful assistant."), ("user", "What is the capital of France?")]
    assert call.output == call.parsed_output == "The capital of France is Paris."
    assert call.status == "ok"
    # The seed's dummy response has no usage: unknown, not zero.
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (None, None, None)
    assert call.latency_ms is None


def test_seed_000_interaction_with_metadata(plain: Path) -> None:
    call = calls(plain)[2]
    assert (call.model, call.provider) == ("llama3:8b-instruct", "local")  # not the shape's
    assert (call.app, call.user, call.session) == ("MyLLMChatApp", "usr_abc123", "sess_xyz456")
    assert (call.temperature, call.top_p, call.seed, call.max_tokens) == (0.7, 0.9, 123, 200)
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (31, 8, 39)
    assert call.finish_reason == "stop"
    assert call.tags is not None
    assert call.tags["app_version"] == "1.2.0" and call.tags["request_type"] == "chat_response"
    assert call.tags["rag"] == fixture.RAG_META
    assert call.tags["response_id"] == "chatcmpl-A1"
    assert "hostname" in call.tags and "python_version" in call.tags


def test_stdlib_prefix_reads_like_the_plain_lines(plain: Path, prefixed: Path) -> None:
    assert [_fields(c) for c in calls(prefixed)] == [_fields(c) for c in calls(plain)]
    assert warnings(plain, prefixed) == []


def _fields(call: Call) -> dict:
    skip = {"key", "request_id", "tags"}  # ids differ; hostname may too
    return {name: getattr(call, name) for name in call.__struct_fields__ if name not in skip}


def test_a_string_response_and_an_error() -> None:
    obj = {"event": "llm_interaction", "request_id": "r9", "model": "gpt-4o",
           "prompt_messages": "hi", "llm_raw_response": "hello", "error": "Timeout: slow",
           "timestamp": 1_795_167_000_123}
    (call,) = normalize(obj, Context())
    assert isinstance(call, Call)
    assert call.messages == [{"role": "user", "content": "hi"}] and call.output == "hello"
    assert call.status == "error" and call.error_message == "Timeout: slow"
    assert call.ts == pytest.approx(1_795_167_000.123)  # milliseconds read as such


def test_only_its_events_are_claimed() -> None:
    assert DIALECT.claims({"event": "llm_interaction_full"})
    assert not DIALECT.claims({"event": "llm_request", "request_id": "x"})


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    return objects(fixture.write_interactions(tmp_path_factory.mktemp("interactions")))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(samples: list[dict], data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, samples))
