"""One trace: the waterfall on top, the span under the cursor in full below. Enter on an LLM span
opens its call (Escape comes back here); a trace still receiving spans is redrawn as they land,
keeping the folds, the zoom and the cursor.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from ...core.trace_tree import SpanNode, TraceTree
from ...core.waterfall import duration_label
from .. import format as fmt
from ..messages import OpenCall, SearchCalls
from ..safe import safe_text
from ..store_errors import index_worker
from ..widgets.span_detail import SpanDetail
from ..widgets.waterfall import CRITICAL_MARK, Waterfall

DETAIL_DELAY = 0.08  # holding an arrow key does not load every span it passes


def trace_header(trace_id: str, summary: dict[str, Any] | None, tree: TraceTree | None,
                 mask: Any) -> Text:
    """``trace 0af7… · POST /ask · rag-api · 2.4s · 6 spans · 1 error · 3 calls …``"""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append("trace ", "dim")
    line.append_text(safe_text(trace_id, "bold"))
    if summary is None or tree is None or not tree.span_count:
        return line
    parts: list[tuple[Any, str]] = [
        (summary.get("root_name"), "bold"), (summary.get("service"), "cyan"),
        (duration_label(tree.duration_ms or 0.0), ""),
        (f"{tree.span_count:,} spans", ""),
    ]
    failed = tree.error_count
    if failed:
        parts.append((f"{failed} failed", "bold red"))
    if summary.get("calls"):
        parts.append((f"{summary['calls']} calls", ""))
    if summary.get("tokens"):
        parts.append((f"{fmt.count(int(summary['tokens']))} tokens", ""))
    if summary.get("cost") is not None:
        parts.append((fmt.money(summary["cost"]), ""))
    for value, style in parts:
        if value:
            line.append(" · ", "dim")
            line.append_text(safe_text(value, style, mask=mask))
    line.append(f"   {CRITICAL_MARK} critical path", "yellow")
    return line


class TraceScreen(Screen[None]):
    AUTO_FOCUS = "#waterfall"
    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("c", "show_calls", "Calls", show=False),
    ]
    DEFAULT_CSS = """
    TraceScreen #trace-header { height: 1; background: $panel; padding: 0 1; }
    TraceScreen #waterfall { max-height: 60%; min-height: 5; }
    TraceScreen #span-detail { height: 1fr; border-top: solid $panel-lighten-2; }
    TraceScreen #no-spans { padding: 1 2; color: $text-muted; display: none; }
    TraceScreen.-empty #no-spans { display: block; }
    TraceScreen.-empty #waterfall, TraceScreen.-empty #span-detail { display: none; }
    """

    def __init__(self, trace_id: str, span_id: str | None = None) -> None:
        """``span_id``: the span to put the cursor on once the trace is loaded."""
        super().__init__()
        self.trace_id = trace_id
        self.start_span = span_id
        self.trace_tree: TraceTree | None = None
        self.summary: dict[str, Any] | None = None
        self._version: tuple[Any, ...] | None = None  # of the trace's rows, as last loaded
        self._detail_timer: Timer | None = None

    @property
    def masker(self) -> Any:
        return self.app.masker  # type: ignore[attr-defined]

    @property
    def waterfall(self) -> Waterfall:
        return self.query_one("#waterfall", Waterfall)

    def compose(self) -> ComposeResult:
        yield Static(trace_header(self.trace_id, None, None, self.masker), id="trace-header")
        yield Static(id="no-spans")
        yield Waterfall(self.masker, id="waterfall")
        yield SpanDetail(self.masker, id="span-detail")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    def data_changed(self) -> None:
        """New rows landed in the index: spans of this trace may be among them."""
        self._load()

    # --- loading --------------------------------------------------------------------------

    @index_worker(exclusive=True, group="trace-load", description="trace")
    def _load(self) -> None:
        """The tree first (what is drawn), then the figures the header and Enter need. New
        rows elsewhere in the index leave a big trace alone: it is rebuilt only when its own
        spans or calls changed."""
        traces = self.app.index.traces  # type: ignore[attr-defined]
        version = traces.version(self.trace_id)
        if version == self._version:
            return
        self._version = version
        tree = traces.tree(self.trace_id)
        self.app.call_from_thread(self._show_tree, tree)
        calls = traces.calls(self.trace_id)
        summary = traces.summary(self.trace_id)
        orphan_calls = 0 if tree.span_count else traces.call_count(self.trace_id)
        self.app.call_from_thread(self._show_figures, tree, calls, summary, orphan_calls)

    def _show_tree(self, tree: TraceTree) -> None:
        self.trace_tree = tree
        if not tree.span_count:
            return
        self.waterfall.show(tree, self.waterfall.calls)
        if self.start_span is not None:
            self.waterfall.go_to(self.start_span)
            self.start_span = None

    def _show_figures(self, tree: TraceTree, calls: dict[str, dict[str, Any]],
                      summary: dict[str, Any] | None, orphan_calls: int) -> None:
        self.summary = summary
        self.query_one("#trace-header", Static).update(
            trace_header(self.trace_id, summary, tree, self.masker))
        self.set_class(not tree.span_count, "-empty")
        if not tree.span_count:
            self.query_one("#no-spans", Static).update(Text(
                f"No spans of this trace were logged; {orphan_calls} call(s) carry its id.\n"
                "Press c to list them, Escape to go back."))
            return
        self.waterfall.calls = calls
        self.waterfall.refresh()
        self._fetch_detail(self.waterfall.current)  # now that the span's call is known

    @on(Waterfall.Highlighted)
    def _highlighted(self, event: Waterfall.Highlighted) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        node = event.node
        self._detail_timer = self.set_timer(DETAIL_DELAY, lambda: self._fetch_detail(node))

    @index_worker(exclusive=True, group="span-detail", description="span detail")
    def _fetch_detail(self, node: SpanNode | None) -> None:
        if node is None:
            return
        traces = self.app.index.traces  # type: ignore[attr-defined]
        span = None if node.missing else traces.span(self.trace_id, node.span_id)
        made = self.waterfall.calls.get(node.span_id)
        call = traces.conversation(made["key"]) if made is not None else None
        if call is not None:
            call = {**made, **call}
        if not get_current_worker().is_cancelled:  # a newer request replaced this one
            self.app.call_from_thread(self._show_detail, node, span, call)

    async def _show_detail(self, node: SpanNode, span: dict[str, Any] | None,
                           call: dict[str, Any] | None) -> None:
        if node is not self.waterfall.current:
            return  # the cursor moved on while this was loading
        start = self.trace_tree.start if self.trace_tree is not None else None
        await self.query_one(SpanDetail).show(node, span, call, start)

    # --- actions --------------------------------------------------------------------------

    @on(Waterfall.Selected)
    def _selected(self, event: Waterfall.Selected) -> None:
        call = self.waterfall.calls.get(event.node.span_id)
        if call is not None:
            self.post_message(OpenCall(call["key"]))
        else:
            self.waterfall.action_toggle()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_show_calls(self) -> None:
        """The calls carrying this trace's id, in the Requests view."""
        self.app.pop_screen()
        self.app.post_message(SearchCalls(f"trace:{self.trace_id}"))

    def refresh_masking(self) -> None:
        self.query_one("#trace-header", Static).update(
            trace_header(self.trace_id, self.summary, self.trace_tree, self.masker))
        self.waterfall.refresh()
        self.query_one(SpanDetail).refresh_masking()
