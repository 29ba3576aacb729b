"""The call screen driven with the pilot over a real index of seed-003 request/response logs:
the conversation, the tabs, copying, masking, hostile log text and a 5 MB message."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App
from textual.binding import Binding
from textual.widgets import TabbedContent

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.app import LlmviewApp
from llmview.ui.messages import OpenTrace
from llmview.ui.screens.call import CallScreen
from llmview.ui.widgets.chat_message import ChatMessage
from llmview.ui.widgets.json_view import JsonView, json_text

from .conftest import screen_text

pytestmark = pytest.mark.usefixtures("utc")  # times on screen are local

KEY = b"k" * 32  # a fixed masking key: the same tags every run
TRACE_ID = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
EMAIL = "jane.doe@acme.io"
HOSTILE = ("[@click=app.quit]x[/] [bold red]X[/bold red] [/] \x1b[2J "
           "\x1b]52;c;aGVsbG8=\x07 end")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
BIG = "lorem ipsum dolor sit amet " * 190_000 + "write to bob@example.org"  # 5.1 MB


def request_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


CHAT, HOSTILE_CALL, FAILED, BIG_CALL = (f"req:{request_id(n)}" for n in (1, 2, 3, 4))


def request(n: int, second: int, messages: list[dict[str, Any]], **fields: Any) -> dict:
    """An ``LLMRequestLog`` line as seed 003's FileLogStorage writes it."""
    return {"request_id": request_id(n), "timestamp": f"2026-11-20T09:30:{second:02d}",
            "model": "gpt-4o", "messages": messages, "temperature": None, "max_tokens": None,
            "user_id": "usr_42", "session_id": "sess_1", "trace_id": None, **fields}


def response(n: int, second: int, content: str, **fields: Any) -> dict:
    """The matching ``LLMResponseLog`` line."""
    return {"request_id": request_id(n), "timestamp": f"2026-11-20T09:30:{second:02d}.850000",
            "content": content, "finish_reason": "stop", "prompt_tokens": 25,
            "completion_tokens": 7, "total_tokens": 32, "latency_ms": 850.0,
            "estimated_cost": None, "error": None, **fields}


