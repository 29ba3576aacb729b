"""The Python side shared by approaches 1, 2 and 5: reading whole-line chunks with byte offsets,
per-line ``orjson.loads`` + the alias-table ``PyNormalizer``, column lists, Arrow tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from aliases import PyNormalizer
from common import CALL_NAMES, EVENT_NAMES, SPAN_NAMES

READ_CHUNK = 8 * 1024 * 1024

PART_NAMES = CALL_NAMES + ["seq", "file_id", "line_no", "offset", "length"]


def chunks(path: str, size: int = READ_CHUNK, offset: int = 0, line_no: int = 0,
           final: bool = True) -> Iterator[tuple[bytes, int, int]]:
    """(data ending at a newline, byte offset of data, line number before data), from
    ``offset``. ``final`` takes a last line without newline as a line (the file is quiet)."""
    rest = b""
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            block = f.read(size)
            if not block:
                if rest and final:  # the file is quiet: a last line without newline counts
                    yield rest + b"\n", offset, line_no
                return
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
            yield data, offset, line_no
            offset += len(data)
            line_no += data.count(b"\n")


class Columns:
    """Column lists for one table."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.cols: dict[str, list[Any]] = {n: [] for n in names}

    def add(self, row: dict[str, Any]) -> None:
        for n, col in self.cols.items():
            col.append(row.get(n))

    def __len__(self) -> int:
        return len(self.cols[self.names[0]])

    def table(self, schema: Any) -> Any:
        import pyarrow as pa

        return pa.table({n: self.cols[n] for n in schema.names}, schema=schema)


def schemas() -> dict[str, Any]:
    import pyarrow as pa

    s, i, f, t, j = pa.string(), pa.int64(), pa.float64(), pa.timestamp("us"), pa.string()
    call_types = {"ts": t, "input_tokens": i, "output_tokens": i, "total_tokens": i,
                  "latency_ms": f, "messages": j, "seq": i, "file_id": pa.int32(),
                  "line_no": i, "offset": i, "length": i}
    span_types = {"start_ts": t, "end_ts": t, "duration_ms": f}
    event_types = {"ts": t, "file_id": pa.int32(), "line_no": i, "offset": i, "length": i}
    return {
        "calls": pa.schema([(n, call_types.get(n, s)) for n in CALL_NAMES]),
        "call_parts": pa.schema([(n, call_types.get(n, s)) for n in PART_NAMES]),
        "spans": pa.schema([(n, span_types.get(n, s)) for n in SPAN_NAMES]),
        "events": pa.schema([(n, event_types.get(n, s)) for n in EVENT_NAMES]),
        "problems": pa.schema([("file_id", pa.int32()), ("line_no", i), ("offset", i),
                               ("length", i), ("reason", s), ("raw", s)]),
        "sources": pa.schema([("kind", s), ("key", s), ("file_id", pa.int32()), ("line_no", i),
                              ("offset", i), ("length", i)]),
    }


def merge_call(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two parts of one call: first known value per field, earliest ts, both search texts."""
    out = dict(a)
    for k, v in b.items():
        if out.get(k) is None:
            out[k] = v
    if a.get("ts") is not None and b.get("ts") is not None:
        out["ts"] = min(a["ts"], b["ts"])
    texts = [t for t in (a.get("search_text"), b.get("search_text")) if t]
    out["search_text"] = "\n".join(texts) if texts else None
    return out


def normalize_chunk(data: bytes, offset: int, line_no: int, file_id: int, norm: PyNormalizer,
                    *, merge: bool, loads=orjson.loads) -> dict[str, Columns]:
    """Per-line parse + alias mapping of one chunk into column lists (calls merged by key in
    Python when ``merge``, else one call_parts row per line)."""
    calls: dict[str, dict[str, Any]] = {}
    out = {"call_parts": Columns(PART_NAMES), "spans": Columns(SPAN_NAMES),
           "events": Columns(EVENT_NAMES),
           "problems": Columns(["file_id", "line_no", "offset", "length", "reason", "raw"]),
           "sources": Columns(["kind", "key", "file_id", "line_no", "offset", "length"])}
    spans: dict[tuple, dict[str, Any]] = {}
    pos = 0
    for raw in data.split(b"\n")[:-1]:
        line_no += 1
        start = offset + pos
        pos += len(raw) + 1
        try:
            obj = loads(raw)
        except ValueError as exc:
            if not raw.strip():
                continue
            out["problems"].add({"file_id": file_id, "line_no": line_no, "offset": start,
                                 "length": len(raw), "reason": f"invalid JSON: {exc}",
                                 "raw": raw.decode("utf-8", "replace")})
            continue
        where = {"file_id": file_id, "line_no": line_no, "offset": start, "length": len(raw)}
        kind, dialect, row = norm.normalize(obj, file_id, start)
        if kind == "calls":
            row["dialect"] = dialect
            out["sources"].add({**where, "kind": "call", "key": row["key"]})
            if merge:
                known = calls.get(row["key"])
                calls[row["key"]] = row if known is None else merge_call(known, row)
            else:
                row.update(where, seq=line_no)
                out["call_parts"].add(row)
        elif kind == "spans":
            row["dialect"] = dialect
            key = (row.get("trace_id"), row.get("span_id"))
            out["sources"].add({**where, "kind": "span", "key": f"{key[0]}:{key[1]}"})
            known_span = spans.get(key)
            spans[key] = row if known_span is None else {**row, **{
                k: v for k, v in known_span.items() if v is not None}}
        elif kind == "events":
            row.update(where, dialect=dialect)
            out["events"].add(row)
        elif kind == "python":
            # complex dialects: llmview's own normalizers (none in the bench file)
            out["events"].add({**where, "dialect": "python"})
        else:
            out["problems"].add({**where, "reason": "JSON value, not an object",
                                 "raw": raw.decode("utf-8", "replace")})
    if merge:
        out["calls"] = Columns(CALL_NAMES)
        for row in calls.values():
            out["calls"].add(row)
    for row in spans.values():
        out["spans"].add(row)
    return out


def to_arrow(cols: dict[str, Columns]) -> dict[str, Any]:
    sch = schemas()
    return {name: c.table(sch[name]) for name, c in cols.items() if len(c)}


def ipc_bytes(tables: dict[str, Any]) -> dict[str, bytes]:
    import pyarrow as pa

    out = {}
    for name, table in tables.items():
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        out[name] = sink.getvalue().to_pybytes()
    return out


def from_ipc(blobs: dict[str, bytes]) -> dict[str, Any]:
    import pyarrow as pa

    return {name: pa.ipc.open_stream(b).read_all() for name, b in blobs.items()}


def insert(con: Any, table: str, arrow: Any, *, upsert: str | None = None,
           conflict: str = "key") -> None:
    names = ", ".join(f'"{n}"' for n in arrow.schema.names)
    con.register("batch", arrow)
    try:
        sql = f'INSERT INTO {table} ({names}) SELECT {names} FROM batch'
        if upsert:
            sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {upsert}"
        con.execute(sql)
    finally:
        con.unregister("batch")
