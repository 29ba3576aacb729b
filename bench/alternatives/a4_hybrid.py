"""Approach 4: hybrid. Python reads whole-line chunks from the stored offset and finds line
boundaries (bytes.split + running sum: byte offset and length per line), hands the chunk to
DuckDB as ONE Arrow string column (zero-copy over the chunk's bytes) with line_no / offset /
length columns, and DuckDB normalizes it with the SQL generated from aliases.py. Lines DuckDB
cannot parse become problems rows; lines a complex dialect claims come back to Python. Each chunk
commits its rows together with the file's new offset (exactly once).

Chunks of 8 MB (~22k lines: what a tail pass sees) or 64 MB (~180k lines: a cold index; DuckDB
only parallelizes a scan of more than ~one row group, 122,880 rows).
  parts+merge     call parts appended per chunk; one merge at the end (only keys with several
                  parts go through GROUP BY + arg_min)
  upsert          per chunk: merge the chunk's parts, INSERT ... ON CONFLICT into calls (PK)
  antijoin        per chunk: merge, no PK: UPDATE ... FROM for keys already there, INSERT the
                  rest with ANTI JOIN
  insert (floor)  per chunk merge, plain INSERT (a pair split by a chunk boundary stays two rows)
  one records table  lower bound of the design: the normalized wide rows straight into ONE
                  table (no temp table, no merge, no sources): parse + map + write only
  no messages col as upsert, calls.messages left NULL (re-read from the file on demand)
  extract         parse with json_extract_string(line, [paths]) + json_extract(line, [json
                  paths]) instead of from_json(line, spec)
  sql-split       Python passes each chunk as one string; DuckDB splits it (string_split +
                  generate_subscripts) and computes offsets (window sum)
  threads=1       SET threads = 1
  memory_limit    SET memory_limit (DuckDB's buffer pool is what pushes RSS past 500 MB)
"""

from __future__ import annotations

from array import array
from itertools import accumulate
from typing import Any

import common
from aliases import normalize_sql
from common import ddl
from pyside import chunks
from sqlside import PARTS_DDL, merge_parts, python_route, store

BATCH_ROWS = 32_768


def lines_table(data: bytes, offset: int, line_no: int) -> Any:
    """Arrow table (line_no, offset, length, line) over ``data`` (whole lines) without copying
    the text: the string column's offsets are the line starts, each value keeps its newline
    (JSON ignores it; length excludes it)."""
    import pyarrow as pa

    lengths = list(map(len, data.split(b"\n")))[:-1]
    n = len(lengths)
    starts = array("i", [0])
    starts.extend(accumulate(map((1).__add__, lengths)))
    text = pa.StringArray.from_buffers(n, pa.py_buffer(starts), pa.py_buffer(data))
    try:
        text.validate(full=True)  # UTF-8 check in C++; DuckDB must not see invalid text
    except pa.ArrowInvalid:
        text = pa.array([raw.decode("utf-8", "replace") for raw in data.split(b"\n")[:-1]],
                        pa.string())
    offsets = array("q", starts[:-1]) if offset == 0 else array("q", (s + offset for s in starts[:-1]))
    table = pa.table({
        "line_no": pa.array(range(line_no + 1, line_no + n + 1), pa.int64()),
        "offset": pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(offsets)]),
        "length": pa.array(lengths, pa.int64()),
        "line": text,
    })
    # DuckDB scans an Arrow table in parallel per record batch: slice it (zero-copy)
    return pa.Table.from_batches(table.to_batches(max_chunksize=BATCH_ROWS))


def run(db: str, path: str, *, calls: str = "parts", parser: str = "from_json",
        chunk: int = 64 << 20, threads: int | None = None, sql_split: bool = False,
        messages: bool = True, memory_limit: str | None = None) -> None:
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(db)
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {threads}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(ddl(pk=calls == "upsert"))
    norm_sql = normalize_sql("chunk", file_id="1", parser=parser)
    if calls == "parts":
        con.execute(PARTS_DDL)
    if calls == "records":
        con.register("chunk", lines_table(b"{}\n", 0, 0))
        con.execute(f"CREATE TABLE records AS SELECT * FROM ({norm_sql}) LIMIT 0")
        con.unregister("chunk")
    con.execute("INSERT INTO files VALUES (1, ?, 0, 0)", [path])
    if sql_split:
        con.execute("""CREATE TEMP MACRO split_chunk(t, base_off, base_line) AS TABLE
            SELECT base_line + line_no AS line_no, length,
                   base_off + sum(length + 1) OVER (ORDER BY line_no ROWS UNBOUNDED PRECEDING)
                       - length - 1 AS "offset", line
            FROM (SELECT unnest(l) AS line, generate_subscripts(l, 1) AS line_no,
                         strlen(unnest(l)) AS length
                  FROM (SELECT string_split(t, chr(10)) AS l))""")
    for data, offset, line_no in chunks(path, chunk):
        if sql_split:
            blob = pa.table({"t": pa.array([data.decode("utf-8", "replace")[:-1]])})
            con.register("blob", blob)
            con.execute(f"CREATE OR REPLACE TEMP TABLE chunk AS SELECT * FROM "
                        f"split_chunk((SELECT t FROM blob), {offset}, {line_no})")
            con.unregister("blob")
        else:
            con.register("chunk", lines_table(data, offset, line_no))
        if calls == "records":  # lower bound: one wide table, no temp, no merge, no sources
            con.execute("BEGIN")
            con.execute(f"INSERT INTO records SELECT * FROM ({norm_sql})")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE norm AS {norm_sql}")
            con.execute("BEGIN")
            store(con, "norm", calls=calls, messages=messages)
            python_route(con, "norm")
        con.execute('UPDATE files SET "offset" = ?, line_no = ? WHERE file_id = 1',
                    [offset + len(data), line_no + data.count(b"\n")])
        con.execute("COMMIT")
        if not sql_split:
            con.unregister("chunk")
    if calls == "parts":
        con.execute("BEGIN")
        merge_parts(con)
        con.execute("COMMIT")
    con.close()


MB = 1 << 20
VARIANTS = {
    "hybrid 8MB parts+merge": lambda db, p: run(db, p, chunk=8 * MB),
    "hybrid 8MB upsert (PK)": lambda db, p: run(db, p, chunk=8 * MB, calls="upsert"),
    "hybrid 64MB parts+merge": run,
    "hybrid 64MB upsert (PK, ON CONFLICT)": lambda db, p: run(db, p, calls="upsert"),
    "hybrid 64MB antijoin (no PK)": lambda db, p: run(db, p, calls="antijoin"),
    "hybrid 32MB antijoin, memory_limit 200MB": lambda db, p: run(
        db, p, calls="antijoin", chunk=32 * MB, memory_limit="200MB"),
    "hybrid 64MB antijoin, memory_limit 200MB": lambda db, p: run(
        db, p, calls="antijoin", memory_limit="200MB"),
    "hybrid 64MB insert (floor, not correct)": lambda db, p: run(db, p, calls="insert"),
    "hybrid 64MB upsert, no messages col": lambda db, p: run(db, p, calls="upsert",
                                                             messages=False),
    "hybrid 64MB one records table (bound)": lambda db, p: run(db, p, calls="records"),
    "hybrid 64MB extract (json_extract_string)": lambda db, p: run(db, p, parser="extract"),
    "hybrid 64MB sql-split": lambda db, p: run(db, p, sql_split=True),
    "hybrid 64MB upsert threads=1": lambda db, p: run(db, p, calls="upsert", threads=1),
}

if __name__ == "__main__":
    common.main(VARIANTS, __doc__.split("\n")[0])
