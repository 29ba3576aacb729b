"""A session's conversation as one chat: each message once, a gutter beside each turn with its
call's time, model, latency, tokens and cost, and above its messages a line saying what the call's
context changed (new messages, edits, truncation, parameters).

A 200-turn session holds hundreds of messages; mounting a widget per message would take seconds,
so the thread is laid out once into lines (:func:`layout_thread`, a plain function, re-run when the
width or the mask changes) and drawn with Textual's line API, only the lines on screen. The
cursor is a turn: up/down read through a long turn line by line before moving to the next one,
Enter opens the turn's call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.formats.messages import plain_text
from ...core.thread import Entry, Thread, Turn, word_diff
from .. import format as fmt
from ..messages import OpenCall
from ..safe import safe_text
from .long_text import CUT_STYLE, clip, human_size

GUTTER = 17  # columns of per-turn figures beside the chat
NARROW = 64  # narrower than this, the figures go on the turn's first line instead
BODY_LIMIT = 4000  # characters of one message shown here; the call view shows it whole
DROPPED_SHOWN = 3
SEVERITY = {"info": "dim", "warn": "yellow", "alert": "bold red"}
ROLE_STYLES = {"system": "bold magenta", "developer": "bold magenta", "user": "bold blue",
               "assistant": "bold green", "tool": "bold yellow"}
DIFF_STYLES = {"=": "", "-": "red strike", "+": "bold green"}


@dataclass(frozen=True)
class Line:
    """One screen line: the turn it belongs to, its gutter part and its chat part."""

    turn: int  # index into thread.turns
    gutter: Text
    content: Text


@dataclass(frozen=True)
class ThreadLayout:
    lines: list[Line]
    starts: list[int]  # the first line of each turn
    gutter: int  # gutter width, 0 when narrow
    width: int

    def turn_end(self, turn: int) -> int:
        """The line after the last of ``turn``."""
        return self.starts[turn + 1] if turn + 1 < len(self.starts) else len(self.lines)

    def turn_at(self, line: int) -> int:
        return self.lines[line].turn if 0 <= line < len(self.lines) else 0


def layout_thread(thread: Thread, width: int, masker: Any,
                  console: Console | None = None) -> ThreadLayout:
    """Every line of ``thread`` at ``width`` columns, masked with ``masker`` if it is on."""
    console = console or Console(width=max(width, 20), color_system=None)
    gutter = GUTTER if width >= NARROW else 0
    content_width = max(10, width - gutter - (2 if gutter else 0))
    tools = _tool_names(thread)
    lines: list[Line] = []
    starts: list[int] = []
    for index, turn in enumerate(thread.turns):
        starts.append(len(lines))
        figures = _figures(turn, masker)
        content: list[Text] = []
        if not gutter:
            content += _wrap(Text(" · ").join(figures), content_width, console)
        content += _turn_lines(turn, tools, masker, content_width, console)
        side = [_fit(text, gutter - 1) for text in figures] if gutter else []
        for n in range(max(len(content), len(side))):
            lines.append(Line(index, side[n] if n < len(side) else Text(),
                              content[n] if n < len(content) else Text()))
        lines.append(Line(index, Text(), Text()))
    return ThreadLayout(lines, starts, gutter, width)


# --- one turn -------------------------------------------------------------------------------


def _figures(turn: Turn, masker: Any) -> list[Text]:
    """What the turn's call was: number and time, model, latency and status, tokens, cost."""
    call = turn.call
    status = call.get("status")
    figures = [
        Text.assemble((f"#{turn.number} ", "bold"), fmt.local_time(call.get("ts"))),
        safe_text(call.get("model") or "unknown model", "cyan", mask=masker),
        Text.assemble(fmt.duration(call.get("latency_ms")), " ",
                      (status or "pending", {"ok": "green", "error": "bold red"}.get(
                          status or "", "yellow"))),
    ]
    if call.get("input_tokens") is not None or call.get("output_tokens") is not None:
        figures.append(Text(f"{fmt.count(call.get('input_tokens'))}→"
                            f"{fmt.count(call.get('output_tokens'))} tok"))
    if call.get("cost") is not None:
        figures.append(Text(fmt.money(call["cost"])))
    if turn.diff.mutated:
        figures.append(Text("⚠ mutated", "bold red"))
    return figures


