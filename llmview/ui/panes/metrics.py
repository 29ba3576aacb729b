"""The Metrics pane: calls, errors, latency percentiles, tokens and cost per model (or provider,
app, user, session, operation) over a window or a search's time range, with charts over time.

Every figure is a DuckDB aggregate (``core.metrics``) computed in a worker thread; the table
pages its groups like any other table, so grouping a million calls by session stays cheap.
Enter on a row lists that group's calls in the Requests pane.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import Static

from ...core.config import ConfigError
from ...core.index import Index
from ...core.metrics import GROUPS, WINDOWS, MetricsView, Series, discrepancy
from ...core.pricing import PriceBook, default_price_book
from .. import format as fmt
from ..messages import SearchCalls
from ..safe import notify_literally, safe_text
from ..store_errors import index_worker
from ..widgets.bar_chart import BarChart
from ..widgets.paged_table import Column, PagedTable, Row
from ..widgets.query_bar import QueryBar

DEFAULT_WINDOW = "24h"
# New rows redraw the figures at most once a second: each redraw aggregates every call in scope.
REFRESH_INTERVAL = 1.0
UNPRICED_LISTED = 4


def group_columns(mask: Any, group: str) -> list[Column]:
    """The group table's columns, the first titled by the grouping; the totals row is bold.
    Cells read ``mask`` at draw time, so ``m`` needs only a redraw."""

    def name(row: Row) -> Text:
        if row["is_total"]:
            return Text("total", "bold")
        if row["name"] is None:
            return Text("(none)", "dim italic")
        return safe_text(row["name"], "cyan", mask=mask)

    def figure(render: Callable[[Row], str], style: Callable[[Row], str] = lambda r: "") \
            -> Callable[[Row], Text]:
        return lambda row: Text(render(row), "bold" if row["is_total"] else style(row))

    def error_style(row: Row) -> str:
        return "red" if row["errors"] else "dim"

    def cost_style(row: Row) -> str:
        return "yellow" if row["unpriced"] or discrepancy(row) else ""

    return [
        Column("name", group, 18, name, flex=True),
        Column("calls", "calls", 6, figure(lambda r: fmt.count(r["calls"])), priority=9,
               right=True),
        Column("errors", "err%", 6, figure(lambda r: fmt.percent(r["error_rate"]), error_style),
               priority=8, right=True),
        Column("p50", "p50", 6, figure(lambda r: fmt.duration(r["latency_ms_p50"])),
               priority=6, right=True),
        Column("p95", "p95", 6, figure(lambda r: fmt.duration(r["latency_ms_p95"])),
               priority=8, right=True),
        Column("p99", "p99", 6, figure(lambda r: fmt.duration(r["latency_ms_p99"])),
               priority=4, right=True),
        Column("ttft", "ttft50", 6, figure(lambda r: fmt.duration(r["ttft_ms_p50"])),
               priority=2, right=True),
        Column("ttft95", "ttft95", 6, figure(lambda r: fmt.duration(r["ttft_ms_p95"])),
               priority=1, right=True),
        Column("in", "in", 6, figure(lambda r: fmt.count(r["input_tokens"])), priority=5,
               right=True),
        Column("out", "out", 6, figure(lambda r: fmt.count(r["output_tokens"])), priority=5,
               right=True),
        Column("tps", "tok/s", 5, figure(lambda r: _rate(r["output_tokens_per_s"])), priority=1,
               right=True),
        Column("cost", "cost", 10, figure(lambda r: fmt.cost_cell(
            r["cost_usd"], r["unpriced"], discrepancy(r)), cost_style), priority=8, right=True),
    ]


class GroupSource:
    """The view's groups for the table, reporting the totals row (the first row of the first
    page) when it arrives, so the pane can explain its cost marks."""

    def __init__(self, view: MetricsView, on_totals: Callable[[Row], None]) -> None:
        self.view = view
        self.on_totals = on_totals

    def count(self) -> int:
        return self.view.count()

    def page(self, offset: int, limit: int) -> list[Row]:
        rows = self.view.page(offset, limit)
        if offset == 0 and rows:
            self.on_totals(rows[0])
        return rows


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def selector(key: str, choices: list[str], active: str) -> Text:
    """``w 1h 24h 7d all`` with the active choice highlighted."""
    line = Text()
    line.append(key, "bold")
    for choice in choices:
        line.append(f" {choice} ", "reverse bold" if choice == active else "")
    return line


def range_text(view: MetricsView, series: Series | None) -> Text:
    """Where the charts' time axis starts and ends, and what one bar is."""
    span = view.range
    if series is None or span.since is None or span.until is None:
        return Text("no calls in this range", "dim")
    source = {"query": "the search's range", "all": "every call"}.get(
        span.source, f"the last {span.source} to the newest call")
    dated = span.until - span.since >= timedelta(days=1)
    return Text(f"{_clock(span.since, dated)} → {_clock(span.until, dated)}   one bar = "
                f"{_step(series)}   ({source})", "dim")


