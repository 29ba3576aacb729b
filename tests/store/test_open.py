"""Opening the index: stale schema, damage and unwritable places are handled with a notice."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from llmview.core.index import Index, default_index_path
from llmview.core.schema import SCHEMA_VERSION


def write_log(directory: Path) -> Path:
    log = directory / "app.jsonl"
    log.write_text(json.dumps({"event": "llm_interaction", "request_id": "o-1",
                               "model": "gpt-4o", "timestamp": 1763600000}) + "\n")
    return log


def test_other_schema_version_is_rebuilt(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION + 99)])
    con.close()
    index = Index.open([str(log)], index_path=str(db))
    assert "another llmview version" in index.notice
    index.refresh()
    assert index.count() == 1


def test_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    db = tmp_path / "damaged.duckdb"
    db.write_bytes(b"this is not a database" * 1000)
    index = Index.open([str(log)], index_path=str(db))
    assert "rebuilt it from the logs" in index.notice
    index.refresh()
    assert index.count() == 1


def test_unwritable_index_directory_falls_back_to_memory(tmp_path: Path) -> None:
    log = write_log(tmp_path)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the index directory should be")
    index = Index.open([str(log)], index_path=str(blocker / "sub" / "x.duckdb"))
    assert "in-memory" in index.notice
    assert index.location == ":memory:"
    index.refresh()
    assert index.count() == 1


def test_default_location_is_per_path_set(tmp_path: Path) -> None:
    a = default_index_path([str(tmp_path / "a")])
    b = default_index_path([str(tmp_path / "b")])
    assert a != b
    assert a.parent == b.parent
    assert a.suffix == ".duckdb"
