"""Seed 003's tracer spans, one per line as they end and as the ``/v1/traces`` answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.seed_span import DIALECT
from llmview.core.records import Call, Record, Span
from tests.fixtures import seed_span as fixture
from tests.fixtures.fake_clients import START
from tests.formats._json_fuzz import altered, check_survives

UTC = timezone.utc
TRACE_1, TRACE_2 = fixture.uuid_of(1), fixture.uuid_of(6)


def _ts(ticks: int) -> float:
    """The fixed clock's time after ``ticks`` steps of 850 ms, read as UTC."""
    return (START + timedelta(milliseconds=850 * ticks)).replace(tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return fixture.write_all(tmp_path_factory.mktemp("seed_span"))


@pytest.fixture(scope="module")
def lines(files: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in files[0].read_text().splitlines()]


def _records(objects: list[dict[str, Any]]) -> list[Record]:
    return [record for obj in objects for record in normalize(obj, Context(tz=UTC))]


def _spans(records: list[Record]) -> dict[str, Span]:
    return {r.span_id: r for r in records if isinstance(r, Span)}


def test_each_line_is_a_span_children_first(lines: list[dict[str, Any]]) -> None:
    records = _records(lines)
    assert all(isinstance(r, (Span, Call)) for r in records), records
    spans = [r for r in records if isinstance(r, Span)]
    assert [s.name for s in spans[:4]] == ["retrieval", "llm.chat_completion", "chain.answer",
                                           "handle_question"]
    assert {s.dialect for s in spans} == {"seed_span"}
    by_id = _spans(records)
    for span in spans:  # every parent is in the file, written after its child
        assert span.parent_id is None or span.parent_id in by_id


def test_span_fields_and_kinds(lines: list[dict[str, Any]]) -> None:
    spans = _spans(_records(lines))
    root = spans[fixture.uuid_of(2)]
    assert (root.trace_id, root.parent_id, root.kind) == (TRACE_1, None, None)
    assert (root.start, root.end) == (_ts(0), _ts(8))  # "2026-11-20 09:30:00", space-separated
    assert root.duration_ms == 6800.0 and root.status == "ok" and root.error is None
    assert spans[fixture.uuid_of(3)].kind == "chain"
    retrieval = spans[fixture.uuid_of(4)]
    assert retrieval.kind == "retrieval" and retrieval.parent_id == fixture.uuid_of(3)
    assert retrieval.attributes == {"retrieval.source": "docs-index"}
    assert retrieval.events == [{"name": "documents_found", "ts": _ts(3),
                                 "attributes": {"count": 3}}]


def test_the_llm_span_is_a_call(lines: list[dict[str, Any]]) -> None:
    calls = [r for r in _records(lines) if isinstance(r, Call)]
    assert len(calls) == 2
    ok = calls[0]
    assert ok.key == f"span:{TRACE_1}:{fixture.uuid_of(5)}" and ok.origin == "span"
    assert (ok.model, ok.provider, ok.operation) == ("gpt-4o", "openai", "chat_completion")
    assert (ok.input_tokens, ok.output_tokens, ok.total_tokens) == (41, 12, 53)
    assert (ok.ts, ok.latency_ms, ok.status) == (_ts(5), 850.0, "ok")
    assert ok.messages is None and ok.output is None  # the tracer records neither


def test_a_failed_call_and_its_failed_chain(lines: list[dict[str, Any]]) -> None:
    records = _records(lines)
    spans = _spans(records)
    llm, chain = spans[fixture.uuid_of(10)], spans[fixture.uuid_of(8)]
    assert llm.status == chain.status == "error"
    assert llm.error and llm.error.startswith("Error code: 429")
    assert spans[fixture.uuid_of(7)].status == "ok"  # the app caught it
    call = [r for r in records if isinstance(r, Call)][1]
    assert (call.status, call.http_status, call.input_tokens) == ("error", 429, None)
    assert call.error_message == llm.error


def test_the_traces_endpoint_answer_repeats_the_same_spans(files: list[Path],
                                                          lines: list[dict[str, Any]]) -> None:
    document = json.loads(files[1].read_text())
    assert DIALECT.claims(document)
    from_document = _records([document])
    assert all(isinstance(r, (Span, Call)) for r in from_document), from_document
    spans = _spans(from_document)
    assert set(spans) == {fixture.uuid_of(n) for n in (7, 8, 9, 10)}
    assert {span.trace_id for span in spans.values()} == {TRACE_2}
    from_lines = _spans(_records(lines))
    for span_id, span in spans.items():
        line = from_lines[span_id]
        assert (span.parent_id, span.name, span.kind, span.start, span.end, span.status) == (
            line.parent_id, line.name, line.kind, line.start, line.end, line.status)
        assert span.duration_ms == pytest.approx(line.duration_ms)
        assert span.events is None and span.error is None  # the endpoint leaves them out
    [call] = [r for r in from_document if isinstance(r, Call)]
    assert call.key == f"span:{TRACE_2}:{fixture.uuid_of(10)}" and call.status == "error"


def test_naive_times_are_local_unless_a_zone_is_given(lines: list[dict[str, Any]]) -> None:
    plus_two = timezone(timedelta(hours=2))
    [span] = [r for r in normalize(lines[3], Context(tz=plus_two)) if isinstance(r, Span)]
    assert span.start == datetime(2026, 11, 20, 9, 30, tzinfo=plus_two).timestamp()


def test_an_open_span_has_no_duration() -> None:
    line = {"span_id": "s", "trace_id": "t", "parent_id": None, "name": "llm.chat_completion",
            "start_time": "2026-11-20T09:30:00", "end_time": None, "duration_ms": 0.0,
            "attributes": {"llm.model": "gpt-4o"}, "status": "ok"}
    span, call = normalize(line, Context(tz=UTC))
    assert isinstance(span, Span) and span.duration_ms is None and span.end is None
    assert isinstance(call, Call) and call.status is None and call.latency_ms is None


def test_other_lines_with_trace_ids_are_not_claimed() -> None:
    assert not DIALECT.claims({"event": "llm_call", "trace_id": "t", "span_id": "s"})
    assert not DIALECT.claims({"trace_id": "t", "spans": []})
    assert not DIALECT.claims({"request_id": "r", "trace_id": "t", "model": "gpt-4o"})


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject, files: list[Path],
                                            lines: list[dict[str, Any]]) -> None:
    samples = [*lines, json.loads(files[1].read_text())]
    check_survives(DIALECT, altered(data, samples))
