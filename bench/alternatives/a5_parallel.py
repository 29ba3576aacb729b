"""Approach 5: parallelism on 2 cores.

  py pool=N + upsert     approach 1 with a multiprocessing Pool of N Python normalizers: each
                         worker reads its chunk (8 MB of whole lines) itself, parses + maps it and
                         returns Arrow IPC bytes; the main process merges/upserts in order and
                         commits each chunk with its offset (exactly once, in file order)
  py serial + upsert     the same work in one process, for comparison
  hybrid threads=1|2     approach 4 (64 MB chunks, antijoin) with SET threads = 1 / 2
  rj-columns threads=1|2 approach 3 (read_json columns + SQL normalize) with SET threads = 1 / 2
"""

from __future__ import annotations

import multiprocessing as mp

import common
from aliases import PyCompiled
from common import SPAN_UPSERT_SET, UPSERT_SET, ddl
from pyside import chunks, from_ipc, insert, ipc_bytes, normalize_chunk, to_arrow

_NORM = None


def _work(job: tuple[str, int, int, int]) -> tuple[int, int, dict[str, bytes]]:
    """Worker: read [offset, offset+size) (whole lines), normalize, return Arrow IPC."""
    global _NORM
    if _NORM is None:
        _NORM = PyCompiled()
    path, offset, size, line_no = job
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(size)
    tables = to_arrow(normalize_chunk(data, offset, line_no, 1, _NORM, merge=True))
    return offset + size, line_no + data.count(b"\n"), ipc_bytes(tables)


def _plan(path: str, size: int = 8 << 20) -> list[tuple[str, int, int, int]]:
    """Chunk boundaries (whole lines) and the line number each starts at, found by one cheap
    scan (bytes.count) in the main process."""
    jobs = []
    for data, offset, line_no in chunks(path, size):
        jobs.append((path, offset, len(data), line_no))
    return jobs


def _store(con, tables, end: int, end_line: int) -> None:
    con.execute("BEGIN")
    if "calls" in tables:
        insert(con, "calls", tables["calls"], upsert=UPSERT_SET)
    if "spans" in tables:
        insert(con, "spans", tables["spans"], upsert=SPAN_UPSERT_SET,
               conflict="trace_id, span_id")
    for name in ("events", "problems", "sources"):
        if name in tables:
            insert(con, name, tables[name])
    con.execute('UPDATE files SET "offset" = ?, line_no = ? WHERE file_id = 1', [end, end_line])
    con.execute("COMMIT")


def py_pool(db: str, path: str, workers: int) -> None:
    import duckdb

    con = duckdb.connect(db)
    con.execute(ddl(pk=True))
    con.execute("INSERT INTO files VALUES (1, ?, 0, 0)", [path])
    jobs = _plan(path)
    if workers == 0:
        for job in jobs:
            end, end_line, blobs = _work(job)
            _store(con, from_ipc(blobs), end, end_line)
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            for end, end_line, blobs in pool.imap(_work, jobs):  # in order: offsets stay exact
                _store(con, from_ipc(blobs), end, end_line)
    con.close()


def hybrid(db: str, path: str, threads: int) -> None:
    from a4_hybrid import run

    run(db, path, calls="antijoin", threads=threads)


def rj(db: str, path: str, threads: int) -> None:
    from a3_duckdb import rj_columns

    rj_columns(db, path, threads=threads)


VARIANTS = {
    "py serial + upsert": lambda db, p: py_pool(db, p, 0),
    "py pool=2 + upsert (Arrow IPC)": lambda db, p: py_pool(db, p, 2),
    "hybrid 64MB antijoin threads=1": lambda db, p: hybrid(db, p, 1),
    "hybrid 64MB antijoin threads=2": lambda db, p: hybrid(db, p, 2),
    "rj-columns threads=1": lambda db, p: rj(db, p, 1),
    "rj-columns threads=2": lambda db, p: rj(db, p, 2),
}

if __name__ == "__main__":
    common.main(VARIANTS, __doc__.split("\n")[0])
