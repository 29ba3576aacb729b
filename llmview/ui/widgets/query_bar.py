"""A search box over the query language that shows a bad query in place: the query with the
mistake underlined and what was expected, instead of a database error. A query that compiles is
announced (debounced while typing, at once on Enter) for the pane to run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from ...core.query import QueryError
from ..safe import safe_text

DEBOUNCE = 0.25


def query_error_text(text: str, error: QueryError) -> Text:
    """``✗ query`` with the faulty part highlighted, then the column and the message."""
    start = min(error.position, len(text))
    end = min(len(text), start + max(1, error.length))
    line = Text("✗ ", "bold red")
    line.append_text(safe_text(text[:start]))
    line.append_text(safe_text(text[start:end] or " ", "bold white on red"))
    line.append_text(safe_text(text[end:]))
    line.append(f"   column {error.position + 1}: {error.message}")
    return line


class QueryBar(Vertical):
    """``check`` compiles a query (raising ``QueryError``) without running it."""

    DEFAULT_CSS = """
    QueryBar { height: auto; }
    QueryBar > Input { height: 1; border: none; padding: 0 1; background: $boost; }
    QueryBar > Input:focus { border: none; background: $accent 30%; }
    QueryBar > .query-error { height: auto; color: $error; padding: 0 1; display: none; }
    QueryBar > .query-error.shown { display: block; }
    """

    class Changed(Message):
        """A valid query to run; ``submitted`` when the user pressed Enter."""

        def __init__(self, bar: QueryBar, query: str, submitted: bool) -> None:
            super().__init__()
            self.bar = bar
            self.query = query
            self.submitted = submitted

        @property
        def control(self) -> QueryBar:
            return self.bar

    def __init__(self, check: Callable[[str], Any], placeholder: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.placeholder = placeholder
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder)
        yield Static(classes="query-error")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        if self.show_error(event.value):
            return
        value = event.value
        self._debounce = self.set_timer(
            DEBOUNCE, lambda: self.post_message(self.Changed(self, value, False)))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        if not self.show_error(event.value):
            self.post_message(self.Changed(self, event.value, True))

    def set_query(self, text: str) -> None:
        """Show ``text`` as the query (other views send users here with one)."""
        self.input.value = text

    def show_error(self, text: str) -> bool:
        """Show what is wrong with ``text`` and where; True when it is wrong."""
        box = self.query_one(".query-error", Static)
        try:
            self.check(text)
        except QueryError as exc:
            box.update(query_error_text(text, exc))
            box.add_class("shown")
            return True
        box.remove_class("shown")
        return False