def _clock(ts: datetime, dated: bool) -> str:
    """A naive-UTC time in the local zone, with the date when the range spans days."""
    local = ts.replace(tzinfo=timezone.utc).astimezone()
    return local.strftime("%m-%d %H:%M" if dated else "%H:%M:%S")


def _step(series: Series) -> str:
    seconds = int(series.step.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class MetricsPane(Vertical):
    """Figures per group for a window (``w``) and a grouping (``b``), filtered by a search."""

    BINDINGS = [
        Binding("w", "next_window", "Window"),
        Binding("b", "next_group", "Group by"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape", "focus_table", "Table", show=False),
    ]
    DEFAULT_CSS = """
    MetricsPane { height: 1fr; }
    MetricsPane > #metrics-bar { height: 1; padding: 0 1; }
    MetricsPane > PagedTable { height: auto; max-height: 45%; min-height: 4; }
    MetricsPane > #metrics-note { height: auto; max-height: 2; padding: 0 1; }
    MetricsPane > #metrics-charts {
        grid-size: 2 2; grid-gutter: 0 2; height: 1fr; min-height: 6; padding: 0 1;
    }
    MetricsPane > #metrics-axis { height: 1; padding: 0 1; }
    """

    def __init__(self, index: Index, mask: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.mask = mask
        self.query_text = ""
        self.window = DEFAULT_WINDOW
        self.group = "model"
        self.view = index.metrics("", self.window, self.group)
        self.unpriced: list[dict[str, Any]] = []
        self._totals_row: Row | None = None  # the first row, as soon as its page loads
        self._buckets = 0  # chart buckets last asked for
        self._prices: PriceBook | None = None  # config.toml's overrides, read on mount
        self._stale = False

    def compose(self) -> ComposeResult:
        yield QueryBar(self.index.compile, "filter  model:gpt-4o app:rag since:2h  (? for the "
                       "syntax)", id="metrics-filter")
        yield Static(id="metrics-bar")
        yield PagedTable(group_columns(self.mask, self.group), empty="no calls in this range",
                         id="metrics-table")
        yield Static(id="metrics-note")
        with Grid(id="metrics-charts"):
            yield BarChart("calls", lambda v: fmt.count(None if v is None else int(v)), "cyan",
                           id="chart-calls")
            yield BarChart("p95 latency", fmt.duration, "yellow", id="chart-latency")
            yield BarChart("tokens", lambda v: fmt.count(None if v is None else int(v)),
                           "green", id="chart-tokens")
            yield BarChart("cost", fmt.money, "magenta", id="chart-cost")
        yield Static(id="metrics-axis")

    def on_mount(self) -> None:
        try:
            self._prices = default_price_book()
        except ConfigError as exc:
            self._prices = PriceBook()
            notify_literally(self.app, f"{exc}; costs use list prices only")
        self.set_interval(REFRESH_INTERVAL, self._refresh_if_stale)
        self.apply()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#metrics-table", PagedTable)

    # --- what is shown ----------------------------------------------------------------------

    def apply(self, *, keep_position: bool = False) -> None:
        """Recompute everything for the current filter, window and grouping."""
        self._stale = False
        self._totals_row = None
        self.view = self.index.metrics(self.query_text, self.window, self.group,
                                       prices=self._prices)
        ranged = self.view.compiled.since or self.view.compiled.until
        bar = selector("w", list(WINDOWS), "" if ranged else self.window)
        bar.append("   ")
        bar.append_text(selector("b", list(GROUPS), self.group))
        self.query_one("#metrics-bar", Static).update(bar)
        view = self.view
        source = GroupSource(view, lambda row: self.app.call_from_thread(self._totals, view, row))
        self.table.columns = group_columns(self.mask, self.group)
        self.table.set_source(source, keep_position=keep_position)
        self._reload_charts()

    def _reload_charts(self) -> None:
        """Fetch the series with one bucket per chart column (the charts are two abreast)."""
        if not self.size.width:
            return  # not laid out yet: the first resize comes next and loads them
        self._buckets = max(8, (self.size.width - 4) // 2)
        self._load_charts(self.view, self._buckets)

    def on_resize(self) -> None:
        if max(8, (self.size.width - 4) // 2) != self._buckets:
            self._reload_charts()

    @index_worker(exclusive=True, group="metrics-charts")
    def _load_charts(self, view: MetricsView, buckets: int) -> None:
        series = view.series(buckets)
        unpriced = view.unpriced(UNPRICED_LISTED + 1)
        self.app.call_from_thread(self._show_charts, view, series, unpriced)

    def _show_charts(self, view: MetricsView, series: Series | None,
                     unpriced: list[dict[str, Any]]) -> None:
        if view is not self.view:
            return  # a newer filter, window or grouping is on its way
        self.unpriced = unpriced
        buckets = series.buckets if series else []

        def pick(key: str) -> list[float | None]:
            return [b[key] for b in buckets]

        tokens = [None if b["input_tokens"] is None and b["output_tokens"] is None
                  else (b["input_tokens"] or 0) + (b["output_tokens"] or 0) for b in buckets]
        self.query_one("#chart-calls", BarChart).set_data(pick("calls"), pick("errors"))
        self.query_one("#chart-latency", BarChart).set_data(pick("latency_p95"))
        self.query_one("#chart-tokens", BarChart).set_data(tokens)
        self.query_one("#chart-cost", BarChart).set_data(pick("cost_usd"))
        self.query_one("#metrics-axis", Static).update(range_text(view, series))
        self._show_note()

    def _totals(self, view: MetricsView, row: Row) -> None:
        if view is self.view:
            self._totals_row = row
            self._show_note()

    def _show_note(self) -> None:
        """Explain the highlighted row, once it is loaded (the totals row may be known before
        its page is stored, and the unpriced list arrives with the charts, in either order)."""
        table = self.table
        row = table.cursor_value or (self._totals_row if table.cursor_row == 0 else None)
        if row is None:
            return  # a row still loading is explained when it arrives
        note = self.note(row)
        box = self.query_one("#metrics-note", Static)
        box.update(note)
        box.display = bool(note)

    def note(self, row: Row) -> Text:
        """What a row's cost marks mean: which calls are unpriced (on the totals row, for which
        models) and how far the logged cost is from the list price."""
        line = Text()
        if row["unpriced"]:
            line.append(f"+? {row['unpriced']:,} unpriced", "yellow")
            if row["is_total"] and self.unpriced:
                line.append(": ")
                for n, item in enumerate(self.unpriced[:UNPRICED_LISTED]):
                    line.append(", " if n else "")
                    line.append_text(safe_text(item["model"] or "(no model)", "cyan",
                                               mask=self.mask))
                    line.append(f" ×{item['calls']:,}")
                if len(self.unpriced) > UNPRICED_LISTED:
                    line.append(", …")
            line.append(' · set [prices."NAME"] in config.toml', "dim")
        if discrepancy(row):
            line.append("\n" if line else "")
            line.append(f"≠ logged {fmt.money(row['logged_usd'])} but list price "
                        f"{fmt.money(row['listed_usd'])} for the same calls", "yellow")
        return line

    def refresh_masking(self) -> None:
        """The mask was toggled: the note names models (the table redraws by itself)."""
        self._show_note()

    # --- new data -------------------------------------------------------------------------

    def data_changed(self) -> None:
        """New rows landed: refresh within a second, and only while the pane is shown."""
        self._stale = True

    def _refresh_if_stale(self) -> None:
        if self._stale and self.is_on_screen:
            self.apply(keep_position=True)

    def on_show(self) -> None:
        self._refresh_if_stale()

    # --- keys -------------------------------------------------------------------------------

    def action_next_window(self) -> None:
        names = list(WINDOWS)
        self.window = names[(names.index(self.window) + 1) % len(names)]
        self.apply()

    def action_next_group(self) -> None:
        names = list(GROUPS)
        self.group = names[(names.index(self.group) + 1) % len(names)]
        self.apply()

    def action_focus_filter(self) -> None:
        self.query_one(QueryBar).input.focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    @on(QueryBar.Changed, "#metrics-filter")
    def _filtered(self, event: QueryBar.Changed) -> None:
        if event.query != self.query_text:
            self.query_text = event.query
            self.apply()
        if event.submitted:
            self.table.focus()

    @on(PagedTable.CursorMoved, "#metrics-table")
    def _moved(self, _event: PagedTable.CursorMoved) -> None:
        self._show_note()

    @on(PagedTable.RowSelected, "#metrics-table")
    def _open(self, event: PagedTable.RowSelected) -> None:
        query = self.view.search_for(event.row)
        if query is None:
            self.notify(f"the search cannot select calls without a {self.group}", timeout=3)
            return
        name = event.row["name"]
        if name is not None and getattr(self.mask, "enabled", False) \
                and self.mask.mask_text(str(name)) != str(name):
            # the search box shows what it searches for: it would print the masked value
            self.notify(f"this {self.group} is masked: press m to unmask, then Enter",
                        timeout=4)
            return
        self.post_message(SearchCalls(query))
