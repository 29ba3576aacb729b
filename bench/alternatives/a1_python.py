"""Approach 1: pure Python per line (orjson.loads + the alias-table mapping building column
lists), then Arrow and one INSERT ... SELECT per table and chunk, offsets committed with the rows.

llmview today: the current Indexer + Store (per-line dialect modules -> msgspec Structs -> merge
in Python -> Arrow -> INSERT ... ON CONFLICT), for reference (its own, wider schema).
Variants price the merge of request/response parts:
  py-merge+insert     parts merged in a Python dict per chunk, plain INSERT (no PRIMARY KEY; a
                      pair split across two chunks stays two rows: not correct, the floor)
  py-merge+upsert     the same, PRIMARY KEYs and INSERT ... ON CONFLICT DO UPDATE (correct)
  py-parts+sqlmerge   every part appended to a plain call_parts table; one GROUP BY key merge
                      (arg_min per column) into calls at the end (correct for a cold index)
  py-parse-only       orjson + mapping + column lists only, no Arrow, no DuckDB (the alias table
                      compiled to Python source, PyCompiled; and as generic closures)
"""

from __future__ import annotations

import common
from aliases import PyCompiled, PyNormalizer
from common import MERGE_SELECT, SPAN_UPSERT_SET, UPSERT_SET, ddl
from pyside import chunks, insert, normalize_chunk, to_arrow

PARTS_DDL = ("CREATE TABLE call_parts AS SELECT * FROM calls LIMIT 0;"
             " ALTER TABLE call_parts ADD COLUMN seq BIGINT;"
             " ALTER TABLE call_parts ADD COLUMN file_id INTEGER;"
             " ALTER TABLE call_parts ADD COLUMN line_no BIGINT;"
             ' ALTER TABLE call_parts ADD COLUMN "offset" BIGINT;'
             " ALTER TABLE call_parts ADD COLUMN length BIGINT;")


def run(db: str, path: str, *, mode: str, generic: bool = False) -> None:
    import duckdb

    con = duckdb.connect(db)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(ddl(pk=mode == "upsert"))
    if mode == "parts":
        con.execute(PARTS_DDL)
    con.execute("INSERT INTO files VALUES (1, ?, 0, 0)", [path])
    norm = PyNormalizer() if generic else PyCompiled()
    for data, offset, line_no in chunks(path):
        tables = to_arrow(normalize_chunk(data, offset, line_no, 1, norm,
                                          merge=mode != "parts"))
        con.execute("BEGIN")
        if "calls" in tables:
            insert(con, "calls", tables["calls"], upsert=UPSERT_SET if mode == "upsert" else None)
        if "call_parts" in tables:
            insert(con, "call_parts", tables["call_parts"])
        if "spans" in tables:
            insert(con, "spans", tables["spans"],
                   upsert=SPAN_UPSERT_SET if mode == "upsert" else None,
                   conflict="trace_id, span_id")
        for name in ("events", "problems", "sources"):
            if name in tables:
                insert(con, name, tables[name])
        con.execute('UPDATE files SET "offset" = ?, line_no = ? WHERE file_id = 1',
                    [offset + len(data), line_no + data.count(b"\n")])
        con.execute("COMMIT")
    if mode == "parts":
        con.execute(f"INSERT INTO calls SELECT {', '.join(common.CALL_NAMES)} FROM "
                    f"({MERGE_SELECT.format(parts='call_parts')})")
    con.close()


def parse_only(db: str, path: str, generic: bool = False) -> None:
    norm = PyNormalizer() if generic else PyCompiled()
    for data, offset, line_no in chunks(path):
        normalize_chunk(data, offset, line_no, 1, norm, merge=True)


def llmview_today(db: str, path: str) -> None:
    """The current design, from the working tree (core/ingest.py + core/store.py; index.py is
    bypassed so that a half-edited façade does not matter)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from llmview.core.ingest import Indexer
    from llmview.core.store import Store, open_index

    opened = open_index(db)
    Indexer(Store(opened.con), [path]).refresh(final=True)
    opened.con.close()


VARIANTS = {
    "llmview today (Indexer+Store)": llmview_today,
    "py-parse-only, closures (PyNormalizer)": lambda db, p: parse_only(db, p, generic=True),
    "py-parse-only (orjson+compiled map, lists)": parse_only,
    "py-merge+insert (no PK)": lambda db, p: run(db, p, mode="insert"),
    "py-merge+upsert (PK, ON CONFLICT)": lambda db, p: run(db, p, mode="upsert"),
    "py-parts+sqlmerge (GROUP BY at end)": lambda db, p: run(db, p, mode="parts"),
}

if __name__ == "__main__":
    common.main(VARIANTS, __doc__.split("\n")[0])
