"""Layout snapshots at 80x24 (pytest-textual-snapshot): the screens as a user first sees them.

Run ``pytest --snapshot-update`` after an intended change and look at the new SVGs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.app import LlmviewApp

from .conftest import interaction


@pytest.fixture
def fixed_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LlmviewApp:
    """Deterministic data, zone and masking key; a relative path so the header is stable."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(tmp_path)
    logs = Path("logs")
    logs.mkdir()
    models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514", "gemini-2.0-flash"]
    lines = [interaction(n, f"Question {n}: where is order A-{1000 + n}? mail me at "
                            f"user{n}@example.com", model=models[n % 4], ts=1763600000 + 60 * n)
             for n in range(30)]
    lines.append("not json at all\n")
    (logs / "app.jsonl").write_text("".join(lines))
    index = Index.open(["logs"], index_path=None)
    index.refresh(final=True)
    yield LlmviewApp(index, Masker(key=b"snapshot-key-000000000000000000"), watch=False)
    time.tzset()


async def _settle(pilot) -> None:
    await pilot.pause(0.5)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


def test_requests_screen_80x24(snap_compare, fixed_app: LlmviewApp) -> None:
    assert snap_compare(fixed_app, terminal_size=(80, 24), run_before=_settle)


def test_problems_screen_80x24(snap_compare, fixed_app: LlmviewApp) -> None:
    async def show_problems(pilot) -> None:
        await _settle(pilot)
        await pilot.press("6")
        await _settle(pilot)

    assert snap_compare(fixed_app, terminal_size=(80, 24), run_before=show_problems)


def test_help_screen_80x24(snap_compare, fixed_app: LlmviewApp) -> None:
    async def show_help(pilot) -> None:
        await _settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)

    assert snap_compare(fixed_app, terminal_size=(80, 24), run_before=show_help)

