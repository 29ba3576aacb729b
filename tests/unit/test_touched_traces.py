"""Which span-derived calls stand down, and a trace's row of the list, from a trace's rows."""

from __future__ import annotations

import datetime as dt

from llmview.core.touched_traces import (
    TraceCall,
    TraceSpan,
    shadow_changes,
    span_requests,
    trace_rows,
)

T0 = dt.datetime(2026, 11, 23, 12, 0, 0)


def at(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else T0 + dt.timedelta(seconds=seconds)


def span(span_id: str, parent: str | None, start: float | None = 0.0, end: float | None = 1.0,
         *, service: str | None = None, status: str = "ok", seq: int = 10) -> TraceSpan:
    return TraceSpan("t", span_id, parent, span_id, service, at(start), at(end), status, seq)


def call(key: str, origin: str, span_id: str | None, *, request_id: str | None = None,
         shadowed: bool = False, tokens: int | None = 10, cost: float | None = 0.5,
         seq: int = 10) -> TraceCall:
    return TraceCall(key, origin, "t", span_id, request_id, shadowed, tokens, None, None, cost,
                     seq)


def test_a_wrapper_span_whose_descendant_is_an_llm_call_stands_down() -> None:
    spans = [span("agent", None), span("chain", "agent"), span("llm", "chain")]
    calls = [call("wrapper", "span", "agent"), call("inner", "span", "llm")]
    assert shadow_changes(calls, spans, logged=set()) == {"wrapper": True}


def test_a_logged_call_covers_its_span_and_its_request_id() -> None:
    spans = [span("a", None), span("b", None)]
    calls = [call("span-a", "span", "a"), call("log-a", "log", "a"),
             call("span-b", "span", "b", request_id="r-1")]
    assert span_requests(calls) == ["r-1"]
    assert shadow_changes(calls, spans, logged={"r-1"}) == {"span-a": True, "span-b": True}


def test_only_changed_answers_are_returned_and_a_call_can_stand_up_again() -> None:
    spans = [span("a", None)]
    calls = [call("was", "span", "a", shadowed=True), call("log", "log", None)]
    assert shadow_changes(calls, spans, logged=set()) == {"was": False}


def test_a_cycle_of_parent_ids_ends() -> None:
    spans = [span("a", "b"), span("b", "a"), span("c", "a")]
    calls = [call("a", "span", "a"), call("c", "span", "c")]
    assert shadow_changes(calls, spans, logged=set()) == {"a": True}


def test_a_trace_row_has_its_times_counts_root_and_listed_calls() -> None:
    # Its first seq is its earliest row's, a call's here (a shadowed one counts: it is stored).
    spans = [span("child", "root", 0.5, 3.0, service="api", status="error", seq=7),
             span("root", None, 1.0, None, service=None, seq=5),
             span("orphan", "gone", None, None, seq=9)]
    calls = [call("wrapper", "span", "root", shadowed=True, tokens=99, cost=9.0, seq=3),
             call("inner", "span", "child", tokens=10, cost=None, seq=8),
             call("logged", "log", None, tokens=None, cost=0.25, seq=6)]
    [row] = trace_rows(spans, calls, changed={"inner": False})
    assert row == ("t", T0 + dt.timedelta(seconds=0.5), 2500.0, 3, 1, "root", "api", 2,
                   10.0, 0.25, 3)


def test_a_change_decided_in_the_same_pass_counts_for_the_row() -> None:
    spans = [span("a", None)]
    calls = [call("x", "span", "a", tokens=5, cost=1.0)]
    assert trace_rows(spans, calls, changed={"x": True})[0][7:] == (0, None, None, 10)
