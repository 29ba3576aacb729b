"""The Requests pane: a search box over the query language and the table of calls it matches;
``c`` marks a call, and marking a second opens the two side by side."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from ...core.index import Index
from .. import format as fmt
from ..messages import OpenCall
from ..safe import safe_text
from ..widgets.paged_table import Column, PagedTable, Row
from ..widgets.query_bar import QueryBar
from .list_pane import ListPane, mark_text

STATUS_STYLES = {"ok": "green", "error": "bold red"}
SORT_CYCLE = ["time", "latency", "tokens", "cost", "model", "status"]


class CallSource:
    """Pages of the calls one query matches, in one order: what the table asks for."""

    def __init__(self, index: Index, query: str, sort: str, descending: bool) -> None:
        self.index, self.query, self.sort, self.descending = index, query, sort, descending

    def count(self) -> int:
        return self.index.count(self.query)

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.index.search(self.query, offset=offset, limit=limit, sort=self.sort,
                                 descending=self.descending)


def call_columns(mask: Any, marked: list[str]) -> list[Column]:
    """Cells read ``mask`` (the app's Masker) and ``marked`` at draw time, so toggling either
    needs only a redraw."""

    def tokens(row: Row, key: str) -> Text:
        return Text(fmt.count(row.get(key)))

    def status(row: Row) -> Text:
        value = row.get("status")
        return Text(value or "…", STATUS_STYLES.get(value or "", "dim"))

    def preview(row: Row) -> Text:
        text = mark_text(row, "key", marked)
        if row.get("status") == "error" and not row.get("preview"):
            text.append_text(safe_text(row.get("error_type") or "error", "red", mask=mask))
        else:
            text.append_text(safe_text(row.get("preview") or "", mask=mask))
        return text

    return [
        Column("ts", "time", 11, lambda r: Text(fmt.local_time(r.get("ts"))), priority=9,
               sort="time"),
        Column("model", "model", 18, lambda r: safe_text(r.get("model") or "?", "cyan",
                                                        mask=mask), priority=8, sort="model"),
        Column("status", "status", 6, status, priority=7, sort="status"),
        Column("latency", "latency", 7, lambda r: Text(fmt.duration(r.get("latency_ms"))),
               priority=6, right=True, sort="latency"),
        Column("in", "in", 6, lambda r: tokens(r, "input_tokens"), priority=4, right=True,
               sort="tokens"),
        Column("out", "out", 6, lambda r: tokens(r, "output_tokens"), priority=3, right=True),
        Column("cost", "cost", 8, lambda r: Text(fmt.money(r.get("cost_usd"))), priority=2,
               right=True, sort="cost"),
        Column("preview", "prompt", 20, preview, flex=True),
    ]


class RequestsPane(ListPane):
    """Search, sort, follow; Enter opens a call."""

    # Compare stays out of the footer: at 80 columns it would push out "m Mask" (see ? for it).
    BINDINGS = [Binding("f", "toggle_follow", "Follow"),
                Binding("c", "mark", "Compare", show=False)]
    DEFAULT_CSS = "RequestsPane { height: 1fr; }"
    TABLE_ID = "calls"
    ROW_ID = "key"
    SORTS = SORT_CYCLE
    MARK_FIELD = "key"
    MARKED_WHAT = "call"

    def __init__(self, index: Index, mask: Any, **kwargs: Any) -> None:
        super().__init__(index, mask, **kwargs)
        self.follow = False

    def compose(self) -> ComposeResult:
        yield QueryBar(self.index.compile, "search  model:gpt-4o status:error latency>2s "
                       "\"phrase\"  (? for the syntax)", id="search")
        yield PagedTable(call_columns(self.mask, self.marked), empty="no calls match", id="calls")

    def source(self) -> CallSource:
        return CallSource(self.index, self.query_text, self.sort, self.descending)

    def compare(self, first: str, second: str) -> Screen[None]:
        from ..screens.call_compare import CallCompareScreen

        return CallCompareScreen(first, second)

    def descending_by_default(self, sort: str) -> bool:
        return sort in ("time", "latency", "tokens", "cost")

    def data_changed(self) -> None:
        """New rows landed: keep the view where it was, or on the newest call when following."""
        self.table.reload(keep_position=not self.follow)

    def search_for(self, text: str) -> None:
        """Run ``text`` as the search, as if typed (other panes send users here)."""
        bar = self.query_one("#search", QueryBar)
        bar.set_query(text)
        if not bar.show_error(text) and text != self.query_text:
            self.query_text = text
            self.apply()
        self.table.focus()

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        if self.follow:
            self.sort, self.descending = "time", True
            self.apply()
            self.table.focus()
        self.notify("follow on: the newest call stays in view" if self.follow
                    else "follow off", timeout=2)

    @on(PagedTable.RowSelected, "#calls")
    def _open(self, event: PagedTable.RowSelected) -> None:
        self.post_message(OpenCall(event.row["key"]))

    @on(PagedTable.CursorMoved, "#calls")
    def _moved(self, event: PagedTable.CursorMoved) -> None:
        if self.follow and event.index != 0:
            self.follow = False
            self.notify("follow off", timeout=1.5)
