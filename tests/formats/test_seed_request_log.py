"""Seed 003 ``LLMRequestLog``/``LLMResponseLog``: flat (FileLogStorage) and wrapped by
python-json-logger; request and response merge into one call by request id."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.seed_request_log import DIALECT
from llmview.core.records import Call
from llmview.core.store import merge
from tests.fixtures import seed_request_log as fixture
from tests.fixtures.fake_clients import START
from tests.formats._json_fuzz import altered, check_survives
from tests.formats._loglines import calls, events, objects, records, warnings


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("seed003")
    flat = fixture.write_request_logs(directory)
    return flat, directory / "app.log"


def _local(moment: datetime) -> float:
    return moment.timestamp()  # naive datetime.now() values: the machine's zone


def test_request_and_response_make_one_call(files: tuple[Path, Path]) -> None:
    flat, _ = files
    found = calls(flat)
    assert [c.key for c in found] == [f"req:{i}" for i in fixture.REQUEST_IDS]
    call = found[0]
    assert call.dialect == "seed_request_log" and call.origin == "log"
    assert (call.model, call.provider, call.operation) == ("gpt-4o", "openai", "chat")
    assert [m["role"] for m in call.messages or []] == ["system", "user"]
    assert (call.temperature, call.max_tokens) == (0.2, 200)
    assert (call.user, call.session, call.trace_id) == ("usr_42", "sess_1", fixture.TRACE_ID)
    assert call.output == "The capital of France is Paris." and call.finish_reason == "stop"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (25, 7, 32)
    assert call.latency_ms == 850.0 and call.status == "ok" and call.cost_usd is None
    assert call.ts == _local(START)  # the request's time: the earliest part


def test_the_response_starts_latency_before_it_was_logged(files: tuple[Path, Path]) -> None:
    flat, _ = files
    response = [r for r in records(flat) if isinstance(r, Call) and r.status][0]
    logged = START + timedelta(milliseconds=850 * 3)  # request, start, end, response log
    assert response.ts == pytest.approx(_local(logged) - 0.85)


def test_either_part_may_come_first(files: tuple[Path, Path]) -> None:
    flat, _ = files
    request, response = (r for r in records(flat)[:2])
    assert merge(request, response) == merge(response, request)


def test_masked_and_unlogged_content(files: tuple[Path, Path]) -> None:
    flat, _ = files
    masked, private = calls(flat)[1:3]
    assert masked.messages == [{"role": "user", "content": "Mail [EMAIL] the summary"}]
    assert masked.output == "I emailed [EMAIL] about it."
    # log_prompts=False logs an empty message list: the prompt is unknown, not empty.
    assert private.messages is None and private.output == "[REDACTED]"
    assert (private.model, private.user) == ("gpt-4o-mini", "usr_7")


def test_a_failed_call(files: tuple[Path, Path]) -> None:
    flat, _ = files
    call = calls(flat)[3]
    assert call.status == "error" and call.http_status == 429
    assert call.error_message is not None and call.error_message.startswith("Error code: 429")
    assert call.finish_reason is None  # "error" is the logger's marker, not the model's
    assert call.output is None and call.latency_ms == 850.0
    # The dataclass defaults of 0 tokens on an error response mean "no usage came back".
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (None, None, None)


def test_wrapped_and_flat_records_are_the_same_calls(files: tuple[Path, Path]) -> None:
    flat, wrapped = files
    assert calls(wrapped) == calls(flat)
    assert len(calls(flat, wrapped)) == fixture.EXPECTED["calls"]
    assert [e.message for e in events(wrapped)] == ["cache warmed"]
    assert warnings(flat, wrapped) == []


def test_the_envelope_time_stands_in_for_a_missing_timestamp() -> None:
    obj = {"asctime": "2026-11-20 09:30:05,250", "levelname": "INFO", "message": "LLM_REQUEST",
           "llm_log": {"request_id": "r1", "model": "gpt-4o", "messages": []}}
    (call,) = normalize(obj, Context(tz=timezone.utc))
    assert isinstance(call, Call) and call.key == "req:r1" and call.status is None
    assert call.ts == datetime(2026, 11, 20, 9, 30, 5, 250000, tzinfo=timezone.utc).timestamp()


def test_claims() -> None:
    flat_request = {k: None for k in ("request_id", "timestamp", "model", "messages", "trace_id")}
    assert DIALECT.claims(flat_request)
    assert not DIALECT.claims({**flat_request, "event": "llm_request"})
    assert not DIALECT.claims({"message": "LLM_REQUEST", "llm_log": "text"})


@pytest.fixture(scope="module")
def samples(files: tuple[Path, Path]) -> list[dict]:
    return [*objects(files[0]), *objects(files[1])]


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(samples: list[dict], data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, samples))
