"""The Traces pane: one row per trace (start, root span, service, duration, spans, errors, calls,
tokens, cost), searchable with the query language, paged from DuckDB. Enter opens the waterfall;
``c`` marks a trace, and marking a second opens the two side by side."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from ...core.index import Index
from .. import format as fmt
from ..messages import OpenTrace
from ..safe import safe_text
from ..widgets.paged_table import Column, PagedTable, Row
from ..widgets.query_bar import QueryBar
from .list_pane import ListPane, mark_text

SORT_CYCLE = ["time", "duration", "spans", "errors", "tokens", "cost"]


class TraceSource:
    """Pages of the traces one query matches, in one order."""

    def __init__(self, index: Index, query: str, sort: str, descending: bool) -> None:
        self.traces = index.traces
        self.query, self.sort, self.descending = query, sort, descending

    def count(self) -> int:
        return self.traces.count(self.query)

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.traces.page(self.query, offset=offset, limit=limit, sort=self.sort,
                                descending=self.descending)


def trace_columns(mask: Any, marked: list[str]) -> list[Column]:
    """Cells read ``mask`` and ``marked`` at draw time, so toggling either needs a redraw."""

    def errors(row: Row) -> Text:
        count = row.get("errors") or 0
        return Text(str(count), "bold red") if count else Text("0", "dim")

    def root(row: Row) -> Text:
        text = mark_text(row, "trace_id", marked)
        text.append_text(safe_text(row.get("root_name") or "(no root span)", mask=mask))
        return text

    return [
        Column("start", "start", 11, lambda r: Text(fmt.local_time(r.get("start_ts"))),
               priority=9, sort="time"),
        Column("root", "root span", 20, root, flex=True),
        Column("service", "service", 14, lambda r: safe_text(r.get("service") or "", "cyan",
                                                            mask=mask), priority=4),
        Column("duration", "duration", 8, lambda r: Text(fmt.duration(r.get("duration_ms"))),
               priority=8, right=True, sort="duration"),
        Column("spans", "spans", 6, lambda r: Text(fmt.count(r.get("spans"))), priority=6,
               right=True, sort="spans"),
        Column("errors", "errs", 4, errors, priority=7, right=True, sort="errors"),
        Column("calls", "calls", 5, lambda r: Text(fmt.count(r.get("calls"))), priority=3,
               right=True),
        Column("tokens", "tokens", 7, lambda r: Text(fmt.count(
            None if r.get("tokens") is None else int(r["tokens"]))), priority=5, right=True,
            sort="tokens"),
        Column("cost", "cost", 8, lambda r: Text(fmt.money(r.get("cost"))), priority=2,
               right=True, sort="cost"),
    ]


class TracesPane(ListPane):
    BINDINGS = [Binding("c", "mark", "Compare")]
    DEFAULT_CSS = "TracesPane { height: 1fr; }"
    TABLE_ID = "traces"
    ROW_ID = "trace_id"
    SORTS = SORT_CYCLE
    MARK_FIELD = "trace_id"
    MARKED_WHAT = "trace"

    def compose(self) -> ComposeResult:
        yield QueryBar(lambda text: self.index.compile(text, "traces"),
                       "search traces  service:rag-api status:error duration>2s name:chat  "
                       "(c marks two to compare)", id="trace-search")
        yield PagedTable(trace_columns(self.mask, self.marked), empty="no traces match",
                         id="traces")

    def source(self) -> TraceSource:
        return TraceSource(self.index, self.query_text, self.sort, self.descending)

    def data_changed(self) -> None:
        """Spans landed: counts and durations of the traces on screen may have changed."""
        self.table.reload()

    def compare(self, first: str, second: str) -> Screen[None]:
        from ..screens.trace_compare import TraceCompareScreen

        return TraceCompareScreen(first, second)

    @on(PagedTable.RowSelected, "#traces")
    def _open(self, event: PagedTable.RowSelected) -> None:
        self.post_message(OpenTrace(event.row["trace_id"]))
