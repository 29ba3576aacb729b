"""The watch loop on real watchfiles: lines appended while it runs reach the index."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from llmview.core.index import Index


def line(n: int) -> str:
    return json.dumps({"event": "llm_interaction", "request_id": f"w-{n}", "model": "gpt-4o",
                       "timestamp": 1763600000 + n}) + "\n"


def watch_until(index: Index, expected: int, write: Callable[[], None], *,
                poll: bool) -> list[int]:
    """Run the watch on a thread, as the app does, until ``expected`` calls are indexed."""
    stop = threading.Event()
    seen: list[int] = []

    def on_change(_result: object) -> None:
        seen.append(index.count())
        if seen[-1] >= expected:
            stop.set()

    watcher = threading.Thread(target=index.watch, args=(on_change, stop), kwargs={"poll": poll})
    watcher.start()
    time.sleep(0.3)
    write()
    try:
        stop.wait(timeout=20)
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive(), "the watch did not stop"
    return seen


@pytest.mark.parametrize("poll", [False, True], ids=["notify", "poll"])
def test_appended_lines_and_new_files_are_picked_up(tmp_path: Path, poll: bool) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.jsonl").write_text(line(0))
    index = Index.open([str(logs)], index_path=None)
    index.refresh()

    def write() -> None:
        with (logs / "a.jsonl").open("a") as handle:
            handle.write(line(1))
        time.sleep(0.1)
        sub = logs / "later"  # a directory created after the watch started
        sub.mkdir()
        (sub / "b.jsonl").write_text(line(2))

    seen = watch_until(index, 3, write, poll=poll)
    assert seen[-1] == 3
    assert index.count() == 3
