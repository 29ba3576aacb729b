"""Shared pieces of the fault tests: log lines whose calls merge from two halves, real child
processes, a live watcher on its own thread, and the exactly-once check every test ends with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from llmview.core.index import Index
from llmview.core.store import StoreError

ROOT = Path(__file__).resolve().parents[2]
LOG_NAME = "llm_logs_2026-11-20.jsonl"  # seed 003's daily request/response log


def request_line(request_id: str) -> str:
    """The request half of a seed-003 call; long enough that file heads are distinctive."""
    return json.dumps({
        "request_id": request_id, "timestamp": "2026-11-20T10:00:00", "model": "gpt-4o",
        "messages": [{"role": "user", "content": f"question {request_id} " + "x" * 120}],
        "temperature": 0.2,
    }) + "\n"


def response_line(request_id: str) -> str:
    """The response half: merges with the request into one call by ``request_id``."""
    return json.dumps({
        "request_id": request_id, "timestamp": "2026-11-20T10:00:01",
        "content": f"answer {request_id}", "finish_reason": "stop", "prompt_tokens": 3,
        "completion_tokens": 2, "total_tokens": 5, "latency_ms": 800.0,
    }) + "\n"


def pairs(ids: list[str]) -> str:
    return "".join(request_line(i) + response_line(i) for i in ids)


# --- child processes --------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def python(*args: str, **popen: Any) -> subprocess.Popen[str]:
    """A child Python process that imports this checkout of llmview."""
    return subprocess.Popen([sys.executable, *args], env=child_env(), text=True, **popen)


def start_writer(log: Path, *, seconds: float, prefix: str = "r", seed: int = 0,
                 rotate: str = "none", rotate_every: float = 0.0,
                 pause: float = 0.01) -> subprocess.Popen[str]:
    """``_writer.py`` appending request/response pairs to ``log``; ``finish_writer`` returns
    the request ids it wrote."""
    return python("-m", "tests.faults._writer", str(log), "--seconds", str(seconds),
                  "--prefix", prefix, "--seed", str(seed), "--rotate", rotate,
                  "--rotate-every", str(rotate_every), "--pause", str(pause), cwd=ROOT,
                  stdout=subprocess.PIPE)


def finish_writer(proc: subprocess.Popen[str], *, stop: bool = False,
                  timeout: float = 30) -> list[str]:
    """Wait for the writer (``stop``: tell it to finish now) and return its tally."""
    if stop:
        proc.terminate()
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, f"writer failed with {proc.returncode}"
    return json.loads(out)["ids"]


def restricted(*args: str, obey_permissions: bool = False,
               max_file_size: int | None = None) -> tuple[str, ...]:
    """Arguments for ``python`` that run ``args`` in a child with limits a test needs:
    ``obey_permissions`` makes a root child obey file permissions (root passes every check, so
    it drops from its bounding set the capabilities that let it; an exec then recomputes
    root's powers within that set, and it stays root otherwise, so it can still reach the
    test's directories); ``max_file_size`` caps the size of any file it writes, a write past
    it failing with EFBIG as on a full disk (``SIGXFSZ`` ignored).

    The child sets these itself and then executes ``args``: a ``preexec_fn`` runs Python
    between fork and exec in a parent with threads (DuckDB's, watchers'), and can deadlock."""
    limits = {"drop": obey_permissions and os.geteuid() == 0, "fsize": max_file_size}
    return ("-c", _LIMIT_THEN_EXEC, json.dumps(limits), *args)


_LIMIT_THEN_EXEC = """
import ctypes, json, os, resource, signal, sys
limits = json.loads(sys.argv[1])
if limits["drop"]:
    PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2  # linux headers
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")
if limits["fsize"] is not None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["fsize"], limits["fsize"]))
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


# --- waiting ----------------------------------------------------------------------------------


def wait_until(condition: Callable[[], Any], *, timeout: float = 15.0, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy; fail with its last value after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}: last {value!r}")
        time.sleep(0.05)


@contextmanager
def watching(index: Index, *, poll: bool = False,
             on_error: Callable[[StoreError], None] | None = None) -> Iterator[None]:
    """``Index.watch`` running on a thread of its own, as the app runs it; stopped (and any
    error it raised re-raised) on exit."""
    stop = threading.Event()
    state: dict[str, BaseException] = {}

    def run() -> None:
        try:
            index.watch(lambda _result: None, stop, poll=poll, on_error=on_error)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            state["error"] = exc

    thread = threading.Thread(target=run, name="watch", daemon=True)
    thread.start()
    time.sleep(0.3)  # the OS watch is registered once the watch has started
    try:
        yield
    finally:
        stop.set()
        thread.join(15)
        assert not thread.is_alive(), "the watch loop did not stop"
        if "error" in state:
            raise state["error"]


def indexed_ids(index: Index) -> set[str]:
    return {row["request_id"] for row in index.rows("SELECT request_id FROM calls")}


# --- the check --------------------------------------------------------------------------------


def assert_exactly_once(index: Index, ids: list[str]) -> None:
    """Every written call is in the index once, whole (request and response merged), and each
    of its two log lines was read exactly once."""
    assert len(set(ids)) == len(ids), "the writer repeated an id"
    got = index.rows("SELECT request_id, messages IS NOT NULL AS asked, "
                     "output IS NOT NULL AS answered FROM calls")
    seen = [row["request_id"] for row in got]
    missing, extra = set(ids) - set(seen), set(seen) - set(ids)
    assert not missing and not extra, f"missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}"
    assert len(seen) == len(ids), "a call is stored twice"
    half = [row["request_id"] for row in got if not (row["asked"] and row["answered"])]
    assert not half, f"{len(half)} calls half-merged, e.g. {half[:5]}"
    reads = index.rows("SELECT key, count(*) AS n FROM sources WHERE kind = 'call' "
                       "GROUP BY key HAVING count(*) <> 2 ORDER BY key LIMIT 5")
    assert not reads, f"log lines read other than once: {reads}"
    assert index.problem_count() == 0, index.problems(limit=5)
