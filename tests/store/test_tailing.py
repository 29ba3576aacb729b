"""Files that grow, rotate, get truncated and compressed: every call is indexed exactly once."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

from llmview.core.index import Index


def call_line(n: int, **extra: object) -> str:
    """A seed-001 style log line; long enough that file heads are distinctive."""
    record = {
        "event": "llm_interaction",
        "request_id": f"req-{n:06d}",
        "model": "gpt-4o-mini",
        "prompt_messages": [{"role": "user", "content": f"question number {n} " + "x" * 200}],
        "llm_raw_response": {"choices": [{"message": {"role": "assistant", "content": "ok"}}]},
        "parsed_output": "ok",
        "timestamp": 1_763_600_000 + n,
        **extra,
    }
    return json.dumps(record) + "\n"


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def request_ids(index: Index) -> list[str]:
    rows = index.rows("SELECT request_id FROM llm_calls ORDER BY request_id")
    return [row["request_id"] for row in rows]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "index" / "test.duckdb"


def open_index(logs: Path, db: Path) -> Index:
    return Index.open([str(logs)], index_path=str(db))


def test_growing_file_with_partial_last_line(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    append(log, call_line(1) + call_line(2))
    index = open_index(logs, db)
    index.refresh()
    assert request_ids(index) == ["req-000001", "req-000002"]

    whole = call_line(3)
    append(log, whole[:40])  # the writer is mid-line
    index.refresh()
    assert index.count() == 2
    assert index.problems() == []

    append(log, whole[40:])
    index.refresh()
    assert request_ids(index)[-1] == "req-000003"
    assert index.count() == 3


def test_partial_line_counts_once_the_file_is_quiet(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.jsonl"
    append(log, call_line(1) + call_line(2).rstrip("\n"))
    index = open_index(log, db)
    index.refresh()
    assert index.count() == 1
    index.refresh(final=True)
    assert index.count() == 2


def test_restart_neither_loses_nor_duplicates(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.jsonl"
    append(log, "".join(call_line(n) for n in range(5)))
    index = open_index(log, db)
    index.refresh()
    index.close()

    append(log, call_line(5))
    reopened = open_index(log, db)
    reopened.refresh()
    assert request_ids(reopened) == [f"req-{n:06d}" for n in range(6)]


def test_rename_rotation_then_new_file(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    append(log, "".join(call_line(n) for n in range(3)))
    index = open_index(logs, db)
    index.refresh()

    append(log, call_line(3))  # written just before rotation, not yet read
    log.rename(logs / "app.jsonl.1")
    append(log, call_line(4))
    index.refresh()
    assert request_ids(index) == [f"req-{n:06d}" for n in range(5)]
    assert index.stats()["files"] == 2


def test_copytruncate_rotation(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    append(log, "".join(call_line(n) for n in range(3)))
    index = open_index(logs, db)
    index.refresh()

    append(log, call_line(3))
    shutil.copyfile(log, logs / "app.jsonl.1")
    with log.open("r+") as handle:
        handle.truncate(0)
    append(log, call_line(4))
    index.refresh()
    assert request_ids(index) == [f"req-{n:06d}" for n in range(5)]


def test_truncated_in_place_is_read_again(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.jsonl"
    append(log, "".join(call_line(n) for n in range(3)))
    index = open_index(log, db)
    index.refresh()
    log.write_text(call_line(10))
    index.refresh()
    assert request_ids(index) == ["req-000000", "req-000001", "req-000002", "req-000010"]


def test_recreated_file_is_read_again(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    append(log, "".join(call_line(n) for n in range(3)))
    index = open_index(logs, db)
    index.refresh()
    log.unlink()
    append(log, "".join(call_line(n) for n in range(20, 25)))
    index.refresh()
    assert index.count() == 8


def test_rotated_file_compressed_is_not_read_twice(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    append(log, "".join(call_line(n) for n in range(3)))
    index = open_index(logs, db)
    index.refresh()

    append(log, call_line(3))  # not yet read when rotation compresses the file
    with log.open("rb") as src, gzip.open(logs / "app.jsonl.1.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    log.unlink()
    index.refresh()
    assert request_ids(index) == [f"req-{n:06d}" for n in range(4)]
    index.refresh()
    assert index.count() == 4


def test_gzip_file_read_once(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    with gzip.open(logs / "old.jsonl.gz", "wt") as handle:
        handle.write("".join(call_line(n) for n in range(4)))
    index = open_index(logs, db)
    index.refresh()
    index.refresh()
    assert index.count() == 4
    call = index.call(index.search("")[0]["key"])
    assert call is not None
    assert '"request_id"' in call["raw"][0]["text"]


def test_raw_line_is_read_back_from_the_file(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.jsonl"
    append(log, call_line(1) + call_line(2))
    index = open_index(log, db)
    index.refresh()
    key = index.search("")[0]["key"]
    raw = index.call(key)["raw"]
    assert len(raw) == 1
    assert json.loads(raw[0]["text"])["request_id"] == "req-000002"
    assert raw[0]["line_no"] == 2


def test_binary_files_are_skipped_and_unreadable_files_reported(tmp_path: Path, db: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "blob.log").write_bytes(b"\x00\x01\x02binary")
    append(logs / "app.jsonl", call_line(1))
    secret = logs / "secret.jsonl"
    append(secret, call_line(2))
    secret.chmod(0)
    try:
        index = open_index(logs, db)
        index.refresh()
        stats = index.stats()
    finally:
        secret.chmod(0o600)
    assert stats["requests"] == 1 + (1 if os.geteuid() == 0 else 0)
    if os.geteuid() != 0:  # root reads everything
        assert any("cannot read" in p["reason"] for p in index.problems())


def test_index_file_is_private(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.jsonl"
    append(log, call_line(1))
    open_index(log, db).refresh()
    assert (db.stat().st_mode & 0o777) == 0o600
