"""What the two comparison screens (two traces, two calls) share: a header naming run A and run
B, a table of matched rows with the change each made, and below it, for the row under the
cursor, run A's value beside run B's with the part that differs highlighted.

Subclasses say how to load the rows (in a worker thread), which columns the table has, what the
header says, and what the detail shows for a row.
"""

from __future__ import annotations

import os
from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...core.formats.messages import plain_text
from ...core.waterfall import duration_label
from ..safe import safe_text
from ..store_errors import index_worker
from ..widgets.long_text import long_text
from ..widgets.masked_static import MaskedStatic
from ..widgets.paged_table import Column, PagedTable, Row

CHANGE_STYLES = {"missing": "red", "added": "green", "status": "bold red", "changed": "yellow",
                 "same": "dim"}
CHANGE_LABELS = {"missing": "− only in A", "added": "+ only in B", "status": "≠ status",
                 "changed": "≠ differs", "same": ""}
SIGNIFICANT = 0.1  # a change under 10% of the value in run A is shown without colour
CONTEXT = 80  # characters shown before the first difference of two long values
EXCERPT = 2000  # characters of each value shown at most


class ListSource:
    """Rows already in memory (both runs were read whole to compare them)."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows

    def count(self) -> int:
        return len(self.rows)

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.rows[offset:offset + limit]


def delta_text(delta: float | None, before: float | None, label: Any = duration_label) -> Text:
    """``+120ms`` in red (more), ``-40ms`` in green; changes under 10% of ``before`` (the value
    in run A) unstyled. ``label`` spells a magnitude (a duration by default)."""
    if delta is None:
        return Text("")
    significant = before is not None and abs(delta) > SIGNIFICANT * max(abs(before), 1e-9)
    style = ("red" if delta > 0 else "green") if significant else "dim"
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return Text(sign + label(abs(delta)), style)


def change_text(change: str) -> Text:
    return Text(CHANGE_LABELS[change], CHANGE_STYLES[change])


def side_by_side_table(rows: list[tuple[str, Any, Any]], masker: Any,
                       titles: tuple[str, str] = ("run A", "run B")) -> Table:
    """A key per row with run A's value beside run B's (see ``side_by_side``)."""
    table = Table(expand=True, show_edge=False, box=None, padding=(0, 1))
    longest = max((len(key) for key, _, _ in rows), default=1)
    table.add_column("", style="bold", min_width=min(32, longest), max_width=32)
    table.add_column(titles[0], ratio=3)
    table.add_column(titles[1], ratio=3)
    for key, a, b in rows:
        table.add_row(safe_text(key, mask=masker), *side_by_side(a, b, masker))
    return table


def side_by_side(a: Any, b: Any, masker: Any) -> tuple[Text, Text]:
    """Both values, from a little before the first character where they differ (a long
    prompt that changed in one sentence shows that sentence, not its shared opening), the
    differing part highlighted."""
    texts = [None if value is None else plain_text(value) for value in (a, b)]
    if masker is not None and masker.enabled:
        texts = [None if text is None else masker.mask_text(text) for text in texts]
    same = len(os.path.commonprefix([t for t in texts if t is not None])) \
        if None not in texts else 0
    start = max(0, same - CONTEXT)
    shown = []
    for text in texts:
        if text is None:
            shown.append(Text("—", "dim"))
            continue
        part = Text("…" if start else "")
        part.append_text(long_text(text[start:same], None, limit=EXCERPT))
        part.append_text(long_text(text[same:], None, "bold yellow",
                                   limit=max(1, EXCERPT - (same - start))))
        shown.append(part)
    return shown[0], shown[1]


class Detail(MaskedStatic):
    """What the screen says about the row under the cursor; built by the screen, so that the
    mask toggle rebuilds it."""

    DEFAULT_CSS = "Detail { padding: 0 1; }"

    def __init__(self, screen: CompareScreen, **kwargs: Any) -> None:
        self.compare = screen
        self.row: Row | None = None
        super().__init__(screen.masker, **kwargs)

    def build(self) -> RenderableType:
        return Text("") if self.row is None else self.compare.detail(self.row)


class CompareScreen(Screen[None]):
    """Run A (``first``) beside run B (``second``); ``a``/``b`` open a row's side."""

    AUTO_FOCUS = "#matches"
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("a", "open('a')", "Open in A"),
        Binding("b", "open('b')", "Open in B"),
    ]
    DEFAULT_CSS = """
    CompareScreen #compare-header { height: auto; background: $panel; padding: 0 1; }
    CompareScreen #matches { height: 1fr; }
    CompareScreen #differences { height: 40%; border-top: solid $panel-lighten-2; }
    """
    EMPTY = "nothing to compare"

    def __init__(self, first: str, second: str) -> None:
        super().__init__()
        self.first, self.second = first, second
        self.loaded = False

    @property
    def masker(self) -> Any:
        return self.app.masker  # type: ignore[attr-defined]

    # --- what a subclass says --------------------------------------------------------------

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def load(self) -> list[Row]:
        """Read both runs and match them (runs in a worker thread)."""
        raise NotImplementedError

    def header(self) -> Text:
        raise NotImplementedError

    def detail(self, row: Row) -> RenderableType:
        raise NotImplementedError

    def action_open(self, side: str) -> None:
        raise NotImplementedError

    # --- the shared screen -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self.header(), id="compare-header")
        yield PagedTable(self.columns(), empty="comparing…", id="matches")
        with VerticalScroll(id="differences"):
            yield Detail(self, id="diff")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @index_worker(exclusive=True, group="compare")
    def _load(self) -> None:
        rows = self.load()
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[Row]) -> None:
        self.loaded = True
        self.query_one("#compare-header", Static).update(self.header())
        table = self.query_one("#matches", PagedTable)
        table.empty = self.EMPTY
        table.set_source(ListSource(rows))
        self._show(rows[0] if rows else None)

    @on(PagedTable.CursorMoved, "#matches")
    def _moved(self, event: PagedTable.CursorMoved) -> None:
        self._show(event.table.row_at(event.index))

    def _show(self, row: Row | None) -> None:
        diff = self.query_one("#diff", Detail)
        diff.row = row
        diff.rerender()

    @property
    def cursor_row(self) -> Row | None:
        return self.query_one("#matches", PagedTable).cursor_value

    def action_back(self) -> None:
        self.app.pop_screen()

    def refresh_masking(self) -> None:
        self.query_one("#compare-header", Static).update(self.header())
        self.query_one("#matches", PagedTable).refresh()
        self.query_one("#diff", Detail).rerender()
