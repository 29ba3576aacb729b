"""A file's state (how far it was read) is saved with the rows read from it. A stored state is
updated in place; a new one inserted; and a failed batch must not make the store believe a
file it never stored has a row."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmview.core import ingest
from llmview.core.ingest import Indexer
from llmview.core.records import Call
from llmview.core.sources import FileState
from llmview.core.store import Batch, Store, Where, open_index


def state(file_id: int, offset: int) -> FileState:
    return FileState(file_id, f"/logs/{file_id}.jsonl", 1, 100 + file_id, "abc", 3, "lines",
                     offset=offset, line_no=offset // 10, size=offset)


def batch_of(*states: FileState) -> Batch:
    batch = Batch(files={s.file_id: s for s in states})
    batch.add(Call(key=f"req:{states[0].offset}", model="gpt-4o"), Where(1, 0, 0, 10))
    return batch


def saved(store: Store) -> dict[int, int]:
    return {s.file_id: s.offset for s in store.file_states()}


def test_states_are_inserted_then_updated_in_place(tmp_path: Path) -> None:
    store = Store(open_index(str(tmp_path / "index.duckdb")).con)
    store.file_states()
    store.commit(batch_of(state(1, 10)))
    store.commit(batch_of(state(1, 20), state(2, 5)))  # one stored, one new
    store.commit(batch_of(state(2, 50)))
    assert saved(store) == {1: 20, 2: 50}


def test_a_file_first_saved_in_a_failed_batch_is_saved_by_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(open_index(str(tmp_path / "index.duckdb")).con)
    store.file_states()

    def fail(*_args: object) -> None:
        raise RuntimeError("the write failed")

    with monkeypatch.context() as patch:
        patch.setattr(store, "_upsert_merged", fail)
        with pytest.raises(RuntimeError):
            store.commit(batch_of(state(1, 10)))
    store.commit(batch_of(state(1, 10)))  # the same pass again, the states not read between
    assert saved(store) == {1: 10}


def test_a_failed_batch_leaves_the_committed_states(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(open_index(str(tmp_path / "index.duckdb")).con)
    store.commit(batch_of(state(1, 10)))
    [kept] = store.file_states()  # the store's own state, kept between passes
    kept.offset = 99  # as a pass moves it on before its batch commits

    def fail(*_args: object) -> None:
        raise RuntimeError("the write failed")

    monkeypatch.setattr(store, "_upsert_merged", fail)
    with pytest.raises(RuntimeError):
        store.commit(batch_of(kept))
    assert saved(store) == {1: 10}


def test_a_pass_that_fails_leaves_the_committed_states(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / "app.jsonl"
    log.write_text('{"event": "a"}\n')
    store = Store(open_index(str(tmp_path / "index.duckdb")).con)
    indexer = Indexer(store, [str(logs)])
    indexer.refresh()
    with log.open("a") as handle:
        handle.write('{"event": "b"}\n')

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("a normalizer bug")

    monkeypatch.setattr(ingest, "normalize", broken)
    with pytest.raises(ValueError):
        indexer.refresh()  # it had stat'ed the file and noted its new size, unsaved
    on_disk = Store(store.con).file_states()
    assert [vars(s) for s in store.file_states()] == [vars(s) for s in on_disk]


def test_a_pass_saves_its_files_and_rows_in_one_transaction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each commit costs a WAL write and an fsync: a pass that finds new, renamed or vanished
    files saves them with the rows it reads, not in a transaction of their own."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.jsonl").write_text('{"event": "a"}\n')
    store = Store(open_index(str(tmp_path / "index.duckdb")).con)
    indexer = Indexer(store, [str(logs)])
    indexer.refresh()
    (logs / "app.jsonl").rename(logs / "app.jsonl.1")  # a rotation: renamed, and a new file
    (logs / "app.jsonl").write_text('{"event": "b"}\n')
    transactions = []
    opened = store._transaction

    def counted():  # type: ignore[no-untyped-def]
        transactions.append(1)
        return opened()

    monkeypatch.setattr(store, "_transaction", counted)
    indexer.refresh()
    assert len(transactions) == 1
    assert {(Path(s.path).name, s.line_no) for s in store.file_states()} == {
        ("app.jsonl.1", 1), ("app.jsonl", 1)}
