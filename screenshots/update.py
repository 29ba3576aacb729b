"""Write the SVG screenshots in this folder: the real app, run headless on `llmview demo` data.

    python screenshots/update.py

Each screen is saved at 120x36 (a laptop terminal) and the Requests screen also at 80x24.
Look at them after every UI change (``rsvg-convert x.svg -o x.png`` shows them as a picture).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.demo import write_demo
from llmview.ui.app import LlmviewApp

HERE = Path(__file__).resolve().parent
NOW = 1_795_440_000.0  # a fixed "now" so the demo data, and so the pictures, repeat

Step = Callable[[object], Awaitable[None]]


async def settle(pilot) -> None:
    await pilot.pause(0.6)
    for _ in range(100):
        if not [w for w in pilot.app.workers if w.group != "indexer" and w.is_running]:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


async def requests(pilot) -> None:
    await settle(pilot)


async def search(pilot) -> None:
    await settle(pilot)
    await pilot.press("slash", *"status:error latency>100ms")
    await pilot.press("enter")
    await settle(pilot)


async def call_view(pilot) -> None:
    await settle(pilot)
    await pilot.press("down", "down", "enter")
    await settle(pilot)


async def reproduce(pilot) -> None:
    await call_view(pilot)
    pilot.app.screen.query_one("TabbedContent").active = "reproduce"
    await settle(pilot)


async def problems(pilot) -> None:
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)


async def help_screen(pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def metrics(pilot) -> None:
    await settle(pilot)
    pilot.app.action_show_tab("tab-metrics")
    await settle(pilot)


async def sessions(pilot) -> None:
    await indexed(pilot)
    pilot.app.action_show_tab("tab-sessions")
    pilot.app.query_one("SessionsPane").data_changed()  # the whole demo, not the first batch
    await settle(pilot)


async def session_view(pilot) -> None:
    """The demo's chat whose system prompt was edited between turns, at its third turn."""
    await sessions(pilot)
    index = pilot.app.index
    mutated = next(row["session"] for row in index.sessions.page("turns>2", limit=200)
                   if index.sessions.thread(row).mutated)
    pilot.app.query_one("SessionsPane QueryBar").set_query(f"session:{mutated}")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("down", "down")
    await settle(pilot)


async def errors(pilot) -> None:
    await indexed(pilot)
    pilot.app.action_show_tab("tab-errors")
    pilot.app.query_one("ErrorsPane").reload()  # the whole demo, not the first batch
    await settle(pilot)


async def indexed(pilot) -> None:
    """Past the first index, so queries see the whole demo."""
    await settle(pilot)
    while pilot.app.query_one("#status").state == "indexing":
        await pilot.pause(0.05)


async def waterfall(pilot) -> None:
    """The demo's slowest failed agent run, the cursor on its failed span."""
    from llmview.ui.screens.trace import TraceScreen

    await indexed(pilot)
    trace = pilot.app.index.traces.page("status:error spans>3", sort="duration", limit=1)[0]
    pilot.app.push_screen(TraceScreen(trace["trace_id"]))
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)


async def trace_compare(pilot) -> None:
    """Two runs of the same agent, one failed: matched spans, deltas, differences."""
    from llmview.ui.screens.trace_compare import TraceCompareScreen

    await indexed(pilot)
    traces = pilot.app.index.traces
    failed = traces.page("status:error spans>3", sort="duration", limit=1)[0]
    same = traces.page(f'name:"{failed["root_name"]}" status:ok spans>3', limit=1)[0]
    pilot.app.push_screen(TraceCompareScreen(same["trace_id"], failed["trace_id"]))
    await settle(pilot)
    await pilot.press("down")
    await settle(pilot)


async def call_compare(pilot) -> None:
    """Two calls sent the same system prompt, answered by different models: what changed, and
    the answers side by side."""
    from llmview.core.thread import decode
    from llmview.ui.screens.call_compare import CallCompareScreen
    from llmview.ui.widgets.paged_table import PagedTable

    await indexed(pilot)
    index = pilot.app.index
    first_by_system: dict[str, dict] = {}
    pair = None
    for row in index.search("status:ok", limit=400,
                            columns=("key", "model", "messages", "output")):
        messages = decode(row)["messages"] or []
        if not row["output"]:
            continue
        system = messages[0].get("content") if messages else None
        seen = first_by_system.setdefault(system, row) if system else row
        if seen is not row and seen["model"] != row["model"]:
            pair = (seen["key"], row["key"])
            break
    assert pair is not None, "the demo has no two models answering the same system prompt"
    pilot.app.push_screen(CallCompareScreen(*pair))
    await settle(pilot)
    matches = pilot.app.screen.query_one("#matches", PagedTable)
    matches.cursor_row = next(n for n in range(matches.row_count)
                              if matches.row_at(n)["part"].label == "output")
    await settle(pilot)


SHOTS: list[tuple[str, tuple[int, int], Step]] = [
    ("requests", (120, 36), requests),
    ("requests-80x24", (80, 24), requests),
    ("search", (120, 36), search),
    ("call", (120, 36), call_view),
    ("reproduce", (120, 36), reproduce),
    ("problems", (120, 36), problems),
    ("help", (120, 36), help_screen),
    ("metrics", (120, 36), metrics),
    ("metrics-80x24", (80, 24), metrics),
    ("sessions", (120, 36), sessions),
    ("session", (120, 36), session_view),
    ("session-80x24", (80, 24), session_view),
    ("errors", (120, 36), errors),
    ("errors-80x24", (80, 24), errors),
    ("waterfall", (120, 36), waterfall),
    ("waterfall-80x24", (80, 24), waterfall),
    ("trace-compare", (120, 36), trace_compare),
    ("call-compare", (120, 36), call_compare),
    ("call-compare-80x24", (80, 24), call_compare),
]


async def shoot(logs: Path, name: str, size: tuple[int, int], step: Step) -> None:
    index = Index.open([str(logs)], index_path=None)
    app = LlmviewApp(index, Masker(key=b"screenshots-are-deterministic!!"), watch=False)
    async with app.run_test(size=size) as pilot:
        await step(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    index.close()


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory(prefix="llmview-shots-") as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        write_demo(logs, calls=400, seed=7, now=NOW)
        os.chdir(tmp)  # the header shows the path as typed: "logs"
        for name, size, step in SHOTS:
            asyncio.run(shoot(Path("logs"), name, size, step))
            print(f"wrote screenshots/{name}.svg")


if __name__ == "__main__":
    main()
