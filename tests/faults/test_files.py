"""What happens to files under a live watcher: one deleted while a writer still appends to it,
directories that appear after the start (made, or moved in with files already inside), a file
replaced atomically (a temporary file renamed over it), a new file that only begins like one
already read, and two processes appending to one file. Each time: no crash, nothing lost that
could be read, nothing doubled. (``tests/store/test_watch.py`` covers a plain new directory.)"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from llmview.core import ingest
from llmview.core.index import Index

from ._harness import (
    LOG_NAME,
    assert_exactly_once,
    finish_writer,
    indexed_ids,
    pairs,
    start_writer,
    wait_until,
    watching,
)


def ids(prefix: str, count: int, start: int = 0) -> list[str]:
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


def open_logs(tmp_path: Path) -> tuple[Path, Index]:
    logs = tmp_path / "logs"
    logs.mkdir()
    return logs, Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))


def test_file_deleted_while_a_writer_appends(tmp_path: Path) -> None:
    logs, index = open_logs(tmp_path)
    doomed = logs / "llm_logs_2026-11-19.jsonl"
    later = ids("b", 30)
    with watching(index):
        writer = start_writer(doomed, seconds=1.5, prefix="a")
        before = wait_until(lambda: len(indexed_ids(index)) >= 50 and indexed_ids(index),
                            what="the first calls")
        doomed.unlink()  # the writer keeps its descriptor and writes on into the void
        written = finish_writer(writer)
        (logs / LOG_NAME).write_text(pairs(later))
        wait_until(lambda: set(later) <= indexed_ids(index), what="the later file")
    kept = indexed_ids(index) - set(later)
    assert before <= kept <= set(written)
    assert index.problem_count() == 0
    doubled = index.rows("SELECT key FROM sources GROUP BY key HAVING count(*) > 2")
    assert doubled == []
    assert index.rows("SELECT gone FROM files WHERE path = ?", [str(doomed)]) == [{"gone": True}]


def test_directories_made_or_moved_in_after_the_start(tmp_path: Path) -> None:
    logs, index = open_logs(tmp_path)
    outside = tmp_path / "elsewhere" / "batch"
    outside.mkdir(parents=True)
    (outside / "llm_logs_2026-11-18.jsonl").write_text(pairs(ids("m", 10)))
    with watching(index):
        deep = logs / "a" / "b" / "c"
        deep.mkdir(parents=True)
        (deep / LOG_NAME).write_text(pairs(ids("d", 10)))
        # A directory moved in brings its files without a file event of their own.
        outside.rename(logs / "batch")
        wait_until(lambda: len(indexed_ids(index)) >= 20, what="both directories' calls")
    assert_exactly_once(index, ids("d", 10) + ids("m", 10))


def replace_atomically(index: Index, path: Path, text: str) -> None:
    """Write a temporary file next to ``path`` in two steps and rename it over ``path``, as
    atomic-write helpers and editors do, with an index pass at each step: the temporary name
    matches the log patterns too, so the indexer sees it half-written, then renamed."""
    tmp = path.with_name(path.name + ".tmp")
    half = text.index("\n", len(text) // 2) + 1
    with tmp.open("w") as handle:
        handle.write(text[:half])
        handle.flush()
        index.refresh()
        handle.write(text[half:])
    index.refresh()
    tmp.replace(path)
    index.refresh()


@pytest.mark.parametrize("kept", [True, False], ids=["more-lines", "other-lines"])
def test_file_replaced_atomically(tmp_path: Path, kept: bool) -> None:
    """The new version holds the old lines and more, or other lines only: either way each
    call that was logged is in the index once."""
    logs, index = open_logs(tmp_path)
    log = logs / LOG_NAME
    old, new = ids("o", 20), ids("n", 20)
    log.write_text(pairs(old))
    index.refresh()
    replace_atomically(index, log, pairs(old + new if kept else new))
    index.refresh(final=True)
    assert_exactly_once(index, old + new)


def test_file_that_only_begins_like_another_is_read_whole(tmp_path: Path) -> None:
    """Two conversations that open with the same long system prompt: the second is not taken
    for a copy of the first and skipped up to the first one's length."""
    logs, index = open_logs(tmp_path)
    prompt = '{"request_id": "shared-prefix", "note": "' + "s" * 5000 + '"}\n'
    first = logs / "llm_logs_2026-11-17.jsonl"
    first.write_text(prompt + pairs(ids("f", 5)))
    index.refresh()
    (logs / LOG_NAME).write_text(prompt + pairs(ids("s", 40)))
    index.refresh(final=True)
    index.refresh(final=True)
    assert indexed_ids(index) >= set(ids("f", 5) + ids("s", 40))
    assert index.rows("SELECT key FROM sources WHERE kind = 'call' GROUP BY key "
                      "HAVING count(*) <> 2 AND key <> 'req:shared-prefix'") == []


def debug_document() -> str:
    """Seed 004's debug dump: no time inside, so the same call made twice writes the same
    bytes under two names."""
    question = "Add these numbers and explain each step: " + " + ".join(map(str, range(90)))
    return json.dumps({"messages": [{"role": "user", "content": question}], "response": "4005",
                       "model": "gpt-4o", "usage": {"prompt_tokens": 5,
                                                    "completion_tokens": 1}}, indent=2)


def test_identical_documents_are_two_calls_under_a_watcher(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new file holding what another still holds is first taken for a copy in the making
    (copytruncate, compression); once it has stayed so past the grace time it is read."""
    monkeypatch.setattr(ingest, "COPY_GRACE_SECONDS", 0.3)
    logs, index = open_logs(tmp_path)
    (logs / "debug_conversation_20261120_100000.json").write_text(debug_document())
    with watching(index):
        wait_until(lambda: index.count() == 1, what="the first document")
        (logs / "debug_conversation_20261120_100007.json").write_text(debug_document())
        wait_until(lambda: index.count() == 2, what="the second, identical document")
    index.refresh(final=True)
    assert index.count() == 2


def test_identical_documents_are_two_calls_in_one_shot_runs(tmp_path: Path) -> None:
    logs, index = open_logs(tmp_path)
    (logs / "debug_conversation_20261120_100000.json").write_text(debug_document())
    index.refresh(final=True)
    second = logs / "debug_conversation_20261120_100007.json"
    second.write_text(debug_document())
    index.refresh(final=True)
    assert index.count() == 1  # just written: it may still be a copy in the making
    old = time.time() - 2 * ingest.COPY_GRACE_SECONDS
    os.utime(second, (old, old))
    index.refresh(final=True)
    assert index.count() == 2


def test_two_writers_append_to_one_file(tmp_path: Path) -> None:
    logs, index = open_logs(tmp_path)
    log = logs / LOG_NAME
    with watching(index):
        writers = [start_writer(log, seconds=1.5, prefix=p, seed=n)
                   for n, p in enumerate(("x", "y"))]
        written = [i for writer in writers for i in finish_writer(writer)]
        wait_until(lambda: len(indexed_ids(index)) >= len(written), what="both writers' calls")
    index.refresh(final=True)
    assert_exactly_once(index, written)
