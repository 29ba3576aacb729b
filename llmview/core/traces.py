"""Traces as the index knows them: the list (one row per trace), one trace's spans, one span in
full, the calls its LLM spans made, and finding a trace from an id a person typed or pasted.

The list reads the ``traces`` table, which the store rewrites for the traces each batch touches:
aggregating every span (root names are ordered aggregates) on every page cost 30-90 ms on a
million spans; the table pages in a few (bench/trace.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import orjson

from .trace_tree import TraceTree, build_tree

if TYPE_CHECKING:
    from .index import Index

# Orders the list can take: name -> SQL over the ``traces`` table's columns (never user text).
TRACE_SORTS = {
    "time": "start_ts",
    "duration": "duration_ms",
    "spans": "spans",
    "errors": "errors",
    "tokens": "tokens",
    "cost": "cost",
}


# The columns a waterfall needs for every span; attributes and events are read per span.
_TIMES = "epoch_us(start_ts) AS start_us, epoch_us(end_ts) AS end_us"
_SPAN_COLUMNS = ("span_id, parent_id, name, kind, service, status, error, seq, duration_ms, "
                 + _TIMES)
_HEX = re.compile(r"[0-9a-f]+")
MIN_PREFIX = 8
MAX_CANDIDATES = 10


class TraceIdError(LookupError):
    """A trace id that matches no trace, or a prefix that matches several."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class Traces:
    """The trace questions of one ``Index``; every method is safe to call from a worker
    thread (the index gives each thread its own cursor)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    # --- the list -------------------------------------------------------------------------

    def page(self, query: str = "", *, limit: int = 100, offset: int = 0, sort: str = "time",
             descending: bool = True) -> list[dict[str, Any]]:
        """One page of traces matching ``query`` (the ``traces`` search target)."""
        compiled = self.index.compile(query, "traces")
        return self.index.rows(
            f"SELECT * FROM traces WHERE {compiled.where} ORDER BY {TRACE_SORTS[sort]} "
            f"{'DESC' if descending else 'ASC'} NULLS LAST, trace_id LIMIT ? OFFSET ?",
            [*compiled.params, limit, offset])

    def count(self, query: str = "") -> int:
        compiled = self.index.compile(query, "traces")
        return int(self.index.rows(f"SELECT count(*) AS n FROM traces WHERE {compiled.where}",
                                   compiled.params)[0]["n"])

    def iter_spans(self, query: str = "", *, page: int = 5000) -> Iterator[list[dict[str, Any]]]:
        """The spans of every trace matching ``query``, a trace at a time (every column,
        attributes and events decoded), streamed (``Index.stream``)."""
        compiled = self.index.compile(query, "traces")
        chosen = "" if compiled.where == "TRUE" else (
            f"WHERE trace_id IN (SELECT trace_id FROM traces WHERE {compiled.where})")
        trace: list[dict[str, Any]] = []
        for stored in self.index.stream(
                f"SELECT *, {_TIMES} FROM spans {chosen} ORDER BY trace_id, seq",
                compiled.params, page=page):
            row = _with_json(stored)
            if trace and trace[0]["trace_id"] != row["trace_id"]:
                yield trace
                trace = []
            trace.append(row)
        if trace:
            yield trace

    # --- one trace ------------------------------------------------------------------------

    def spans(self, trace_id: str) -> list[dict[str, Any]]:
        """Every span of the trace, with the columns a waterfall draws (times in epoch µs)."""
        where, params = self._of_trace(trace_id)
        return self.index.rows(f"SELECT {_SPAN_COLUMNS} FROM spans WHERE {where}", params)

    def version(self, trace_id: str) -> tuple[Any, ...]:
        """Changes whenever a span or call of the trace is added or completed (ended, failed,
        renamed by a later line): a cheap check before rebuilding a big tree."""
        where, params = self._of_trace(trace_id)
        row = self.index.rows(
            "SELECT (SELECT (count(*), max(seq), count(end_ts), max(end_ts), "
            "count(*) FILTER (WHERE status = 'error'), count(name)) FROM spans "
            f"WHERE {where}) AS spans, (SELECT (count(*), max(seq)) FROM calls "
            f"WHERE {where}) AS calls", params * 2)[0]
        return (str(row["spans"]), str(row["calls"]))

    def tree(self, trace_id: str, *, full: bool = False) -> TraceTree:
        """The trace's span tree; ``full`` carries every column (for output), else only what
        a waterfall draws."""
        return build_tree(trace_id, self.spans_in_full(trace_id) if full
                          else self.spans(trace_id))

    def span(self, trace_id: str, span_id: str) -> dict[str, Any] | None:
        """One span with every column, attributes and events decoded."""
        where, params = self._of_trace(trace_id)
        rows = self.index.rows(f"SELECT * FROM spans WHERE {where} AND span_id = ?",
                               [*params, span_id])
        if not rows:
            return None
        return _with_json(rows[0])

    def spans_in_full(self, trace_id: str) -> list[dict[str, Any]]:
        """Every span of the trace with every column, attributes and events decoded (for
        output and comparison, not for drawing)."""
        where, params = self._of_trace(trace_id)
        return [_with_json(row) for row in self.index.rows(
            f"SELECT *, {_TIMES} FROM spans WHERE {where}", params)]

    def calls(self, trace_id: str) -> dict[str, dict[str, Any]]:
        """The call each LLM span of the trace made, by span id. A log line may have recorded
        the call under its own key; that call wins over the one derived from the span."""
        where, params = self._of_trace(trace_id)
        rows = self.index.rows(
            "SELECT span_id, key, model, status, input_tokens, output_tokens, total_tokens, "
            f"cost_usd, output FROM calls WHERE {where} AND span_id IS NOT NULL "
            "ORDER BY shadowed DESC, origin DESC", params)
        return {row.pop("span_id"): row for row in rows}

    def conversation(self, key: str) -> dict[str, Any] | None:
        """What a span's call sent and got back: messages, output and tool calls decoded."""
        rows = self.index.rows(
            "SELECT key, model, messages, output, tool_calls, finish_reason, input_tokens, "
            "output_tokens FROM calls WHERE key = ?", [key])
        return _with_json(rows[0], ("messages", "tool_calls")) if rows else None

    def summary(self, trace_id: str) -> dict[str, Any] | None:
        """The trace's row of the list (root, service, duration, spans, errors, calls...)."""
        rows = self.index.rows("SELECT * FROM traces WHERE trace_id = ?", [trace_id])
        return rows[0] if rows else None

    def call_count(self, trace_id: str) -> int:
        """Calls that carry the trace id, whether or not any span of it was logged."""
        where, params = self._of_trace(trace_id)
        return int(self.index.rows(f"SELECT count(*) AS n FROM llm_calls WHERE {where}",
                                   params)[0]["n"])

    def _of_trace(self, trace_id: str) -> tuple[str, list[Any]]:
        """The filter for a trace's spans or calls, from the trace's first row on: DuckDB
        skips the row groups stored before it instead of reading every trace id (the
        tables have no index, see first_seqs.py). A trace no span of which is stored has
        no row in the list: its calls are read from the start."""
        rows = self.index.rows("SELECT min(first_seq) AS s FROM traces WHERE trace_id = ?",
                               [trace_id])
        return "seq >= ? AND trace_id = ?", [rows[0]["s"] or 0, trace_id]

    # --- finding a trace ------------------------------------------------------------------

    def resolve(self, typed: str) -> str:
        """The trace id ``typed`` names: the id in any case, with or without ``0x`` or dashes,
        or a unique prefix of at least 8 hex digits. Raises ``TraceIdError`` saying why not
        (listing the candidates of an ambiguous prefix)."""
        text = typed.strip()
        bare = text[2:] if text[:2].lower() == "0x" else text
        forms = list(dict.fromkeys((text, bare, bare.lower())))
        marks = ", ".join("?" * len(forms))
        exact = self.index.rows(
            f"SELECT trace_id FROM spans WHERE trace_id IN ({marks}) UNION "
            f"SELECT trace_id FROM calls WHERE trace_id IN ({marks}) LIMIT 1", forms * 2)
        if exact:
            return str(exact[0]["trace_id"])
        compact = bare.lower().replace("-", "")
        if not _HEX.fullmatch(compact):
            raise TraceIdError(f"no trace {typed!r} in the index")
        if len(compact) < MIN_PREFIX:
            raise TraceIdError(f"trace id {typed!r} is too short: give at least {MIN_PREFIX} "
                               "hex digits")
        found = [str(row["trace_id"]) for row in self.index.rows(
            "SELECT DISTINCT trace_id FROM (SELECT trace_id FROM spans UNION "
            "SELECT trace_id FROM calls WHERE trace_id IS NOT NULL) "
            "WHERE starts_with(replace(trace_id, '-', ''), ?) ORDER BY trace_id LIMIT ?",
            [compact, MAX_CANDIDATES + 1])]
        if not found:
            raise TraceIdError(f"no trace {typed!r} in the index")
        if len(found) > 1:
            more = " …" if len(found) > MAX_CANDIDATES else ""
            shown = found[:MAX_CANDIDATES]
            raise TraceIdError(f"trace id {typed!r} is ambiguous: it starts "
                               f"{len(shown)}{'+' if more else ''} traces: "
                               f"{', '.join(shown)}{more}", shown)
        return found[0]


def _with_json(row: dict[str, Any],
               columns: tuple[str, ...] = ("attributes", "events")) -> dict[str, Any]:
    """The row with its JSON columns decoded (a value that does not parse stays text)."""
    for column in columns:
        value = row.get(column)
        if isinstance(value, str):
            with contextlib.suppress(orjson.JSONDecodeError):
                row[column] = orjson.loads(value)
    return row
