"""kill -9 in the middle of indexing, then a restart: the same calls as a clean run, once each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from llmview.core.index import Index

LINES = 60_000


def write_log(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(LINES):
            handle.write(json.dumps({
                "request_id": f"r{n}", "timestamp": "2026-11-20T10:00:00", "model": "gpt-4o",
                "messages": [{"role": "user", "content": f"q{n}"}], "temperature": 0.2,
            }) + "\n")
            handle.write(json.dumps({
                "request_id": f"r{n}", "timestamp": "2026-11-20T10:00:01", "content": f"a{n}",
                "finish_reason": "stop", "prompt_tokens": 3, "completion_tokens": 2,
                "total_tokens": 5, "latency_ms": 800.0,
            }) + "\n")


INDEXER = """
import sys
from llmview.core.index import Index
index = Index.open([sys.argv[1]], index_path=sys.argv[2])
print("started", flush=True)
index.refresh(final=True)
print("done", flush=True)
"""


def test_kill_9_mid_index_then_restart(tmp_path: Path) -> None:
    log = tmp_path / "llm_logs_2026-11-20.jsonl"
    write_log(log)
    db = tmp_path / "crash.duckdb"
    killed = 0
    for delay in (0.6, 1.0):
        proc = subprocess.Popen([sys.executable, "-c", INDEXER, str(log), str(db)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "started"
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
    assert killed >= 1, "the indexer finished before it could be killed; use a bigger log"

    index = Index.open([str(log)], index_path=str(db))
    index.refresh(final=True)
    rows = index.rows("SELECT count(*) AS n, count(DISTINCT request_id) AS ids, "
                      "count(output) AS answered FROM llm_calls")[0]
    assert rows == {"n": LINES, "ids": LINES, "answered": LINES}
    sources = index.rows("SELECT count(*) AS n FROM sources")[0]["n"]
    assert sources == 2 * LINES
