"""kill -9 the indexer twenty times, at seeded random moments, while another process keeps
appending calls whose request and response lines merge: after a restart every call the writer
wrote is in the index exactly once, whole, and no kill damaged the index.

``tests/store/test_crash.py`` kills a one-shot index of a finished file twice; here the file
grows under the indexer, so kills land in reads, merges of half-arrived calls and commits."""

from __future__ import annotations

import random
import signal
import subprocess
from pathlib import Path

from llmview.core.index import Index

from ._harness import LOG_NAME, assert_exactly_once, finish_writer, python, start_writer

KILLS = 20
SEED = 9

TAILER = """
import sys
from llmview.core.index import Index
index = Index.open([sys.argv[1]], index_path=sys.argv[2])
print("started", index.notice or "", flush=True)
while True:  # what the watch loop does, without waiting for file events
    index.refresh()
"""


def test_kill_9_twenty_times_while_a_writer_appends(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    db = tmp_path / "index.duckdb"
    rng = random.Random(SEED)
    writer = start_writer(logs / LOG_NAME, seconds=60, pause=0.03)
    notices = []
    try:
        for _ in range(KILLS):
            tailer = python("-c", TAILER, str(logs), str(db), stdout=subprocess.PIPE)
            assert tailer.stdout is not None
            started = tailer.stdout.readline()
            assert started.startswith("started"), started
            notices.append(started.removeprefix("started").strip())
            try:
                tailer.wait(timeout=rng.uniform(0.0, 0.3))
            except subprocess.TimeoutExpired:
                tailer.send_signal(signal.SIGKILL)
            assert tailer.wait(timeout=10) == -signal.SIGKILL, "the tailer died on its own"
    finally:
        ids = finish_writer(writer, stop=True)

    index = Index.open([str(logs)], index_path=str(db))
    index.refresh(final=True)
    assert [n for n in notices + [index.notice or ""] if n] == []
    assert_exactly_once(index, ids)
