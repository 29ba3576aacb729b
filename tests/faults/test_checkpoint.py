"""Checkpoints while tailing: the write-ahead log is folded into the index file once the logs
go quiet, not inside a later pass's commit (a pass that checkpoints keeps new lines off the
screen for up to seconds), and what was folded is neither lost nor read again."""

from __future__ import annotations

from pathlib import Path

from llmview.core.index import Index

from ._harness import LOG_NAME, assert_exactly_once, pairs, wait_until, watching


def wal_bytes(db: Path) -> int:
    wal = db.with_name(db.name + ".wal")
    return wal.stat().st_size if wal.exists() else 0


def test_the_log_is_folded_into_the_index_when_the_logs_go_quiet(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / LOG_NAME
    db = tmp_path / "index.duckdb"
    ids = [f"q{n:04d}" for n in range(400)]
    log.write_text(pairs(ids[:200]))
    index = Index.open([str(logs)], index_path=str(db))
    index.refresh()
    with watching(index):
        with log.open("a") as handle:
            handle.write(pairs(ids[200:300]))
        wait_until(lambda: index.count() == 300, what="the appended calls")
        assert wal_bytes(db) > 0  # committed to the log, far below DuckDB's threshold
        wait_until(lambda: wal_bytes(db) == 0, what="a checkpoint once the logs were quiet")
        with log.open("a") as handle:  # and tailing goes on from the checkpointed offsets
            handle.write(pairs(ids[300:]))
        wait_until(lambda: index.count() == 400, what="the calls after the checkpoint")
    index.close()

    reopened = Index.open([str(logs)], index_path=str(db))
    reopened.refresh(final=True)
    assert_exactly_once(reopened, ids)
    reopened.close()


def test_a_checkpoint_with_nothing_new_changes_nothing(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / LOG_NAME).write_text(pairs(["a", "b"]))
    db = tmp_path / "index.duckdb"
    index = Index.open([str(logs)], index_path=str(db))
    index.refresh()
    index.checkpoint()
    size = db.stat().st_size
    index.checkpoint()  # an empty log: no write at all
    assert wal_bytes(db) == 0 and db.stat().st_size == size
    assert_exactly_once(index, ["a", "b"])
    index.close()
