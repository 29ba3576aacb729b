"""Langfuse trace exports -> a root span per trace, a span per observation, a call per
generation, an event per score; overlapping exports repeat records under the same ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.langfuse import DIALECT
from llmview.core.records import Call, Event, Record, Span
from tests.fixtures import langfuse as fixture
from tests.formats._json_fuzz import altered, check_survives

T1, T2 = fixture.TRACE_1, fixture.TRACE_2


def _records(path: Path) -> list[Record]:
    ctx = Context(path=str(path))
    records = normalize(json.loads(path.read_text()), ctx)
    assert not ctx.warnings
    return records


@pytest.fixture()
def exports(tmp_path: Path) -> dict[str, list[Record]]:
    return {
        path.stem.removeprefix("langfuse_"): _records(path)
        for path in fixture.write_exports(tmp_path)
    }


@pytest.fixture()
def trace(exports: dict[str, list[Record]]) -> list[Record]:
    return exports[f"trace_{T1}"]


def _spans(records: list[Record]) -> dict[str, Span]:
    return {r.span_id: r for r in records if isinstance(r, Span)}


def _calls(records: list[Record]) -> dict[str, Call]:
    return {r.span_id or "": r for r in records if isinstance(r, Call)}


def test_the_trace_is_the_root_span(trace: list[Record]) -> None:
    root = _spans(trace)[T1]
    assert root.trace_id == T1 and root.parent_id is None
    assert root.name == "rag-answer" and root.dialect == "langfuse"
    assert root.start == pytest.approx(1732100000.0)
    assert root.duration_ms == pytest.approx(4200)
    assert root.attributes is not None and root.attributes["sessionId"] == "chat-session-19"


def test_observations_are_spans_under_their_parents(trace: list[Record]) -> None:
    spans = _spans(trace)
    assert len(spans) == 7
    assert spans[fixture.AGENT].parent_id == T1  # a top-level observation hangs off the trace
    assert spans[fixture.AGENT].kind == "agent"
    assert {spans[i].parent_id for i in (fixture.RETRIEVER, fixture.TOOL, fixture.ANSWER)} == {
        fixture.AGENT
    }
    assert spans[fixture.RETRIEVER].kind == "retrieval"
    assert spans[fixture.TOOL].kind == "tool" and spans[fixture.TOOL].status == "ok"
    assert spans[fixture.TOOL].duration_ms == pytest.approx(250, abs=0.01)
    assert spans[fixture.TOOL].attributes is not None
    assert spans[fixture.TOOL].attributes["langfuse.output"] == {"status": "delivered"}
    event = spans[fixture.EVENT]
    assert event.start == event.end and event.duration_ms == 0 and event.kind is None


def test_a_generation_is_a_call(trace: list[Record]) -> None:
    call = _calls(trace)[fixture.ANSWER]
    assert call.key == f"span:{T1}:{fixture.ANSWER}" and call.origin == "span"
    assert call.trace_id == T1 and call.dialect == "langfuse"
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o-mini", "chat")
    assert (call.user, call.session) == ("user-7", "chat-session-19")
    assert call.messages == [
        {"role": "system", "content": "Answer from the policy excerpts only."},
        {"role": "user", "content": "What does our refund policy say about damaged items?"},
    ]
    assert call.output == "Damaged items are refunded in full within 30 days."
    assert (call.temperature, call.max_tokens) == (0.1, 400)
    # usageDetails' input leaves out the cached tokens; Langfuse adds the parts up.
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (812, 14, 826)
    assert call.cost_usd == pytest.approx(0.0001302)
    assert call.latency_ms == pytest.approx(2200, abs=0.01)
    assert call.ttft_ms == pytest.approx(350, abs=0.01)
    assert call.status == "ok" and call.ts == pytest.approx(1732100000.7)


def test_an_error_level_generation(trace: list[Record]) -> None:
    span, call = _spans(trace)[fixture.SUMMARY], _calls(trace)[fixture.SUMMARY]
    assert span.status == "error" and span.error is not None and "429" in span.error
    assert call.status == "error" and call.error_type == "RateLimitError"
    assert call.error_message == span.error
    # The API fills zeros for usage that was never reported.
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (None, None, None)


def test_a_score_is_an_event_on_its_trace(trace: list[Record]) -> None:
    [event] = [r for r in trace if isinstance(r, Event)]
    assert event.trace_id == T1 and event.user == "user-7"
    assert event.message == "score user-feedback = 1.0 (helpful)"
    assert event.dialect == "langfuse"


def test_a_page_of_traces_lists_only_ids(exports: dict[str, list[Record]]) -> None:
    page = exports["traces_page"]
    assert all(isinstance(r, Span) and r.span_id == r.trace_id for r in page)
    assert [r.trace_id for r in page if isinstance(r, Span)] == [T1, T2]


def test_an_observation_page_repeats_observations_under_the_same_ids(
    exports: dict[str, list[Record]], trace: list[Record],
) -> None:
    page = exports["observations_page"]
    again = _calls(page)[fixture.ANSWER]
    first = _calls(trace)[fixture.ANSWER]
    assert again.key == first.key
    assert _spans(page)[fixture.ANSWER] == _spans(trace)[fixture.ANSWER]
    assert (again.user, again.session) == (None, None)  # a bare observation names no user
    chat = _calls(page)[fixture.CHAT]
    assert chat.trace_id == T2 and _spans(page)[fixture.CHAT].parent_id == T2
    assert (chat.provider, chat.model) == ("anthropic", "claude-3-5-haiku-20241022")
    assert (chat.input_tokens, chat.output_tokens, chat.total_tokens) == (9, 3, 12)
    assert (chat.temperature, chat.max_tokens) == (0.7, 64)  # parameters logged as strings
    assert chat.messages == [{"role": "user", "content": "Say hi"}] and chat.output == "Hi!"
    assert chat.cost_usd == pytest.approx(0.0000021)


def test_expected_counts(exports: dict[str, list[Record]]) -> None:
    records = [r for rs in exports.values() for r in rs]
    spans = {(r.trace_id, r.span_id) for r in records if isinstance(r, Span)}
    calls = {r.key for r in records if isinstance(r, Call)}
    events = [r for r in records if isinstance(r, Event)]
    assert (len(calls), len(spans), len(events)) == (
        fixture.EXPECTED["calls"], fixture.EXPECTED["spans"], fixture.EXPECTED["events"]
    )


def test_an_observation_listed_twice_in_one_document_is_one_record() -> None:
    trace = fixture.full_trace()
    trace["observations"].append(fixture.answer_generation())
    records = normalize(trace, Context())
    assert len([r for r in records if isinstance(r, Call)]) == 2
    assert len([r for r in records if isinstance(r, Span)]) == 7


def test_the_ui_download_shape() -> None:
    full = fixture.full_trace()
    head = {k: v for k, v in full.items() if k not in ("observations", "scores")}
    records = normalize({"trace": head, "observations": full["observations"]}, Context())
    assert len(_spans(records)) == 7 and len(_calls(records)) == 2


# --- any JSON value in any field --------------------------------------------------------------

SAMPLES = [fixture.full_trace(), fixture.traces_page(), fixture.observations_page(),
           fixture.answer_generation()]


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, SAMPLES))
