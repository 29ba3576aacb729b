"""A trace as a waterfall: the span tree on the left (fold with ←/→ or space), each span's bar
on a shared time axis on the right, drawn in eighths of a cell, under a ruler.

Only the lines on screen are rendered (Textual's line API), so a 10,000-span trace scrolls as
cheaply as a ten-span one; folding rebuilds the list of visible rows, which is a walk over the
tree and nothing more.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.trace_tree import SpanNode, TraceTree
from ...core.waterfall import bar, duration_label, guide, kind_label, ruler
from ..safe import safe_text

# Fixed colours per kind (hex, so every terminal theme shows the same); red is kept for errors.
KIND_COLOURS = {
    "llm": "#b48ead", "embedding": "#b48ead", "retrieval": "#88c0d0", "tool": "#a3be8c",
    "chain": "#81a1c1", "agent": "#81a1c1", "http": "#8f8f8f", "db": "#ebcb8b",
}
DEFAULT_COLOUR = "#81a1c1"
ERROR_COLOUR = "#ff5f5f"
MISSING_COLOUR = "#ebcb8b"
DURATION_WIDTH = 7
MIN_BAR = 12
CRITICAL_MARK = "┃"


class Waterfall(ScrollView, can_focus=True):
    """The rows of a ``TraceTree``; a cursor row; Enter posts ``Selected``."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("left,h", "fold", "Fold", show=False),
        Binding("right,l", "unfold", "Unfold", show=False),
        Binding("space", "toggle", "Fold/unfold"),
        Binding("z", "zoom_in", "Zoom"),
        Binding("Z,backspace", "zoom_out", "Zoom out", show=False),
        Binding("e", "next_error", "Next error"),
        Binding("enter", "select", "Open call"),
    ]
    DEFAULT_CSS = """
    Waterfall { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }
    Waterfall > .waterfall--header { background: $panel; color: $text-muted; }
    Waterfall > .waterfall--cursor { background: $accent 40%; }
    Waterfall:focus > .waterfall--cursor { background: $accent 70%; }
    Waterfall > .waterfall--guide { color: $text-muted; }
    Waterfall > .waterfall--critical { color: $warning; }
    Waterfall > .waterfall--missing { color: $warning; text-style: italic; }
    """
    COMPONENT_CLASSES = {"waterfall--header", "waterfall--cursor", "waterfall--guide",
                         "waterfall--critical", "waterfall--missing"}

    cursor: reactive[int] = reactive(0)

    class Highlighted(Message):
        def __init__(self, waterfall: Waterfall, node: SpanNode | None) -> None:
            super().__init__()
            self.waterfall = waterfall
            self.node = node

        @property
        def control(self) -> Waterfall:
            return self.waterfall

    class Selected(Message):
        def __init__(self, waterfall: Waterfall, node: SpanNode) -> None:
            super().__init__()
            self.waterfall = waterfall
            self.node = node

        @property
        def control(self) -> Waterfall:
            return self.waterfall

    def __init__(self, mask: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask = mask
        self.trace: TraceTree | None = None
        self.rows: list[SpanNode] = []
        self.collapsed: set[str] = set()
        self.zooms: list[SpanNode] = []
        self.calls: dict[str, dict[str, Any]] = {}
        self._announced: SpanNode | None = None

    # --- data -----------------------------------------------------------------------------

    def show(self, tree: TraceTree, calls: dict[str, dict[str, Any]] | None = None) -> None:
        """Show ``tree``; a new version of the same trace (spans arrived) keeps the folds, the
        zoom and the span under the cursor."""
        current = self.current
        current_id = current.span_id if current is not None else None
        self.trace = tree
        self.calls = calls or {}
        self.zooms = [tree.by_id[z.span_id] for z in self.zooms if z.span_id in tree.by_id]
        self._relayout()
        if current_id is not None:
            self.go_to(current_id)

    @property
    def current(self) -> SpanNode | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def _relayout(self) -> None:
        if self.trace is None:
            return
        self.rows = self.trace.visible(self.collapsed, self.zooms[-1] if self.zooms else None)
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)
        # As tall as its rows (and the ruler), up to what the screen's CSS allows.
        self.styles.height = len(self.rows) + 1
        if self.cursor >= len(self.rows):
            self.cursor = max(0, len(self.rows) - 1)
        self.refresh()
        self._announce()

    def go_to(self, span_id: str) -> None:
        """Put the cursor on a span, unfolding its ancestors if needed."""
        if self.trace is None:
            return
        node = self.trace.by_id.get(span_id)
        if node is None:
            return
        folded = [a.span_id for a in node.ancestors() if a.span_id in self.collapsed]
        if folded:
            self.collapsed.difference_update(folded)
            self._relayout()
        for index, row in enumerate(self.rows):
            if row is node:
                self.cursor = index
                return

    # --- drawing --------------------------------------------------------------------------

    def _widths(self) -> tuple[int, int]:
        """(label, bar) widths for the current size; the rest is the duration and the mark."""
        width = self.size.width - 1  # the scrollbar
        fixed = DURATION_WIDTH + 3
        label = max(12, min(60, width * 9 // 20, width - fixed - MIN_BAR))
        return label, max(1, width - label - fixed)

    def _axis(self) -> tuple[float, float]:
        """The time range the bars are drawn on: the trace, or the zoomed span."""
        tree = self.trace
        top = self.zooms[-1] if self.zooms else None
        assert tree is not None
        start = top.start if top is not None and top.start is not None else tree.start
        end = top.end if top is not None and top.end is not None else tree.end
        start = start or 0.0
        return start, end if end is not None else start

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.trace is None:
            return Strip.blank(width, self.rich_style)
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        line = self._row(self.rows[index], index == self.cursor)
        return Strip(line.render(self.app.console), width).adjust_cell_length(width,
                                                                              self.rich_style)

    def _header(self, width: int) -> Strip:
        label_width, bar_width = self._widths()
        start, end = self._axis()
        origin = self.trace.start or 0.0  # type: ignore[union-attr]
        title = "span" if not self.zooms else f"zoomed: {self.zooms[-1].name}"
        line = Text(no_wrap=True, end="")
        line.append_text(safe_text(title, limit=label_width, mask=self.mask))
        line.pad_right(label_width - line.cell_len)
        line.append(f" {'dur':>{DURATION_WIDTH}}  ")
        line.append(ruler(start - origin, end - origin, bar_width))
        style = self.get_component_rich_style("waterfall--header")
        line.stylize(style)
        return Strip(line.render(self.app.console), width).adjust_cell_length(width, style)

    def _row(self, node: SpanNode, is_cursor: bool) -> Text:
        label_width, bar_width = self._widths()
        row_style = self.get_component_rich_style("waterfall--cursor") if is_cursor \
            else self.rich_style
        line = Text(no_wrap=True, end="", style=row_style)
        line.append_text(self._label(node, label_width))
        duration = node.duration_ms
        shown = "" if duration is None else duration_label(duration)
        line.append(f" {shown:>{DURATION_WIDTH}} ")
        critical = self.get_component_rich_style("waterfall--critical", partial=True)
        line.append(CRITICAL_MARK if node.critical and not node.missing else " ", critical)
        line.append(" ")
        line.append_text(self._bar(node, bar_width, row_style))
        return line

    def _label(self, node: SpanNode, width: int) -> Text:
        label = Text(no_wrap=True, end="", overflow="ellipsis")
        label.append(guide(node, max(1, width // 8)),
                     self.get_component_rich_style("waterfall--guide", partial=True))
        if node.children:
            label.append("▸ " if node.span_id in self.collapsed else "▾ ")
        if node.missing:
            missing = self.get_component_rich_style("waterfall--missing", partial=True)
            label.append_text(safe_text(f"{node.name} {node.span_id}", missing))
            return _fit(label, width)
        if node.error:
            label.append("✗ ", "bold red")
        elif node.error_below:
            label.append("! ", "red")
        kind = kind_label(node.kind)
        if kind:
            label.append(kind + " ", KIND_COLOURS.get(node.kind or "", DEFAULT_COLOUR))
        label.append_text(safe_text(node.name, "bold" if node.critical else "", mask=self.mask))
        call = self.calls.get(node.span_id)
        if call is not None and call.get("model") and call["model"] not in node.name:
            label.append_text(safe_text(f" {call['model']}", "dim", mask=self.mask))
        if node.skew:
            label.append(" skew", "yellow")
        return _fit(label, width)

    def _bar(self, node: SpanNode, width: int, row_style: Style) -> Text:
        if node.start is None:
            return Text(" " * width)
        start, end = self._axis()
        drawn = bar(node.start, node.end, start, end, width)
        colour = ERROR_COLOUR if node.error else KIND_COLOURS.get(node.kind or "", DEFAULT_COLOUR)
        if node.missing:
            colour = MISSING_COLOUR
        text = Text(drawn.text, style=Style(color=colour), no_wrap=True, end="")
        if drawn.inverse is not None:
            # The cell's glyph covers its empty left part: draw it in the row's background
            # over a cell filled with the bar's colour.
            background = row_style.bgcolor or self.rich_style.bgcolor
            text.stylize(Style(color=background, bgcolor=colour), drawn.inverse,
                         drawn.inverse + 1)
        return text

    # --- the cursor -----------------------------------------------------------------------

    @property
    def _page_height(self) -> int:
        return max(1, self.size.height - 1)

    def watch_cursor(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self._page_height:
            self.scroll_to(y=new - self._page_height + 1, animate=False)
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        """Tell the screen when the span under the cursor changed (for its detail)."""
        current = self.current
        if current is not self._announced:
            self._announced = current
            self.post_message(self.Highlighted(self, current))

    def _move(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-self._page_height)

    def action_page_down(self) -> None:
        self._move(self._page_height)

    def action_first(self) -> None:
        self._move(-len(self.rows))

    def action_last(self) -> None:
        self._move(len(self.rows))

    # --- folding and zooming --------------------------------------------------------------

    def action_fold(self) -> None:
        """Fold the span under the cursor, or, if it is folded or a leaf, go to its parent."""
        node = self.current
        if node is None:
            return
        if node.children and node.span_id not in self.collapsed:
            self.collapsed.add(node.span_id)
            self._relayout()
        elif node.parent is not None and node is not (self.zooms[-1] if self.zooms else None):
            self._select(node.parent)

    def action_unfold(self) -> None:
        """Unfold the span under the cursor, or, if it is open, go to its first child."""
        node = self.current
        if node is None or not node.children:
            return
        if node.span_id in self.collapsed:
            self.collapsed.discard(node.span_id)
            self._relayout()
        else:
            self._move(1)

    def action_toggle(self) -> None:
        node = self.current
        if node is None or not node.children:
            return
        self.collapsed.symmetric_difference_update({node.span_id})
        self._relayout()

    def action_zoom_in(self) -> None:
        """Show only the subtree under the cursor, its bars on its own time range."""
        node = self.current
        if node is None or not node.children or (self.zooms and node is self.zooms[-1]):
            return
        self.zooms.append(node)
        self.collapsed.discard(node.span_id)
        self.cursor = 0
        self._relayout()
        self.scroll_to(y=0, animate=False)

    def action_zoom_out(self) -> None:
        if not self.zooms:
            return
        left = self.zooms.pop()
        self._relayout()
        self._select(left)

    def action_next_error(self) -> None:
        """The next failed span after the cursor (unfolding where needed), wrapping around."""
        if self.trace is None:
            return
        top = self.zooms[-1] if self.zooms else None
        order = list(top.walk()) if top is not None else list(self.trace.walk())
        current = self.current
        position = next((n for n, node in enumerate(order) if node is current), -1)
        for node in order[position + 1:] + order[: position + 1]:
            if node.error:
                self.go_to(node.span_id)
                return
        self.notify("no failed span in this trace", timeout=2)

    def _select(self, node: SpanNode) -> None:
        for index, row in enumerate(self.rows):
            if row is node:
                self.cursor = index
                return

    def action_select(self) -> None:
        node = self.current
        if node is not None:
            self.post_message(self.Selected(self, node))

    def on_click(self, event: Any) -> None:
        index = self.scroll_offset.y + event.y - 1
        if event.y >= 1 and 0 <= index < len(self.rows):
            if index == self.cursor and getattr(event, "chain", 1) >= 2:
                self.action_select()
            self.cursor = index


def _fit(text: Text, width: int) -> Text:
    text.truncate(width, overflow="ellipsis")
    text.pad_right(width - text.cell_len)
    return text
