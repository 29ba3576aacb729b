"""End to end on N lines: load, cold index, warm start, search and metrics, in one run.

    python bench/scale.py [--lines 1000000] [--runs 3] [--keep DIR] [--json]

Writes ``bench/ingest.py``'s mixed file (``DIR/mixed.jsonl``, reused when ``--keep`` holds one
of that length; DIR is a new temporary directory, removed at the end, unless ``--keep``), then
measures, composing the other benches:

- ``ingest.contenders``: DuckDB ``read_json`` loading the file into a table against llmview
  indexing it cold, each in a fresh process with its own peak RSS (``ru_maxrss``);
- ``search.QUERIES``, the 20 representative queries, through ``Index.count`` and
  ``Index.search`` as the Requests pane runs them (the count and the first page), ``--runs``
  times each after a warm-up; the trace and request ids they look up are taken from the index;
- ``metrics.time_views``: the Metrics pane's queries per window and grouping;
- ``startup.warm_start``: ``--runs`` fresh processes opening the index to the first screen.

Prints one table (``--json``: the same figures as JSON) with the targets from
``bench/README.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from ingest import contenders, ensure_file  # noqa: E402
from metrics import time_views  # noqa: E402
from search import QUERIES, elapsed_ms, pct  # noqa: E402
from startup import TARGET_SECONDS, Cache, warm_start  # noqa: E402

from llmview.core.index import Index  # noqa: E402
from llmview.core.pricing import PriceBook  # noqa: E402
from llmview.ui.panes.requests import CallSource  # noqa: E402
from llmview.ui.widgets.paged_table import PAGE_ROWS  # noqa: E402


def search_times(index: Index, runs: int) -> dict[str, Any]:
    """Milliseconds of each count and first page the Requests pane asks for, by kind (field
    search, free text), over ``runs`` runs of every query after a warm-up run. The queries
    look up the ids of a call from the middle of the index."""
    with_ids = "FROM llm_calls WHERE trace_id IS NOT NULL AND request_id IS NOT NULL"
    middle = index.rows(f"SELECT count(*) // 2 AS n {with_ids}")[0]["n"]
    ids = index.rows(f"SELECT trace_id, request_id {with_ids} ORDER BY seq LIMIT 1 OFFSET ?",
                     [middle])[0]
    samples: dict[str, list[float]] = {"field": [], "text": []}
    slowest = ("", 0.0)
    for kind, text, _bare in QUERIES:
        query = text.format(trace=ids["trace_id"], request=ids["request_id"])
        source = CallSource(index, query, "time", True)
        for attempt in range(runs + 1):
            for run in (source.count, lambda s=source: s.page(0, PAGE_ROWS)):
                ms = elapsed_ms(run)
                if attempt:
                    samples[kind].append(ms)
                    slowest = max(slowest, (query, ms), key=lambda pair: pair[1])
    every = samples["field"] + samples["text"]
    figures = {kind: {"p50_ms": pct(times, 0.5), "p95_ms": pct(times, 0.95)}
               for kind, times in (*samples.items(), ("all", every))}
    return {**figures, "queries": len(QUERIES), "slowest": {"query": slowest[0],
                                                             "ms": slowest[1]}}


def measure(work: Path, lines: int, runs: int) -> dict[str, Any]:
    log = work / "mixed.jsonl"
    ensure_file(log, lines)
    size_mb = log.stat().st_size / 1e6
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "load_average": os.getloadavg()[0]},
        "lines": lines, "file_mb": size_mb,
    }
    keys = {"duckdb read_json": "read_json", "llmview cold index": "cold_index"}
    for name, (seconds, rss) in contenders(log, work).items():
        results[keys[name]] = {
            "seconds": seconds, "lines_per_s": lines / seconds, "mb_per_s": size_mb / seconds,
            "peak_rss_mb": rss}
    (work / "read_json.duckdb").unlink()  # as big as the file, no longer needed
    results["ratio"] = results["read_json"]["seconds"] / results["cold_index"]["seconds"]

    index_path = work / "llmview.duckdb"
    index = Index.open([str(log)], index_path=str(index_path))
    calls = index.count()
    results["calls"] = calls
    results["search"] = search_times(index, runs)
    views = time_views(index, PriceBook(), runs)
    worst = max(views, key=lambda v: v.everything)
    results["metrics"] = {"worst_ms": worst.everything, "fastest_ms": worst.fastest,
                          "window": worst.window, "group": worst.group}
    index.close()  # a warm start must find the index free, or it falls back to memory

    cache = Cache(log, index_path, lines, calls, results["cold_index"]["seconds"], True)
    first = [float(warm_start(cache)["first_screen"]) for _ in range(runs)]
    results["first_screen"] = {"median_s": statistics.median(first), "max_s": max(first),
                               "runs": first}
    return results


def print_table(r: dict[str, Any]) -> None:
    machine, s, m, f = r["machine"], r["search"], r["metrics"], r["first_screen"]
    print(f"\nscale: {r['lines']:,} lines, {r['file_mb']:.0f} MB -> {r['calls']:,} calls "
          f"(machine: {machine['cpus']} cpus, python {machine['python']}, load average "
          f"{machine['load_average']:.2f})")
    rows: list[tuple[str, str, str]] = []
    for name, key, target in (("duckdb read_json", "read_json", ""),
                              ("llmview cold index", "cold_index", ">= 200,000 lines/s")):
        c = r[key]
        rows.append((name, f"{c['seconds']:.2f} s, {c['lines_per_s']:,.0f} lines/s, "
                           f"{c['mb_per_s']:.1f} MB/s, peak RSS {c['peak_rss_mb']:,.0f} MB",
                     target))
    rows += [
        ("ratio read_json / llmview", f"{r['ratio']:.2f}", ">= 0.8"),
        ("warm start, first screen", f"median {f['median_s']:.3f} s, max {f['max_s']:.3f} s "
                                     f"({len(f['runs'])} runs)", f"< {TARGET_SECONDS:.0f} s"),
        (f"search, {s['queries']} queries", f"field p50/p95 {s['field']['p50_ms']:.1f}/"
                                            f"{s['field']['p95_ms']:.1f} ms, text "
                                            f"{s['text']['p50_ms']:.1f}/"
                                            f"{s['text']['p95_ms']:.1f} ms", "20 / 150 ms"),
        ("", f"all p95 {s['all']['p95_ms']:.1f} ms; slowest {s['slowest']['ms']:.0f} ms "
             f"{s['slowest']['query']!r}", ""),
        ("metrics, worst window", f"{m['worst_ms']:.0f} ms ({m['window']} by {m['group']}, "
                                  f"fastest run {m['fastest_ms']:.0f} ms)", "< 300 ms"),
    ]
    width = max(len(result) for _, result, _ in rows) + 2
    print(f"{'':28}{'result':<{width}}target")
    for name, result, target in rows:
        print(f"{name:<28}{result:<{width}}{target}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3,
                        help="warm starts, and runs of each search and metrics query")
    parser.add_argument("--keep", type=Path, help="work directory (default: a new temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="llmview-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        # With --json, stdout is the JSON alone: the steps' progress lines go to stderr.
        with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):
            results = measure(work, args.lines, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)


if __name__ == "__main__":
    main()