def _turn_lines(turn: Turn, tools: dict[str, str], masker: Any, width: int,
                console: Console) -> list[Text]:
    diff = turn.diff
    summary = Text(" · ").join(Text(text, SEVERITY[severity]) for text, severity in diff.parts())
    if diff.mutated:
        summary.append(" · ⚠ history mutated", "bold red")
    lines = _wrap(summary, width, console)
    for dropped in diff.dropped[:DROPPED_SHOWN]:
        line = Text("✂ dropped ", "yellow")
        line.append_text(safe_text(_role(dropped.message), "yellow"))
        line.append(": ", "yellow")
        line.append_text(safe_text(plain_text(dropped.message.get("content")), "dim strike",
                                   mask=masker))
        lines.append(_fit(line, width))
    if len(diff.dropped) > DROPPED_SHOWN:
        lines.append(Text(f"✂ … and {len(diff.dropped) - DROPPED_SHOWN} more dropped",
                          "yellow"))
    for entry in turn.entries:
        lines.append(_fit(_header(entry, tools, masker), width))
        lines += [Text("  ") + line for line in _wrap(_body(entry, masker), width - 2, console)]
    status = turn.call.get("status")
    if status == "error":
        error = ": ".join(plain_text(turn.call.get(k)) for k in ("error_type", "error_message")
                          if turn.call.get(k)) or "the call failed"
        lines += _wrap(Text("✗ ", "bold red") + safe_text(error, "red", one_line=False,
                                                            limit=600, mask=masker),
                       width, console)
    elif status is None:
        lines.append(Text("… no response logged yet", "italic yellow"))
    elif turn.response is None:
        lines.append(Text("(the log did not record the response)", "italic dim"))
    return lines


def _header(entry: Entry, tools: dict[str, str], masker: Any) -> Text:
    message = entry.message
    role = _role(message)
    header = safe_text(role, ROLE_STYLES.get(role, "bold cyan"), mask=masker)
    name = plain_text(message.get("name"))
    if name:
        header.append(" · ")
        header.append_text(safe_text(name, mask=masker))
    if entry.kind == "edited":
        header.append(" · edited: re-sent changed", "bold red")
    elif entry.resent:
        header.append(" · response (not logged; as the next call re-sent it)", "dim")
    elif entry.kind == "response":
        header.append(" · response", "dim")
    answered = plain_text(message.get("tool_call_id"))
    if answered:
        header.append(" · answers ", "dim")
        header.append_text(safe_text(tools.get(answered, "?"), "yellow", mask=masker))
    return header


def _body(entry: Entry, masker: Any) -> Text:
    """The message text (a word diff for an edited one), then the tool calls it makes."""
    content = plain_text(entry.message.get("content"))
    if entry.kind == "edited" and entry.before is not None:
        before = plain_text(entry.before.get("content"))
        if masker is not None and masker.enabled:
            before, content = masker.mask_text(before), masker.mask_text(content)
        body = Text()
        for op, text in word_diff(before[:BODY_LIMIT], content[:BODY_LIMIT]):
            body.append_text(safe_text(text, DIFF_STYLES[op], one_line=False))
    else:
        shown, hidden = clip(content, masker, BODY_LIMIT)
        body = safe_text(shown, one_line=False)
        if hidden is not None:
            body.append(f"\n… {human_size(hidden)} more (Enter opens the call)", CUT_STYLE)
    calls = entry.message.get("tool_calls")
    for call in calls if isinstance(calls, list) else ():
        if not isinstance(call, dict):
            continue
        if body.plain:
            body.append("\n")
        body.append("→ ", "bold")
        body.append_text(safe_text(plain_text(call.get("name")) or "?", "bold", mask=masker))
        body.append(" ")
        body.append_text(safe_text(plain_text(call.get("arguments")), "dim", one_line=False,
                                   limit=400, mask=masker))
    if not body.plain:
        body.append("(empty)", "dim italic")
    return body


def _tool_names(thread: Thread) -> dict[str, str]:
    """Tool call id -> tool name over the whole thread, to say what a tool result answers."""
    names: dict[str, str] = {}
    for turn in thread.turns:
        for entry in turn.entries:
            calls = entry.message.get("tool_calls")
            for call in calls if isinstance(calls, list) else ():
                if isinstance(call, dict) and call.get("id"):
                    names[plain_text(call["id"])] = plain_text(call.get("name")) or "?"
    return names


def _role(message: dict[str, Any]) -> str:
    return plain_text(message.get("role")) or "user"


def _wrap(text: Text, width: int, console: Console) -> list[Text]:
    return list(text.wrap(console, max(1, width), overflow="fold"))


def _fit(text: Text, width: int) -> Text:
    text = text.copy()
    text.no_wrap = True
    text.truncate(max(1, width), overflow="ellipsis")
    return text


# --- the widget -----------------------------------------------------------------------------


