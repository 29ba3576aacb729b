"""Cold index of a 1M-line directory, then warm start to first screen, each in a fresh process.

    python bench/startup.py [--lines 1000000] [--keep DIR] [--runs 5]

The log directory and its index are cached under ``--keep`` (default ``/tmp/llmview-bench-1m``,
shared with ``bench/scroll.py``): ``DIR/logs/mixed.jsonl`` (written by ``bench/ingest.py``'s
``ensure_file``), ``DIR/index.duckdb`` and ``DIR/bench.json`` (line count, cold index time). They
are rebuilt when missing or when ``--lines`` differs. The cold index is timed only when it runs.

Each warm run starts a new interpreter that opens the same index file (nothing new to read),
runs the app headless at 120x40 and polls every 10 ms until the Requests table has its first
row loaded and the status line says "live". The interpreter's own start-up (process launch to
the first line of the child script) is reported separately. Target: first screen < 1 s.
Stop anything else using the index first: a locked index makes llmview fall back to an
in-memory index, which this script detects and refuses to time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ingest import ensure_file  # noqa: E402

DEFAULT_KEEP = Path("/tmp/llmview-bench-1m")
TARGET_SECONDS = 1.0

# The child: time.time() first (to measure the interpreter's start from outside), then
# perf_counter() milestones relative to its own first line.
CHILD = r"""
import time
WALL0, T0 = time.time(), time.perf_counter()
import asyncio, json, sys
from llmview.core.index import Index
from llmview.core.pii import default_masker
from llmview.ui.app import LlmviewApp
from llmview.ui.widgets.paged_table import PagedTable
marks = {"imports": time.perf_counter() - T0}
index = Index.open([sys.argv[1]], index_path=sys.argv[2])
marks["index_open"] = time.perf_counter() - T0
app = LlmviewApp(index, default_masker())

def first_row_line(app):
    update = app.screen._compositor.render_full_update()
    lines = ["".join(s.text for s in strip) for strip in update.strips]
    header = [i for i, line in enumerate(lines) if line.startswith("time") and "model" in line]
    return lines[header[0] + 1] if header else "(no table header on screen)"

async def main():
    async with app.run_test(size=(120, 40)) as pilot:
        marks["app_running"] = time.perf_counter() - T0
        table = app.query_one("#calls", PagedTable)
        status = app.query_one("#status")
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            if status.state == "live" and "live" not in marks:
                marks["live"] = time.perf_counter() - T0
            if status.state == "live" and table.row_at(0) is not None:
                marks["first_screen"] = time.perf_counter() - T0
                break
            await asyncio.sleep(0.01)
        await pilot.pause()
        marks["row_line"] = first_row_line(app)
        marks["row_count"] = table.row_count
        await pilot.press("q")

asyncio.run(main())
print(json.dumps({"wall0": WALL0, "notice": index.notice, **marks}))
"""


@dataclass
class Cache:
    logs: Path
    index: Path
    lines: int
    calls: int
    cold_seconds: float
    built_now: bool


def ensure_index(keep: Path, lines: int) -> Cache:
    """The cached log directory and its index, built (and the cold index timed) if needed."""
    from llmview.core.index import Index

    logs, index_path, meta_path = keep / "logs", keep / "index.duckdb", keep / "bench.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if meta.get("lines") == lines and index_path.exists() and (logs / "mixed.jsonl").exists():
        return Cache(logs, index_path, lines, meta["calls"], meta["cold_seconds"], False)
    shutil.rmtree(keep, ignore_errors=True)
    logs.mkdir(parents=True)
    ensure_file(logs / "mixed.jsonl", lines)
    started = time.perf_counter()
    index = Index.open([str(logs)], index_path=str(index_path))
    index.refresh(final=True)
    cold = time.perf_counter() - started
    calls = index.count()
    index.close()
    meta_path.write_text(json.dumps({"lines": lines, "calls": calls, "cold_seconds": cold}))
    return Cache(logs, index_path, lines, calls, cold, True)


def warm_start(cache: Cache) -> dict[str, float | str]:
    """One fresh-process start; seconds since the process was launched for each milestone."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    launched = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, str(cache.logs), str(cache.index)],
                         capture_output=True, text=True, env=env, timeout=300)
    wall = time.time() - launched
    if out.returncode != 0:
        sys.exit(f"child failed:\n{out.stderr[-3000:]}")
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    if marks.get("notice"):
        sys.exit(f"index not used as-is ({marks['notice']}); is another process holding it?")
    if "first_screen" not in marks:
        sys.exit("the table never showed a row within 60 s")
    interpreter = marks.pop("wall0") - launched
    result: dict[str, float | str] = {"interpreter": interpreter, "process_wall": wall}
    for name in ("imports", "index_open", "app_running", "live", "first_screen"):
        result[name] = interpreter + marks[name]
    if marks["row_count"] != cache.calls:
        print(f"warning: the table counted {marks['row_count']:,} calls, the index "
              f"{cache.calls:,}")
    result["script"] = marks["first_screen"]
    result["row_line"] = marks["row_line"]
    return result


def import_times(depth: int = 2, top: int = 10) -> list[tuple[str, float]]:
    """The slowest imports the child does (cumulative ms), from ``python -X importtime``."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    code = "import duckdb, llmview.core.index, llmview.core.pii, llmview.ui.app"
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                         text=True, env=env, check=True)
    rows: list[tuple[str, float]] = []
    for line in out.stderr.splitlines()[1:]:
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if (len(name) - len(name.lstrip()) - 1) // 2 <= depth:
            rows.append((name.rstrip(), int(cumulative) / 1000))
    return sorted(rows, key=lambda row: -row[1])[:top]


def print_machine() -> None:
    print(f"machine: {os.cpu_count()} cpus, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f}")


def print_runs(runs: list[dict[str, float | str]]) -> None:
    names = ["interpreter", "imports", "index_open", "app_running", "live", "first_screen",
             "script", "process_wall"]
    print("\nwarm start, seconds since process launch (script = from its first line)")
    print(f"{'milestone':<14}" + "".join(f"{f'run {n + 1}':>9}" for n in range(len(runs)))
          + f"{'median':>9}{'max':>9}")
    for name in names:
        values = [float(run[name]) for run in runs]
        print(f"{name:<14}" + "".join(f"{v:>9.3f}" for v in values)
              + f"{statistics.median(values):>9.3f}{max(values):>9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP,
                        help=f"cache directory (default {DEFAULT_KEEP}, shared with scroll.py)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print_machine()
    cache = ensure_index(args.keep, args.lines)
    size_mb = (cache.logs / "mixed.jsonl").stat().st_size / 1e6
    when = "now" if cache.built_now else "when the cache was built"
    print(f"log: {cache.lines:,} lines, {size_mb:.0f} MB -> {cache.calls:,} calls; "
          f"index {cache.index.stat().st_size / 1e6:.0f} MB")
    print(f"cold index ({when}): {cache.cold_seconds:.1f}s, "
          f"{cache.lines / cache.cold_seconds:,.0f} lines/s (target >= 200,000)")
    runs = [warm_start(cache) for _ in range(args.runs)]
    print_runs(runs)
    first = [float(run["first_screen"]) for run in runs]
    print(f"\nfirst screen: median {statistics.median(first):.3f}s, max {max(first):.3f}s "
          f"(target < {TARGET_SECONDS:.0f}s)")
    print(f"first row as drawn: {str(runs[-1]['row_line']).rstrip()!r}")
    print("\nslowest imports (python -X importtime, cumulative ms, one run):")
    for name, ms in import_times():
        print(f"  {ms:8.1f}  {name}")


if __name__ == "__main__":
    main()
