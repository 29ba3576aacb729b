"""A small bar chart over time drawn with eighth blocks: a title line, then bars that fill the
widget. Legible at 80x24 where a plotting library's axes would take the whole space; the time
axis is shared by all charts of a pane and said once, in the pane.

Bars start at zero (a sparkline scaled from the minimum would make a steady load look wild);
an unknown value (no latency logged in that bucket) leaves a gap, not a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


def bar_lines(values: Sequence[float | None], width: int, height: int, style: str,
              *, marked: Sequence[float | None] = (), marked_style: str = "") -> list[Text]:
    """``height`` lines of bars for ``values`` stretched over ``width`` columns, tallest = full.

    ``marked`` (same length as ``values``) is drawn in ``marked_style`` from the bottom of each
    bar: the errors among the calls, say.
    """
    lines = [Text(no_wrap=True) for _ in range(height)]
    if not values or width <= 0 or height <= 0:
        return lines
    peak = max((v for v in values if v is not None), default=0.0) or 1.0
    levels = height * 8
    for column in range(width):
        # the buckets this column covers (one, repeated, when there are fewer than columns)
        first = column * len(values) // width
        covered = range(first, max(first + 1, (column + 1) * len(values) // width))
        value = _peak(values[i] for i in covered)
        filled = 0 if value is None else round(max(0.0, value) / peak * levels)
        if value and filled == 0:
            filled = 1  # a little is not nothing
        mark = _peak(marked[i] for i in covered if i < len(marked))
        mark_filled = 0 if not mark else round(mark / peak * levels)
        for row in range(height):  # row 0 is the top line
            below = (height - 1 - row) * 8  # eighths under this cell
            cell = min(8, max(0, filled - below))
            # a cell is marked when the marked part covers at least half of what it draws
            marked_cell = cell and min(cell, mark_filled - below) * 2 >= cell
            lines[row].append(BLOCKS[cell], (marked_style if marked_cell else style) if cell
                              else "")
    return lines


def _peak(values: Iterable[float | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


class BarChart(Widget):
    """A titled bar chart of one series; ``set_data`` replaces what it shows."""

    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 2; }
    """

    title: reactive[str] = reactive("")

    def __init__(self, title: str, fmt: Callable[[float | None], str], style: str, *,
                 name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.fmt = fmt
        self.bar_style = style
        self.values: list[float | None] = []
        self.marked: list[float | None] = []

    def set_data(self, values: Sequence[float | None],
                 marked: Sequence[float | None] = ()) -> None:
        self.values, self.marked = list(values), list(marked)
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        known = [v for v in self.values if v is not None]
        head = Text(self.title, style="bold", no_wrap=True, overflow="ellipsis")
        if known:
            head.append(f"  max {self.fmt(max(known))}", style="dim")
            head.append(f"  last {self.fmt(self.values[-1])}", style="dim")
        bars = bar_lines(self.values, width, height - 1, self.bar_style, marked=self.marked,
                         marked_style="red")
        return Text("\n", no_wrap=True).join([head, *bars])
