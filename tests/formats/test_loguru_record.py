"""loguru ``serialize=True`` lines: ``record.extra`` mapped through the registry, else an event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.loguru_record import DIALECT
from llmview.core.records import Call, Event
from tests.fixtures import loguru_record as fixture
from tests.formats._json_fuzz import altered, check_survives
from tests.formats._loglines import calls, events, objects, warnings


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture.write_loguru_log(tmp_path_factory.mktemp("loguru"))


@pytest.fixture(scope="module")
def times(path: Path) -> list[float]:
    """loguru's own time of each line."""
    return [obj["record"]["time"]["timestamp"] for obj in objects(path)]


def test_bound_alias_fields_make_a_call(path: Path, times: list[float]) -> None:
    call = calls(path)[0]
    assert call.dialect == "heuristic"  # the dialect that recognised the extras
    assert call.key == "req:lg-1" and (call.user, call.session) == ("usr_42", "sess_1")
    assert (call.model, call.provider) == ("gpt-4o-mini", "openai")
    assert call.messages == [{"role": "user", "content": "Summarize: the quick brown fox."}]
    assert call.output == "A fox jumps." and call.status == "ok"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (120, 30, 150)
    assert call.latency_ms == 950.0 and call.ts == times[0]


def test_a_bound_raw_response(path: Path, times: list[float]) -> None:
    call = calls(path)[2]  # unkeyed calls come after keyed ones
    assert call.dialect == "raw_response" and call.key == ""
    assert call.model == "gpt-4o-2024-08-06" and call.temperature == 0.1
    assert call.output == "A fox jumps over a dog." and call.input_tokens == 14
    assert call.tags == {"response_id": "chatcmpl-L2"} and call.ts == times[1]


def test_a_logged_exception_fails_the_call(path: Path) -> None:
    call = calls(path)[1]
    assert call.key == "req:lg-3" and call.status == "error"
    assert call.error_type == "RateLimitError" and call.http_status == 429
    assert call.error_message is not None and "Rate limit reached" in call.error_message


def test_lines_without_a_call_are_loguru_events(path: Path, times: list[float]) -> None:
    found = events(path)
    assert [(e.dialect, e.level, e.message) for e in found] == [
        ("loguru_record", "info", "server started"),
        ("loguru_record", "info", "model configured"),  # a model name alone is no call
        ("loguru_record", "debug", "stream"),  # a streaming delta is no call
    ]
    assert [e.ts for e in found] == times[3:]
    assert warnings(path) == []


def _line(extra: dict[str, Any], exception: Any = None, message: str = "m") -> dict[str, Any]:
    return {"text": message, "record": {
        "extra": extra, "exception": exception, "level": {"name": "ERROR", "no": 40},
        "message": message, "time": {"repr": "x", "timestamp": 1_795_167_000.5}}}


def test_an_exception_joins_an_event_message() -> None:
    (event,) = normalize(_line({}, {"type": "KeyError", "value": "'x'", "traceback": True},
                               "lookup failed"), Context())
    assert isinstance(event, Event) and event.level == "error"
    assert event.message == "lookup failed (KeyError: 'x')" and event.ts == 1_795_167_000.5


def test_the_apps_own_time_wins_over_loguru_time() -> None:
    extra = {"model": "gpt-4o", "prompt": "hi", "timestamp": 1_795_000_000}
    (call,) = normalize(_line(extra), Context())
    assert isinstance(call, Call) and call.ts == 1_795_000_000


def test_a_record_nested_in_a_bound_dict() -> None:
    extra = {"llm": {"model": "gpt-4o", "prompt": "hi", "output_tokens": 3}}
    (call,) = normalize(_line(extra, message="llm call"), Context())
    assert isinstance(call, Call) and call.dialect == "heuristic"
    assert call.output_tokens == 3 and call.ts == 1_795_167_000.5  # the envelope's time


def test_deeply_nested_envelopes_do_not_crash() -> None:
    line: dict[str, Any] = {"model": "gpt-4o", "prompt": "deep"}
    for _ in range(60):
        line = _line({"inner": line}, message="wrap")
    found = normalize(line, Context())
    assert found and all(isinstance(r, (Call, Event)) for r in found)


@pytest.fixture(scope="module")
def samples(path: Path) -> list[dict]:
    return objects(path)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(samples: list[dict], data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, samples))
