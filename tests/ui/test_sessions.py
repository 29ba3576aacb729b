"""The Sessions pane and the session screen, driven with the pilot over a real index: list →
thread → call and back, search, the mutated-history flag, live updates, and an 80x24 snapshot."""

from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.messages import OpenCall, OpenSession
from llmview.ui.panes.sessions import SessionsPane
from llmview.ui.screens.call import CallScreen
from llmview.ui.screens.session import SessionScreen
from llmview.ui.widgets.paged_table import PagedTable
from llmview.ui.widgets.thread_view import ThreadView

from .conftest import screen_text

pytestmark = pytest.mark.usefixtures("utc")  # times on screen are local

SYSTEM = "You are Ava, the support assistant of Acme Cloud."
EDITED = SYSTEM + " Keep every answer under 60 words."


def request(n: int, minute: int, session: str, messages: list[dict[str, Any]], **extra: Any,
            ) -> dict[str, Any]:
    return {"request_id": f"00000000-0000-4000-8000-{n:012d}",
            "timestamp": f"2026-11-20T09:{minute:02d}:00", "model": "gpt-4o",
            "messages": messages, "user_id": "usr_42", "session_id": session, "trace_id": None,
            "temperature": 0.2, **extra}


def response(n: int, minute: int, content: str) -> dict[str, Any]:
    return {"request_id": f"00000000-0000-4000-8000-{n:012d}",
            "timestamp": f"2026-11-20T09:{minute:02d}:02", "content": content,
            "finish_reason": "stop", "prompt_tokens": 40 * n, "completion_tokens": 12,
            "total_tokens": 40 * n + 12, "latency_ms": 1200.0, "estimated_cost": 0.0021,
            "error": None}


def chat_lines() -> list[dict[str, Any]]:
    """A three-turn chat whose system prompt was edited before the third turn (a deploy in the
    middle of the conversation), and a one-call session."""
    q1 = [{"role": "system", "content": SYSTEM},
          {"role": "user", "content": "My account is locked, mail me at jane.doe@acme.io"}]
    a1 = {"role": "assistant", "content": "It unlocks after 30 minutes."}
    q2 = [*q1, a1, {"role": "user", "content": "Can I reset it now?"}]
    a2 = {"role": "assistant", "content": "Yes: use 'Forgot password'."}
    q3 = [{"role": "system", "content": EDITED}, *q2[1:], a2,
          {"role": "user", "content": "Thanks! [@click=app.quit]bye[/]"}]
    return [
        request(1, 0, "sess_chat", q1), response(1, 0, a1["content"]),
        request(2, 2, "sess_chat", q2), response(2, 2, a2["content"]),
        request(3, 4, "sess_chat", q3, temperature=0.7), response(3, 4, "You're welcome!"),
        request(4, 10, "sess_other", [{"role": "user", "content": "Where is order A-1?"}]),
        response(4, 10, "It shipped yesterday."),
    ]


def write(path: Path, lines: list[dict[str, Any]]) -> None:
    with path.open("a") as out:
        out.writelines(json.dumps(line) + "\n" for line in lines)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    directory.mkdir()
    write(directory / "llm_logs_2026-11-20.jsonl", chat_lines())
    return directory




class SessionsApp(App[None]):
    """What the app gives the pane and its screens: an index, a masker, navigation."""

    AUTO_FOCUS = "#sessions-table"
    BINDINGS = [Binding("m", "toggle_mask", "Mask")]

    def __init__(self, logs: Path) -> None:
        super().__init__()
        self.index = Index.open([str(logs)], index_path=None, tz=timezone.utc)
        self.index.refresh(final=True)
        self.masker = Masker(b"k" * 32)

    def compose(self) -> ComposeResult:
        yield SessionsPane(self.index, self.masker, id="sessions-pane")
        yield Footer()

    def on_open_session(self, message: OpenSession) -> None:
        self.push_screen(SessionScreen(message.session))

    def on_open_call(self, message: OpenCall) -> None:
        self.push_screen(CallScreen(message.key))

    def action_toggle_mask(self) -> None:
        self.masker.enabled = not self.masker.enabled
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_masking", None)
            if refresh is not None:
                refresh()


