"""The Errors pane: failures grouped by cause, with how often, since when, a trend, and what to
do about each; Enter lists a group's calls in the Requests pane.

The groups are one DuckDB aggregate (``core.errors``) computed in a worker thread; new rows
recompute it at most every two seconds, and only while the pane is shown.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ...core.errors import TREND_BUCKETS, ErrorGroup, ErrorGroups
from ...core.index import Index
from .. import format as fmt
from ..messages import OpenCall, OpenTrace, SearchCalls
from ..safe import safe_text
from ..store_errors import index_worker
from ..widgets.paged_table import Column, PagedTable, Row

REFRESH_INTERVAL = 2.0  # each refresh classifies every failure again
WIDE = 160  # from this width the detail sits beside the table instead of below it
EXAMPLE_LIMIT = 600
SORT_LABELS = {"count": "by count", "recent": "by recency"}
CATEGORY_STYLES = {
    "rate_limit": "yellow", "context_length": "magenta", "auth": "bold red",
    "content_filter": "bright_magenta", "timeout": "cyan", "server": "red",
    "invalid_request": "dark_orange", "connection": "blue", "other": "white",
}


class GroupList:
    """The computed groups as a table source (they are already in memory: one row per group,
    not per failure)."""

    def __init__(self, groups: list[ErrorGroup]) -> None:
        self.groups = groups

    def count(self) -> int:
        return len(self.groups)

    def page(self, offset: int, limit: int) -> list[Row]:
        return [{"group": group} for group in self.groups[offset:offset + limit]]


def group_columns(mask: Any) -> list[Column]:
    """Cells read ``mask`` at draw time, so ``m`` needs only a redraw."""

    def group(row: Row) -> ErrorGroup:
        return row["group"]

    def category(row: Row) -> Text:
        name = group(row).category
        return Text(name, CATEGORY_STYLES.get(name, ""))

    def trend(row: Row) -> Text:
        return Text(fmt.sparkline(group(row).trend), CATEGORY_STYLES.get(group(row).category, ""))

    return [
        Column("count", "count", 6, lambda r: Text(fmt.count(group(r).count)), priority=9,
               right=True),
        Column("category", "category", 15, category, priority=9),
        Column("trend", "trend", TREND_BUCKETS, trend, priority=7),
        Column("last", "last seen", 11, lambda r: Text(fmt.local_time(group(r).last_seen)),
               priority=8),
        Column("models", "models", 18, lambda r: safe_text(", ".join(group(r).models) or "—",
                                                            "cyan", mask=mask), priority=2),
        Column("signature", "signature", 20,
               lambda r: safe_text(group(r).signature, mask=mask), flex=True),
    ]


def describe(group: ErrorGroup, mask: Any) -> Text:
    """The detail of one group: counts, times, models, the suggestion, docs and an example."""
    text = Text()
    text.append(group.category, "bold " + CATEGORY_STYLES.get(group.category, ""))
    spans = group.count - group.calls
    what = f"{group.count:,} failures" if group.count != 1 else "1 failure"
    if spans:
        what += f" ({group.calls:,} calls, {spans:,} error spans)"
    text.append(f"  {what} · first {fmt.local_time(group.first_seen)} · last "
                f"{fmt.local_time(group.last_seen)}\n", "dim")
    if group.models or group.providers:
        text.append("models ", "dim")
        text.append_text(safe_text(", ".join(group.models) or "—", "cyan", mask=mask))
        if group.providers:
            text.append_text(safe_text(" · " + ", ".join(group.providers), "dim", mask=mask))
        text.append("\n")
    text.append("fix ", "bold green")
    text.append_text(safe_text(group.suggestion, one_line=False, mask=mask))
    text.append("\n")
    if group.doc_url:
        text.append("docs ", "dim")
        text.append(group.doc_url, f"underline link {group.doc_url}")
        text.append("\n")
    text.append_text(example(group, mask))
    return text


def example(group: ErrorGroup, mask: Any) -> Text:
    """The latest failure of the group: when, which model, and its message as logged."""
    found = group.example
    text = Text("example ", "dim")
    text.append(fmt.local_time(found.get("ts")))
    if found.get("model"):
        text.append(" ")
        text.append_text(safe_text(found["model"], "cyan", mask=mask))
    if found.get("error_type"):
        text.append(" ")
        text.append_text(safe_text(found["error_type"], "red", mask=mask))
    opens = "the call" if found.get("kind") == "call" else "its trace"
    text.append(f"  (o opens {opens})\n", "dim")
    text.append_text(safe_text(found.get("error_message") or "(no message)", "italic",
                               one_line=False, limit=EXAMPLE_LIMIT, mask=mask))
    return text


class ErrorsPane(Vertical):
    """Groups sorted by count or recency (``s``); Enter lists a group's calls, ``o`` opens its
    example."""

    BINDINGS = [
        Binding("s", "toggle_sort", "Sort"),
        Binding("o", "open_example", "Example"),
    ]
    DEFAULT_CSS = """
    ErrorsPane { height: 1fr; }
    ErrorsPane > #errors-bar { height: 1; padding: 0 1; }
    ErrorsPane > #errors-body { height: 1fr; }
    ErrorsPane #error-groups { height: auto; max-height: 55%; min-height: 3; }
    ErrorsPane #error-detail { height: 1fr; padding: 0 1; background: $boost; }
    ErrorsPane #errors-body.wide { layout: horizontal; }
    ErrorsPane #errors-body.wide > #error-groups { width: 1fr; height: 1fr; max-height: 100%; }
    ErrorsPane #errors-body.wide > #error-detail { width: 40%; height: 1fr; }
    """

    def __init__(self, index: Index, mask: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.mask = mask
        self.sort = "count"
        self.groups = ErrorGroups()
        self._stale = False

    def compose(self) -> ComposeResult:
        yield Static(Text("loading…", "dim"), id="errors-bar")
        with Vertical(id="errors-body"):
            yield PagedTable(group_columns(self.mask), empty="no errors: every call succeeded",
                             id="error-groups")
            with VerticalScroll(id="error-detail"):
                yield Static(id="error-detail-text")

    def on_mount(self) -> None:
        # Computed when first shown: a hidden tab should not slow the first screen down.
        self._stale = True
        self.set_interval(REFRESH_INTERVAL, self._refresh_if_stale)

    @property
    def table(self) -> PagedTable:
        return self.query_one("#error-groups", PagedTable)

    def on_resize(self) -> None:
        self.query_one("#errors-body").set_class(self.size.width >= WIDE, "wide")

    # --- data -----------------------------------------------------------------------------

    def reload(self) -> None:
        self._stale = False
        self._load(self.sort)

    @index_worker(exclusive=True, group="error-groups")
    def _load(self, sort: str) -> None:
        groups = self.index.error_groups(sort=sort)
        self.app.call_from_thread(self._loaded, groups, sort)

    def _loaded(self, groups: ErrorGroups, sort: str) -> None:
        if sort != self.sort:
            return  # a newer order is on its way
        self.groups = groups
        self.table.set_source(GroupList(groups.groups), keep_position=True)
        self.query_one("#errors-bar", Static).update(self.summary())
        self.show_detail()

    def data_changed(self) -> None:
        """New rows landed: refresh within two seconds, and only while the pane is shown."""
        self._stale = True

    def _refresh_if_stale(self) -> None:
        if self._stale and self.is_on_screen:
            self.reload()

    def on_show(self) -> None:
        self._refresh_if_stale()

    def refresh_masking(self) -> None:
        self.show_detail()

    # --- what is shown --------------------------------------------------------------------

    def summary(self) -> Text:
        groups = self.groups
        failures = sum(group.count for group in groups.groups)
        line = Text(f"{groups.total:,} groups · {failures:,} failures", "bold")
        line.append(f" · {SORT_LABELS[self.sort]} (s)", "dim")
        start, end = groups.window
        if start is not None and end is not None:
            line.append(f" · {fmt.local_time(start)} → {fmt.local_time(end)}", "dim")
        return line

    @property
    def current(self) -> ErrorGroup | None:
        index = self.table.cursor_row
        groups = self.groups.groups
        return groups[index] if 0 <= index < len(groups) else None

    def show_detail(self) -> None:
        group = self.current
        detail = self.query_one("#error-detail-text", Static)
        detail.update(describe(group, self.mask) if group else Text())
        self.query_one("#error-detail").display = group is not None

    @on(PagedTable.CursorMoved, "#error-groups")
    def _moved(self, event: PagedTable.CursorMoved) -> None:
        self.show_detail()

    # --- keys -----------------------------------------------------------------------------

    def action_toggle_sort(self) -> None:
        self.sort = "recent" if self.sort == "count" else "count"
        self.reload()
        self.notify(f"error groups sorted {SORT_LABELS[self.sort]}", timeout=1.5)

    @on(PagedTable.RowSelected, "#error-groups")
    def _selected(self, event: PagedTable.RowSelected) -> None:
        group: ErrorGroup = event.row["group"]
        if group.calls:
            self.post_message(SearchCalls(group.query))
        else:
            self.notify("these failures are error spans, not calls: o opens the latest one's "
                        "trace", timeout=4)

    def action_open_example(self) -> None:
        group = self.current
        if group is None:
            return
        found = group.example
        if found.get("kind") == "call":
            self.post_message(OpenCall(found["ref"]))
        elif found.get("trace_id"):
            self.post_message(OpenTrace(found["trace_id"]))
