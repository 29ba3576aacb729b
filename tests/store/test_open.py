"""Opening the index: stale schema, damage and unwritable places are handled with a notice."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from llmview.core.index import Index, default_index_path
from llmview.core.schema import SCHEMA_VERSION
from llmview.core.store import Store


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


def test_damage_reported_as_an_io_error_is_rebuilt_not_taken_for_a_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # DuckDB 1.x reports a failed block checksum as an IOException; only a lock error means
    # another llmview holds the index.
    log = write_log(tmp_path)
    db = tmp_path / "damaged.duckdb"
    db.write_bytes(b"")
    connect, calls = duckdb.connect, []

    def damaged_once(database: str, *args: object, **kwargs: object) -> object:
        calls.append(database)
        if len(calls) == 1:
            raise duckdb.IOException(
                "IO Error: Corrupt database file: computed checksum 1337 does not match stored"
                " checksum 1202 in block at location 12288")
        return connect(database, *args, **kwargs)

    monkeypatch.setattr(duckdb, "connect", damaged_once)
    index = Index.open([str(log)], index_path=str(db))
    assert index.notice is not None and "rebuilt it from the logs" in index.notice
    assert "in use" not in index.notice
    index.refresh()
    assert index.count() == 1
    index.close()


def test_damage_met_while_the_store_first_reads_the_index_is_rebuilt(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # DuckDB 1.x reads table blocks for the store's first query (the last sequence number),
    # so a damaged block can surface while the index is still being opened.
    log = write_log(tmp_path)
    db = tmp_path / "index.duckdb"
    Index.open([str(log)], index_path=str(db)).close()
    first_read, reads = Store._max_seq, []

    def damaged_once(self: Store) -> int:
        reads.append(1)
        if len(reads) == 1:
            raise duckdb.IOException("IO Error: Corrupt database file: computed checksum 1 does"
                                     " not match stored checksum 2 in block at location 274432")
        return first_read(self)

    monkeypatch.setattr(Store, "_max_seq", damaged_once)
    notices: list[str] = []
    index = Index.open([str(log)], index_path=str(db), on_notice=notices.append)
    assert len(notices) == 1 and notices[0].endswith("; rebuilt it from the logs")
    index.refresh()
    assert index.count() == 1
    index.close()
