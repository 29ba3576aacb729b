"""The Errors pane driven with the pilot over a real index: groups with their trend and fix,
sorting, Enter listing a group's calls in the Requests pane, the example call with its
diagnosis, and a snapshot at 80x24.

The pane runs in a small host app with the Requests pane beside it and the app's handling of
``SearchCalls``/``OpenCall``, so these tests do not depend on the rest of the app's tabs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer, Input, TabbedContent, TabPane

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.messages import OpenCall, OpenTrace, SearchCalls
from llmview.ui.panes.errors import ErrorsPane
from llmview.ui.panes.requests import RequestsPane
from llmview.ui.screens.call import CallScreen
from llmview.ui.widgets.paged_table import PagedTable
from tests.fixtures.errors import write_requests, write_traces

from .conftest import screen_text

KEY = b"errors-pane-snapshot-key-000000"


class ErrorsHost(App[None]):
    """The two panes in tabs, navigating the way the app does."""

    AUTO_FOCUS = "#error-groups"

    def __init__(self, index: Index) -> None:
        super().__init__()
        self.index = index
        self.masker = Masker(key=KEY)
        self.traces: list[str] = []

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="tab-errors"):
            with TabPane("Requests", id="tab-requests"):
                yield RequestsPane(self.index, self.masker, id="requests-pane")
            with TabPane("Errors", id="tab-errors"):
                yield ErrorsPane(self.index, self.masker, id="errors-pane")
        yield Footer()

    def on_search_calls(self, message: SearchCalls) -> None:
        self.query_one(TabbedContent).active = "tab-requests"
        self.query_one(RequestsPane).search_for(message.query)

    def on_open_call(self, message: OpenCall) -> None:
        self.push_screen(CallScreen(message.key))

    def on_open_trace(self, message: OpenTrace) -> None:
        self.traces.append(message.trace_id)


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The errors fixture in a fixed zone, under a relative path."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(tmp_path)
    directory = Path("logs")
    directory.mkdir()
    write_requests(directory)
    write_traces(directory)
    yield directory
    time.tzset()


def host(logs: Path) -> ErrorsHost:
    index = Index.open([str(logs)], index_path=None)
    index.refresh(final=True)
    return ErrorsHost(index)


async def settle(pilot: Any) -> None:
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


async def test_groups_show_counts_trend_and_the_fix(logs: Path) -> None:
    app = host(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "6 groups · 10 failures" in text
        first = next(line for line in text.splitlines() if "rate_limit" in line)
        assert first.split()[0] == "5" and "rate limit reached for" in first
        assert any(ch in first for ch in "▁▂▃▄▅▆▇█")
        assert "30,005 tokens per min" in text  # the detail of the highlighted group
        assert "docs https://platform.openai.com/docs/guides/rate-limits" in text


async def test_enter_lists_the_groups_calls_in_requests(logs: Path) -> None:
    app = host(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        group = app.query_one(ErrorsPane).current
        assert group is not None and group.calls == 5
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(TabbedContent).active == "tab-requests"
        assert app.query_one("#search Input", Input).value == f"group:{group.group_id}"
        assert app.query_one("#calls", PagedTable).row_count == 5
        assert "gpt-4o-mini" in screen_text(app)


async def test_sort_by_recency_and_open_the_example(logs: Path) -> None:
    app = host(logs)
    async with app.run_test(size=(100, 45)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        pane = app.query_one(ErrorsPane)
        latest = pane.current
        assert latest is not None and (latest.category, latest.calls) == ("rate_limit", 1)
        await pilot.press("o")  # the example call, with the diagnosis of its error
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        app.screen.query_one(TabbedContent).active = "details"
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "rate_limit" in text and "Retry with exponential backoff" in text
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("down")
        spans = pane.current
        assert spans is not None and (spans.category, spans.calls) == ("connection", 0)
        await pilot.press("enter")  # error spans are not calls: it says so, and stays
        await pilot.press("o")
        await settle(pilot)
        assert app.query_one(TabbedContent).active == "tab-errors"
        assert app.traces == [spans.example["trace_id"]]


async def test_masking_applies_to_signatures_and_examples(logs: Path) -> None:
    app = host(logs)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "bob.smith@example.com" not in screen_text(app)
        assert "‹EMAIL-" in screen_text(app)


def test_errors_pane_80x24(snap_compare: Any, logs: Path) -> None:
    assert snap_compare(host(logs), terminal_size=(80, 24), run_before=settle)
