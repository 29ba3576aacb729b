"""The real app, driven headless with Textual's pilot: what a user sees and can do."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.core.store import FILE_CONFIG
from llmview.ui.app import COUNTS_INTERVAL, LlmviewApp
from llmview.ui.panes.requests import RequestsPane
from llmview.ui.widgets.paged_table import PagedTable

from .conftest import interaction, make_app, screen_text


async def settle(pilot, seconds: float = 0.4) -> None:
    """Let the first index finish and the pages load (the tailing worker never finishes)."""
    await pilot.pause(seconds)
    for _ in range(100):
        if pilot.app.query_one("#status").state in ("live", "paused", "error"):
            break
        await pilot.pause(0.05)
    for _ in range(100):
        busy = [w for w in pilot.app.workers if w.group != "indexer" and w.is_running]
        if not busy:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.15)


async def wait_for(pilot, needle: str, seconds: float = 10) -> str:
    """The screen once ``needle`` is on it (a loaded machine may take a few redraws)."""
    for _ in range(int(seconds / 0.05)):
        text = screen_text(pilot.app)
        if needle in text:
            return text
        await pilot.pause(0.05)
    return screen_text(pilot.app)


async def test_first_screen_lists_calls_with_counts(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = await wait_for(pilot, "6 calls")
        assert "6 calls" in text
        assert "1 problems" in text
        assert "mask on" in text
        assert "question 4 from" in text
        assert text.index("question 4") < text.index("question 3")  # newest first


async def test_search_filters_and_bad_query_is_shown_in_place(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"latency>2x")
        await settle(pilot)
        text = screen_text(app)
        assert "column 9" in text
        assert "expected a duration" in text
        app.query_one("#search Input").value = ""
        await pilot.press(*"question 3")
        await pilot.press("enter")
        await settle(pilot)
        table = app.query_one("#calls", PagedTable)
        assert table.row_count == 1
        assert "question 3" in screen_text(app)


async def test_sort_by_column(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(RequestsPane)
        await pilot.press("s")  # time -> latency
        await pilot.press("s")  # -> tokens
        await settle(pilot)
        assert pane.sort == "tokens"
        first = app.query_one("#calls", PagedTable).row_at(0)
        assert first is not None and first["input_tokens"] == 14
        await pilot.press("S")
        await settle(pilot)
        assert app.query_one("#calls", PagedTable).row_at(0)["input_tokens"] == 10


async def test_follow_mode_shows_calls_appended_while_running(logs: Path) -> None:
    app = make_app(logs, watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, 0.8)
        await pilot.press("f")
        await pilot.press("down", "down")  # moving away turns follow off
        assert app.query_one(RequestsPane).follow is False
        await pilot.press("f")
        with (logs / "app.jsonl").open("a") as handle:
            handle.write(interaction(99, "a brand new question", ts=1763600999))
        for _ in range(60):  # real watchfiles: wait for the event, the refresh and a redraw
            await pilot.pause(0.1)
            table = app.query_one("#calls", PagedTable)
            if table.row_count == 7 and (table.row_at(0) or {}).get("key") == "req:req-99" \
                    and "a brand new question" in screen_text(app):
                break  # loaded, and drawn
        assert table.cursor_row == 0
        assert "a brand new question" in screen_text(app)
        assert "7 calls" in await wait_for(pilot, "7 calls")


async def test_problems_pane_shows_lines_literally_and_opens_them(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        text = screen_text(app)
        assert "app.jsonl:7" in text
        assert "not JSON" in text
        assert "[@click=app.quit]quit[/]" in text
        app.query_one("#problem-table", PagedTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "this line is not json [@click=app.quit]quit[/]" in screen_text(app)
        await pilot.press("escape")
        assert app.is_running


async def test_mask_toggle_reveals_and_hides(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "bob4@example.com" not in screen_text(app)
        assert "‹EMAIL-" in screen_text(app)
        await pilot.press("m")
        await pilot.pause(0.2)
        assert "bob4@example.com" in screen_text(app)
        assert "MASK OFF" in screen_text(app)
        await pilot.press("m")
        await pilot.pause(0.2)
        assert "bob4@example.com" not in screen_text(app)


async def test_help_and_quit(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.2)
        assert "search the calls" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.1)
        await pilot.press("q")
        await asyncio.sleep(0.1)
    assert not app.is_running


async def test_hostile_text_is_shown_literally(tmp_path: Path) -> None:
    logs = tmp_path / "hostile"
    logs.mkdir()
    nasty = "[@click=app.quit]x[/] [bold red]X[/bold red] [/] \x1b[2J \x1b]52;c;aGVsbG8=\x07"
    (logs / "a.jsonl").write_text(interaction(1, nasty) + interaction(2, "é" * 10)
                                  + interaction(3, "big " * 1_300_000))
    with (logs / "a.jsonl").open("ab") as handle:
        handle.write(b'{"event": "llm_interaction", "request_id": "bad-utf8", "model": '
                     b'"gpt-4o", "timestamp": 1763600009, "prompt_messages": [{"role": '
                     b'"user", "content": "caf\xe9 \xff"}]}\n')
    app = make_app(logs)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[@click=app.quit]x[/] [bold red]X[/bold red] [/] \\x1b[2J \\x1b]52;c;" in text
        assert "\x1b" not in text
        assert "caf\ufffd \ufffd" in text
        await pilot.press("down", "up", "s", "S")
        await settle(pilot)
        assert app.is_running


async def test_the_cursor_stays_on_its_call_while_new_calls_arrive_above(logs: Path) -> None:
    """Not following, the reader is reading a call: newer calls landing at the top must not
    slide another call under the cursor (nor under a comparison mark)."""
    app = make_app(logs, watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, 0.8)
        await pilot.press("down", "down")
        table = app.query_one("#calls", PagedTable)
        reading = table.cursor_value["key"]
        with (logs / "app.jsonl").open("a") as handle:
            for n in (97, 98, 99):
                handle.write(interaction(n, f"newer question {n}", ts=1763600900 + n))
        for _ in range(60):  # real watchfiles: the event, the refresh, the reload
            await pilot.pause(0.1)
            if table.row_count == 9 and (table.row_at(0) or {}).get("key") == "req:req-99":
                break
        await pilot.pause(0.2)
        assert table.cursor_value["key"] == reading
        assert table.cursor_row == 5


async def test_a_notice_from_the_index_reaches_the_screen(logs: Path) -> None:
    """The index tells of a damaged file it replaced from a worker thread, after start-up."""
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.index.on_notice is not None
        notice = "index /logs/[@click=app.quit]x[/]\x1b[2J was damaged; rebuilt it"
        await asyncio.to_thread(app.index.on_notice, notice)
        await pilot.pause(0.3)
        shown = [n for n in app._notifications if "was damaged" in n.message]
        assert [n.message for n in shown] == [
            "index /logs/[@click=app.quit]x[/]\\x1b[2J was damaged; rebuilt it"]
        assert not shown[0].markup and shown[0].severity == "warning"


async def test_startup_heap_is_frozen_while_the_app_runs(logs: Path) -> None:
    import gc

    app = make_app(logs)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > 10_000  # the modules and widgets, out of full collections
    assert gc.get_freeze_count() == 0  # and collectable again once the app has ended


async def test_a_reload_asks_for_the_page_in_view_before_the_next_frame(logs: Path) -> None:
    app = make_app(logs)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.query_one("#calls", PagedTable)
        table.reload(keep_position=False)  # as a live update in follow mode does
        # No await: nothing has been drawn since, yet the page is already being fetched.
        assert any(w.group == "table-page" for w in app.workers if w.node is table)
        await settle(pilot)
        assert table.row_at(0) is not None


async def test_a_cursor_moved_while_a_reload_is_in_flight_stays_where_it_was_moved(
        logs: Path) -> None:
    """A live reload keeps the cursor on its row; but a reader who moved the cursor since the
    reload began meant to leave that row, so the fresh page must not pull the cursor back."""
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        table = app.query_one("#calls", PagedTable)
        table.reload()  # as new data does, remembering the row under the cursor
        table.cursor_row = 4  # before the fresh page arrives
        await settle(pilot)
        assert table.cursor_row == 4


async def test_tailing_does_not_wait_for_the_event_loop(logs: Path) -> None:
    """The watch and its passes run on a thread of their own: lines are indexed while the
    event loop is busy (drawing a big frame, say), not when it next gets round to them."""
    app = make_app(logs, watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, 0.8)
        before = app.index.count()
        with (logs / "app.jsonl").open("a") as handle:
            handle.write(interaction(98, "asked while the loop was busy", ts=1763600998))
        deadline = time.monotonic() + 10
        while app.index.count() == before and time.monotonic() < deadline:
            time.sleep(0.05)  # blocks the event loop: nothing of the app's runs meanwhile
        assert app.index.count() == before + 1


async def test_a_pass_landing_a_live_cycle_after_the_last_redraw_is_drawn_at_once(
        logs: Path) -> None:
    """At 1,000 lines/s a live pass ends about every 110 ms, some sooner: each must reach the
    screen at once, not wait for the timer's next tick (up to 100 ms of lag each)."""
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        redrawn = []
        pane = app.query_one(RequestsPane)
        data_changed = pane.data_changed
        pane.data_changed = lambda: redrawn.append(1) or data_changed()  # type: ignore
        app._mark_dirty()
        assert redrawn == [1]
        await pilot.pause(0.07)  # a pass sooner than most
        app._mark_dirty()
        assert redrawn == [1, 1]  # now, not at a later tick


