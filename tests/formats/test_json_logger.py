"""python-json-logger envelopes: one nested LLM record is unwrapped; top-level extras are left
to the dialect (or heuristic) that knows them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context, as_ts
from llmview.core.formats.json_logger import DIALECT
from llmview.core.records import Call, Event
from tests.fixtures import json_logger as fixture
from tests.formats._json_fuzz import altered, check_survives
from tests.formats._loglines import calls, events, objects, warnings


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.write_json_logger_log(tmp_path_factory.mktemp("json_logger"))


@pytest.fixture(scope="module")
def lines(path: Path) -> list[dict]:
    return objects(path)


def test_a_nested_record_is_unwrapped(path: Path, lines: list[dict]) -> None:
    assert DIALECT.claims(lines[0])
    call = calls(path)[0]
    assert call.dialect == "heuristic" and call.key == "req:jl-1"
    assert (call.model, call.output) == ("gpt-4o-mini", "Paris.")
    assert (call.input_tokens, call.output_tokens) == (12, 5)
    assert call.latency_ms == pytest.approx(420.0)  # duration_s
    assert call.ts == as_ts(lines[0]["asctime"], Context())  # the envelope's time


def test_a_nested_raw_response(path: Path) -> None:
    call = calls(path)[1]
    assert call.dialect == "raw_response" and call.provider == "anthropic"
    assert call.messages == [{"role": "user", "content": "What's the weather in Paris?"}]
    assert (call.input_tokens, call.output_tokens) == (40, 12)


def test_top_level_extras_are_claimed_directly(path: Path, lines: list[dict]) -> None:
    assert not DIALECT.claims(lines[2])
    call = calls(path)[2]
    assert call.dialect == "heuristic" and call.model == "gpt-4o"
    assert (call.input_tokens, call.output_tokens, call.latency_ms) == (100, 20, 1234.0)


def test_the_envelope_traceback_fails_the_nested_call(path: Path) -> None:
    call = calls(path)[3]
    assert call.status == "error" and call.error_type == "TimeoutError"
    assert call.error_message == "Request timed out."


def test_other_lines_are_plain_events(path: Path, lines: list[dict]) -> None:
    assert [(e.dialect, e.message) for e in events(path)] == [
        ("event", "cache warmed"), ("event", "request context")]
    assert not DIALECT.claims(lines[5])  # its nested dict is no LLM record
    assert warnings(path) == []


def test_two_candidate_records_are_not_guessed() -> None:
    record = {"model": "gpt-4o", "prompt": "hi"}
    obj = {"message": "m", "a": record, "b": dict(record)}
    assert not DIALECT.claims(obj)
    assert [type(r) for r in normalize(obj, Context())] == [Event]


def test_the_envelope_ids_fill_the_nested_call() -> None:
    obj = {"message": "m", "levelname": "INFO", "otelTraceID": "4BF92F3577B34DA6A3CE929D0E0E4736",
           "user_id": "u1", "data": {"model": "gpt-4o", "prompt": "hi"}}
    (call,) = normalize(obj, Context())
    assert isinstance(call, Call)
    assert (call.trace_id, call.user) == ("4bf92f3577b34da6a3ce929d0e0e4736", "u1")


@pytest.fixture(scope="module")
def samples(lines: list[dict]) -> list[dict]:
    return [line for line in lines if DIALECT.claims(line)]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(samples: list[dict], data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, samples))
