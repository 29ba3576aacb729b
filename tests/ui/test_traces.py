"""The Traces pane, the waterfall and the comparison, driven with the pilot over a real index of
OpenTelemetry spans written by the real SDK (and a log with a span whose parent never came)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.messages import OpenCall, OpenTrace
from llmview.ui.panes.traces import TracesPane
from llmview.ui.screens.call import CallScreen
from llmview.ui.screens.trace import TraceScreen
from llmview.ui.screens.trace_compare import TraceCompareScreen
from llmview.ui.widgets.paged_table import PagedTable
from llmview.ui.widgets.waterfall import Waterfall
from tests.fixtures import otel

from .conftest import row_of, screen_text

pytestmark = pytest.mark.usefixtures("utc")  # times on screen are local

A, B = otel.TRACE_A, otel.TRACE_B
ORPHANS = "0d0d0d0d" * 4


def seed_span(trace: str, span: str, parent: str | None, second: int, **extra: Any) -> str:
    return json.dumps({"trace_id": trace, "span_id": span, "parent_id": parent,
                       "name": f"step {span}", "start_time": f"2026-11-19T10:00:{second:02d}",
                       "end_time": f"2026-11-19T10:00:{second + 1:02d}", **extra}) + "\n"


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("traces")
    otel.write_all(directory)
    (directory / "spans.jsonl").write_text(
        seed_span(ORPHANS, "root", None, 0)
        + seed_span(ORPHANS, "stray", "never-logged", 2,
                    attributes={"customer": "jane.doe@acme.io"}))
    return directory




class TracesApp(App[None]):
    """What the app gives the Traces pane: an index, a masker, ``m``, and navigation."""

    AUTO_FOCUS = "#traces"
    BINDINGS = [Binding("m", "toggle_mask", "Mask")]

    def __init__(self, index: Index) -> None:
        super().__init__()
        self.index = index
        self.masker = Masker(b"k" * 32)

    def compose(self) -> ComposeResult:
        yield TracesPane(self.index, self.masker, id="traces-pane")
        yield Footer()

    def open_trace(self, trace_id: str) -> None:
        self.push_screen(TraceScreen(trace_id))

    def on_open_trace(self, message: OpenTrace) -> None:
        self.open_trace(message.trace_id)

    def on_open_call(self, message: OpenCall) -> None:
        self.push_screen(CallScreen(message.key))

    def action_toggle_mask(self) -> None:
        self.masker.enabled = not self.masker.enabled
        for screen in self.screen_stack:
            refresh = getattr(screen, "refresh_masking", None)
            if refresh is not None:
                refresh()


def make_app(logs: Path) -> TracesApp:
    index = Index.open([str(logs)], index_path=None)
    index.refresh(final=True)
    return TracesApp(index)


async def settle(pilot: Any) -> None:
    """The workers done and their results drawn; on a trace, the detail of the span under the
    cursor shown (it follows the cursor after a short delay, so wait for it, not for a time)."""
    for _ in range(100):
        await pilot.pause(0.05)
        if any(worker.is_running for worker in pilot.app.workers):
            continue
        screen = pilot.app.screen
        if not isinstance(screen, TraceScreen) or screen.has_class("-empty"):
            break
        if screen.trace_tree is not None and \
                screen.query_one("#span-detail").node is screen.waterfall.current:
            break
    await pilot.pause(0.05)


async def open_trace(pilot: Any, trace_id: str) -> Waterfall:
    pilot.app.open_trace(trace_id)
    await settle(pilot)
    return pilot.app.screen.query_one(Waterfall)


async def test_the_list_searches_and_opens_a_trace(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.query_one("#traces", PagedTable)
        assert table.row_count == 7
        text = screen_text(app)
        assert "POST /ask" in text and "RetrievalQA" in text and "rag-api" in text
        await pilot.press("slash", *"status:error service:rag-api")
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 1 and table.row_at(0)["trace_id"] == A
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen)
        text = screen_text(app)
        assert f"trace {A}" in text and "1 failed" in text
        assert "▏0" in text and "▏1s" in text and "▏2s" in text  # the ruler


async def test_a_bad_query_is_shown_in_place(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"duration>fast")
        await settle(pilot)
        text = screen_text(app)
        assert "column 10" in text and "expected a duration" in text
        assert app.query_one("#traces", PagedTable).row_count == 7  # the list is unchanged


async def test_fold_unfold_and_zoom(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        waterfall = await open_trace(pilot, A)
        assert [n.name for n in waterfall.rows] == [
            "POST /ask", "retrieve", "chat gpt-4o", "execute_tool get_weather", "chat gpt-4o",
            "chat gpt-4o-mini"]
        assert "├─ RETR retrieve" in screen_text(app)
        await pilot.press("left")  # fold the root
        assert len(waterfall.rows) == 1 and "retrieve" not in screen_text(app)
        await pilot.press("right")  # unfold
        assert len(waterfall.rows) == 6
        await pilot.press("space")
        assert len(waterfall.rows) == 1
        await pilot.press("space", "down", "down", "left")  # a leaf: left goes to the parent
        assert waterfall.current.name == "POST /ask"
        await pilot.press("e")  # the failed span, marked, its ancestor flagged
        assert waterfall.current.name == "chat gpt-4o-mini"
        text = screen_text(app)
        assert "✗ LLM chat gpt-4o-mini" in text and "! HTTP POST /ask" in text
        await pilot.press("home", "z")  # zoom into the root: the same rows on its own axis
        assert "zoomed: POST /ask" in screen_text(app)
        await pilot.press("Z")
        assert "zoomed" not in screen_text(app)


async def test_span_detail_shows_the_error_and_the_exception(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await open_trace(pilot, A)
        await pilot.press("e")
        await settle(pilot)
        detail = app.screen.query_one("#span-detail")
        titles = [str(w.border_title) for w in detail.query("FieldTable")]
        assert titles[:2] == ["span", "attributes"] and "exception at +1.69s" in titles
        rendered = "\n".join(_plain(w) for w in detail.query("FieldTable"))
        assert "type openai.RateLimitError" in rendered
        assert "stacktrace openai.RateLimitError: Error code: 429" in rendered


def _plain(widget: Any) -> str:
    """A FieldTable's rows as text, including what is scrolled out of view."""
    return "\n".join(f"{label} {value}" for label, value, _ in widget.rows)


