"""One span in full, under the waterfall: its name, ids, times and status, the conversation of its
LLM call, every attribute, and its events, exceptions with their stack traces.

Every value comes from a log, so it is shown through ``FieldTable``/``ChatMessage`` (literal,
escaped, masked when the mask is on, clipped when huge).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from textual.containers import VerticalScroll
from textual.widget import Widget

from ...core.formats.messages import plain_text
from ...core.trace_tree import SpanNode
from ...core.waterfall import duration_label
from .. import format as fmt
from ..safe import safe_text
from .chat_message import ChatMessage
from .field_table import FieldTable, Row
from .masked_static import MaskedStatic

EXCEPTION_KEYS = ("exception.type", "exception.message", "exception.stacktrace",
                  "exception.escaped")


class SpanDetail(VerticalScroll):
    DEFAULT_CSS = """
    SpanDetail { padding: 0 1; }
    SpanDetail > .exception { border: round $error; border-title-color: $error; }
    """

    def __init__(self, mask: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask = mask
        self.node: SpanNode | None = None  # the span shown

    async def show(self, node: SpanNode | None, span: dict[str, Any] | None,
                   call: dict[str, Any] | None, trace_start: float | None) -> None:
        """Replace what is shown with ``node`` (its full row ``span``, and ``call``, the LLM
        call it made with its messages decoded)."""
        widgets = [] if node is None else self._widgets(node, span or node.span, call,
                                                        trace_start)
        async with self.batch():
            await self.remove_children()
            await self.mount_all(widgets)
        self.node = node
        self.scroll_home(animate=False)

    def refresh_masking(self) -> None:
        for widget in self.query(MaskedStatic):
            widget.rerender()

    # --- what is shown --------------------------------------------------------------------

    def _widgets(self, node: SpanNode, span: dict[str, Any], call: dict[str, Any] | None,
                 trace_start: float | None) -> list[Widget]:
        if node.missing:
            return [FieldTable("missing parent", [
                ("span id", node.span_id, ""),
                ("", f"never logged: {len(node.children)} span(s) name it as their parent. "
                     "The trace may still be running, or its exporter dropped this span.",
                 "yellow")], self.mask)]
        widgets: list[Widget] = [FieldTable("span", self._span_rows(node, span, call,
                                                                      trace_start), self.mask)]
        widgets.extend(self._conversation(call))
        attributes = span.get("attributes")
        if isinstance(attributes, dict) and attributes:
            widgets.append(FieldTable("attributes", [
                (str(key), plain_text(value), "") for key, value in attributes.items()],
                self.mask))
        events = span.get("events")
        for event in events if isinstance(events, list) else []:
            if isinstance(event, dict):
                widgets.append(self._event(event, trace_start))
        return widgets

    def _span_rows(self, node: SpanNode, span: dict[str, Any], call: dict[str, Any] | None,
                   trace_start: float | None) -> list[Row]:
        attributes = span.get("attributes") if isinstance(span.get("attributes"), dict) else {}
        rows: list[Row] = [
            ("name", node.name, "bold"),
            ("kind", " · ".join(k for k in (node.kind, attributes.get("span.kind")) if k)
             or "—", ""),
            ("span id", node.span_id, ""),
            ("parent", span.get("parent_id") or "— (a root span)", ""),
            ("service", span.get("service"), ""),
            ("start", _when(node.start, trace_start), ""),
            ("end", _when(node.end, trace_start) if node.end is not None
             else "not ended (or not logged)", ""),
            ("duration", None if node.duration_ms is None
             else duration_label(node.duration_ms), ""),
            ("status", span.get("status") or "unset", "bold red" if node.error else ""),
        ]
        if span.get("error"):
            rows.append(("error", span["error"], "red"))
        if node.error_below and not node.error:
            rows.append(("", "a span below this one failed (e jumps to it)", "red"))
        if node.skew:
            rows.append(("clock skew", "runs outside its parent's time: the hosts' clocks "
                                       "disagree, or the parent was timed wrongly", "yellow"))
        if span.get("parent_cycle"):
            rows.append(("", "its parent ids form a loop; shown here as a root", "yellow"))
        if node.critical:
            rows.append(("critical path", "the trace waited on this span", "yellow"))
        if call is not None:
            tokens = " / ".join(f"{call[k]:,}" for k in ("input_tokens", "output_tokens")
                                if call.get(k) is not None)
            rows.append(("LLM call", " ".join(part for part in (
                call.get("model") or "", f"tokens {tokens}" if tokens else "",
                "(Enter opens the call)") if part), "cyan"))
        return [(label, value, style) for label, value, style in rows if value is not None]

    def _conversation(self, call: dict[str, Any] | None) -> list[Widget]:
        if call is None:
            return []
        messages = call.get("messages")
        widgets: list[Widget] = [ChatMessage(m if isinstance(m, dict) else
                                             {"role": "user", "content": str(m)}, self.mask)
                                 for m in (messages if isinstance(messages, list) else [])]
        if call.get("output") or call.get("tool_calls"):
            finish = call.get("finish_reason")
            widgets.append(ChatMessage({"role": "assistant", "content": call.get("output") or "",
                                        "tool_calls": call.get("tool_calls") or []},
                                       self.mask, role="response",
                                       note=f"finish reason: {finish}" if finish else None))
        return widgets

    def _event(self, event: dict[str, Any], trace_start: float | None) -> Widget:
        name = str(event.get("name") or "event")
        ts = event.get("ts")
        when = "" if not isinstance(ts, (int, float)) or trace_start is None else \
            f" at +{duration_label(ts * 1000 - trace_start)}"
        attributes = event.get("attributes") if isinstance(event.get("attributes"), dict) \
            else {}
        if name == "exception":
            rows: list[Row] = [(key.removeprefix("exception."), plain_text(attributes[key]),
                                "red" if key == "exception.message" else "")
                               for key in EXCEPTION_KEYS if key in attributes]
            rows.extend((str(k), plain_text(v), "") for k, v in attributes.items()
                        if k not in EXCEPTION_KEYS)
            return FieldTable(f"exception{when}", rows, self.mask, classes="exception")
        rows = [(str(k), plain_text(v), "") for k, v in attributes.items()] or [
            ("", "(no attributes)", "dim")]
        table = FieldTable("event", rows, self.mask)
        table.border_title = safe_text(f"event {name}{when}", limit=80, mask=self.mask)
        return table


def _when(epoch_ms: float | None, trace_start: float | None) -> str | None:
    if epoch_ms is None:
        return None
    moment = fmt.full_time(datetime.fromtimestamp(epoch_ms / 1000, timezone.utc)
                           .replace(tzinfo=None))
    if trace_start is None:
        return moment
    return f"{moment}  (+{duration_label(epoch_ms - trace_start)})"
