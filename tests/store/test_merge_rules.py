"""A record whose parts arrive in different passes (a request line, then its response; a run's
create, then its update) is merged with the stored row by the store's rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pyarrow as pa

from llmview.core.store import CALL_MERGE, SPAN_MERGE, arrow_schema

T0 = dt.datetime(2026, 11, 23, 12, 0, 0)


def batch(table: str, *rows: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=arrow_schema(table))


def stored_row(table: str, **values: Any) -> dict[str, Any]:
    return dict.fromkeys(arrow_schema(table).names) | values


def test_a_call_keeps_the_first_known_values_and_the_earliest_time() -> None:
    stored = stored_row("calls", key="req:1", seq=5, ts=T0, origin="span", model="gpt-4o",
                        status="ok", truncated=False, search_text="hello")
    incoming = batch(
        "calls",
        {"key": "req:1", "seq": 90, "ts": T0 - dt.timedelta(seconds=2), "origin": "log",
         "model": "gpt-4o-mini", "status": "error", "input_tokens": 12, "truncated": True,
         "search_text": "world"},
        {"key": "req:2", "seq": 91, "ts": T0, "origin": "log", "model": "claude"},
    )
    rows = {row["key"]: row for row in CALL_MERGE.into([stored], incoming).to_pylist()}
    merged = rows["req:1"]
    assert merged["seq"] == 5  # where the call first showed up
    assert merged["ts"] == T0 - dt.timedelta(seconds=2)
    assert merged["origin"] == "log"  # a log line beats a span
    assert (merged["model"], merged["status"]) == ("gpt-4o", "ok")
    assert merged["input_tokens"] == 12
    assert merged["truncated"] is True
    assert merged["search_text"] == "hello\nworld"
    assert rows["req:2"]["model"] == "claude"  # a new call passes through untouched
    assert len(rows) == 2


def test_search_text_already_held_is_not_added_again() -> None:
    stored = stored_row("calls", key="req:1", search_text="what is the capital\nparis")
    again = batch("calls", {"key": "req:1", "search_text": "paris"})
    assert CALL_MERGE.into([stored], again).column("search_text").to_pylist() == [
        "what is the capital\nparis"]


def test_a_span_patches_its_attributes_and_spans_the_widest_times() -> None:
    created = {"inputs": {"q": "hi", "n": 1}, "run_type": "llm", "tags": ["a"]}
    updated = {"outputs": {"text": "hello"}, "inputs": {"n": 2}, "tags": None}
    stored = stored_row("spans", trace_id="t", span_id="s", seq=3, name="chat",
                        start_ts=T0, end_ts=None, attributes=orjson.dumps(created).decode())
    incoming = batch("spans", {
        "trace_id": "t", "span_id": "s", "seq": 40, "name": None, "status": "ok",
        "start_ts": T0 + dt.timedelta(seconds=1), "end_ts": T0 + dt.timedelta(seconds=3),
        "attributes": orjson.dumps(updated).decode()})
    [merged] = SPAN_MERGE.into([stored], incoming).to_pylist()
    assert (merged["seq"], merged["name"], merged["status"]) == (3, "chat", "ok")
    assert (merged["start_ts"], merged["end_ts"]) == (T0, T0 + dt.timedelta(seconds=3))
    # The stored attributes patched over the incoming ones (RFC 7396): nested objects merge,
    # and the stored values win.
    assert orjson.loads(merged["attributes"]) == {
        "outputs": {"text": "hello"}, "inputs": {"n": 1, "q": "hi"}, "run_type": "llm",
        "tags": ["a"]}


def test_a_span_with_the_same_id_in_another_trace_is_not_its_twin() -> None:
    stored = stored_row("spans", trace_id="t1", span_id="s", seq=1, name="first")
    incoming = batch("spans", {"trace_id": "t1", "span_id": "s", "seq": 7, "name": "later"},
                     {"trace_id": "t2", "span_id": "s", "seq": 8, "name": "other"})
    rows = SPAN_MERGE.into([stored], incoming).to_pylist()
    assert sorted((r["trace_id"], r["seq"], r["name"]) for r in rows) == [
        ("t1", 1, "first"), ("t2", 8, "other")]