class ThreadView(ScrollView, can_focus=True):
    """The laid-out thread; a cursor on one turn; Enter posts ``OpenCall`` for its call."""

    BINDINGS = [
        Binding("up,k", "turn_up", "Up", show=False),
        Binding("down,j", "turn_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "open", "Open call"),
    ]
    DEFAULT_CSS = """
    ThreadView { height: 1fr; overflow-x: hidden; scrollbar-size-vertical: 1; }
    ThreadView > .thread-view--rule { color: $panel-lighten-2; }
    ThreadView > .thread-view--cursor { background: $accent 30%; }
    ThreadView:focus > .thread-view--cursor { background: $accent 60%; }
    ThreadView > .thread-view--mark { color: $accent; text-style: bold; }
    """
    COMPONENT_CLASSES = {"thread-view--rule", "thread-view--cursor", "thread-view--mark"}

    cursor: reactive[int] = reactive(0)

    def __init__(self, thread: Thread, masker: Any, layout: ThreadLayout | None = None,
                 **kwargs: Any) -> None:
        """``layout``: the thread already laid out (in a worker) at the width expected."""
        super().__init__(**kwargs)
        self.thread = thread
        self.masker = masker
        self._layout = layout

    @property
    def layout_lines(self) -> ThreadLayout:
        """The layout for the current width (made on first use after a change)."""
        width = self.size.width or 80
        if self._layout is None or self._layout.width != width:
            self._layout = layout_thread(self.thread, width, self.masker, self.app.console)
        if self.virtual_size.height != len(self._layout.lines):
            self.virtual_size = Size(width, len(self._layout.lines))
        return self._layout

    def relayout(self) -> None:
        """Lay out again (the width or the mask changed), keeping the cursor's turn in view."""
        self._layout = None
        self._show_turn_start()  # lays out at the new width first
        self.refresh()

    def on_resize(self) -> None:
        self._show_turn_start()  # lays out again if the width changed
        self.refresh()

    @property
    def turn(self) -> Turn | None:
        turns = self.thread.turns
        return turns[self.cursor] if 0 <= self.cursor < len(turns) else None

    # --- drawing --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        layout = self.layout_lines
        index = self.scroll_offset.y + y
        if index >= len(layout.lines):
            return Strip.blank(width, self.rich_style)
        line = layout.lines[index]
        selected = line.turn == self.cursor
        text = Text(no_wrap=True, end="")
        if layout.gutter:
            gutter = line.gutter.copy()
            gutter.pad_right(layout.gutter - gutter.cell_len)
            if selected:
                gutter.stylize(self.get_component_rich_style("thread-view--cursor"))
            text.append_text(gutter)
            text.append("┃ " if selected else "│ ", self._rule_style(selected))
        elif selected:
            text.append("┃", self._rule_style(True))
        text.append_text(line.content)
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        return strip.adjust_cell_length(width).apply_style(self.rich_style)

    def _rule_style(self, selected: bool) -> Style:
        return self.get_component_rich_style("thread-view--mark" if selected
                                             else "thread-view--rule")

    # --- the cursor -----------------------------------------------------------------------

    def watch_cursor(self) -> None:
        self.refresh()

    def _show_turn_start(self) -> None:
        """Scroll so the cursor's turn starts in view (at the top when it is above)."""
        layout = self.layout_lines
        if not layout.starts:
            return
        start = layout.starts[min(self.cursor, len(layout.starts) - 1)]
        end = layout.turn_end(self.cursor)
        top, height = self.scroll_offset.y, max(1, self.size.height)
        if start < top or end - start > height:
            self.scroll_to(y=start, animate=False)
        elif end > top + height:
            self.scroll_to(y=end - height, animate=False)

    def action_turn_down(self) -> None:
        layout = self.layout_lines
        end = layout.turn_end(self.cursor)
        bottom = self.scroll_offset.y + self.size.height
        if end > bottom:  # more of this turn below: read on
            self.scroll_to(y=self.scroll_offset.y + 1, animate=False)
        elif self.cursor + 1 < len(layout.starts):
            self.cursor += 1
            self._show_turn_start()

    def action_turn_up(self) -> None:
        layout = self.layout_lines
        if not layout.starts:
            return
        top = self.scroll_offset.y
        if layout.starts[self.cursor] < top:  # more of this turn above: read back
            self.scroll_to(y=top - 1, animate=False)
        elif self.cursor > 0:
            self.cursor -= 1
            self._show_turn_start()

    def _page(self, lines: int) -> None:
        """Scroll a page; the cursor goes to the turn at the top of the view."""
        layout = self.layout_lines
        top = max(0, min(self.scroll_offset.y + lines, len(layout.lines) - self.size.height))
        self.scroll_to(y=top, animate=False)
        self.cursor = layout.turn_at(top)

    def action_page_down(self) -> None:
        self._page(self.size.height)

    def action_page_up(self) -> None:
        self._page(-self.size.height)

    def action_first(self) -> None:
        self.cursor = 0
        self.scroll_to(y=0, animate=False)

    def action_last(self) -> None:
        self.cursor = max(0, len(self.thread.turns) - 1)
        self._show_turn_start()

    def action_open(self) -> None:
        turn = self.turn
        if turn is not None and turn.call.get("key"):
            self.post_message(OpenCall(str(turn.call["key"])))

    def on_click(self, event: Any) -> None:
        index = self.scroll_offset.y + event.y
        layout = self.layout_lines
        if 0 <= index < len(layout.lines):
            turn = layout.lines[index].turn
            if turn == self.cursor and getattr(event, "chain", 1) >= 2:
                self.action_open()
            self.cursor = turn
