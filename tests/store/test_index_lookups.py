"""A live pass must cost the same on a big index as on a small one, so the statements a small
batch runs may not read whole tables: every read of stored rows is bounded below by seq (a
trace's ``first_seq``), which lets DuckDB skip the row groups stored before (first_seqs.py).
Checked on the plans DuckDB's profiler reports for the statements a real pass runs, while it
merges calls and spans into stored ones, not on timings."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmview.core.index import Index
from llmview.demo import write_demo
from tests.fixtures import otel
from tests.fixtures.seed_request_log import REQUEST_IDS, write_request_logs

READS = re.compile(r"\s*(SELECT|WITH|DELETE|UPDATE)", re.I)
BIG_TABLES = {"calls": "(seq >= ", "spans": "(seq >= ", "traces": "(first_seq >= "}


class Explaining:
    """The store's connection, made to have DuckDB profile every statement that reads stored
    rows as it runs (the plan it executed, written to a file), noting the big tables each one
    read whole. Plain INSERTs read nothing but their own batch."""

    def __init__(self, con: Any, profile: Path) -> None:
        self.con = con
        # The store's statements read its Arrow batches from the calling frame's locals; that
        # frame is one up from here now.
        con.execute("SET python_scan_all_frames = true")
        self.profile = profile
        self.statements: list[str] = []
        self.scans: list[tuple[str, str]] = []  # (table, statement)

    def execute(self, sql: str, params: list[Any] | None = None) -> Any:
        if not READS.match(sql):
            return self.con.execute(sql, params or [])
        self.statements.append(sql)
        self.con.execute("SET enable_profiling = 'json'")
        self.con.execute(f"SET profiling_output = '{self.profile}'")
        try:
            cursor = self.con.execute(sql, params or [])
            result = Fetched(cursor.description, cursor.fetchall())  # the profile is written
        finally:  # once the rows are
            self.con.execute("RESET enable_profiling")
        profile = json.loads(self.profile.read_text())
        # DuckDB 2 puts the plan under "operator"; 1.x makes the root's children the plan.
        for op in _operators(profile.get("operator", profile.get("children", []))):
            info = op.get("extra_info", {})
            table = str(info.get("Table", "")).rsplit(".", 1)[-1]
            bounded = any(str(f).startswith(BIG_TABLES.get(table, ""))
                          for f in _listed(info.get("Filters", [])))
            if table in BIG_TABLES and not bounded:
                self.scans.append((table, " ".join(sql.split())[:90]))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


class Fetched:
    """A statement's rows, fetched already."""

    def __init__(self, description: Any, rows: list[tuple[Any, ...]]) -> None:
        self.description, self.rows = description, rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


def _listed(filters: list[str] | str) -> list[str]:
    return [filters] if isinstance(filters, str) else filters


def _operators(ops: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for op in ops:
        yield op
        yield from _operators(op.get("children", []))


def test_a_pass_of_new_calls_and_spans_looks_up_no_stored_row(tmp_path: Path) -> None:
    # Most of a live pass is new: its keys' hashes are not among the stored ones, so the store
    # does not ask DuckDB for rows to merge them into.
    source, logs = tmp_path / "source", tmp_path / "logs"
    source.mkdir()
    write_request_logs(source)
    protobuf = otel.write_protobuf_json(source, otel.record(source / "console.log"))
    write_demo(logs, calls=300)
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    index.refresh(final=True)
    calls_before = index.count()

    explaining = Explaining(index.store.con, tmp_path / "profile.json")
    index.store.con = explaining
    for new in (source / "app.log", protobuf):
        shutil.copy(new, logs)
    index.refresh(final=True)
    index.store.con = explaining.con

    assert index.count() > calls_before
    lookups = [s for s in explaining.statements
               if s.startswith(("DELETE FROM calls", "DELETE FROM spans"))]
    assert lookups == []
    assert explaining.scans == [], "\n".join(map(str, explaining.scans))
    index.close()


def test_a_pass_that_merges_into_stored_rows_reads_from_the_first_of_them(
        tmp_path: Path) -> None:
    # Every call of seed 003 is logged twice (app.log and the flat file), and OTLP spans are
    # exported twice (one trace per line, then all in one collector request): the second copy
    # of each arrives in a later pass, over an index of hundreds of calls and spans stored
    # before the first copies. (A read from before the table's first row is no bound, and
    # DuckDB drops it from the plan.)
    source, logs = tmp_path / "source", tmp_path / "logs"
    source.mkdir()
    flat = write_request_logs(source)
    spans = otel.record(source / "console.log")
    protobuf = otel.write_protobuf_json(source, spans)
    collector = otel.write_collector_json(source, spans)
    write_demo(logs, calls=300)
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    index.refresh(final=True)
    for first in (source / "app.log", protobuf):
        shutil.copy(first, logs)
    index.refresh(final=True)
    before = index.rows("SELECT (SELECT count(*) FROM calls) AS calls,"
                        " (SELECT count(*) FROM spans) AS spans")[0]
    assert before["calls"] > 300 and before["spans"] > 100, before

    explaining = Explaining(index.store.con, tmp_path / "profile.json")
    index.store.con = explaining
    for second in (flat, collector):
        shutil.copy(second, logs)
    index.refresh(final=True)
    index.store.con = explaining.con

    merged = [s for s in explaining.statements if s.startswith("DELETE")]
    assert any("FROM calls" in s for s in merged) and any("FROM spans" in s for s in merged)
    assert explaining.scans == [], "\n".join(map(str, explaining.scans))
    after = index.rows("SELECT (SELECT count(*) FROM calls) AS calls,"
                       " (SELECT count(*) FROM spans) AS spans")[0]
    assert after == before  # merged into the stored rows, not added beside them
    logged = index.rows("SELECT count(*) AS n FROM calls WHERE request_id IN (?, ?, ?, ?)",
                        REQUEST_IDS)[0]["n"]
    assert logged == len(REQUEST_IDS)
    index.close()
