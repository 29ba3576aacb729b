"""Two traces side by side: every span matched by its place in the tree, with both durations and
the change, spans one run has and the other lacks, and, for the span under the cursor, the
attributes and outputs that differ, run A beside run B."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual import on

from ...core.trace_compare import MatchedSpan, compare_trees
from ...core.trace_tree import TraceTree
from ...core.waterfall import duration_label
from ..safe import safe_text
from ..widgets.paged_table import Column, PagedTable, Row
from .compare import CompareScreen, change_text, delta_text, side_by_side_table


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

    return [
        Column("span", "span", 20, span, flex=True),
        Column("a", "A", 9, lambda r: duration(r, "a"), priority=9, right=True),
        Column("b", "B", 9, lambda r: duration(r, "b"), priority=9, right=True),
        Column("delta", "Δ", 9, lambda r: delta_text(
            r["match"].delta_ms, r["match"].a.duration_ms if r["match"].a else None),
            priority=8, right=True),
        Column("change", "change", 11, lambda r: change_text(r["match"].change), priority=7),
    ]


class TraceCompareScreen(CompareScreen):
    EMPTY = "neither trace has spans"

    def __init__(self, first: str, second: str) -> None:
        super().__init__(first, second)
        self.trees: tuple[TraceTree, TraceTree] | None = None

    def columns(self) -> list[Column]:
        return compare_columns(self.masker)

    def load(self) -> list[Row]:
        traces = self.app.index.traces  # type: ignore[attr-defined]
        a, b = traces.tree(self.first, full=True), traces.tree(self.second, full=True)
        outputs = [{span: call.get("output") for span, call in traces.calls(t).items()}
                   for t in (self.first, self.second)]
        self.trees = (a, b)
        return [{"match": match} for match in compare_trees(a, b, *outputs)]

    def header(self) -> Text:
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

    def detail(self, row: Row) -> RenderableType:
        match: MatchedSpan = row["match"]
        if match.a is None or match.b is None:
            side = "B" if match.a is None else "A"
            return Text(f"This span is only in run {side}: no counterpart with the same name at "
                        "the same place in the other trace.", "italic")
        if not match.differences:
            return Text("Same attributes and output in both runs.", "italic dim")
        return side_by_side_table([(d.key, d.a, d.b) for d in match.differences], self.masker)

    def action_open(self, side: str) -> None:
        """The span under the cursor in its own trace's waterfall (run A or B)."""
        row = self.cursor_row
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
