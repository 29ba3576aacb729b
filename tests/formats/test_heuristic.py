"""The alias heuristic: app log lines of unknown shape with a model name and a prompt, a
response or token counts become calls; anything else stays an event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import (
    audit,
    debug_conversation,
    heuristic,
    json_logger,
    logfields,
    loguru_record,
    normalize,
    raw_response,
    seed_interaction,
    seed_request_log,
    structlog_entry,
)
from llmview.core.formats.base import Context
from llmview.core.records import Call, Event
from tests.fixtures import heuristic as fixture
from tests.formats._json_fuzz import JSON, altered, check_survives
from tests.formats._loglines import calls, events, warnings

DIALECT = heuristic.DIALECT


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Call], list[Event], Path]:
    path = fixture.write_app_log(tmp_path_factory.mktemp("heuristic"))
    return calls(path), events(path), path


def test_question_answer_with_tokens_in_and_out(found: tuple) -> None:
    call = found[0][1]  # the keyed request/response pair comes first
    assert call.dialect == "heuristic" and call.key == ""
    assert (call.model, call.provider) == ("gpt-4o-mini", "openai")
    assert call.messages == [{"role": "user", "content": "Capital of France?"}]
    assert call.output == "Paris." and call.status == "ok"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (50, 20, 70)
    assert call.latency_ms == 1250.0  # response_time_s
    assert (call.user, call.conversation) == ("alice", "c-1")
    assert call.ts == 1_795_167_000


def test_usage_object_and_a_bare_latency_in_seconds(found: tuple) -> None:
    call = found[0][2]
    assert call.model == "text-davinci-003" and call.output == "Hi!"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (3, 2, 5)
    assert call.latency_ms == pytest.approx(820.0)  # "latency": 0.82, a fraction: seconds
    assert call.ts == 1_795_167_010  # epoch milliseconds


def test_an_error_object_and_an_http_status(found: tuple) -> None:
    call = found[0][3]
    assert call.status == "error" and call.provider == "anthropic"
    assert (call.error_type, call.error_message) == ("overloaded_error", "Overloaded")
    assert call.http_status == 529 and call.latency_ms == 30000


def test_a_traceback_names_its_exception(found: tuple) -> None:
    call = found[0][4]
    assert call.status == "error" and call.error_type == "APITimeoutError"
    assert call.error_message == "Request timed out." and call.latency_ms == 60000


def test_request_and_response_lines_merge_by_request_id(found: tuple) -> None:
    call = found[0][0]
    assert call.key == "req:h-7" and call.status == "ok"
    assert call.messages == [{"role": "user", "content": "Translate 'cat' to French"}]
    assert call.output == "le chat" and call.output_tokens == 5 and call.latency_ms == 300
    assert call.ts == 1_795_167_180  # the request's time


def test_a_model_alone_or_a_stream_delta_is_an_event(found: tuple) -> None:
    calls_, events_, path = found
    assert len(calls_) == fixture.EXPECTED["calls"]
    assert [e.message for e in events_] == ["using model", "stream_token"]
    assert warnings(path) == []


@pytest.mark.parametrize(("record", "latency"), [
    ({"latency_ms": 250}, 250.0),
    ({"latency": 1500}, 1500.0),  # bare whole number: milliseconds
    ({"latency": 2.5}, 2500.0),  # bare fraction below a minute: seconds
    ({"duration_seconds": 3}, 3000.0),
    ({"elapsed_s": "0.5"}, 500.0),
])
def test_latency_units(record: dict[str, Any], latency: float) -> None:
    (call,) = normalize({"model": "gpt-4o", "prompt": "p", **record}, Context())
    assert isinstance(call, Call) and call.latency_ms == pytest.approx(latency)


@pytest.mark.parametrize("record", [
    {"model": "gpt-4o", "success": False},
    {"model": "gpt-4o", "status": "failed", "prompt": "p"},
    {"model": "gpt-4o", "prompt": "p", "status": 500},
    {"model": "gpt-4o", "prompt": "p", "error": "RateLimitError: slow down"},
])
def test_failure_spellings(record: dict[str, Any]) -> None:
    records = normalize(record, Context())
    if "prompt" not in record:
        assert isinstance(records[0], Event)  # no evidence of a call
        return
    (call,) = records
    assert isinstance(call, Call) and call.status == "error"


def test_a_zero_count_is_kept_when_the_call_succeeded() -> None:
    (call,) = normalize({"model": "gpt-4o", "input_tokens": 0, "output": "x"}, Context())
    assert isinstance(call, Call) and call.input_tokens == 0


def test_an_explicit_provider_wins() -> None:
    (call,) = normalize({"model": "gpt-4o", "provider": "azure", "prompt": "p"}, Context())
    assert isinstance(call, Call) and call.provider == "azure"


# --- every log-line dialect on any object --------------------------------------------------------

MINE = [seed_interaction, structlog_entry, seed_request_log, audit, debug_conversation,
        loguru_record, raw_response, json_logger, heuristic]
ALIASES = sorted({
    *logfields.MODEL_KEYS, *logfields.CALL_EVIDENCE_KEYS, *logfields.LATENCY_KEYS,
    *logfields.ERROR_KEYS, *logfields.ERROR_TYPE_KEYS, *logfields.HTTP_STATUS_KEYS,
    *logfields.REQUEST_ID_KEYS, *logfields.USER_KEYS, *logfields.TIME_KEYS,
    *logfields.START_KEYS, *logfields.END_KEYS, *logfields.PARAM_KEYS, "status", "success",
    "event", "message", "record", "llm_log", "tags", "details", "content_hash", "action",
    "resource", "provider", "operation", "request", "usage", "level",
})
OBJECTS = st.dictionaries(st.sampled_from(ALIASES), JSON, max_size=8)


@settings(max_examples=500, deadline=None)
@given(obj=OBJECTS, model=st.sampled_from(["gpt-4o", "claude-3-haiku", "", "x/y"]))
def test_alias_soup_never_breaks_a_dialect(obj: dict[str, Any], model: str) -> None:
    candidates = [obj, {**obj, "model": model}, {"message": "m", "llm": obj},
                  {"text": "t", "record": {"extra": obj, "level": {"name": "INFO"}}}]
    for candidate in candidates:
        for module in MINE:
            check_survives(module.DIALECT, candidate)
        normalize(candidate, Context())


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, fixture.RECORDS))
