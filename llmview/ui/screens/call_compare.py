"""Two calls side by side: model, parameters and tools, every message aligned (same, edited,
only in one call), the output, the outcome, and latency, tokens and cost with their deltas; for
the row under the cursor, call A's value beside call B's with the part that differs
highlighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on

from ...core.call_compare import Part, compare_calls, is_number
from ...core.formats.messages import plain_text
from ...core.thread import decode
from .. import format as fmt
from ..safe import safe_text
from ..widgets.long_text import long_text
from ..widgets.paged_table import Column, PagedTable, Row
from .compare import CompareScreen, change_text, delta_text, side_by_side_table

SECTION_STYLES = {"call": "cyan", "message": "", "output": "magenta"}
UNIT_LABELS: dict[str, Callable[[Any], str]] = {
    "ms": fmt.duration, "tokens": lambda n: fmt.count(int(n)), "usd": fmt.money}
DETAIL_LIMIT = 20_000  # characters of a value shown when both calls have the same one


def _shown(part: Part, value: Any, mask: Any) -> Text:
    """One line of a value for the table: a measure in its unit, else its text."""
    if value is None:
        return Text("—", "dim")
    if part.unit is not None and is_number(value):
        return Text(UNIT_LABELS[part.unit](value))
    return safe_text(plain_text(value), mask=mask, limit=200)


def compare_columns(mask: Any) -> list[Column]:
    def label(row: Row) -> Text:
        part: Part = row["part"]
        return safe_text(part.label, SECTION_STYLES[part.section], mask=mask)

    def delta(row: Row) -> Text:
        part: Part = row["part"]
        if part.unit is None:
            return Text("")
        return delta_text(part.delta, part.a, UNIT_LABELS[part.unit])

    return [
        Column("part", "part", 16, label, priority=9),
        Column("a", "call A", 12, lambda r: _shown(r["part"], r["part"].a, mask), flex=True),
        Column("b", "call B", 12, lambda r: _shown(r["part"], r["part"].b, mask), flex=True),
        Column("delta", "Δ", 8, delta, priority=6, right=True),
        Column("change", "change", 11, lambda r: change_text(r["part"].change), priority=7),
    ]


class CallCompareScreen(CompareScreen):
    """``first`` and ``second`` are call keys."""

    EMPTY = "neither call could be read"

    def __init__(self, first: str, second: str) -> None:
        super().__init__(first, second)
        self.calls: tuple[dict[str, Any] | None, dict[str, Any] | None] = (None, None)

    def columns(self) -> list[Column]:
        return compare_columns(self.masker)

    def load(self) -> list[Row]:
        index = self.app.index  # type: ignore[attr-defined]
        a, b = index.call(self.first), index.call(self.second)
        self.calls = (a, b)
        if a is None or b is None:
            return []
        return [{"part": part} for part in compare_calls(decode(a), decode(b))]

    def header(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        for label, call in (("A", self.calls[0]), ("B", self.calls[1])):
            line.append(f"{label} ", "bold")
            if call is None:
                line.append("gone from the index   " if self.loaded else "…   ", "dim")
                continue
            line.append(fmt.local_time(call.get("ts")) + " ")
            line.append_text(safe_text(call.get("model") or "?", "cyan", mask=self.masker,
                                       limit=24))
            status = call.get("status") or "…"
            line.append(f" {status}", "bold red" if status == "error" else "green")
            line.append(f" {fmt.duration(call.get('latency_ms'))}   ")
        return line

    def detail(self, row: Row) -> RenderableType:
        part: Part = row["part"]
        if part.change == "same":
            title = Text(f"{part.label}: the same in both calls", "italic dim")
            return Group(title, long_text(plain_text(part.a), self.masker, limit=DETAIL_LIMIT))
        if part.change in ("missing", "added"):
            side, value = ("A", part.a) if part.change == "missing" else ("B", part.b)
            title = Text(f"{part.label}: only call {side} has it", "italic")
            return Group(title, long_text(plain_text(value), self.masker, limit=DETAIL_LIMIT))
        return side_by_side_table([(part.label, part.a, part.b)], self.masker,
                                  ("call A", "call B"))

    def action_open(self, side: str) -> None:
        """Call A or B in full (the call view)."""
        from .call import CallScreen

        self.app.push_screen(CallScreen(self.first if side == "a" else self.second))

    @on(PagedTable.RowSelected, "#matches")
    def _selected(self, event: PagedTable.RowSelected) -> None:
        self.action_open("a" if event.row["part"].change != "added" else "b")
