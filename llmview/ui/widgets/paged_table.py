"""A table that shows a million rows as cheaply as ten: it asks its source for the pages that are
on screen, in a worker thread, and renders only the visible lines (Textual's line API).

Rows that are not loaded yet render as a dim placeholder for the few milliseconds the page takes;
the UI never waits on the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..store_errors import index_worker

PAGE_ROWS = 100
MAX_CACHED_PAGES = 64

Row = dict[str, Any]


class PageSource(Protocol):
    """Where a table's rows come from: a count and pages, both safe to call from a thread."""

    def count(self) -> int: ...

    def page(self, offset: int, limit: int) -> list[Row]: ...


@dataclass(frozen=True)
class Column:
    """One column: how wide, how to draw a cell, and how soon it is dropped when narrow
    (higher ``priority`` stays longer; the ``flex`` column takes the remaining width)."""

    key: str
    title: str
    width: int
    cell: Callable[[Row], Text]
    priority: int = 5
    flex: bool = False
    right: bool = False
    sort: str | None = None  # the source's sort key for this column, if sortable


def fit_columns(columns: list[Column], width: int) -> list[tuple[Column, int]]:
    """The columns that fit ``width`` (one space between them), lowest priority dropped first;
    the flex column gets what is left."""
    chosen = list(columns)
    while True:
        fixed = sum(c.width for c in chosen if not c.flex) + max(0, len(chosen) - 1)
        flex = [c for c in chosen if c.flex]
        min_flex = sum(c.width for c in flex)
        if fixed + min_flex <= width or len(chosen) <= 1:
            break
        victim = min((c for c in chosen if not c.flex), key=lambda c: c.priority, default=None)
        if victim is None:
            break
        chosen.remove(victim)
    fixed = sum(c.width for c in chosen if not c.flex) + max(0, len(chosen) - 1)
    spare = max(0, width - fixed)
    flex_count = sum(1 for c in chosen if c.flex) or 1
    return [(c, spare // flex_count if c.flex else c.width) for c in chosen]


class PagedTable(ScrollView, can_focus=True):
    """Rows from a ``PageSource``; a cursor row; Enter posts ``RowSelected``."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=True),
    ]

    DEFAULT_CSS = """
    PagedTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--cursor { background: $accent 40%; }
    PagedTable:focus > .paged-table--cursor { background: $accent 70%; }
    PagedTable > .paged-table--placeholder { color: $text-muted; }
    """
    COMPONENT_CLASSES = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--placeholder",
    }

    cursor_row: reactive[int] = reactive(0)
    row_count: reactive[int] = reactive(0)

    class RowSelected(Message):
        def __init__(self, table: PagedTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> PagedTable:
            return self.table

    class CursorMoved(Message):
        def __init__(self, table: PagedTable, index: int) -> None:
            super().__init__()
            self.table = table
            self.index = index

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, columns: list[Column], source: PageSource | None = None, *,
                 empty: str = "nothing here", name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = columns
        self.source = source
        self.empty = empty
        self._pages: dict[int, list[Row]] = {}
        self._stale: dict[int, list[Row]] = {}  # shown until their fresh copies arrive
        self._loading: set[int] = set()
        self._reload_when_shown = False  # new data arrived while hidden (another tab)
        # What names a row across reloads (None: rows have no identity): a live reload keeps
        # the cursor on the same row, not the same index, while new rows land above it.
        self.identity: Callable[[Row], Any] | None = None
        self._anchor: Any = None  # the identity of the cursor's row when a reload began
        self._generation = 0
        # While old rows stand in, the fresh count and the fresh rows in view are drawn
        # together, in one frame: the count alone would cost a frame that shows nothing new.
        self._together = False
        self._counted_yet = True  # the count of this generation has arrived
        self._held_count: int | None = None  # arrived before the rows in view
        self.sort_key: str | None = None
        self.sort_desc = True

    # --- data -----------------------------------------------------------------------------

    def set_source(self, source: PageSource, *, keep_position: bool = False) -> None:
        """Show another query's rows (or, keeping the position, the same query's after new
        data arrived)."""
        self.source = source
        self.reload(keep_position=keep_position, keep_rows=keep_position)

    def reload(self, *, keep_position: bool = True, keep_rows: bool = True) -> None:
        """Fetch again. With ``keep_rows`` the rows on screen stay drawn until their fresh
        pages arrive, so live updates do not flash placeholders (not when the rows are another
        query's); without ``keep_position`` the view goes to the top (following the newest).
        A table on a hidden tab only notes it, and fetches when shown: live data would
        otherwise cost every hidden list a count query on every redraw."""
        if keep_position and self.is_mounted and not self.is_on_screen:
            self._reload_when_shown = True
            return
        self._reload_when_shown = False
        self._generation += 1
        cursor = self.cursor_value if keep_position and self.identity is not None else None
        self._anchor = None if cursor is None else self.identity(cursor)  # type: ignore[misc]
        self._stale = self._pages if keep_rows else {}
        self._pages = {}
        self._loading.clear()
        self._together, self._counted_yet, self._held_count = bool(self._stale), False, None
        top = self.scroll_offset.y
        if not keep_position:
            self.cursor_row = top = 0
            self.scroll_to(y=0, animate=False)
        self._count(self._generation)
        if self.is_on_screen:  # the pages in view now, beside the count, not at the next frame
            for page_no in range(top // PAGE_ROWS, (top + self.size.height) // PAGE_ROWS + 1):
                self._want_page(page_no)
        if not self._together:
            self.refresh()  # placeholders; old rows standing in look the same until replaced

    @index_worker(group="table-count")
    def _count(self, generation: int) -> None:
        if self.source is None:
            return
        count = self.source.count()
        self.app.call_from_thread(self._counted, generation, count)

    def _counted(self, generation: int, count: int) -> None:
        if generation != self._generation:
            return
        self._counted_yet = True
        if self._together and self._loading:
            self._held_count = count  # drawn with the rows in view (_page_loaded)
            return
        self.row_count = count
        self.refresh()  # also draws rows in view that arrived first and waited for the count

    def watch_row_count(self, count: int) -> None:
        self.virtual_size = Size(self.size.width, count + 1)  # + the header line
        if self.cursor_row >= count:
            anchor = self._anchor  # fewer rows is not the reader moving: keep following
            self.cursor_row = max(0, count - 1)
            self._anchor = anchor
        self.refresh()

    def row_at(self, index: int) -> Row | None:
        page = self._pages.get(index // PAGE_ROWS)
        if page is None:
            page = self._stale.get(index // PAGE_ROWS)
        if page is None:
            return None
        offset = index % PAGE_ROWS
        return page[offset] if offset < len(page) else None

    @property
    def cursor_value(self) -> Row | None:
        return self.row_at(self.cursor_row)

    def _want_page(self, page_no: int) -> None:
        if page_no in self._pages or page_no in self._loading or self.source is None:
            return
        self._loading.add(page_no)
        self._load_page(self._generation, page_no)

    @index_worker(group="table-page")
    def _load_page(self, generation: int, page_no: int) -> None:
        if self.source is None:
            return
        rows = self.source.page(page_no * PAGE_ROWS, PAGE_ROWS)
        self.app.call_from_thread(self._page_loaded, generation, page_no, rows)

    def _page_loaded(self, generation: int, page_no: int, rows: list[Row]) -> None:
        if generation != self._generation:
            return
        self._loading.discard(page_no)
        if len(self._pages) >= MAX_CACHED_PAGES:
            visible = self.scroll_offset.y // PAGE_ROWS
            farthest = max(self._pages, key=lambda p: abs(p - visible))
            del self._pages[farthest]
        self._pages[page_no] = rows
        self._stale.pop(page_no, None)
        if self._held_count is not None and not self._loading:
            self.row_count, self._held_count = self._held_count, None
        if self._anchor is not None and page_no == self.cursor_row // PAGE_ROWS:
            self._follow_anchor(page_no, rows)
        if self._counted_yet or not self._together:
            self.refresh()

    def _follow_anchor(self, page_no: int, rows: list[Row]) -> None:
        """Move the cursor, and the view with it, to where the row it was on now is (rows that
        arrived above pushed it down); a row that left the page leaves the cursor be."""
        anchor, self._anchor = self._anchor, None
        assert self.identity is not None
        found = next((n for n, row in enumerate(rows) if self.identity(row) == anchor), None)
        if found is None:
            return
        shift = page_no * PAGE_ROWS + found - self.cursor_row
        if shift:
            self.scroll_to(y=self.scroll_offset.y + shift, animate=False)
            self.cursor_row += shift

    # --- drawing --------------------------------------------------------------------------

    def on_show(self) -> None:
        if self._reload_when_shown:
            self.reload()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.row_count + 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # less the scrollbar
        if y == 0:
            return self._header(width)
        index = self.scroll_offset.y + y - 1
        if self.row_count == 0 and y == 1:
            return Strip([Segment(self.empty.ljust(width)[:width],
                                  self.get_component_rich_style("paged-table--placeholder"))])
        if index >= self.row_count:
            return Strip.blank(width, self.rich_style)
        if index // PAGE_ROWS not in self._pages:
            self._want_page(index // PAGE_ROWS)
        row = self.row_at(index)
        if row is None:
            return Strip([Segment("…".ljust(width),
                                  self.get_component_rich_style("paged-table--placeholder"))])
        line = self._row_text(row, width)
        if index == self.cursor_row:
            line.stylize(self.get_component_rich_style("paged-table--cursor"))
        return Strip(line.render(self.app.console), width).adjust_cell_length(width)

    def _header(self, width: int) -> Strip:
        header = Text(no_wrap=True)
        for n, (column, cell_width) in enumerate(fit_columns(self.columns, width)):
            if n:
                header.append(" ")
            title = column.title
            if column.sort is not None and column.sort == self.sort_key:
                title += " ▼" if self.sort_desc else " ▲"
            header.append(_fit(Text(title), cell_width, column.right))
        header.stylize(self.get_component_rich_style("paged-table--header"))
        return Strip(header.render(self.app.console), width).adjust_cell_length(
            width, self.get_component_rich_style("paged-table--header"))

    def _row_text(self, row: Row, width: int) -> Text:
        line = Text(no_wrap=True, end="")
        for n, (column, cell_width) in enumerate(fit_columns(self.columns, width)):
            if n:
                line.append(" ")
            line.append(_fit(column.cell(row), cell_width, column.right))
        return line

    def column_at(self, x: int) -> Column | None:
        """The column drawn at screen column ``x`` (for sorting by a header click)."""
        position = 0
        for column, cell_width in fit_columns(self.columns, self.scrollable_content_region.width):
            if position <= x < position + cell_width + 1:
                return column
            position += cell_width + 1
        return None

    # --- the header takes one line of the viewport ---------------------------------------

    @property
    def _page_height(self) -> int:
        return max(1, self.size.height - 1)

    def watch_cursor_row(self, old: int, new: int) -> None:
        # A reader who moved the cursor while a reload was in flight left the row it was on:
        # the fresh page must not pull the cursor back to it (_follow_anchor clears it first).
        self._anchor = None
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + self._page_height:
            self.scroll_to(y=new - self._page_height + 1, animate=False)
        self.refresh()
        self.post_message(self.CursorMoved(self, new))

    # --- keys -----------------------------------------------------------------------------

    def _move(self, delta: int) -> None:
        if self.row_count:
            self.cursor_row = max(0, min(self.row_count - 1, self.cursor_row + delta))

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-self._page_height)

    def action_page_down(self) -> None:
        self._move(self._page_height)

    def action_first(self) -> None:
        self._move(-self.row_count)

    def action_last(self) -> None:
        self._move(self.row_count)

    def action_select(self) -> None:
        row = self.cursor_value
        if row is not None:
            self.post_message(self.RowSelected(self, row))

    def on_click(self, event: Any) -> None:
        if event.y == 0:
            return  # header clicks are handled by the pane that knows how to sort
        index = self.scroll_offset.y + event.y - 1
        if 0 <= index < self.row_count:
            if index == self.cursor_row and getattr(event, "chain", 1) >= 2:
                self.action_select()
            self.cursor_row = index


def _fit(text: Text, width: int, right: bool) -> Text:
    """``text`` cut or padded to exactly ``width`` cells."""
    text = text.copy()
    text.no_wrap = True
    text.truncate(width, overflow="ellipsis")
    padding = width - text.cell_len
    if padding > 0:
        text = Text.assemble(" " * padding, text) if right else Text.assemble(text,
                                                                              " " * padding)
    return text