async def settle(pilot: Any) -> None:
    await pilot.pause(0.2)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def test_list_then_thread_then_call_and_back(logs: Path) -> None:
    app = SessionsApp(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.query_one("#sessions-table", PagedTable)
        assert table.row_count == 2
        shown = screen_text(app)
        assert "sess_chat" not in shown  # the list shows people and questions, not ids
        assert "usr_42" in shown and "My account is locked" in shown
        assert "jane.doe@acme.io" not in shown  # masked
        await pilot.press("down")  # the chat was active before the other session
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SessionScreen)
        shown = screen_text(app)
        assert "sess_chat" in shown and "3 turns" in shown
        assert "⚠ history mutated between turns: turn 3" in shown
        assert "#1 11-20 09:00" in shown and "1.2s ok" in shown and "2 messages sent" in shown
        thread = app.screen.query_one(ThreadView)
        await pilot.press("end")
        shown = screen_text(app)
        assert "+1 new · ✎ system prompt edited · temperature 0.2→0.7" in shown
        assert "system · edited" in shown and "Keep every answer under 60 words." in shown
        assert "[@click=app.quit]bye[/]" in shown  # log text is never markup
        assert thread.turn is not None and thread.turn.number == 3
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        assert app.screen.key == "req:00000000-0000-4000-8000-000000000003"
        await pilot.press("escape")
        assert isinstance(app.screen, SessionScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.query_one("#sessions-table", PagedTable).row_count == 2
        assert app.screen.query_one(SessionsPane)


async def test_each_message_is_shown_once(logs: Path) -> None:
    app = SessionsApp(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        lines = app.screen.query_one(ThreadView).layout_lines.lines
        text = "\n".join(line.content.plain for line in lines)
        assert text.count("My account is locked") == 1
        assert text.count("It unlocks after 30 minutes.") == 1
        assert text.count("Can I reset it now?") == 1


async def test_up_and_down_move_between_turns_and_the_mask_toggles(logs: Path) -> None:
    app = SessionsApp(logs)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        thread = app.screen.query_one(ThreadView)
        await pilot.press("down")
        assert thread.turn.number == 2
        await pilot.press("up")
        assert thread.turn.number == 1
        assert "‹EMAIL-" in screen_text(app)
        await pilot.press("m")
        await pilot.pause()
        assert "jane.doe@acme.io" in screen_text(app)


async def test_search_filters_the_list_and_shows_mistakes_in_place(logs: Path) -> None:
    app = SessionsApp(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"turns>x")
        await settle(pilot)
        assert "expected a number" in screen_text(app)
        app.query_one("#sessions-pane QueryBar").set_query("turns>1")
        await pilot.press("enter")
        await pilot.pause(0.4)
        await settle(pilot)
        table = app.query_one("#sessions-table", PagedTable)
        assert table.row_count == 1 and table.row_at(0)["session"] == "sess_chat"


async def test_new_sessions_appear_while_the_pane_is_shown(logs: Path) -> None:
    app = SessionsApp(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        write(logs / "llm_logs_2026-11-20.jsonl", [
            request(9, 30, "sess_new", [{"role": "user", "content": "A brand new question"}]),
            response(9, 30, "ok")])
        app.index.refresh(final=True)
        app.query_one(SessionsPane).data_changed()
        await settle(pilot)
        await settle(pilot)
        assert app.query_one("#sessions-table", PagedTable).row_count == 3
        assert "A brand new question" in screen_text(app)


def test_thread_screen_80x24(snap_compare, logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(logs.parent)

    async def open_chat(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("down", "down")

    assert snap_compare(SessionsApp(logs), terminal_size=(80, 24), run_before=open_chat)


def test_sessions_list_80x24(snap_compare, logs: Path) -> None:
    assert snap_compare(SessionsApp(logs), terminal_size=(80, 24), run_before=settle)
