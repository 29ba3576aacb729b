"""The Metrics pane in a small host app (the pane, the index and the masker, as the real app
gives them): window and grouping keys, Enter to list a group's calls, and its 80x24 layout."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.demo import write_demo
from llmview.ui.messages import SearchCalls
from llmview.ui.panes.metrics import MetricsPane
from llmview.ui.widgets.paged_table import PagedTable

from .conftest import screen_text

NOW = 1_795_440_000.0


class Host(App[None]):
    AUTO_FOCUS = "#metrics-table"

    def __init__(self, index: Index) -> None:
        super().__init__()
        self.index = index
        self.masker = Masker(key=b"snapshot-key-000000000000000000")
        self.searches: list[str] = []

    def compose(self) -> ComposeResult:
        yield MetricsPane(self.index, self.masker, id="metrics-pane")
        yield Footer()

    def on_search_calls(self, message: SearchCalls) -> None:
        self.searches.append(message.query)


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    logs = tmp_path / "logs"
    logs.mkdir()
    write_demo(logs, calls=150, seed=7, now=NOW)
    index = Index.open([str(logs)], index_path=None)
    index.refresh(final=True)
    yield Host(index)
    index.close()
    time.tzset()


async def settle(pilot: Any) -> None:
    """Until the workers are idle twice in a row: a loaded count starts the page loads."""
    idle = 0
    for _ in range(100):
        await pilot.pause(0.05)
        idle = 0 if any(w.is_running for w in pilot.app.workers) else idle + 1
        if idle >= 3:
            break
    await pilot.pause(0.1)


def table_names(app: App[None]) -> list[Any]:
    table = app.query_one("#metrics-table", PagedTable)
    return [table.row_at(n)["name"] for n in range(table.row_count)]


async def test_window_and_grouping_keys_recompute_the_table(host: Host) -> None:
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = host.query_one(MetricsPane)
        assert (pane.window, pane.group) == ("24h", "model")
        text = screen_text(host)
        assert "gpt-4o-mini" in text and "p95" in text and "total" in text
        day = host.query_one("#metrics-table", PagedTable).row_at(0)["calls"]

        await pilot.press("w")  # 24h -> 7d
        await settle(pilot)
        assert pane.window == "7d"
        assert "the last 7d to the newest call" in screen_text(host)

        await pilot.press("w", "w")  # -> all -> 1h
        await settle(pilot)
        assert pane.window == "1h"
        hour = host.query_one("#metrics-table", PagedTable).row_at(0)["calls"]
        assert 0 < hour < day

        await pilot.press("b")  # model -> provider
        await settle(pilot)
        assert pane.group == "provider"
        names = table_names(host)
        assert names[0] is None  # the totals row
        assert set(names[1:]) <= {"openai", "anthropic", "google", "gemini", "ollama", "local",
                                  None}
        assert "provider" in screen_text(host).splitlines()[2]  # the first column's title


async def test_enter_lists_the_groups_calls(host: Host) -> None:
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause(0.1)
        pane = host.query_one(MetricsPane)
        row = host.query_one("#metrics-table", PagedTable).row_at(1)
        assert host.searches and host.searches[-1].endswith(f'model:"{row["name"]}"')
        assert host.index.count(host.searches[-1]) == row["calls"]
        assert "since:" in host.searches[-1]  # the window travels with the search
        assert pane.view.search_for(row) == host.searches[-1]


async def test_filter_narrows_and_a_bad_filter_is_shown(host: Host) -> None:
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"provider:anthropic", "enter")
        await settle(pilot)
        assert set(table_names(host)[1:]) <= {"claude-sonnet-4-20250514",
                                              "claude-3-5-haiku-20241022"}
        host.query_one("#metrics-filter Input").value = ""
        await pilot.press("slash", *"latency>soon")
        await settle(pilot)
        assert "expected a duration" in screen_text(host)


async def test_unpriced_calls_are_explained_on_the_totals_row(host: Host) -> None:
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(host)
        assert "unpriced: llama3:8b-instruct" in text
        assert "+?" in text


def test_metrics_pane_80x24(snap_compare, host: Host) -> None:
    assert snap_compare(host, terminal_size=(80, 24), run_before=settle)


async def test_new_calls_show_within_a_second(host: Host, tmp_path: Path) -> None:
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("w", "w")  # all
        await settle(pilot)
        before = host.query_one("#metrics-table", PagedTable).row_at(0)["calls"]
        line = ('{"event": "llm_request", "request_id": "late-1", "model": "gpt-4o", '
                '"provider": "openai", "operation": "completion", '
                '"timestamp": "2026-11-23T12:00:00", "input_tokens": 5, "output_tokens": 5}\n')
        with (tmp_path / "logs" / "late.jsonl").open("w") as f:
            f.write(line)
        host.index.refresh(final=True)
        host.query_one(MetricsPane).data_changed()
        await pilot.pause(1.3)
        await settle(pilot)
        assert host.query_one("#metrics-table", PagedTable).row_at(0)["calls"] == before + 1


async def test_a_masked_group_is_not_put_in_the_search_box(tmp_path: Path) -> None:
    logs = tmp_path / "mail"
    logs.mkdir()
    (logs / "app.jsonl").write_text("".join(
        json.dumps({"event": "llm_request", "request_id": f"r{n}", "model": "gpt-4o",
                    "provider": "openai", "operation": "completion",
                    "timestamp": f"2026-11-20T10:00:0{n}", "user_id": user}) + "\n"
        for n, user in enumerate(["bob@example.com", "bob@example.com", "u_42"])))
    index = Index.open([str(logs)], index_path=None)
    index.refresh(final=True)
    host = Host(index)
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("b", "b", "b")  # model -> provider -> app -> user
        await settle(pilot)
        assert "bob@example.com" not in screen_text(host)
        await pilot.press("down", "enter")  # bob, masked
        await pilot.pause(0.5)
        assert host.searches == []
        assert any("press m to unmask" in n.message for n in host._notifications)
        await pilot.press("down", "enter")  # u_42 is not personal data
        await pilot.pause(0.1)
        assert len(host.searches) == 1 and host.searches[0].endswith('user:"u_42"')
    index.close()


async def test_a_bad_price_table_in_config_is_a_warning(
        host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmview.core import pricing
    from llmview.core.config import ENV_VAR

    config = tmp_path / "config.toml"
    config.write_text('[prices."llama3:8b-instruct"]\ninput_per_mtok = "free"\n')
    monkeypatch.setenv(ENV_VAR, str(config))
    monkeypatch.setattr(pricing, "_default", None)
    async with host.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert any("costs use list prices only" in n.message for n in host._notifications)
        assert host.query_one("#metrics-table", PagedTable).row_at(0)["calls"] > 0