CHAT_MESSAGES = [
    {"role": "system", "content": "You are a travel assistant."},
    {"role": "user", "content": f"Find a flight to Paris and mail {EMAIL}"},
    {"role": "assistant", "content": None, "tool_calls": [{
        "id": "call_1", "type": "function",
        "function": {"name": "search_flights", "arguments": '{"to": "CDG", "max": 3}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": '{"flights": 3}'},
]
LINES = [
    request(1, 0, CHAT_MESSAGES, temperature=0.2, max_tokens=200, trace_id=TRACE_ID),
    response(1, 0, "I found 3 flights to Paris."),
    request(2, 2, [{"role": "user", "content": HOSTILE}]),
    response(2, 2, "ok"),
    request(3, 4, [], model="gpt-4o-mini"),  # log_prompts=False
    response(3, 4, "", finish_reason="error", prompt_tokens=0, completion_tokens=0,
             total_tokens=0, error="Error code: 429 - Rate limit reached for gpt-4o-mini"),
    request(4, 6, [{"role": "user", "content": BIG}]),
    response(4, 6, "done"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    logs = tmp_path_factory.mktemp("logs")
    (logs / "llm_logs_2026-11-20.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in LINES))
    opened = Index.open([str(logs)], index_path=None, tz=timezone.utc)
    opened.refresh(final=True)
    yield opened
    opened.close()




class CallApp(App[None]):
    """The least the call screen needs from the app: an index, a masker and ``m``."""

    BINDINGS = [Binding("m", "toggle_mask", "Mask")]

    def __init__(self, index: Index, key: str) -> None:
        super().__init__()
        self.index = index
        self.masker = Masker(KEY)
        self.key = key

    def on_mount(self) -> None:
        self.push_screen(CallScreen(self.key))

    def action_toggle_mask(self) -> None:
        self.masker.enabled = not self.masker.enabled
        refresh = getattr(self.screen, "refresh_masking", None)
        if refresh is not None:
            refresh()


class TraceApp(CallApp):
    """An app with a trace view: ``t`` asks it to open the call's trace."""

    def __init__(self, index: Index, key: str) -> None:
        super().__init__(index, key)
        self.opened: list[str] = []

    def open_trace(self, trace_id: str) -> None:
        self.opened.append(trace_id)

    def on_open_trace(self, message: OpenTrace) -> None:
        self.open_trace(message.trace_id)


def conversation_text(app: App[Any]) -> str:
    """Every chat block's content, including what is scrolled out of view."""
    return "\n".join(message.build().plain for message in app.screen.query(ChatMessage))


# --- the conversation --------------------------------------------------------------------


async def test_the_conversation_shows_each_turn(index: Index) -> None:
    app = CallApp(index, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "gpt-4o" in shown and "ok" in shown and "latency 850ms" in shown
        assert "2026-11-20 09:30:00.000" in shown and f"trace {TRACE_ID}" in shown
        assert "─ system ─" in shown and "You are a travel assistant." in shown
        assert "→ search_flights  call_1" in shown
        blocks = [(m.role, m.note) for m in app.screen.query(ChatMessage)]
        assert blocks == [("system", None), ("user", None), ("assistant", None),
                          ("tool", "answers search_flights (call_1)"),
                          ("response", "finish reason: stop")]
        assert '  "to": "CDG",\n  "max": 3\n' in conversation_text(app)  # arguments indented
        await pilot.press("end")
        await pilot.pause()
        shown = screen_text(app)
        assert "I found 3 flights to Paris." in shown and "finish reason: stop" in shown


async def test_unrecorded_messages_and_a_failed_call_are_said_plainly(index: Index) -> None:
    app = CallApp(index, FAILED)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "The log did not record the messages." in shown
        assert "error 429" in shown and "Rate limit reached for gpt-4o-mini" in shown
        assert not app.screen.query(ChatMessage)


# --- tabs and keys -------------------------------------------------------------------------


async def test_tabs_switch_and_escape_goes_back(index: Index) -> None:
    app = CallApp(index, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        tabs = app.screen.query_one(TabbedContent)
        await pilot.press("2")
        assert tabs.active == "details"
        shown = screen_text(app)
        assert "temperature  0.2" in shown and "max_tokens   200" in shown
        assert "input tokens   25" in shown
        await pilot.press("3")
        assert tabs.active == "raw"
        assert "llm_logs_2026-11-20.jsonl:1 " in screen_text(app)
        assert '"request_id": "00000000-0000-4000-8000-000000000001"' in screen_text(app)
        await pilot.press("4")
        await pilot.pause()
        shown = screen_text(app)
        assert "response = client.chat.completions.create(" in shown
        assert "model='gpt-4o'," in shown
        await pilot.press("1", "escape")
        assert not isinstance(app.screen, CallScreen)
        app.push_screen(CallScreen(CHAT))
        await pilot.pause()
        await pilot.press("q")
        assert not isinstance(app.screen, CallScreen)


async def test_the_layout_uses_a_wide_terminal(index: Index) -> None:
    app = CallApp(index, CHAT)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert "tokens 25 in · 7 out" in lines[0]  # the whole summary on one line
        assert "I found 3 flights to Paris." in "\n".join(lines)


async def test_trace_key_only_when_the_app_has_a_trace_view(index: Index) -> None:
    app = CallApp(index, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.check_action("open_trace", ()) is False
        assert "Trace" not in screen_text(app).splitlines()[-1]
    app = TraceApp(index, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "t Trace" in screen_text(app).splitlines()[-1]
        await pilot.press("t")
        await pilot.pause()
        assert app.opened == [TRACE_ID]
    app = TraceApp(index, HOSTILE_CALL)  # a call outside any trace
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.check_action("open_trace", ()) is False


# --- copying and masking ---------------------------------------------------------------------


async def test_y_copies_what_has_focus(index: Index) -> None:
    app = CallApp(index, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("y")  # no message focused: the whole conversation
        conversation = json.loads(app.clipboard)
        assert [m["role"] for m in conversation["messages"]] == [
            "system", "user", "assistant", "tool"]
        assert conversation["output"] == "I found 3 flights to Paris."
        assert EMAIL not in app.clipboard and "‹EMAIL-" in app.clipboard
        app.screen.query(ChatMessage)[1].focus()
        await pilot.press("y")
        assert app.clipboard.startswith("Find a flight to Paris and mail ‹EMAIL-")
        app.screen.query(ChatMessage)[2].focus()
        await pilot.press("y")
        assert app.clipboard == '→ search_flights\n{\n  "to": "CDG",\n  "max": 3\n}'
        await pilot.press("3", "y")
        raw = [json.loads(line) for line in app.clipboard.splitlines()]
        assert [line["request_id"] for line in raw] == [request_id(1)] * 2
        assert EMAIL not in app.clipboard
        await pilot.press("4", "y")
        ast.parse(app.clipboard)
        assert "‹EMAIL-" in app.clipboard and EMAIL not in app.clipboard
        await pilot.press("m", "y")
        assert EMAIL in app.clipboard


async def test_the_mask_toggles_everywhere(index: Index) -> None:
    app = CallApp(index, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for tab in ("1", "3", "4"):
            await pilot.press(tab)
            await pilot.pause()
            shown = screen_text(app)
            assert "‹EMAIL-" in shown and EMAIL not in shown, tab
        await pilot.press("m")
        await pilot.pause()
        for tab in ("4", "3", "1"):
            await pilot.press(tab)
            await pilot.pause()
            shown = screen_text(app)
            assert EMAIL in shown and "‹EMAIL-" not in shown, tab
        await pilot.press("m")
        await pilot.pause()
        shown = screen_text(app)
        assert "‹EMAIL-" in shown and EMAIL not in shown


async def test_a_log_that_is_gone_says_so_on_the_raw_tab(tmp_path: Path) -> None:
    log = tmp_path / "llm_logs_2026-11-20.jsonl"
    log.write_text("".join(json.dumps(line) + "\n" for line in LINES[:2]))
    gone = Index.open([str(tmp_path)], index_path=None, tz=timezone.utc)
    gone.refresh(final=True)
    log.unlink()
    app = CallApp(gone, CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert "cannot read back" in screen_text(app)
        assert "You are a travel assistant." not in screen_text(app)
    gone.close()


# --- hostile and huge input ------------------------------------------------------------------


async def test_hostile_text_is_shown_literally(index: Index) -> None:
    app = CallApp(index, HOSTILE_CALL)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        literal = ("[@click=app.quit]x[/] [bold red]X[/bold red] [/] \\x1b[2J "
                   "\\x1b]52;c;aGVsbG8=\\x07 end")
        assert literal in " ".join(line.strip(" │") for line in shown.splitlines())
        assert "\x1b" not in shown and "\x07" not in shown
        row, column = next((n, line.index("[@click")) for n, line in
                           enumerate(shown.splitlines()) if "[@click" in line)
        for x in range(column, column + 3):
            await pilot.click(offset=(x, row))  # must not run the action the text spells
        await pilot.press("tab", "enter", "y", "2", "3", "4", "m", "m", "1", "y")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CallScreen)
        assert app.clipboard  # the last y copied the conversation
        await pilot.press("3")
        await pilot.pause()
        assert "\\u001b[2J" in screen_text(app)  # the raw JSON keeps its own escapes


async def test_a_5mb_message_is_cut_on_screen_and_copied_in_full(index: Index) -> None:
    app = CallApp(index, BIG_CALL)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "clipped when this call was indexed" in screen_text(app)
        [prompt, _] = app.screen.query(ChatMessage)
        content = prompt.build().plain
        assert len(content) < 110_000
        assert re.search(r"… \d+\.\d KB more; y copies the full text$", content)
        await pilot.press("3")
        await pilot.pause()
        views = list(app.screen.query(JsonView))
        raw = views[0].build().plain
        assert len(raw) < 110_000
        assert re.search(r"… 5\.\d MB more; y copies the full text$", raw)
        await pilot.press("y")
        assert len(app.clipboard) > 5_000_000
        assert "bob@example.org" not in app.clipboard and "‹EMAIL-" in app.clipboard
        await pilot.press("4", "m", "1", "y")
        await pilot.pause()
        assert app.is_running


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(exclude_categories=())) | st.builds(
    json.dumps, st.recursive(st.none() | st.floats() | st.text(),
                             lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner))))
def test_json_text_never_lets_a_control_character_through(text: str) -> None:
    for shown in (json_text(text, Masker(KEY)).plain, json_text(text, None, limit=50).plain):
        assert not CONTROL.search(shown)


def test_json_is_coloured_by_token_and_escapes_what_json_leaves_raw() -> None:
    text = json_text(json.dumps({"k\x85": ["v\u202e", 1.5, None]}, ensure_ascii=False), None)
    assert text.plain == '{\n  "k\\x85": [\n    "v\\u202e",\n    1.5,\n    null\n  ]\n}'
    styles = {text.plain[span.start:span.end]: str(span.style) for span in text.spans}
    assert styles == {'"k\\x85"': "bold cyan", '"v\\u202e"': "green", "1.5": "magenta",
                      "null": "yellow"}


# --- snapshot --------------------------------------------------------------------------------


def test_conversation_snapshot(index: Index, snap_compare: Any) -> None:
    assert snap_compare(CallApp(index, CHAT), terminal_size=(80, 24))



async def test_an_open_call_shows_its_response_when_it_is_logged(tmp_path: Path) -> None:
    """The request line is written first, the response line seconds later: a call opened in
    between follows the index, keeping the tab the reader is on."""
    log = tmp_path / "app.jsonl"
    log.write_text(json.dumps(request(1, 0, [{"role": "user", "content": "still waiting?"}]))
                   + "\n")
    app = LlmviewApp(Index.open([str(tmp_path)], index_path=None), Masker(key=b"k" * 32),
                     watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.8)
        app.push_screen(CallScreen(f"req:{request_id(1)}"))
        await pilot.pause(0.3)
        assert "No response has been logged yet." in screen_text(app)
        await pilot.press("2")
        with log.open("a") as handle:
            handle.write(json.dumps(response(1, 2, "here it is")) + "\n")
        for _ in range(60):  # real watchfiles: the event, the refresh, the check, the redraw
            await pilot.pause(0.1)
            tabs = app.screen.query(TabbedContent)
            if ("here it is" in conversation_text(app) and tabs and tabs.first().active
                    and "850ms" in screen_text(app)):
                break  # recomposed, the new tabs mounted, and the screen laid out again
        assert "here it is" in conversation_text(app)
        assert app.screen.query_one(TabbedContent).active == "details"
        assert "850ms" in screen_text(app)  # the details now have the response's latency
