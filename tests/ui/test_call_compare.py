"""Comparing two calls in the real app: mark one in Requests with ``c``, mark another, and the
two open side by side; the cursor's row shows both values; ``a``/``b`` open either call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmview.ui.screens.call import CallScreen
from llmview.ui.screens.call_compare import CallCompareScreen
from llmview.ui.widgets.paged_table import PagedTable

from .conftest import make_app, row_of, screen_text
from .test_app import settle

SYSTEM = "You are a support bot for ACME. Answer in one sentence."


def call(n: int, system: str, model: str, temperature: float, answer: str,
         latency_ms: float) -> str:
    """A request line and its response line (they merge into one call by request id)."""
    return json.dumps({
        "request_id": f"req-{n}", "timestamp": f"2026-11-20T10:00:0{n}", "model": model,
        "temperature": temperature,
        "messages": [{"role": "system", "content": system},
                     {"role": "user", "content": "How do I reset my password? "
                                                 "I am jane.doe@acme.io"}],
    }) + "\n" + json.dumps({
        "request_id": f"req-{n}", "timestamp": f"2026-11-20T10:00:0{n}", "content": answer,
        "finish_reason": "stop", "prompt_tokens": 30 + n, "completion_tokens": 9,
        "total_tokens": 39 + n, "latency_ms": latency_ms,
    }) + "\n"


async def calls_table(pilot: Any) -> PagedTable:
    """The Requests table once both calls' rows are loaded (a busy machine is slow to)."""
    table = pilot.app.query_one("#calls", PagedTable)
    for _ in range(50):
        if table.row_count == 2 and table.row_at(0) is not None and \
                table.row_at(1) is not None:
            return table
        await pilot.pause(0.1)
    raise AssertionError("the calls never loaded")


async def compared(pilot: Any) -> CallCompareScreen:
    """The comparison screen once both calls are read and matched."""
    for _ in range(50):
        screen = pilot.app.screen
        if isinstance(screen, CallCompareScreen) and screen.loaded:
            await settle(pilot, 0.1)
            return screen
        await pilot.pause(0.1)
    raise AssertionError("the comparison did not open")


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    (tmp_path / "app.jsonl").write_text(
        call(1, SYSTEM, "gpt-4o", 0.2, "Use the reset link on the sign-in page.", 900.0)
        + call(2, SYSTEM + " Be formal.", "gpt-4o-mini", 0.7,
               "Kindly use the reset link on the sign-in page.", 400.0))
    return tmp_path


async def test_mark_two_calls_and_compare(two_runs: Path) -> None:
    app = make_app(two_runs)
    async with app.run_test(size=(100, 30)) as pilot:
        table = await calls_table(pilot)
        table.cursor_row = row_of(table, "key", "req:req-1")
        await pilot.press("c")
        assert "◆" in screen_text(app)
        table.cursor_row = row_of(table, "key", "req:req-2")
        await pilot.press("c")
        screen = await compared(pilot)
        text = screen_text(app)
        assert "gpt-4o-mini" in text and "0.7" in text and "≠ differs" in text
        assert "-500ms" in text  # latency 900 ms in A, 400 ms in B
        matches = screen.query_one("#matches", PagedTable)
        changes = {matches.row_at(n)["part"].label: matches.row_at(n)["part"].change
                   for n in range(matches.row_count)}
        assert changes["#1 system"] == "changed" and changes["#2 user"] == "same"
        assert changes["output"] == "changed" and changes["model"] == "changed"
        assert "jane.doe@acme.io" not in text  # masked like every other view

        matches.cursor_row = next(n for n in range(matches.row_count)
                                  if matches.row_at(n)["part"].label == "#1 system")
        await settle(pilot)
        text = screen_text(app)
        assert "call A" in text and "call B" in text and "Be formal." in text

        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and app.screen.key == "req:req-2"
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert "◆" not in screen_text(app)  # the marks were used up


async def test_marking_the_same_call_twice_unmarks_it(two_runs: Path) -> None:
    app = make_app(two_runs)
    async with app.run_test(size=(100, 30)) as pilot:
        await calls_table(pilot)
        await pilot.press("c")
        assert "◆" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        assert "◆" not in screen_text(app)
        assert not isinstance(app.screen, CallCompareScreen)
