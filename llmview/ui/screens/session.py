"""One session as a conversation: a header with the session's totals (and a warning when its
history was mutated between turns), then the thread, each message once, with every turn's call
figures in a gutter and what its context changed. Enter opens a turn's call; Escape goes back.

The thread is read in a worker thread (a long session is megabytes of re-sent history), so the
screen opens at once and fills in when it is ready.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from ...core.thread import Thread, thread_json
from .. import format as fmt
from ..safe import safe_text
from ..store_errors import index_worker
from ..widgets.call_header import flow
from ..widgets.thread_view import ThreadLayout, ThreadView, layout_thread


class SessionHeader(Widget):
    """Who and what the session was, and the turns whose history was mutated."""

    DEFAULT_CSS = """
    SessionHeader { height: auto; padding: 0 1; background: $panel; }
    """

    def __init__(self, thread: Thread, masker: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.thread = thread
        self.masker = masker

    def render(self) -> Text:
        session = self.thread.session
        fields = [safe_text(session.get("session"), "bold", limit=60, mask=self.masker)]
        for label, column in (("user", "user_id"), ("app", "app")):
            if session.get(column):
                fields.append(_labelled(label, safe_text(session[column], limit=40,
                                                         mask=self.masker)))
        turns = len(self.thread.turns)
        fields += [
            Text(f"{turns} turn{'s' * (turns != 1)}"),
            Text(f"{fmt.local_time(session.get('first_ts'))} → "
                 f"{fmt.local_time(session.get('last_ts'))}"),
            _labelled("tokens", fmt.count(session.get("tokens"))),
        ]
        if session.get("cost") is not None:
            fields.append(_labelled("cost", fmt.money(session["cost"])))
        if session.get("errors"):
            fields.append(Text(f"{session['errors']} errors", "bold red"))
        text = flow(fields, self.size.width or 80)
        mutated = self.thread.mutated
        if mutated:
            text.append(f"\n⚠ history mutated between turns: turn "
                        f"{', '.join(map(str, mutated))} re-sent a changed earlier message",
                        "bold red")
        return text


def _labelled(label: str, value: str | Text) -> Text:
    text = Text(f"{label} ", "dim")
    text.append_text(value if isinstance(value, Text) else Text(value))
    return text


class SessionScreen(Screen[None]):
    AUTO_FOCUS = "ThreadView"
    DEFAULT_CSS = """
    SessionScreen #loading { padding: 1 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("q", "back", "Back", show=False),
        Binding("y", "copy", "Copy"),
    ]

    def __init__(self, session: str) -> None:
        super().__init__()
        self.session = session
        self.thread: Thread | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("reading the session…"), id="loading")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @index_worker(exclusive=True, group="session-thread")
    def _load(self) -> None:
        """Read and lay out the thread here: both take a while for a long session (the layout
        is made for the width the view will have, the screen's less its scrollbar)."""
        thread = self.app.index.sessions.thread(self.session)
        layout = None if thread is None else layout_thread(
            thread, max(20, self.size.width - 1), self.app.masker)
        self.app.call_from_thread(self._show, thread, layout)

    async def _show(self, thread: Thread | None, layout: ThreadLayout | None) -> None:
        loading = self.query_one("#loading", Static)
        if thread is None:
            loading.update(safe_text(f"No session {self.session} (it may have been renamed by "
                                     "new data; go back and open it again)", "bold red"))
            return
        self.thread = thread
        await loading.remove()
        masker = self.app.masker
        await self.mount(SessionHeader(thread, masker), ThreadView(thread, masker, layout),
                         before=self.query_one(Footer))
        self.query_one(ThreadView).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_copy(self) -> None:
        """The thread as the text ``llmview session`` prints, masked when the mask is on."""
        from ...output_sessions import thread_lines

        if self.thread is None:
            return
        masker = self.app.masker
        text = "\n".join(thread_lines(masker.mask_json(thread_json(self.thread))))
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the conversation ({len(text):,} characters, "
                    f"{'masked' if masker.enabled else 'NOT masked'})")

    def refresh_masking(self) -> None:
        """Re-render with the mask as it is now (the app calls this on ``m``)."""
        for header in self.query(SessionHeader):
            header.refresh()
        for view in self.query(ThreadView):
            view.relayout()
