"""Scrolling the Requests table of a big index: PageDown, End and Home, and the SQL behind them.

    python bench/scroll.py [--lines 1000000] [--keep DIR] [--presses 300] [--held 30]

Uses (or builds) the same cached directory and index as ``bench/startup.py`` (default
``/tmp/llmview-bench-1m``; 1M mixed lines make about 500k calls, ``--lines 2000000`` about 1M).
Opens the app headless at 120x40 (``watch=False``: nothing changes), waits for the first page,
then presses PageDown ``--presses`` times. For each press it measures the time until every row
in the viewport is loaded (``row_at(i)`` not None, the viewport containing the cursor), split
into the key press itself (posted as a Key event, until the cursor moved) and the rest (the
redraw that asks for missing pages, the page query, the redraw that shows them). Then End and
Home, timed the same way, then PageDown held down (``--held`` keys at 30 a second, not waiting
for pages): the time from the last key until the viewport is loaded.

Last, the page query the table runs (``Index.search``: ``ORDER BY ts DESC NULLS LAST, seq DESC
LIMIT 100 OFFSET n``) timed alone at several depths, with two alternatives at the same depths:
keyset (``WHERE ts < ? OR (ts = ? AND seq < ?)``) and fetching a page by the ``seq`` values of
a precomputed order (``WHERE seq IN (...)``).
Target: < 16 ms median per page.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from startup import DEFAULT_KEEP, ensure_index  # noqa: E402
from textual import events  # noqa: E402

from llmview.core.index import CALL_LIST_COLUMNS, Index  # noqa: E402
from llmview.core.pii import Masker  # noqa: E402
from llmview.ui.app import LlmviewApp  # noqa: E402
from llmview.ui.widgets.paged_table import PAGE_ROWS, PagedTable  # noqa: E402

TARGET_MEDIAN_MS = 16.0
POLL_SECONDS = 0.001
SQL_DEPTHS = (0, 10_000, 100_000)
KEYSET_SQL = ("SELECT key FROM llm_calls WHERE ts < ? OR (ts = ? AND seq < ?) "
              "ORDER BY ts DESC NULLS LAST, seq DESC LIMIT ?")


@dataclass
class Step:
    key: str
    press_ms: float  # until the key moved the cursor
    total_ms: float  # until the viewport's rows were all loaded
    cached: bool  # every row of the new viewport was already loaded before the key


def viewport_loaded(table: PagedTable) -> bool:
    """The viewport has scrolled to the cursor and every row in it is loaded."""
    top, height = table.scroll_offset.y, max(1, table.size.height - 1)
    if not top <= table.cursor_row < top + height:
        return False
    return all(table.row_at(i) is not None for i in range(top, min(table.row_count,
                                                                    top + height)))


def expected_cursor(table: PagedTable, key: str) -> int:
    last = max(0, table.row_count - 1)
    if key == "pagedown":
        return min(last, table.cursor_row + max(1, table.size.height - 1))
    return last if key == "end" else 0


async def timed_press(app: LlmviewApp, table: PagedTable, key: str,
                      timeout: float = 30.0) -> Step:
    """Post the key as the terminal driver would (``pilot.press`` waits for the process to go
    idle, at least 40 ms, so it cannot time anything this short), then poll every 1 ms."""
    target = expected_cursor(table, key)
    height, top = max(1, table.size.height - 1), table.scroll_offset.y
    if target < top:  # where PagedTable.watch_cursor_row will scroll to
        top = target
    elif target >= top + height:
        top = target - height + 1
    cached = all(table.row_at(i) is not None
                 for i in range(top, min(table.row_count, top + height)))
    event = events.Key(key, None)
    event.set_sender(app)
    started = time.perf_counter()
    app.post_message(event)
    pressed = None
    while True:
        if pressed is None and table.cursor_row == target:
            pressed = time.perf_counter()
        if pressed is not None and viewport_loaded(table):
            break
        if time.perf_counter() - started > timeout:
            sys.exit(f"{key}: the viewport was not loaded after {timeout:.0f}s")
        await asyncio.sleep(POLL_SECONDS)
    done = time.perf_counter()
    return Step(key, (pressed - started) * 1000, (done - started) * 1000, cached)


async def held_key(app: LlmviewApp, table: PagedTable, presses: int,
                   interval: float = 1 / 30, timeout: float = 60.0) -> float:
    """PageDown held down (key repeat at 30/s, not waiting for pages): ms from the last key
    until the viewport is loaded. Pages scrolled past are still queried, one worker each."""
    for _ in range(presses):
        event = events.Key("pagedown", None)
        event.set_sender(app)
        app.post_message(event)
        await asyncio.sleep(interval)
    last_key = time.perf_counter()
    while not viewport_loaded(table):
        if time.perf_counter() - last_key > timeout:
            sys.exit(f"held PageDown: the viewport was not loaded after {timeout:.0f}s")
        await asyncio.sleep(POLL_SECONDS)
    return (time.perf_counter() - last_key) * 1000


async def wait_first_page(app: LlmviewApp, table: PagedTable, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not (app.query_one("#status").state == "live"  # type: ignore[attr-defined]
               and table.row_at(0) is not None):
        if time.monotonic() > deadline:
            sys.exit("the first page never loaded")
        await asyncio.sleep(0.05)


def render_ms(table: PagedTable, repeats: int = 20) -> float:
    """Median time to draw every line of the viewport once (``render_line``, as the
    compositor does on each refresh), with the rows loaded."""
    def draw() -> None:
        for y in range(table.size.height):
            table.render_line(y)

    return median_ms(draw, repeats)


@dataclass
class Drive:
    pages: list[Step]
    jumps: list[Step]
    pages_seconds: float  # all the PageDowns back to back
    rows: int
    height: int
    render_ms: float
    held_ms: float


async def drive(index: Index, presses: int, held: int) -> Drive:
    app = LlmviewApp(index, Masker(key=b"k" * 32), watch=False)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one("#calls", PagedTable)
        await wait_first_page(app, table)
        await pilot.pause(0.3)
        started = time.perf_counter()
        pages = [await timed_press(app, table, "pagedown") for _ in range(presses)]
        pages_seconds = time.perf_counter() - started
        jumps = [await timed_press(app, table, key) for key in ("end", "home")]
        drawing = render_ms(table)
        held_ms = await held_key(app, table, held)
        result = Drive(pages, jumps, pages_seconds, table.row_count, table.size.height - 1,
                       drawing, held_ms)
        await pilot.press("q")
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_ms(run: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


ORDER_SQL = "SELECT seq FROM llm_calls ORDER BY ts DESC NULLS LAST, seq DESC"


def sql_timings(index: Index, rows: int) -> list[tuple[int, float, float, float]]:
    """(offset, LIMIT/OFFSET ms, keyset ms, seq IN (...) ms) at several depths, newest first.
    The last pages by the seqs of a precomputed order (ORDER_SQL run once)."""
    order = [row["seq"] for row in index.rows(ORDER_SQL)]
    columns = ", ".join(CALL_LIST_COLUMNS)
    results = []
    for depth in sorted(d for d in {*SQL_DEPTHS, rows // 2, max(0, rows - PAGE_ROWS)}
                        if d < rows):
        offset_ms = median_ms(lambda depth=depth: index.search(offset=depth, limit=PAGE_ROWS))
        keyset_ms = float("nan")
        if depth:
            edge = index.rows("SELECT ts, seq FROM llm_calls ORDER BY ts DESC NULLS LAST, "
                              "seq DESC LIMIT 1 OFFSET ?", [depth - 1])[0]
            params = [edge["ts"], edge["ts"], edge["seq"], PAGE_ROWS]
            keyset_ms = median_ms(lambda params=params: index.rows(KEYSET_SQL, params))
        seqs = order[depth:depth + PAGE_ROWS]
        sql = f"SELECT {columns} FROM calls WHERE seq IN ({', '.join('?' * len(seqs))})"
        in_ms = median_ms(lambda sql=sql, seqs=seqs: index.rows(sql, seqs))
        results.append((depth, offset_ms, keyset_ms, in_ms))
    return results


def print_steps(pages: list[Step], jumps: list[Step]) -> None:
    print(f"\n{'ms per key':<34}{'n':>5}{'median':>8}{'p95':>8}{'max':>8}{'press':>8}")

    def line(name: str, steps: list[Step]) -> None:
        if not steps:
            return
        totals = [s.total_ms for s in steps]
        press = statistics.median(s.press_ms for s in steps)
        print(f"{name:<34}{len(steps):>5}{statistics.median(totals):>8.1f}"
              f"{percentile(totals, 0.95):>8.1f}{max(totals):>8.1f}{press:>8.1f}")

    line("PageDown, all", pages)
    line("PageDown, rows already cached", [s for s in pages if s.cached])
    line("PageDown, needed a page query", [s for s in pages if not s.cached])
    for step in jumps:
        line(step.key.title(), [step])
    print("(press = median ms until the key moved the cursor; the rest is loading and drawing)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP,
                        help=f"cache directory (default {DEFAULT_KEEP}, shared with startup.py)")
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--held", type=int, default=30,
                        help="PageDowns sent at key-repeat speed after the jumps")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cpus, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f}")
    cache = ensure_index(args.keep, args.lines)
    index = Index.open([str(cache.logs)], index_path=str(cache.index))
    if index.notice:
        sys.exit(f"index not used as-is ({index.notice}); is another process holding it?")
    run = asyncio.run(drive(index, args.presses, args.held))
    print(f"index: {cache.lines:,} lines -> {run.rows:,} calls; viewport {run.height} rows, "
          f"pages of {PAGE_ROWS}")
    print_steps(run.pages, run.jumps)
    median = statistics.median(s.total_ms for s in run.pages)
    queried = [s.total_ms for s in run.pages if not s.cached]
    print(f"target median < {TARGET_MEDIAN_MS:.0f} ms per page: "
          f"{'ok' if median < TARGET_MEDIAN_MS else 'MISSED'} ({median:.1f} ms"
          + (f"; presses that needed a page query: median {statistics.median(queried):.1f} ms)"
             if queried else ")"))
    print(f"{len(run.pages)} PageDowns back to back: {run.pages_seconds:.2f}s, "
          f"{run.pages_seconds * 1000 / len(run.pages):.1f} ms per page (this includes the "
          "paint, which a step's own time does not: the next key waits behind it)")
    print(f"PageDown held for {args.held} keys at 30/s: the viewport was loaded "
          f"{run.held_ms:.0f} ms after the last key")
    print(f"drawing the viewport once (render_line x {run.height + 1}): {run.render_ms:.1f} ms")
    print("\npage query alone, ms (median of 3):")
    print(f"{'offset':>10}{'LIMIT/OFFSET':>14}{'keyset':>10}{'seq IN':>10}")
    for depth, offset_ms, keyset_ms, in_ms in sql_timings(index, run.rows):
        keyset = f"{keyset_ms:>10.1f}" if depth else f"{'-':>10}"
        print(f"{depth:>10,}{offset_ms:>14.1f}{keyset}{in_ms:>10.1f}")
    print("LIMIT/OFFSET: what the table runs now, Index.search(offset=n, limit=100);\n"
          "keyset: WHERE ts < ? OR (ts = ? AND seq < ?) ORDER BY ... LIMIT 100;\n"
          "seq IN: the 100 seqs of the page, from the whole order computed once, which costs "
          f"{median_ms(lambda: index.rows(ORDER_SQL), 1):.0f} ms ({ORDER_SQL})")
    count_ms = median_ms(index.count)
    print(f"count(*) of the table (run on every reload): {count_ms:.1f} ms")
    index.close()


if __name__ == "__main__":
    main()
