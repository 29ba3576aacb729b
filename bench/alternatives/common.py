"""Shared harness for the ingest alternatives.

Each ``aN_*.py`` script defines variants (functions ``fn(db_path, file_path) -> None`` that index
the file into a fresh DuckDB file). ``main(VARIANTS)`` runs DuckDB's own ``read_json``
auto-detect first and then every variant, each in a fresh subprocess so that peak RSS
(``ru_maxrss``) is per contender, and prints seconds, lines/s, the ratio to ``read_json`` and a
summary of what landed in the tables (so the variants can be checked to agree).

    python bench/alternatives/a1_python.py [--file F] [--lines N] [--only NAME ...]

The file defaults to /tmp/ingest-bench/mixed.jsonl, written with bench/ingest.py's generator
(300k lines) when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

DEFAULT_FILE = "/tmp/ingest-bench/mixed.jsonl"
DEFAULT_LINES = 300_000

# Close to llmview's schema, reduced to the columns the bench compares.
CALL_COLS = ("key VARCHAR{pk}, ts TIMESTAMP, request_id VARCHAR, model VARCHAR, provider VARCHAR,"
             " status VARCHAR, finish_reason VARCHAR, input_tokens BIGINT, output_tokens BIGINT,"
             " total_tokens BIGINT, latency_ms DOUBLE, messages JSON, output VARCHAR,"
             " error VARCHAR, search_text VARCHAR, dialect VARCHAR")
CALL_NAMES = ["key", "ts", "request_id", "model", "provider", "status", "finish_reason",
              "input_tokens", "output_tokens", "total_tokens", "latency_ms", "messages", "output",
              "error", "search_text", "dialect"]
SPAN_NAMES = ["trace_id", "span_id", "parent_id", "name", "start_ts", "end_ts", "duration_ms",
              "status", "error", "attributes", "events", "dialect"]
EVENT_NAMES = ["ts", "level", "message", "app", "search_text", "dialect", "file_id", "line_no",
               "offset", "length"]


def ddl(*, pk: bool) -> str:
    return f"""
CREATE TABLE files (file_id INTEGER PRIMARY KEY, path VARCHAR, "offset" BIGINT, line_no BIGINT);
CREATE TABLE calls ({CALL_COLS.format(pk=' PRIMARY KEY' if pk else '')});
CREATE TABLE spans (trace_id VARCHAR, span_id VARCHAR, parent_id VARCHAR, name VARCHAR,
    start_ts TIMESTAMP, end_ts TIMESTAMP, duration_ms DOUBLE, status VARCHAR, error VARCHAR,
    attributes JSON, events JSON, dialect VARCHAR{', PRIMARY KEY (trace_id, span_id)' if pk else ''});
CREATE TABLE events (ts TIMESTAMP, level VARCHAR, message VARCHAR, app VARCHAR,
    search_text VARCHAR, dialect VARCHAR, file_id INTEGER, line_no BIGINT, "offset" BIGINT,
    length BIGINT);
CREATE TABLE problems (file_id INTEGER, line_no BIGINT, "offset" BIGINT, length BIGINT,
    reason VARCHAR, raw VARCHAR);
CREATE TABLE sources (kind VARCHAR, key VARCHAR, file_id INTEGER, line_no BIGINT,
    "offset" BIGINT, length BIGINT);
"""


# Parts of one call merged in SQL: the first known value in line order, earliest start, the
# search texts of all parts. ``arg_min`` skips NULLs, so a response fills what a request lacks.
MERGE_SELECT = """
SELECT key, min(ts) AS ts,
    {firsts},
    string_agg(search_text, chr(10) ORDER BY seq) FILTER (WHERE search_text <> '') AS search_text
FROM {parts} GROUP BY key
""".replace("{firsts}", ",\n    ".join(
    f"arg_min({c}, seq) AS {c}" for c in CALL_NAMES if c not in ("key", "ts", "search_text")))

# The same merge against rows already in the table (a part in an earlier chunk or file).
UPSERT_SET = ", ".join(
    [f"{c} = coalesce(calls.{c}, EXCLUDED.{c})" for c in CALL_NAMES
     if c not in ("key", "ts", "search_text")]
    + ["ts = least(calls.ts, EXCLUDED.ts)",
       "search_text = concat_ws(chr(10), nullif(calls.search_text, ''),"
       " nullif(EXCLUDED.search_text, ''))"])
SPAN_UPSERT_SET = ", ".join(
    [f"{c} = coalesce(spans.{c}, EXCLUDED.{c})" for c in SPAN_NAMES
     if c not in ("trace_id", "span_id", "start_ts", "end_ts")]
    + ["start_ts = least(spans.start_ts, EXCLUDED.start_ts)",
       "end_ts = greatest(spans.end_ts, EXCLUDED.end_ts)"])

SUMMARY_SQL = """
SELECT (SELECT count(*) FROM calls), (SELECT count(model) FROM calls),
       (SELECT count(status) FROM calls), (SELECT sum(input_tokens) FROM calls),
       (SELECT sum(total_tokens) FROM calls), (SELECT count(output) FROM calls),
       (SELECT sum(strlen(search_text)) FROM calls), (SELECT count(*) FROM spans),
       (SELECT count(*) FROM events), (SELECT count(*) FROM problems),
       (SELECT count(*) FROM sources)
