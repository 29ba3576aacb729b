"""Cold-index throughput against DuckDB's own ``read_json`` on the same file, in one run.

    python bench/ingest.py [--lines 1000000] [--keep DIR]

Writes a mixed file of the common dialects, then times, each in a fresh process (so peak RSS is
per contender): DuckDB ``read_json`` (auto-detect) loading it into a table, and ``llmview``
indexing it cold into a DuckDB file. Prints lines/s, MB/s, the ratio and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from llmview.demo import local_iso, utc_iso, utc_naive_iso

LINE_SECONDS = 0.05  # between two lines of a written file
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514", "gemini-2.0-flash"]
WORDS = ("how do I reset my password for the billing portal and why is the invoice total "
         "different from last month when nothing changed in our plan").split()


def prompt(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))


def line_for(n: int, rng: random.Random, ts: float) -> str:
    """Line ``n`` of a realistic mix: interactions, request/response pairs, structlog entries,
    spans and plain application events, stamped ``ts`` in each dialect's own time format.

    A call's request id is its first line's number (``i-``, ``r-``, ``s-`` for the three call
    kinds), so a bench that knows when each line was written knows when each call was; the
    response of a pair (line ``n``) carries the id of its request (line ``n - 1``)."""
    kind = n % 6
    model = MODELS[n % len(MODELS)]
    if kind == 0:
        return json.dumps({
            "event": "llm_interaction", "request_id": f"i-{n}", "model": model,
            "timestamp": ts,
            "prompt_messages": [{"role": "system", "content": "You are helpful."},
                                {"role": "user", "content": prompt(rng)}],
            "llm_raw_response": {"choices": [{"message": {"role": "assistant",
                                                          "content": prompt(rng)},
                                              "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 40, "completion_tokens": 30}},
            "parsed_output": "ok",
        })
    if kind == 1:
        return json.dumps({
            "request_id": f"r-{n}", "timestamp": local_iso(ts),
            "model": model, "messages": [{"role": "user", "content": prompt(rng)}],
            "temperature": 0.2, "max_tokens": 512, "user_id": "u1", "session_id": "s1",
            "trace_id": None,
        })
    if kind == 2:
        latency_ms = rng.lognormvariate(6.5, 0.5)
        return json.dumps({
            "request_id": f"r-{n - 1}", "timestamp": local_iso(ts + latency_ms / 1000),
            "content": prompt(rng), "finish_reason": "stop", "prompt_tokens": 50,
            "completion_tokens": 20, "total_tokens": 70,
            "latency_ms": latency_ms, "estimated_cost": None, "error": None,
        })
    if kind == 3:
        return json.dumps({
            "event": "llm_request", "request_id": f"s-{n}", "timestamp": utc_naive_iso(ts),
            "model": model, "provider": "openai", "operation": "completion",
            "prompt_tokens": 120, "completion_tokens": 40, "finish_reason": "stop",
            "latency_ms": 812.5, "user_id": "u2", "session_id": "s9",
            "tags": {"trace_id": f"{n:032x}", "span_id": f"{n:08x}"},
            "level": "info", "logger": "app",
        })
    if kind == 4:
        return json.dumps({
            "span_id": f"sp-{n}", "trace_id": f"t-{n // 60}", "parent_id": None,
            "name": "retrieval", "start_time": local_iso(ts),
            "end_time": local_iso(ts + 0.2), "attributes": {"retrieval.source": "kb"},
            "events": [], "status": "ok", "error": None,
        })
    return json.dumps({"level": "info", "message": f"cache warmed {n}",
                       "timestamp": utc_iso(ts, digits=3), "service": "api"})


def starts_call(n: int) -> bool:
    """Line ``n`` of the mix is the first line of a call (the writer's tally of calls)."""
    return n % 6 in (0, 1, 3)


def call_line(key: str) -> int | None:
    """The number of the line that started the call with index key ``key`` (``req:r-7`` -> 7);
    None for a call that is not from this mix."""
    kind, _, number = key.removeprefix("req:").partition("-")
    return int(number) if kind in ("i", "r", "s") and number.isdigit() else None


def write_file(path: Path, lines: int) -> None:
    """``lines`` lines 50 ms apart ending now, so time windows (``since:1h``, the metrics
    windows) select data as they would on a live app."""
    rng = random.Random(1)
    first = time.time() - lines * LINE_SECONDS
    with path.open("w", encoding="utf-8") as handle:
        for n in range(lines):
            handle.write(line_for(n, rng, first + n * LINE_SECONDS) + "\n")


DUCKDB_READ = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[2])
t = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited', "
            "maximum_object_size=16777216, ignore_errors=true, union_by_name=true)",
            [sys.argv[1]])
con.close()
import resource
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

LLMVIEW_INDEX = """
import sys, time
from llmview.core.index import Index
t = time.perf_counter()
index = Index.open([sys.argv[1]], index_path=sys.argv[2])
index.refresh(final=True)
index.close()
import resource
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def timed(code: str, *args: str) -> tuple[float, float]:
    """Seconds the child measured and its own peak RSS in MB."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    seconds, rss = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(rss)


def ensure_file(path: Path, lines: int) -> None:
    """``path`` holding ``lines`` lines of the mix: a kept file of that length is reused."""
    if path.exists() and sum(1 for _ in path.open()) == lines:
        return
    started = time.perf_counter()
    write_file(path, lines)
    print(f"wrote {lines:,} lines in {time.perf_counter() - started:.1f}s", flush=True)


def contenders(log: Path, work: Path) -> dict[str, tuple[float, float]]:
    """Seconds and peak RSS MB of DuckDB ``read_json`` loading ``log`` and of llmview indexing
    it cold, each in a fresh process; both databases stay in ``work`` (``read_json.duckdb``,
    ``llmview.duckdb``)."""
    for leftover in work.glob("*.duckdb*"):
        leftover.unlink()
    return {
        "duckdb read_json": timed(DUCKDB_READ, str(log), str(work / "read_json.duckdb")),
        "llmview cold index": timed(LLMVIEW_INDEX, str(log), str(work / "llmview.duckdb")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", help="directory to keep the files in")
    args = parser.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="llmview-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "mixed.jsonl"
    ensure_file(log, args.lines)
    size_mb = log.stat().st_size / 1e6
    results = contenders(log, work)
    print(f"file: {args.lines:,} lines, {size_mb:.0f} MB")
    print(f"{'':24}{'seconds':>10}{'lines/s':>12}{'MB/s':>8}{'peak RSS MB':>13}")
    for name, (secs, rss) in results.items():
        print(f"{name:<24}{secs:>10.2f}{args.lines / secs:>12,.0f}{size_mb / secs:>8.1f}"
              f"{rss:>13,.0f}")
    duck_s, ours_s = results["duckdb read_json"][0], results["llmview cold index"][0]
    print(f"ratio (read_json time / llmview time): {duck_s / ours_s:.2f}  (target >= 0.8)")


if __name__ == "__main__":
    main()
