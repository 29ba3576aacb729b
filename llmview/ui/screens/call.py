"""One call in full: the conversation as chat turns, its parameters, usage, ids and error, the
log lines it came from, and a snippet that makes the same call again.

Every value shown comes from the log, so it reaches the screen through ``safe_text``,
``long_text`` or ``json_text`` (literal, escaped, clipped) and is masked when the mask is on;
``y`` copies the full value, masked the same way.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane

from ...core.diagnose import diagnose
from ...core.formats.messages import plain_text
from ...core.index import JSON_COLUMNS
from ...core.reproduce import reproduce_snippet
from ..messages import OpenTrace
from ..safe import safe_text
from ..store_errors import index_worker
from ..widgets.call_header import CallHeader
from ..widgets.chat_message import ChatMessage, tool_calls_of
from ..widgets.field_table import FieldTable, Row
from ..widgets.json_view import JsonView
from ..widgets.long_text import human_size, long_text, utf8_size
from ..widgets.masked_static import MaskedStatic

TABS = ("conversation", "details", "raw", "reproduce")
# Columns the copy of a call leaves out: the raw lines have their own tab, the rest is internal.
_NOT_COPIED = frozenset(("raw", "search_text", "seq", "shadowed"))


def decode_json_columns(call: dict[str, Any]) -> dict[str, Any]:
    """The call with its JSON columns as Python values; one that does not parse is None."""
    decoded = dict(call)
    for column in JSON_COLUMNS:
        value = call.get(column)
        if isinstance(value, str):
            try:
                decoded[column] = json.loads(value)
            except (ValueError, RecursionError):
                decoded[column] = None
    return decoded


def note(text: str) -> Static:
    return Static(Text(text, style="italic"), classes="note")


class CallScreen(Screen[None]):
    # Open with the conversation focused, so the arrow and page keys scroll it at once.
    AUTO_FOCUS = "#conversation VerticalScroll"
    DEFAULT_CSS = """
    CallScreen > TabbedContent { height: 1fr; }
    CallScreen TabPane { padding: 0; }
    CallScreen VerticalScroll { padding: 0 1; }
    CallScreen .note { color: $text-muted; margin: 0 0 1 1; }
    CallScreen #snippet { padding: 0 1; }
    CallScreen .raw-error { border: round $error; padding: 0 1; margin: 0 0 1 0; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
        Binding("y", "copy", "Copy"),
        Binding("t", "open_trace", "Trace"),
        *(Binding(str(number), f"show_tab('{tab}')", tab.title(), show=False)
          for number, tab in enumerate(TABS, 1)),
    ]

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.call: dict[str, Any] | None = None
        self._snippets: dict[bool, str] = {}  # by mask state: generating one masks everything
        self._shown = ""  # repr of the call's row as composed (repr: a NaN equals itself)
        self._tab = "conversation"  # the tab a (re)compose opens on

    @property
    def masker(self) -> Any:
        return self.app.masker

    def compose(self) -> ComposeResult:
        raw = self.app.index.call(self.key)
        self._shown = repr(None if raw is None else {k: v for k, v in raw.items() if k != "raw"})
        self._snippets.clear()
        if raw is None:
            yield Static(safe_text(f"No call with key {self.key}", "bold red"))
            yield Footer()
            return
        self.call = decode_json_columns(raw)
        yield CallHeader(self.call, self.masker)
        with TabbedContent(initial=self._tab):
            with TabPane("Conversation", id="conversation"), VerticalScroll():
                yield from self._conversation()
            with TabPane("Details", id="details"), VerticalScroll():
                yield from self._details()
            with TabPane("Raw", id="raw"), VerticalScroll():
                yield from self._raw()
            with TabPane("Reproduce", id="reproduce"), VerticalScroll():
                if self.call.get("truncated"):
                    yield note("Long values were clipped when this call was indexed, and are "
                               "clipped in the snippet too.")
                yield Static(id="snippet")
        yield Footer()

    def data_changed(self) -> None:
        """New rows landed: this call may be among them (a response logged after its request,
        a second sink's copy adding fields), so the view follows what the index now holds."""
        self._check_for_changes()

    @index_worker(exclusive=True, group="call-check")
    def _check_for_changes(self) -> None:
        if repr(self.app.index.call_row(self.key)) != self._shown:
            self.app.call_from_thread(self._recompose_keeping_tab)

    async def _recompose_keeping_tab(self) -> None:
        tabs = self.query(TabbedContent)
        if tabs:
            self._tab = tabs.first().active or self._tab
        await self.recompose()

    # --- the tabs -------------------------------------------------------------------------

    def _conversation(self) -> ComposeResult:
        call = self.call or {}
        if call.get("truncated"):
            yield note("Long values were clipped when this call was indexed; the Raw tab has "
                       "the log lines in full.")
        messages = call.get("messages")
        if isinstance(messages, list):
            tool_names: dict[str, str] = {}
            for message in messages:
                if not isinstance(message, dict):
                    message = {"role": "user", "content": str(message)}
                for tool_call in tool_calls_of(message):
                    tool_names[str(tool_call.get("id"))] = str(tool_call.get("name") or "?")
                answered = message.get("tool_call_id")
                yield ChatMessage(message, self.masker, note=None if answered is None else
                                  f"answers {tool_names.get(str(answered), '?')} ({answered})")
        else:
            yield note("The log did not record the messages.")
        finish = call.get("finish_reason")
        finish_note = f"finish reason: {finish}" if finish else None
        if call.get("output") or call.get("tool_calls"):
            response = {"role": "assistant", "content": call.get("output") or "",
                        "tool_calls": call.get("tool_calls") or []}
            yield ChatMessage(response, self.masker, role="response", note=finish_note)
        elif call.get("status") is None:
            yield note("No response has been logged yet.")
        elif call.get("status") != "error":
            yield note("The log did not record a response."
                       + (f" ({finish_note})" if finish_note else ""))
        error = self._error_rows()
        if error:
            yield FieldTable("Error", error, self.masker)

    def _details(self) -> ComposeResult:
        call = self.call or {}
        sections = [
            ("Parameters", self._parameter_rows()),
            ("Usage", self._usage_rows()),
            ("Ids", [(label, call.get(column), "") for label, column in (
                ("request id", "request_id"), ("trace id", "trace_id"), ("span id", "span_id"),
                ("session", "session"), ("conversation", "conversation"), ("user", "user_id"),
                ("app", "app"), ("provider", "provider"), ("operation", "operation"),
                ("dialect", "dialect"), ("key", "key"),
            ) if call.get(column) is not None]),
            ("Tags", self._tag_rows()),
            ("Error", self._error_rows()),
            ("Diagnosis", self._diagnosis_rows()),
        ]
        for title, rows in sections:
            if rows:
                yield FieldTable(title, rows, self.masker)

    def _raw(self) -> ComposeResult:
        lines = (self.call or {}).get("raw") or []
        if not lines:
            yield note("No source lines are recorded for this call.")
        for line in lines:
            title = safe_text(f"{line['path']}:{line['line_no']}", limit=200)
            if line.get("text") is None:
                view = Static(safe_text(line.get("error") or "cannot read back", "red"),
                              classes="raw-error")
                view.border_title = title
                yield view
            else:
                yield JsonView(line["text"], title, self.masker)

    # --- rows -----------------------------------------------------------------------------

    def _parameter_rows(self) -> list[Row]:
        call = self.call or {}
        rows: list[Row] = [(name, call.get(name), "") for name in
                           ("temperature", "top_p", "max_tokens", "seed")
                           if call.get(name) is not None]
        params = call.get("params")
        if isinstance(params, dict):
            rows.extend((str(key), plain_text(value), "") for key, value in params.items())
        tools = call.get("tools")
        if isinstance(tools, list) and tools:
            rows.append(("tools", ", ".join(_tool_name(tool) for tool in tools), ""))
        return rows

    def _usage_rows(self) -> list[Row]:
        call = self.call or {}
        rows: list[Row] = [(label, f"{call[column]:,}", "") for label, column in (
            ("input tokens", "input_tokens"), ("output tokens", "output_tokens"),
            ("total tokens", "total_tokens"),
        ) if call.get(column) is not None]
        for label, column in (("latency", "latency_ms"), ("time to first token", "ttft_ms")):
            if call.get(column) is not None:
                rows.append((label, f"{call[column]:,.0f} ms", ""))
        if call.get("cost_usd") is not None:
            rows.append(("cost", f"${call['cost_usd']:.6f}", ""))
        if call.get("finish_reason"):
            rows.append(("finish reason", call["finish_reason"], ""))
        return rows

    def _tag_rows(self) -> list[Row]:
        tags = (self.call or {}).get("tags")
        if isinstance(tags, dict):
            return [(str(key), plain_text(value), "") for key, value in tags.items()]
        if isinstance(tags, list) and tags:
            return [("tags", ", ".join(plain_text(tag) for tag in tags), "")]
        return []

    def _error_rows(self) -> list[Row]:
        call = self.call or {}
        rows: list[Row] = [(label, call.get(column), "red" if column == "error_message" else "")
                           for label, column in (
                               ("type", "error_type"), ("HTTP status", "http_status"),
                               ("message", "error_message"))
                           if call.get(column) is not None]
        if call.get("status") == "error" and not rows:
            rows.append(("message", "the call failed; the log gave no details", "red"))
        return rows

    def _diagnosis_rows(self) -> list[Row]:
        if self.call is None or self.call.get("status") != "error":
            return []
        found = diagnose(self.call)
        if found is None:
            return []
        rows: list[Row] = []
        for label, names in (("category", ("category",)), ("suggestion", ("suggestion",)),
                             ("docs", ("doc_url", "doc", "link"))):
            value = next((v for v in (_attr(found, name) for name in names) if v), None)
            if value:
                rows.append((label, value, ""))
        return rows

    # --- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``t`` only shows when the call is in a trace and the app has a trace view."""
        if action == "open_trace":
            return bool((self.call or {}).get("trace_id")) and hasattr(self.app, "open_trace")
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_show_tab(self, tab: str) -> None:
        if self.call is not None:
            self.query_one(TabbedContent).active = tab
            self.query_one(f"#{tab} VerticalScroll").focus()

    def action_open_trace(self) -> None:
        trace_id = (self.call or {}).get("trace_id")
        if trace_id:
            self.post_message(OpenTrace(str(trace_id)))

    def action_copy(self) -> None:
        if self.call is None:
            return
        tab = self.query_one(TabbedContent).active
        focused = self.focused
        if tab == "conversation" and isinstance(focused, ChatMessage):
            text, what = focused.copy_text(), "the message"
        elif tab == "conversation":
            text, what = self._conversation_json(), "the conversation as JSON"
        elif tab == "details":
            text, what = self._call_json(), "the call as JSON"
        elif tab == "raw":
            text, what = self._raw_text(), "the raw log lines"
        else:
            text, what = self._snippet(), "the snippet"
        self.app.copy_to_clipboard(text)
        masked = "masked" if self.masker.enabled else "NOT masked"
        self.notify(f"Copied {what} ({human_size(utf8_size(text))}, {masked})")

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "reproduce":
            self._show_snippet()

    def refresh_masking(self) -> None:
        """Re-render every value with the mask as it is now (the app calls this on ``m``)."""
        for widget in self.query(MaskedStatic):
            widget.rerender()
        for header in self.query(CallHeader):
            header.rerender()
        if self.call is not None and self.query_one(TabbedContent).active == "reproduce":
            self._show_snippet()

    # --- what is copied -------------------------------------------------------------------

    def _masked(self, value: Any) -> Any:
        return self.masker.mask_json(value)

    def _conversation_json(self) -> str:
        call = self.call or {}
        conversation = {key: call.get(key) for key in
                        ("messages", "output", "tool_calls", "finish_reason")}
        return json.dumps(self._masked(conversation), indent=2, ensure_ascii=False)

    def _call_json(self) -> str:
        call = {key: value for key, value in (self.call or {}).items()
                if key not in _NOT_COPIED}
        return json.dumps(self._masked(call), indent=2, ensure_ascii=False, default=str)

    def _raw_text(self) -> str:
        lines = [line.get("text") or "" for line in (self.call or {}).get("raw") or []]
        return "\n".join(self.masker.mask_json_text(line) for line in lines)

    def _snippet(self) -> str:
        """The reproduce snippet for the current mask state, generated on first use: with the
        mask on every string of the call is masked first, which takes a while for megabytes."""
        enabled = bool(self.masker.enabled)
        if enabled not in self._snippets:
            call = dict(self.call or {})
            for column in ("messages", "tools", "tool_calls", "params"):
                call[column] = self._masked(call.get(column))
            self._snippets[enabled] = reproduce_snippet(call)
        return self._snippets[enabled]

    def _show_snippet(self) -> None:
        self.query_one("#snippet", Static).update(long_text(self._snippet(), None))


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        function = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        name = function.get("name") or tool.get("type")
        if name:
            return str(name)
    return "?"


def _attr(found: Any, name: str) -> Any:
    return found.get(name) if isinstance(found, dict) else getattr(found, name, None)
