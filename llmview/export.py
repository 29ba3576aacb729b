"""Writing calls out: JSONL and CSV for people and scripts, Parquet partitioned by day so that
DuckDB, Spark or Trino can query a fleet's exports in place from object storage; spans as OTLP
JSON lines, so Jaeger, Tempo or Phoenix can take over.

Exports are masked like the screen unless the user opts out; masking works on decoded values,
so JSON stays JSON and CSV stays CSV.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from .core.formats.span_calls import span_kind
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


# --- spans as OTLP JSON -------------------------------------------------------------------------

_HEX = re.compile(r"[0-9a-f]+")
_OTLP_KINDS = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
_OTLP_STATUS = {"ok": 1, "error": 2}
# Our span kinds as OpenInference names them, written when a span's own attributes would not
# tell a reader (Phoenix, or llmview itself) what kind of work it did.
_OPENINFERENCE_KINDS = {
    "llm": "LLM", "embedding": "EMBEDDING", "retrieval": "RETRIEVER", "tool": "TOOL",
    "chain": "CHAIN", "agent": "AGENT", "reranker": "RERANKER", "guardrail": "GUARDRAIL",
    "evaluator": "EVALUATOR",
}


def export_spans_otlp(index: Index, *, query: str, out: str | None,
                      mask: Callable[[Any], Any]) -> int:
    """The spans of every trace matching ``query`` (the traces search), one OTLP
    ``ExportTraceServiceRequest`` per trace and line, as the collector's file exporter writes
    them: Jaeger, Tempo and Phoenix import these, and llmview reads them back as the same
    spans. Returns the number of spans written."""
    count = 0
    with _open_text(out) as handle:
        for spans in index.traces.iter_spans(query):
            handle.write(json.dumps(otlp_request(spans, mask), ensure_ascii=False) + "\n")
            count += len(spans)
    return count


def otlp_request(spans: list[dict[str, Any]], mask: Callable[[Any], Any]) -> dict[str, Any]:
    """``{"resourceSpans": [...]}``: one resource per service, one scope per instrumentation
    scope inside it."""
    services: dict[Any, dict[Any, list[dict[str, Any]]]] = {}
    for row in spans:
        attributes = dict(row.get("attributes") or {}) if isinstance(
            row.get("attributes"), dict) else {}
        scope = attributes.pop("otel.scope.name", None)
        span = _otlp_span(row, attributes, mask)
        services.setdefault(row.get("service"), {}).setdefault(scope, []).append(span)
    resource_spans = []
    for service, scopes in services.items():
        resource = {"attributes": _otlp_attributes({"service.name": mask(service)})} \
            if service is not None else {}
        resource_spans.append({"resource": resource, "scopeSpans": [
            {"scope": {"name": scope} if isinstance(scope, str) else {}, "spans": group}
            for scope, group in scopes.items()]})
    return {"resourceSpans": resource_spans}


def _otlp_span(row: dict[str, Any], attributes: dict[str, Any],
               mask: Callable[[Any], Any]) -> dict[str, Any]:
    kind = _OTLP_KINDS.get(str(attributes.pop("span.kind", "internal")), 1)
    trace_id, rewritten_trace = _otlp_id(row["trace_id"], 32)
    span_id, rewritten_span = _otlp_id(row["span_id"], 16)
    if rewritten_trace:
        attributes["llmview.trace_id"] = row["trace_id"]
    if rewritten_span:
        attributes["llmview.span_id"] = row["span_id"]
    if row.get("kind") in _OPENINFERENCE_KINDS and \
            span_kind(row.get("name"), attributes) != row["kind"]:
        attributes["openinference.span.kind"] = _OPENINFERENCE_KINDS[row["kind"]]
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": mask(row.get("name") or ""),
        "kind": kind,
        "startTimeUnixNano": _nanos(row.get("start_us")),
        "endTimeUnixNano": _nanos(row.get("end_us")),
        "attributes": _otlp_attributes(mask(attributes)),
        "status": {"code": _OTLP_STATUS.get(row.get("status") or "", 0)},
    }
    if row.get("parent_id"):
        span["parentSpanId"] = _otlp_id(row["parent_id"], 16)[0]
    if row.get("error"):
        span["status"]["message"] = mask(row["error"])
    events = row.get("events")
    if isinstance(events, list) and events:
        span["events"] = [_otlp_event(event, mask) for event in events if isinstance(event, dict)]
    return span


def _otlp_id(value: str, digits: int) -> tuple[str, bool]:
    """``value`` as the fixed-width hex id OTLP requires, and whether it had to be rewritten:
    hex ids (dashes dropped) are zero-padded; longer or non-hex ids (a UUID span id, a
    platform's own run id) become a stable hash, the same for a span and its children."""
    compact = value.replace("-", "").lower()
    if _HEX.fullmatch(compact) and len(compact) <= digits:
        padded = compact.rjust(digits, "0")
        return padded, padded != value
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:digits], True


def _nanos(micros: int | None) -> str:
    """Epoch nanoseconds as OTLP JSON writes 64-bit integers (a string); 0 means unknown."""
    return str(micros * 1000) if micros is not None else "0"


def _otlp_event(event: dict[str, Any], mask: Callable[[Any], Any]) -> dict[str, Any]:
    ts = event.get("ts")
    nanos = str(round(ts * 1e9)) if isinstance(ts, (int, float)) else "0"
    attributes = event.get("attributes")
    return {"timeUnixNano": nanos, "name": mask(str(event.get("name") or "")),
            "attributes": _otlp_attributes(mask(attributes) if isinstance(attributes, dict)
                                           else {})}


def _otlp_attributes(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": str(key), "value": _otlp_value(value)} for key, value in attributes.items()]


def _otlp_value(value: Any) -> dict[str, Any]:
    """An OTLP ``AnyValue``: 64-bit integers as strings, lists and objects nested."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_otlp_value(item) for item in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": _otlp_attributes(value)}}
    return {}
