"""The paged table on its own, over a source whose pages arrive when the test lets them: what a
live reload draws while its fresh rows are on their way."""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult

from llmview.ui.widgets.paged_table import Column, PagedTable, Row

from .conftest import screen_text


async def settle(pilot: Any, seconds: float = 0.2) -> None:
    """A moment for the table's count and page workers (an open gate answers at once)."""
    await pilot.pause(seconds)


class GatedSource:
    """Rows in memory; ``page`` waits until ``gate`` is open, as a slow query would."""

    def __init__(self, count: int) -> None:
        self.rows: list[Row] = [{"n": n} for n in range(count)]
        self.gate = threading.Event()
        self.gate.set()

    def count(self) -> int:
        return len(self.rows)

    def page(self, offset: int, limit: int) -> list[Row]:
        self.gate.wait(10)
        return self.rows[offset:offset + limit]


class TableApp(App[None]):
    def __init__(self, source: GatedSource) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield PagedTable([Column("n", "n", 8, lambda row: Text(str(row["n"])))], self.source)

    def on_mount(self) -> None:
        self.query_one(PagedTable).reload(keep_position=False)


async def test_a_live_reload_draws_the_old_rows_and_count_until_the_fresh_rows_arrive() -> None:
    source = GatedSource(5)
    app = TableApp(source)
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        assert table.row_count == 5
        frames = []
        table.refresh = lambda *a, **k: frames.append(1) or PagedTable.refresh(table, *a, **k)
        source.gate.clear()
        source.rows = [{"n": n} for n in range(100, 108)]  # three more, as after a pass
        table.reload(keep_position=False)  # following the newest
        await settle(pilot, 0.3)
        # The count has arrived, the rows in view have not: nothing changes on screen yet.
        assert table.row_count == 5 and table.row_at(0) == {"n": 0}
        assert frames == []
        source.gate.set()
        await settle(pilot, 0.3)
        assert table.row_count == 8 and table.row_at(0) == {"n": 100}
        assert "107" in screen_text(app)


async def test_a_new_query_draws_placeholders_not_the_old_querys_rows() -> None:
    source = GatedSource(5)
    app = TableApp(source)
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        table = app.query_one(PagedTable)
        source.gate.clear()
        table.set_source(source)  # another query's rows: they must not stand in
        assert table.row_at(0) is None
        source.gate.set()
        await settle(pilot, 0.3)
        assert table.row_at(0) == {"n": 0}
