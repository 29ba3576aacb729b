"""Writing calls out: JSONL and CSV for people and scripts, Parquet partitioned by day so that
DuckDB, Spark or Trino can query a fleet's exports in place from object storage.

Exports are masked like the screen unless the user opts out; masking works on decoded values,
so JSON stays JSON and CSV stays CSV.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from .core.index import EXPORT_COLUMNS, JSON_COLUMNS, Index
from .output import row_to_json, write_csv

PARQUET_ROWS = 50_000


def export_calls(index: Index, *, fmt: str, query: str, out: str | None,
                 mask: Callable[[Any], Any]) -> int:
    rows = index.iter_calls(query)
    if fmt == "parquet":
        if not out:
            raise ValueError("parquet needs --out FILE.parquet or --out DIR")
        return write_parquet(rows, Path(out), mask)
    with _open_text(out) as handle:
        if fmt == "csv":
            return write_csv(rows, mask, handle)
        count = 0
        for row in rows:
            handle.write(row_to_json(row, mask, JSON_COLUMNS) + "\n")
            count += 1
        return count


@contextlib.contextmanager
def _open_text(out: str | None) -> Iterator[TextIO]:
    if not out:
        yield sys.stdout
        return
    with open(out, "w", encoding="utf-8", newline="") as handle:
        yield handle


def parquet_schema() -> Any:
    """Fixed column types, so that every chunk (and every day's file) agrees."""
    import pyarrow as pa

    text = {"id", "request_id", "app", "user_id", "session", "model", "provider", "operation",
            "status", "finish_reason", "messages", "output", "tool_calls", "error_type", "error",
            "trace_id", "span_id", "dialect", "day"}
    ints = {"input_tokens", "output_tokens", "total_tokens", "max_tokens", "seed", "http_status"}
    fields = [pa.field("ts", pa.timestamp("us"))]
    for name in [c.split(" AS ")[-1] for c in EXPORT_COLUMNS if c != "ts"] + ["day"]:
        kind = pa.string() if name in text else pa.int64() if name in ints else pa.float64()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def write_parquet(rows: Iterator[dict[str, Any]], out: Path, mask: Callable[[Any], Any]) -> int:
    """One file, or (for a directory) a Hive-partitioned dataset ``day=YYYY-MM-DD/``, written a
    chunk at a time so memory stays flat however many calls there are."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    schema = parquet_schema()
    partitioned = out.suffix != ".parquet"
    writer = None if partitioned else pq.ParquetWriter(out, schema.remove(schema.get_field_index(
        "day")))
    count = 0
    chunk: list[dict[str, Any]] = []

    def flush(part: int) -> None:
        table = pa.Table.from_pylist(chunk, schema=schema)
        if writer is not None:
            writer.write_table(table.drop_columns(["day"]))
        else:
            ds.write_dataset(table, out, format="parquet", partitioning=["day"],
                             partitioning_flavor="hive", basename_template=f"calls-{part}-{{i}}"
                             ".parquet", existing_data_behavior="overwrite_or_ignore")
        chunk.clear()

    if partitioned:
        out.mkdir(parents=True, exist_ok=True)
    try:
        for row in rows:
            masked = mask({k: v for k, v in row.items() if k != "ts"})
            masked["ts"] = row["ts"]
            masked["day"] = row["ts"].date().isoformat() if row["ts"] is not None else "unknown"
            chunk.append(masked)
            count += 1
            if len(chunk) >= PARQUET_ROWS:
                flush(count // PARQUET_ROWS)
        if chunk or (writer is None and count == 0):
            flush(count // PARQUET_ROWS + 1)
    finally:
        if writer is not None:
            writer.close()
    return count
