"""Two traces side by side: every span matched by its place in the tree, with both durations and
the change, spans one run has and the other lacks, and, for the span under the cursor, the
attributes and outputs that differ, run A beside run B."""

from __future__ import annotations

import os
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...core.formats.messages import plain_text
from ...core.trace_compare import MatchedSpan, compare_trees
from ...core.trace_tree import TraceTree
from ...core.waterfall import duration_label
from ..safe import safe_text
from ..widgets.long_text import long_text
from ..widgets.masked_static import MaskedStatic
from ..widgets.paged_table import Column, PagedTable, Row

CHANGE_STYLES = {"missing": "red", "added": "green", "status": "bold red", "changed": "yellow",
                 "same": "dim"}
CHANGE_LABELS = {"missing": "− only in A", "added": "+ only in B", "status": "≠ status",
                 "changed": "≠ differs", "same": ""}
SIGNIFICANT = 0.1  # a change under 10% of the duration is shown without colour
CONTEXT = 80  # characters shown before the first difference of two long values
EXCERPT = 2000  # characters of each value shown at most


class MatchSource:
    """The comparison rows, already in memory (both traces were read whole to compare)."""

    def __init__(self, rows: list[MatchedSpan]) -> None:
        self.rows = [{"match": row} for row in rows]

    def count(self) -> int:
        return len(self.rows)

    def page(self, offset: int, limit: int) -> list[Row]:
        return self.rows[offset:offset + limit]


def delta_text(delta: float | None, before: float | None) -> Text:
    """``+120ms`` in red (slower), ``-40ms`` in green; changes under 10% of ``before`` (the
    duration in run A) unstyled."""
    if delta is None:
        return Text("")
    significant = before is not None and abs(delta) > SIGNIFICANT * max(before, 1.0)
    style = ("red" if delta > 0 else "green") if significant else "dim"
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return Text(sign + duration_label(abs(delta)), style)


def compare_columns(mask: Any) -> list[Column]:
    def span(row: Row) -> Text:
        match: MatchedSpan = row["match"]
        text = Text("  " * match.depth)
        style = "bold red" if match.change == "status" else ""
        text.append_text(safe_text(match.name, style, mask=mask))
        return text

    def duration(row: Row, side: str) -> Text:
        node = getattr(row["match"], side)
        if node is None:
            return Text("—", "dim")
        shown = "" if node.duration_ms is None else duration_label(node.duration_ms)
        return Text(shown + (" ✗" if node.error else ""), "red" if node.error else "")

    def change(row: Row) -> Text:
        match: MatchedSpan = row["match"]
        return Text(CHANGE_LABELS[match.change], CHANGE_STYLES[match.change])

    return [
        Column("span", "span", 20, span, flex=True),
        Column("a", "A", 9, lambda r: duration(r, "a"), priority=9, right=True),
        Column("b", "B", 9, lambda r: duration(r, "b"), priority=9, right=True),
        Column("delta", "Δ", 9, lambda r: delta_text(
            r["match"].delta_ms, r["match"].a.duration_ms if r["match"].a else None),
            priority=8, right=True),
        Column("change", "change", 11, change, priority=7),
    ]


class DiffTable(MaskedStatic):
    """What differs for one matched span: a key, run A's value, run B's value."""

    DEFAULT_CSS = "DiffTable { padding: 0 1; }"

    def __init__(self, match: MatchedSpan | None, masker: Any, **kwargs: Any) -> None:
        self.match = match
        super().__init__(masker, **kwargs)

    def build(self) -> Any:
        match = self.match
        if match is None:
            return Text("")
        if match.a is None or match.b is None:
            side = "B" if match.a is None else "A"
            return Text(f"This span is only in run {side}: no counterpart with the same name at "
                        "the same place in the other trace.", "italic")
        if not match.differences:
            return Text("Same attributes and output in both runs.", "italic dim")
        table = Table(expand=True, show_edge=False, box=None, padding=(0, 1))
        longest = max(len(difference.key) for difference in match.differences)
        table.add_column("", style="bold", min_width=min(32, longest), max_width=32)
        table.add_column("run A", ratio=3)
        table.add_column("run B", ratio=3)
        for difference in match.differences:
            table.add_row(safe_text(difference.key, mask=self.masker),
                          *_side_by_side(difference.a, difference.b, self.masker))
        return table