"""
SUMMARY_NAMES = ["calls", "model", "status", "in_tok", "tot_tok", "output", "search_len", "spans",
                 "events", "problems", "sources"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_file(path: str, lines: int) -> None:
    p = Path(path)
    if p.exists():
        return
    from ingest import write_file  # bench/ingest.py

    p.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_file(p, lines)
    print(f"wrote {lines:,} lines to {p} in {time.perf_counter() - started:.1f}s")


# --- the reference -----------------------------------------------------------------------------


def read_json_autodetect(db: str, path: str) -> None:
    """DuckDB's own read_json with auto-detection into a table (as bench/ingest.py does)."""
    import duckdb

    con = duckdb.connect(db)
    con.execute("CREATE TABLE t AS SELECT * FROM read_json(?, format='newline_delimited', "
                "maximum_object_size=16777216, ignore_errors=true, union_by_name=true)", [path])
    con.close()


# --- harness -----------------------------------------------------------------------------------


def _child(variants: dict[str, Callable[[str, str], None]], name: str, path: str,
           work: Path) -> None:
    db = work / f"alt-{name}.duckdb"
    for leftover in (db, Path(str(db) + ".wal")):
        if leftover.exists():
            leftover.unlink()
    fn = read_json_autodetect if name == "read_json" else variants[name]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    fn(str(db), path)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, if any
    cpu = usage.ru_utime + usage.ru_stime - cpu_before + kids.ru_utime + kids.ru_stime
    peak = rss_mb()  # before the summary query reads the tables back
    peak_kids = kids.ru_maxrss / 1024
    summary = None
    if name != "read_json" and db.exists():
        import duckdb

        con = duckdb.connect(str(db), read_only=True)
        summary = dict(zip(SUMMARY_NAMES, con.execute(SUMMARY_SQL).fetchall()[0], strict=True))
        con.close()
    size = db.stat().st_size if db.exists() else 0
    print(json.dumps({"seconds": seconds, "rss_mb": peak, "rss_workers_mb": peak_kids, "summary": summary, "cpu": cpu,
                      "db_mb": size / 1e6}, default=str))
    for leftover in (db, Path(str(db) + ".wal")):
        if leftover.exists():
            leftover.unlink()


def main(variants: dict[str, Callable[[str, str], None]], title: str) -> None:
    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--file", default=DEFAULT_FILE)
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES,
                        help="lines to generate when the file is missing")
    parser.add_argument("--only", nargs="*", help="variant names to run")
    parser.add_argument("--no-reference", action="store_true", help="skip read_json")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 2)),
                        help="runs per variant; the fastest is reported (the machine is shared)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = Path(args.file).parent
    if args.child:
        _child(variants, args.child, args.file, work)
        return
    ensure_file(args.file, args.lines)
    lines = sum(1 for _ in open(args.file, "rb"))
    size_mb = os.path.getsize(args.file) / 1e6
    names = list(args.only or variants)
    if not args.no_reference:
        names.insert(0, "read_json")
    print(f"{title}\nfile: {args.file}: {lines:,} lines, {size_mb:.0f} MB, "
          f"{os.cpu_count()} cores")
    print(f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat} runs each, each run in "
          f"a fresh process; cpu = user+sys seconds of that run (all threads)")
    print(f"{'approach':<44}{'seconds':>8}{'cpu s':>7}{'lines/s':>10}{'vs rj':>7}{'RSS MB':>8}")
    ref = None
    results = {}
    for name in names:
        runs = []
        for _ in range(max(1, args.repeat)):
            out = subprocess.run([sys.executable, __import__("__main__").__file__, "--child",
                                  name, "--file", args.file], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{name:<44}  FAILED: {out.stderr.strip().splitlines()[-1][:200]}")
                break
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        r = min(runs, key=lambda x: x["seconds"])
        r["rss_mb"] = max(x["rss_mb"] for x in runs)
        results[name] = r
        if name == "read_json":
            ref = r["seconds"]
        ratio = f"{ref / r['seconds']:.2f}" if ref else "-"
        workers = f" (+{r['rss_workers_mb']:.0f} per worker)" if r.get("rss_workers_mb") else ""
        print(f"{name:<44}{r['seconds']:>8.2f}{r['cpu']:>7.1f}{lines / r['seconds']:>10,.0f}"
              f"{ratio:>7}{r['rss_mb']:>8.0f}{workers}", flush=True)
    summaries = {n: r["summary"] for n, r in results.items() if r.get("summary")}
    if summaries:
        print("what landed (should agree across variants):")
        for n, s in summaries.items():
            print(f"  {n:<42} " + " ".join(f"{k}={v}" for k, v in s.items()))
