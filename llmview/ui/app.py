"""The Textual app: a status line, the panes in tabs, and the indexer running beside them.

The app never waits on the index: the first index and the tailing run in workers, panes ask for
pages in worker threads, and new data redraws the visible page at most ten times a second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from ..core.index import Index
from .messages import OpenCall, OpenSession, OpenTrace, SearchCalls
from .panes.errors import ErrorsPane
from .panes.metrics import MetricsPane
from .panes.problems import ProblemsPane
from .panes.requests import RequestsPane
from .panes.sessions import SessionsPane
from .panes.traces import TracesPane
from .safe import notify_literally
from .screens.help import HelpScreen
from .store_errors import index_worker
from .throttle import Throttle
from .widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from ..core.ingest import Progress

# At most twenty redraws a second however fast lines arrive. Live passes come about every
# 110 ms at 1,000 lines/s: at 0.1 s most of them found the last redraw too recent and waited
# for the next tick, adding up to 100 ms between a pass's end and the screen (bench/soak.py).
REDRAW_INTERVAL = 0.05
# The header's totals count whole tables: twice a second is soon enough for a reader, and
# spares a live pass's redraw that work and a frame of its own (bench/soak.py).
COUNTS_INTERVAL = 0.5

# The tabs in order: (tab id, title, pane class). Keys 1..6 follow this order.
TABS: list[tuple[str, str, type]] = [
    ("requests", "Requests", RequestsPane),
    ("traces", "Traces", TracesPane),
    ("errors", "Errors", ErrorsPane),
    ("metrics", "Metrics", MetricsPane),
    ("sessions", "Sessions", SessionsPane),
    ("problems", "Problems", ProblemsPane),
]


def freeze_startup_heap() -> None:
    """Move what startup built (modules, Textual's widgets and styles, about 80k objects) out
    of the collector's reach. Those objects live as long as the app, yet every full
    collection walked them again: one every 2 s while tailing, 50-90 ms each with every
    thread stopped, which delayed both the indexer's passes and the redraws."""
    gc.collect()  # what is garbage now is freed, not frozen
    gc.freeze()


class LlmviewApp(App[None]):
    TITLE = "llmview"
    AUTO_FOCUS = "#calls"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("m", "toggle_mask", "Mask"),
        Binding("e", "export", "Export", show=False),
        Binding("p", "toggle_pause", "Pause", show=False),
        *(Binding(str(n), f"show_tab('tab-{tab}')", title, show=False)
          for n, (tab, title, _) in enumerate(TABS, start=1)),
    ]
    CSS = """
    TabbedContent { height: 1fr; }
    TabPane { padding: 0; }
    """

    def __init__(self, index: Index, masker: Any, *, poll: bool = False,
                 watch: bool = True) -> None:
        super().__init__()
        self.index = index
        self.masker = masker
        self.poll = poll
        self.watching = watch
        self.paused = False
        self._redraw = Throttle(REDRAW_INTERVAL, self._redraw_now, hold=lambda: self.paused)
        self._counts = Throttle(COUNTS_INTERVAL, self._update_counts)
        self._stop = threading.Event()  # ends the tailing thread

    def compose(self) -> ComposeResult:
        yield StatusBar(self.index.paths, id="status")
        with TabbedContent(id="tabs"):
            for tab, title, pane in TABS:
                with TabPane(title, id=f"tab-{tab}"):
                    yield pane(self.index, self.masker, id=f"{tab}-pane")
        yield Footer()

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.masked = self.masker.enabled
        if self.index.notice:
            notify_literally(self, self.index.notice)
        # Later notices (a damaged index replaced and filled again) come from worker threads;
        # notify is thread-safe.
        self.index.on_notice = functools.partial(notify_literally, self)
        self.set_interval(REDRAW_INTERVAL, self._redraw.tick)
        self.set_interval(COUNTS_INTERVAL, self._counts.tick)
        self._index_then_tail()

    # --- indexing -------------------------------------------------------------------------

    @work(exclusive=True, group="indexer")
    async def _index_then_tail(self) -> None:
        status = self.query_one(StatusBar)
        status.state = "indexing"
        started = time.monotonic()

        def progress(p: Progress) -> None:
            self.call_from_thread(self._progress, p, started)

        try:
            await asyncio.to_thread(self.index.refresh, on_batch=progress)
        except Exception as exc:  # noqa: BLE001 - shown, and the app stays usable
            status.state = "error"
            notify_literally(self, f"indexing failed: {exc}", "error")
            return
        status.progress = None
        status.state = "paused" if self.paused else "live"
        self._redraw.due = True
        freeze_startup_heap()
        if not self.watching:
            return
        loop = asyncio.get_running_loop()

        def on_loop(callback: Callable[..., None], *args: Any) -> None:
            """From the tailing thread: hand over, never wait."""
            with contextlib.suppress(RuntimeError):  # the loop closed: the app has ended
                loop.call_soon_threadsafe(callback, *args)

        try:
            await asyncio.to_thread(self.index.watch, lambda _: on_loop(self._tailed),
                                    self._stop, poll=self.poll,
                                    on_error=lambda exc: on_loop(self._tail_failed, exc))
        except Exception as exc:  # noqa: BLE001
            status.state = "error"
            notify_literally(self, f"tailing stopped: {exc}", "error")

    def _tailed(self) -> None:
        """A pass stored new lines: after failed ones, the status says so again."""
        if not self.is_running:
            return
        status = self.query_one(StatusBar)
        if status.state == "error":
            status.state = "paused" if self.paused else "live"
            notify_literally(self, "tailing caught up again", "information")
        self._mark_dirty()

    def _tail_failed(self, exc: Exception) -> None:
        """A pass could not be stored; tailing goes on and reads its lines again. Said once
        until a pass succeeds, not at every retry."""
        if not self.is_running:
            return
        status = self.query_one(StatusBar)
        if status.state != "error":
            status.state = "error"
            notify_literally(self, f"new lines not stored yet: {exc}", "error")

    def _progress(self, p: Progress, started: float) -> None:
        status = self.query_one(StatusBar)
        done = p.bytes_done / p.bytes_total if p.bytes_total else 1.0
        elapsed = time.monotonic() - started
        eta = elapsed / done - elapsed if done > 0 else 0.0
        status.progress = (min(done, 1.0), p.lines_per_second, max(0.0, eta))
        self._redraw.due = True

    def _mark_dirty(self) -> None:
        """New rows: redrawn at once when the last redraw is old enough, else on the timer's
        next tick (at most 20 redraws a second). Not once shutting down: the tailing thread's
        last pass can end after the widgets went."""
        if self.is_running:
            self._redraw.ask()

    def _redraw_now(self) -> None:
        self._counts.ask()
        for _, _, kind in TABS:
            for pane in self.query(kind):
                pane.data_changed()
        data_changed = getattr(self.screen, "data_changed", None)  # e.g. a trace still growing
        if data_changed is not None:
            data_changed()

    @index_worker(exclusive=True, group="counts")
    def _update_counts(self) -> None:
        counts = self.index.counts()
        self.call_from_thread(self._show_counts, counts)

    def _show_counts(self, counts: dict[str, int]) -> None:
        if not self.is_running:
            return  # counted while the app was shutting down
        status = self.query_one(StatusBar)
        status.calls, status.errors, status.problems = (counts["calls"], counts["errors"],
                                                         counts["problems"])

    def on_unmount(self) -> None:
        self._stop.set()  # the tailing thread is not cancelled with the worker awaiting it
        gc.unfreeze()  # the heap frozen at startup may be collected again once the app ends

    async def action_quit(self) -> None:
        self._stop.set()
        self.exit()

    # --- actions --------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        self._focus_table(tabs.get_pane(tab))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_table(event.pane)

    def _focus_table(self, pane: Any) -> None:
        """Focus the table of the pane now shown; left alone, focus would fall to the first
        focusable widget, which may be in the pane just hidden (and so switch back)."""
        tables = pane.query("PagedTable")
        if tables:
            tables.first().focus()

    def action_toggle_mask(self) -> None:
        self.masker.enabled = not self.masker.enabled
        self.query_one(StatusBar).masked = self.masker.enabled
        panes = [pane for _, _, kind in TABS for pane in self.query(kind)]
        for holder in [*self.screen_stack, *panes]:
            refresh = getattr(holder, "refresh_masking", None)
            if refresh is not None:
                refresh()
        for table in self.query("PagedTable"):
            table.refresh()
        self.notify("personal data masked" if self.masker.enabled
                    else "personal data SHOWN — mask off for this session",
                    severity="information" if self.masker.enabled else "warning")

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused
        status = self.query_one(StatusBar)
        if status.state in ("live", "paused"):
            status.state = "paused" if self.paused else "live"
        if not self.paused:
            self._redraw.due = True

    def action_export(self) -> None:
        pane = self.query_one("#requests-pane", RequestsPane)
        self._export(pane.query_text)

    @index_worker(exclusive=True, group="export")
    def _export(self, query: str) -> None:
        from ..export import export_calls

        target = f"llmview-export-{datetime.now():%Y%m%d-%H%M%S}.jsonl"
        mask = self.masker.mask_json if self.masker.enabled else (lambda value: value)
        count = export_calls(self.index, fmt="jsonl", query=query, out=target, mask=mask)
        masked = "masked" if self.masker.enabled else "UNMASKED"
        self.call_from_thread(self.notify, f"exported {count:,} calls ({masked}) to {target}")

    def on_search_calls(self, message: SearchCalls) -> None:
        self.action_show_tab("tab-requests")
        self.query_one(RequestsPane).search_for(message.query)

    def on_open_call(self, message: OpenCall) -> None:
        from .screens.call import CallScreen

        self.push_screen(CallScreen(message.key))

    def on_open_trace(self, message: OpenTrace) -> None:
        self.open_trace(message.trace_id)

    def open_trace(self, trace_id: str) -> None:
        """Its presence tells the call view to offer ``t`` (jump to the trace)."""
        from .screens.trace import TraceScreen

        self.push_screen(TraceScreen(trace_id))

    def on_open_session(self, message: OpenSession) -> None:
        from .screens.session import SessionScreen

        self.push_screen(SessionScreen(message.session))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Search", "Focus the search box (/)",
                            lambda: self.query_one(RequestsPane).action_focus_search())
        yield SystemCommand("Follow", "Keep the newest call in view (f)",
                            lambda: self.query_one(RequestsPane).action_toggle_follow())
        yield SystemCommand("Sort", "Sort by the next column (s)",
                            lambda: self.query_one(RequestsPane).action_sort_next())
        yield SystemCommand("Mask", "Mask or reveal personal data (m)", self.action_toggle_mask)
        yield SystemCommand("Export", "Export the matching calls as JSONL (e)",
                            self.action_export)
        yield SystemCommand("Pause", "Pause or resume live updates (p)",
                            self.action_toggle_pause)
        for n, (tab, title, _) in enumerate(TABS, start=1):
            yield SystemCommand(title, f"Show the {title} tab ({n})",
                                lambda tab=tab: self.action_show_tab(f"tab-{tab}"))
        yield SystemCommand("Help", "Keys and search syntax (?)", self.action_help)


def run_app(args: argparse.Namespace) -> int:
    """Open the index (errors a user can fix surface before the screen is taken over), then
    run the app until the user quits."""
    from ..cli import index_target, parse_tz
    from ..core.pii import default_masker

    index = Index.open(args.paths, index_path=index_target(args), tz=parse_tz(args.tz))
    app = LlmviewApp(index, default_masker(), poll=args.poll)
    app.run()
    return 0
