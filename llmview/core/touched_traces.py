"""What a batch changes in the traces it touches beyond its own rows: which span-derived calls
stand down, and each trace's row of the traces list.

Worked out in Python from the touched traces' calls and spans, read from their first seq on. As
SQL (a recursive CTE, a join to the logged calls and two aggregations) the same took DuckDB
about 25 ms of a live pass of 100 ms (``bench/soak.py``), most of it planning and setting up
operators for a few hundred rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

MAX_DEPTH = 64  # ancestors followed up from an LLM span: ids in logs can form cycles

class TraceCall(NamedTuple):
    """A call's fields these need (the ``calls`` columns of the same names)."""

    key: str
    origin: str | None
    trace_id: str
    span_id: str | None
    request_id: str | None
    shadowed: bool | None
    total_tokens: int | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    seq: int


class TraceSpan(NamedTuple):
    """A span's fields these need (the ``spans`` columns of the same names)."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str | None
    service: str | None
    start_ts: dt.datetime | None
    end_ts: dt.datetime | None
    status: str | None
    seq: int


def span_requests(calls: Iterable[TraceCall]) -> list[str]:
    """The request ids of span-derived calls: a log line recording one of them wins."""
    return sorted({c.request_id for c in calls if c.origin == "span" and c.request_id})


def shadow_changes(calls: list[TraceCall], spans: list[TraceSpan],
                   logged: set[str]) -> dict[str, bool]:
    """Span-derived calls whose answer changed (key: shadowed now). One stands down where a
    log line recorded the same call (its span, or its request id in ``logged``), or where a
    descendant span is itself an LLM call: a wrapper repeating its children's usage."""
    parents = {(s.trace_id, s.span_id): s.parent_id for s in spans}
    covered = {(c.trace_id, c.span_id) for c in calls
               if c.origin == "log" and c.span_id is not None}
    for call in calls:
        if call.origin != "span":
            continue
        node = parents.get((call.trace_id, call.span_id))
        for _ in range(MAX_DEPTH):
            if node is None:
                break
            covered.add((call.trace_id, node))
            node = parents.get((call.trace_id, node))
    changed = {}
    for call in calls:
        if call.origin != "span":
            continue
        now = ((call.trace_id, call.span_id) in covered
               or (call.request_id is not None and call.request_id in logged))
        if bool(call.shadowed) is not now:
            changed[call.key] = now
    return changed


def trace_rows(spans: list[TraceSpan], calls: list[TraceCall],
               changed: dict[str, bool]) -> list[tuple[Any, ...]]:
    """A row of the traces list (the ``traces`` table's columns, in order) for each trace with
    spans: its times and counts, the root span (else the earliest) for its name, the first
    known service, and its listed calls' count, tokens (the search language's token
    expression) and cost, and the least seq of its spans and calls."""
    by_trace: dict[str, list[TraceSpan]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    listed: dict[str, list[TraceCall]] = defaultdict(list)
    first_call: dict[str, int] = {}
    for call in calls:
        first_call[call.trace_id] = min(call.seq, first_call.get(call.trace_id, call.seq))
        if not changed.get(call.key, bool(call.shadowed)):
            listed[call.trace_id].append(call)
    rows = []
    for trace_id, members in by_trace.items():
        starts = [s.start_ts for s in members if s.start_ts is not None]
        ends = [e for s in members if (e := s.end_ts or s.start_ts) is not None]
        start = min(starts, default=None)
        duration = None
        if start is not None and ends:
            duration = (max(ends) - start) // dt.timedelta(microseconds=1) / 1000.0
        root = min(members, key=lambda s: (s.parent_id is not None, *_earliest(s)))
        served = min(members, key=lambda s: (s.service is None, s.parent_id is not None,
                                              *_earliest(s)))
        mine = listed.get(trace_id, [])
        rows.append((trace_id, start, duration, len(members),
                     sum(s.status == "error" for s in members), root.name, served.service,
                     len(mine), _sum(_tokens(c) for c in mine), _sum(c.cost_usd for c in mine),
                     min(min(s.seq for s in members), first_call.get(trace_id, members[0].seq))))
    return rows


def _earliest(span: TraceSpan) -> tuple[bool, dt.datetime]:
    """Ascending by start, unknown starts last (as SQL orders NULLs)."""
    return span.start_ts is None, span.start_ts or dt.datetime.min


def _tokens(call: TraceCall) -> float | None:
    if call.total_tokens is not None:
        return float(call.total_tokens)
    if call.input_tokens is None or call.output_tokens is None:
        return None
    return float(call.input_tokens) + call.output_tokens


def _sum(values: Iterable[float | None]) -> float | None:
    """SQL's sum: of the known values, None when there are none."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None
