"""Messages a screen posts to ask the app to navigate, so screens never reach into each other:
the app owns the screen stack and decides what a request opens."""

from __future__ import annotations

from textual.message import Message


class OpenCall(Message):
    """Show one call in full (the call screen)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class OpenTrace(Message):
    """Show the trace a call belongs to."""

    def __init__(self, trace_id: str) -> None:
        super().__init__()
        self.trace_id = trace_id


class SearchCalls(Message):
    """Show the Requests pane filtered by a query (from an error group, a metrics row, ...)."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query


class OpenSession(Message):
    """Show one session's conversation (the session screen)."""

    def __init__(self, session: str) -> None:
        super().__init__()
        self.session = session