async def test_header_totals_are_counted_twice_a_second_however_often_passes_land(
        logs: Path) -> None:
    """Counting whole tables on every live pass cost a query and a frame each (ten a
    second); the header's totals follow at most twice a second, and still end right."""
    app = make_app(logs)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        counted = []
        counts = app.index.counts
        app.index.counts = lambda: counted.append(1) or counts()  # type: ignore[method-assign]
        started = time.monotonic()
        for _ in range(10):  # a pass every 100 ms for a second
            app._mark_dirty()
            await pilot.pause(0.1)
        await pilot.pause(0.6)
        elapsed = time.monotonic() - started  # a loaded machine stretches the pauses
        assert 1 <= len(counted) <= 1 + elapsed / COUNTS_INTERVAL
        assert app.query_one("#status").calls == app.index.count()


async def test_a_query_the_index_has_no_memory_for_is_shown_and_the_app_goes_on(
        tmp_path: Path) -> None:
    """A 20-minute soak ended when the header's count found DuckDB's memory full."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.jsonl").write_text("".join(interaction(n, f"question {n} " * 20)
                                            for n in range(3000)))
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    app = LlmviewApp(index, Masker(key=b"k" * 32), watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        index.checkpoint()
        index.opened.con.execute("SET memory_limit = '100KB'")
        app._update_counts()
        for _ in range(50):
            await pilot.pause(0.1)
            if any("ran out of memory" in n.message for n in app._notifications):
                break
        index.opened.con.execute(f"SET memory_limit = '{FILE_CONFIG['memory_limit']}'")
        assert app.is_running
        shown = [n for n in app._notifications if "ran out of memory" in n.message]
        assert len(shown) == 1 and shown[0].severity == "error"


async def test_a_pass_without_memory_is_said_once_and_tailing_goes_on(tmp_path: Path) -> None:
    """A 20-minute soak's indexer pass failed to commit for want of memory, and tailing ended
    for the session; now the error is shown once, the pass is read again, and the status
    comes back when it is stored."""
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    log.write_text("".join(interaction(n, f"question {n}") for n in range(50)))
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    app = LlmviewApp(index, Masker(key=b"k" * 32), watch=True)

    def shown(text: str) -> list:
        return [n for n in app._notifications if text in n.message]

    async def until(done) -> None:
        for _ in range(100):
            if done():
                return
            await pilot.pause(0.1)

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, 0.8)
        index.checkpoint()
        index.opened.con.execute("SET memory_limit = '100KB'")
        for n in (50, 51):  # two passes fail
            with log.open("a") as handle:
                handle.write(interaction(n, f"question {n}"))
            await pilot.pause(2.5)
        status = app.query_one("#status")
        failed = shown("new lines not stored yet")
        assert len(failed) == 1 and failed[0].severity == "error", failed
        assert "ran out of memory" in failed[0].message and status.state == "error"
        index.opened.con.execute(f"SET memory_limit = '{FILE_CONFIG['memory_limit']}'")
        with log.open("a") as handle:
            handle.write(interaction(52, "question 52"))
        await until(lambda: shown("caught up again"))
        assert app.is_running and status.state == "live"
        assert index.count() == 53
