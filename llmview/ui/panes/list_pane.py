"""What the list panes (calls, traces, sessions) share: a search box over the query language and
a paged table, sortable by key or by a click on a column title; where two rows can be compared,
``c`` marks one and marking a second opens the two side by side."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from ...core.index import Index
from ..widgets.paged_table import PagedTable, PageSource, Row
from ..widgets.query_bar import QueryBar

MARK = "◆"


def mark_text(row: Row, field: str, marked: list[str]) -> Text:
    """``◆ `` before a cell of a row marked for comparison, else nothing."""
    return Text(f"{MARK} ", "bold yellow") if row.get(field) in marked else Text()


class ListPane(Vertical):
    """Subclasses compose a ``QueryBar`` and a ``PagedTable`` with id ``TABLE_ID`` and say where
    rows come from in ``source``."""

    BINDINGS = [
        Binding("slash", "focus_search", "Search"),
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse", show=False),
        Binding("escape", "focus_table", "Table", show=False),
    ]

    TABLE_ID: ClassVar[str]
    SORTS: ClassVar[list[str]]  # the order ``s`` cycles through; the first is the default
    ROW_ID: ClassVar[str]  # the row field that names a row (the cursor stays on it live)
    MARK_FIELD: ClassVar[str] = ""  # the row field ``c`` marks for comparison ("": none)
    MARKED_WHAT: ClassVar[str] = "row"  # what the notice calls a row

    def __init__(self, index: Index, mask: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.mask = mask
        self.query_text = ""
        self.sort = self.SORTS[0]
        self.descending = True
        self.marked: list[str] = []  # MARK_FIELD values marked for comparison, in order

    def source(self) -> PageSource:
        raise NotImplementedError

    def compare(self, first: str, second: str) -> Screen[None]:
        """The screen showing two marked rows side by side."""
        raise NotImplementedError

    def descending_by_default(self, sort: str) -> bool:
        """Most columns read best largest (or newest) first."""
        return True

    def on_mount(self) -> None:
        self.table.identity = lambda row: row.get(self.ROW_ID)
        self.apply()

    @property
    def table(self) -> PagedTable:
        return self.query_one(f"#{self.TABLE_ID}", PagedTable)

    def apply(self, *, keep_position: bool = False) -> None:
        table = self.table
        table.sort_key, table.sort_desc = self.sort, self.descending
        table.set_source(self.source(), keep_position=keep_position)

    @on(QueryBar.Changed)
    def _searched(self, event: QueryBar.Changed) -> None:
        if event.query != self.query_text:
            self.query_text = event.query
            self.apply()
        if event.submitted:
            self.table.focus()

    def action_focus_search(self) -> None:
        self.query_one(QueryBar).input.focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    def action_sort_next(self) -> None:
        position = self.SORTS.index(self.sort) if self.sort in self.SORTS else -1
        sort = self.SORTS[(position + 1) % len(self.SORTS)]
        self.sort_by(sort, descending=self.descending_by_default(sort))
        self.notify(f"sorted by {self.sort}", timeout=1.5)

    def action_sort_reverse(self) -> None:
        self.sort_by(self.sort, descending=not self.descending)

    def sort_by(self, sort: str, *, descending: bool) -> None:
        """``sort`` is one of ``SORTS`` or a column's own sort key."""
        self.sort, self.descending = sort, descending
        self.apply()

    def on_click(self, event: Any) -> None:
        table = self.table
        if event.widget is table and event.y == 0:
            column = table.column_at(event.x)
            if column is not None and column.sort is not None:
                same = column.sort == self.sort
                self.sort_by(column.sort, descending=not self.descending if same else True)

    def action_mark(self) -> None:
        """Mark the row under the cursor (again: unmark); the second mark opens both side by
        side."""
        row = self.table.cursor_value
        if row is None or not self.MARK_FIELD:
            return
        value = row[self.MARK_FIELD]
        if value in self.marked:
            self.marked.remove(value)
        else:
            self.marked.append(value)
        if len(self.marked) == 2:
            first, second = self.marked
            self.marked.clear()
            self.app.push_screen(self.compare(first, second))
        elif self.marked:
            self.notify(f"marked: mark another {self.MARKED_WHAT} (c) to compare the two",
                        timeout=3)
        self.table.refresh()