def _side_by_side(a: Any, b: Any, masker: Any) -> tuple[Text, Text]:
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


class TraceCompareScreen(Screen[None]):
    AUTO_FOCUS = "#matches"
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("a", "open('a')", "Open in A"),
        Binding("b", "open('b')", "Open in B"),
    ]
    DEFAULT_CSS = """
    TraceCompareScreen #compare-header { height: auto; background: $panel; padding: 0 1; }
    TraceCompareScreen #matches { height: 1fr; }
    TraceCompareScreen #differences { height: 40%; border-top: solid $panel-lighten-2; }
    """

    def __init__(self, first: str, second: str) -> None:
        super().__init__()
        self.first, self.second = first, second
        self.trees: tuple[TraceTree, TraceTree] | None = None

    @property
    def masker(self) -> Any:
        return self.app.masker  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="compare-header")
        yield PagedTable(compare_columns(self.masker), empty="comparing…", id="matches")
        with VerticalScroll(id="differences"):
            yield DiffTable(None, self.masker, id="diff")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="compare")
    def _load(self) -> None:
        traces = self.app.index.traces  # type: ignore[attr-defined]
        a, b = traces.tree(self.first, full=True), traces.tree(self.second, full=True)
        outputs = [{span: call.get("output") for span, call in traces.calls(t).items()}
                   for t in (self.first, self.second)]
        rows = compare_trees(a, b, *outputs)
        self.app.call_from_thread(self._loaded, a, b, rows)

    def _loaded(self, a: TraceTree, b: TraceTree, rows: list[MatchedSpan]) -> None:
        self.trees = (a, b)
        self.query_one("#compare-header", Static).update(self._header())
        table = self.query_one("#matches", PagedTable)
        table.empty = "neither trace has spans"
        table.set_source(MatchSource(rows))
        self._show_differences(rows[0] if rows else None)

    def _header(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for label, trace_id, n in (("A", self.first, 0), ("B", self.second, 1)):
            tree = self.trees[n] if self.trees is not None else None
            line.append(f"{label} ", "bold")
            line.append_text(safe_text(trace_id[:16], "cyan"))
            if tree is not None and tree.roots:
                line.append(" ")
                line.append_text(safe_text(tree.roots[0].name, mask=self.masker, limit=30))
                line.append(f" {duration_label(tree.duration_ms or 0.0)}")
            line.append("   ")
        if self.trees is not None:
            a, b = (t.duration_ms for t in self.trees)
            if a is not None and b is not None:
                line.append("Δ ")
                line.append_text(delta_text(b - a, a))
        return line

    @on(PagedTable.CursorMoved, "#matches")
    def _moved(self, event: PagedTable.CursorMoved) -> None:
        row = event.table.row_at(event.index)
        self._show_differences(row["match"] if row is not None else None)

    def _show_differences(self, match: MatchedSpan | None) -> None:
        diff = self.query_one("#diff", DiffTable)
        diff.match = match
        diff.rerender()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_open(self, side: str) -> None:
        """The span under the cursor in its own trace's waterfall (run A or B)."""
        row = self.query_one("#matches", PagedTable).cursor_value
        node = getattr(row["match"], side) if row is not None else None
        if node is None:
            self.notify(f"this span is not in run {side.upper()}", timeout=2)
            return
        from .trace import TraceScreen

        self.app.push_screen(TraceScreen(self.first if side == "a" else self.second,
                                         node.span_id))

    @on(PagedTable.RowSelected, "#matches")
    def _selected(self, event: PagedTable.RowSelected) -> None:
        self.action_open("a" if event.row["match"].a is not None else "b")

    def refresh_masking(self) -> None:
        self.query_one("#compare-header", Static).update(self._header())
        self.query_one("#matches", PagedTable).refresh()
        self.query_one("#diff", DiffTable).rerender()
