"""The Sessions pane: one row per conversation (most recently active first) with its turns, user,
app, models, tokens, cost, errors and first question; searchable (``user:alice since:1d turns>3
has:error "refund"``) and sortable. Enter opens the conversation.

The list is a table core keeps built (``index.sessions``); when new calls land it is rebuilt in
a worker thread, no more often than a few times its own build time, so a million calls being
tailed cannot keep a core busy, and only while the pane is shown.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.timer import Timer

from ...core.index import Index
from .. import format as fmt
from ..messages import OpenSession
from ..safe import safe_text
from ..store_errors import index_worker
from ..widgets.paged_table import Column, PagedTable, Row
from ..widgets.query_bar import QueryBar
from .list_pane import ListPane

SORT_CYCLE = ["time", "turns", "tokens", "cost", "errors"]
# A rebuild waits at least this many times the last one's duration after it: at most a fifth
# of one core goes to keeping the list current, however fast calls arrive.
REBUILD_SPACING = 4.0


class SessionSource:
    """Pages of the sessions one query matches, in one order."""

    def __init__(self, index: Index, query: str, sort: str, descending: bool) -> None:
        self.index, self.query, self.sort, self.descending = index, query, sort, descending

    def count(self) -> int:
        return self.index.sessions.count(self.query)

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.index.sessions.page(self.query, offset=offset, limit=limit,
                                        sort=self.sort, descending=self.descending)


def session_columns(mask: Any) -> list[Column]:
    """Cells read ``mask`` at draw time, so ``m`` needs only a redraw."""

    def errors(row: Row) -> Text:
        n = row.get("errors") or 0
        return Text(str(n), "bold red") if n else Text("0", "dim")

    def cost(row: Row) -> Text:
        return Text(fmt.money(row.get("cost")) or ("?" if row.get("unpriced") else ""))

    return [
        Column("last_ts", "last", 11, lambda r: Text(fmt.local_time(r.get("last_ts"))),
               priority=9, sort="time"),
        Column("turns", "turns", 5, lambda r: Text(str(r.get("turns") or 0)), priority=8,
               right=True, sort="turns"),
        Column("user", "user", 10, lambda r: safe_text(r.get("user_id") or "—", mask=mask),
               priority=7),
        Column("errors", "err", 3, errors, priority=6, right=True, sort="errors"),
        Column("tokens", "tokens", 6, lambda r: Text(fmt.count(r.get("tokens"))), priority=5,
               right=True, sort="tokens"),
        Column("cost", "cost", 8, cost, priority=4, right=True, sort="cost"),
        Column("app", "app", 12, lambda r: safe_text(r.get("app") or "—", "cyan", mask=mask),
               priority=3),
        Column("models", "models", 16, lambda r: safe_text(r.get("models") or "?", "cyan",
                                                           mask=mask), priority=2),
        Column("first", "first message", 24,
               lambda r: safe_text(r.get("first_message") or "", mask=mask), flex=True),
    ]


class SessionsPane(ListPane):
    """Search, sort; Enter opens a session."""

    TABLE_ID = "sessions-table"
    ROW_ID = "session"
    SORTS = SORT_CYCLE
    DEFAULT_CSS = """
    SessionsPane { height: 1fr; }
    SessionsPane QueryBar > Input:focus { border: none; }
    """

    def __init__(self, index: Index, mask: Any, **kwargs: Any) -> None:
        super().__init__(index, mask, **kwargs)
        self._stale = False  # calls changed since the list was last rebuilt
        self._building = False
        self._next_build = 0.0  # monotonic time before which no rebuild starts
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield QueryBar(lambda text: self.index.compile(text, "sessions"),
                       "search  user:alice app:chat since:1d turns>3 has:error \"words\"",
                       id="sessions-search")
        yield PagedTable(session_columns(self.mask), empty="no sessions match",
                         id="sessions-table")

    def source(self) -> SessionSource:
        return SessionSource(self.index, self.query_text, self.sort, self.descending)

    # --- live -----------------------------------------------------------------------------

    def data_changed(self) -> None:
        """New calls landed: rebuild the list (when shown, and not too often), then reload."""
        self._stale = True
        self._maybe_rebuild()

    def on_show(self) -> None:
        self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        if not self._stale or self._building or not self.is_on_screen:
            return
        wait = self._next_build - time.monotonic()
        if wait > 0:
            if self._timer is None:
                self._timer = self.set_timer(wait, self._timer_fired)
            return
        self._stale = False
        self._building = True
        self._rebuild()

    def _timer_fired(self) -> None:
        self._timer = None
        self._maybe_rebuild()

    @index_worker(group="sessions-rebuild")
    def _rebuild(self) -> None:
        started = time.monotonic()
        changed = self.index.sessions.refresh()
        self.app.call_from_thread(self._rebuilt, changed, time.monotonic() - started)

    def _rebuilt(self, changed: bool, took: float) -> None:
        self._building = False
        self._next_build = time.monotonic() + REBUILD_SPACING * took
        if changed:
            self.table.reload(keep_position=True)
        self._maybe_rebuild()


    @on(PagedTable.RowSelected, "#sessions-table")
    def _open(self, event: PagedTable.RowSelected) -> None:
        self.post_message(OpenSession(event.row["session"]))
