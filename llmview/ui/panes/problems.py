"""The Problems pane: lines that could not be read, with file:line, why, and the raw text as it
is in the file (shown literally, masked when the mask is on)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...core.index import Index
from ..safe import safe_text
from ..widgets.paged_table import Column, PagedTable, Row

FULL_LINE_LIMIT = 100_000


class ProblemSource:
    def __init__(self, index: Index) -> None:
        self.index = index

    def count(self) -> int:
        return self.index.problem_count()

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.index.problems(offset=offset, limit=limit)


def where(row: Row) -> str:
    return f"{Path(row.get('path') or '?').name}:{row.get('line_no')}"


def problem_columns(mask: Any) -> list[Column]:
    return [
        Column("where", "file:line", 24, lambda r: safe_text(where(r), "cyan"), priority=9),
        Column("reason", "reason", 28, lambda r: safe_text(r.get("reason"), "yellow"),
               priority=8),
        Column("raw", "line", 20, lambda r: safe_text(r.get("raw") or "", mask=mask,
                                                      limit=400), flex=True),
    ]


class ProblemsPane(Vertical):
    DEFAULT_CSS = "ProblemsPane { height: 1fr; }"

    def __init__(self, index: Index, mask: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.mask = mask

    def compose(self) -> ComposeResult:
        yield PagedTable(problem_columns(self.mask), ProblemSource(self.index),
                         empty="no problems: every line was read", id="problem-table")

    def on_mount(self) -> None:
        self.query_one(PagedTable).reload(keep_position=False)

    def data_changed(self) -> None:
        self.query_one(PagedTable).reload()

    @on(PagedTable.RowSelected, "#problem-table")
    def _open(self, event: PagedTable.RowSelected) -> None:
        self.app.push_screen(ProblemScreen(event.row, self.mask))


class ProblemScreen(Screen[None]):
    """One unreadable line in full."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"),
                Binding("y", "copy", "Copy line")]
    DEFAULT_CSS = """
    ProblemScreen #title { background: $panel; padding: 0 1; }
    ProblemScreen VerticalScroll { padding: 1 1; }
    """

    def __init__(self, row: Row, mask: Any) -> None:
        super().__init__()
        self.row = row
        self.mask = mask

    def compose(self) -> ComposeResult:
        title = Text()
        title.append_text(safe_text(f"{self.row.get('path')}:{self.row.get('line_no')}", "cyan"))
        title.append("  ")
        title.append_text(safe_text(self.row.get("reason"), "yellow"))
        yield Static(title, id="title")
        with VerticalScroll():
            yield Static(self._body(), id="raw")
        yield Footer()

    def _body(self) -> Text:
        raw = self.row.get("raw") or ""
        body = safe_text(raw[:FULL_LINE_LIMIT], one_line=False, mask=self.mask)
        if len(raw) > FULL_LINE_LIMIT:
            body.append(f"\n… {len(raw) - FULL_LINE_LIMIT:,} more characters; y copies the "
                        "whole line", "dim")
        if self.row.get("truncated"):
            body.append("\n(the index keeps the first 1 MB of this line)", "dim")
        return body

    def refresh_masking(self) -> None:
        self.query_one("#raw", Static).update(self._body())

    def action_copy(self) -> None:
        raw = self.row.get("raw") or ""
        if getattr(self.mask, "enabled", False):
            raw = self.mask.mask_text(raw)
        self.app.copy_to_clipboard(raw)
        self.notify("copied the line")