async def test_jump_to_the_call_and_back(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        waterfall = await open_trace(pilot, A)
        await pilot.press("down", "down")
        assert waterfall.current.name == "chat gpt-4o"
        await settle(pilot)
        assert "Enter opens the call" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        assert app.screen.key == f"span:{A}:{otel.span_id(A, 3)}"
        assert "Weather in Paris?" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.query_one(Waterfall).current.name == "chat gpt-4o"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("t")  # from the call to its trace
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen) and app.screen.trace_id == A
        assert len(app.screen_stack) == 4


async def test_orphans_hang_under_a_missing_parent_masked(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        waterfall = await open_trace(pilot, ORPHANS)
        assert [(n.name, n.depth) for n in waterfall.rows] == [
            ("step root", 0), ("missing parent", 0), ("step stray", 1)]
        assert "missing parent never-logged" in screen_text(app)
        await pilot.press("down")
        await settle(pilot)
        assert "never logged: 1 span(s) name it as their parent" in screen_text(app)
        await pilot.press("down")
        await settle(pilot)
        detail = "\n".join(_plain(w) for w in app.screen.query("FieldTable"))
        assert "jane.doe@acme.io" in detail  # the rows keep the truth ...
        assert "jane.doe@acme.io" not in screen_text(app)  # ... the screen shows a tag
        assert "‹EMAIL-" in screen_text(app)
        await pilot.press("m")
        await pilot.pause(0.2)
        assert "jane.doe@acme.io" in screen_text(app)


async def test_mark_two_traces_and_compare(logs: Path, tmp_path: Path) -> None:
    # A second run of trace B's workflow: slower retrieval, a different answer, no tool call.
    run = tmp_path / "run"
    run.mkdir()
    second = "b2" * 16
    lines = [seed_span(second, "c", None, 0, name="RetrievalQA"),
             seed_span(second, "e", "c", 1, name="OpenAIEmbeddings"),
             seed_span(second, "r", "c", 2, name="VectorStoreRetriever"),
             seed_span(second, "l", "c", 3, name="ChatOpenAI"),
             seed_span(second, "l2", "c", 5, name="ChatOpenAI", status="error"),
             seed_span(second, "x", "c", 7, name="rerank")]
    (run / "spans.jsonl").write_text("".join(lines))
    (run / "otlp_collector.jsonl").write_bytes((logs / "otlp_collector.jsonl").read_bytes())
    app = make_app(run)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.query_one("#traces", PagedTable)
        table.cursor_row = row_of(table, "trace_id", B)
        await pilot.press("c")
        assert "◆" in screen_text(app)
        table.cursor_row = row_of(table, "trace_id", second)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, TraceCompareScreen)
        text = screen_text(app)
        assert "RetrievalQA" in text and "search" in text and "rerank" in text
        matches = app.screen.query_one("#matches", PagedTable)
        changes = {(m.name, m.change) for m in (matches.row_at(n)["match"]
                                               for n in range(matches.row_count))}
        assert ("search", "missing") in changes and ("rerank", "added") in changes
        assert ("ChatOpenAI", "status") in changes and ("OpenAIEmbeddings", "changed") in changes
        assert "− only in A" in text and "+ only in B" in text
        assert "+950ms" in text  # VectorStoreRetriever: 80 ms in A, 1 s in B
        await pilot.press("down")
        await settle(pilot)
        text = screen_text(app)
        assert "run A" in text and "run B" in text and "embedding.model_name" in text
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, TraceScreen) and app.screen.trace_id == B
        assert app.screen.query_one(Waterfall).current.name == "OpenAIEmbeddings"


