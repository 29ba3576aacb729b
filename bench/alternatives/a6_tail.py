"""Tail increments after a cold index: the cost of one pass (read from the stored offset,
normalize in SQL, merge calls, commit rows + offset) for small appends, which bounds live-tail
lag. Not a throughput number: prints per-pass latency (p50 / p95 / max over passes).

    python bench/alternatives/a6_tail.py [--file F]

The cold index is built with the hybrid (64 MB chunks); then the same generator appends lines
to a copy of the file in batches of 10, 100 and 1000 lines, half of them responses whose
request is already in the index (so the merge with stored rows is exercised).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aliases import PyCompiled, normalize_sql  # noqa: E402
from common import CALL_NAMES, DEFAULT_FILE, SPAN_UPSERT_SET, UPSERT_SET, ddl  # noqa: E402
from pyside import chunks, insert, normalize_chunk, to_arrow  # noqa: E402
from sqlside import store  # noqa: E402


def one_pass(con, path: str, mode: str, norm_sql: str, pynorm) -> int:
    offset, line_no = con.execute('SELECT "offset", line_no FROM files WHERE file_id = 1'
                                  ).fetchall()[0]
    lines = 0
    for data, off, ln in chunks(path, 64 << 20, offset, line_no, final=False):
        if mode.startswith("py-"):
            tables = to_arrow(normalize_chunk(data, off, ln, 1, pynorm, merge=True))
            con.execute("BEGIN")
            if "calls" in tables and mode == "py-upsert":
                insert(con, "calls", tables["calls"], upsert=UPSERT_SET)
            elif "calls" in tables:  # py-antijoin: no PK, merge with stored rows in SQL
                con.register("py_incoming", tables["calls"])
                names = ", ".join(CALL_NAMES)
                con.execute(f"UPDATE calls SET {UPSERT_SET.replace('EXCLUDED.', 'py_incoming.')}"
                            f" FROM py_incoming WHERE calls.key = py_incoming.key")
                con.execute(f"INSERT INTO calls ({names}) SELECT {names} FROM py_incoming "
                            f"ANTI JOIN calls USING (key)")
                con.unregister("py_incoming")
            if "spans" in tables:
                insert(con, "spans", tables["spans"],
                       upsert=SPAN_UPSERT_SET if mode == "py-upsert" else None,
                       conflict="trace_id, span_id")
            for name in ("events", "problems", "sources"):
                if name in tables:
                    insert(con, name, tables[name])
        else:
            from a4_hybrid import lines_table

            con.register("chunk", lines_table(data, off, ln))
            con.execute(f"CREATE OR REPLACE TEMP TABLE norm AS {norm_sql}")
            con.unregister("chunk")
            con.execute("BEGIN")
            store(con, "norm", calls=mode)
        n = data.count(b"\n")
        con.execute('UPDATE files SET "offset" = ?, line_no = ? WHERE file_id = 1',
                    [off + len(data), ln + n])
        con.execute("COMMIT")
        lines += n
    return lines


def main() -> None:
    import duckdb
    from ingest import line_for  # bench/ingest.py

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--file", default=DEFAULT_FILE)
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args()
    work = Path(args.file).parent
    base_lines = sum(1 for _ in open(args.file, "rb"))
    print(f"tail passes after a cold index of {base_lines:,} lines; load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'mode':<34}{'batch':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'rows ok':>9}")
    for mode in ("antijoin", "upsert", "py-antijoin", "py-upsert"):
        log = work / f"tail-{mode}.jsonl"
        db = work / f"tail-{mode}.duckdb"
        for leftover in (db, Path(str(db) + ".wal")):
            leftover.unlink(missing_ok=True)
        shutil.copy(args.file, log)
        con = duckdb.connect(str(db))
        con.execute("SET TimeZone = 'UTC'")
        con.execute(ddl(pk=mode.endswith("upsert")))
        con.execute("INSERT INTO files VALUES (1, ?, 0, 0)", [str(log)])
        norm_sql = normalize_sql("chunk", file_id="1")
        pynorm = PyCompiled()
        one_pass(con, str(log), "upsert" if mode.endswith("upsert") else "antijoin", norm_sql,
                 pynorm)  # the cold index, with the hybrid
        rng = random.Random(7)
        n = base_lines
        for batch in (10, 100, 1000):
            times = []
            for _ in range(args.passes):
                with open(log, "a") as f:
                    for _ in range(batch):
                        # a response (kind 2) to a request already indexed, or a new line
                        f.write(line_for(n, rng) + "\n")
                        n += 1
                started = time.perf_counter()
                one_pass(con, str(log), mode, norm_sql, pynorm)
                times.append((time.perf_counter() - started) * 1000)
            calls = con.execute("SELECT count(*) FROM calls").fetchall()[0][0]
            expected = n // 6 * 3 + [0, 1, 2, 2, 3, 3][n % 6]
            p95 = sorted(times)[math.ceil(0.95 * len(times)) - 1]
            print(f"{mode:<34}{batch:>7}{statistics.median(times):>9.1f}{p95:>9.1f}"
                  f"{max(times):>9.1f}{'yes' if calls == expected else calls:>9}")
        con.close()
        for leftover in (db, Path(str(db) + ".wal"), log):
            leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