async def test_a_trace_still_arriving_updates_in_place(tmp_path: Path) -> None:
    trace = "1e1e1e1e" * 4
    log = tmp_path / "spans.jsonl"
    log.write_text(seed_span(trace, "child", "root", 1))
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        waterfall = await open_trace(pilot, trace)
        assert [n.name for n in waterfall.rows] == ["missing parent", "step child"]
        await pilot.press("down")
        with log.open("a") as handle:
            handle.write(seed_span(trace, "root", None, 0) + seed_span(trace, "late", "root", 3))
        app.index.refresh()
        app.screen.data_changed()
        await settle(pilot)
        assert [n.name for n in waterfall.rows] == ["step root", "step child", "step late"]
        assert waterfall.current.name == "step child"  # the cursor stayed on its span


async def test_a_call_whose_trace_has_no_spans(tmp_path: Path) -> None:
    line = {"event": "llm_request", "request_id": "r-1", "model": "gpt-4o", "provider": "openai",
            "operation": "chat", "timestamp": "2026-11-20T10:00:00", "prompt_tokens": 5,
            "completion_tokens": 2, "tags": {"trace_id": "ab" * 16}}
    (tmp_path / "a.jsonl").write_text(json.dumps(line) + "\n")
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_trace(pilot, "ab" * 16)
        assert "No spans of this trace were logged; 1 call(s) carry its id." in screen_text(app)


async def test_hostile_span_text_is_shown_literally(tmp_path: Path) -> None:
    trace = "bad0bad0" * 4
    nasty = "[@click=app.quit]x[/] [bold red]X[/bold red] \x1b[2J \x1b]52;c;aGVsbG8=\x07"
    (tmp_path / "spans.jsonl").write_text(
        seed_span(trace, "root", None, 0, name=nasty, kind="[/]\x1b[31m",
                  attributes={nasty: nasty}, status="error", error=nasty))
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert "[@click=app.quit]x[/] [bold red]X[/bold red] \\x1b[2J" in screen_text(app)
        await open_trace(pilot, trace)
        await pilot.press("down", "up", "space", "z", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text and "\x1b" not in text
        assert app.is_running
