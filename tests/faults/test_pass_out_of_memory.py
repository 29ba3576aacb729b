"""A pass over new lines that DuckDB has no memory to store: its transaction rolls back, the
user hears of it once, and tailing goes on, storing the same lines once memory is there again
(it used to end tailing for good: "tailing stopped")."""

from __future__ import annotations

from pathlib import Path

from llmview.core.index import Index
from llmview.core.store import FILE_CONFIG, StoreError

from ._harness import LOG_NAME, assert_exactly_once, pairs, wait_until, watching


def test_tailing_survives_a_pass_without_memory_and_stores_its_lines_later(
        tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / LOG_NAME
    ids = [f"q{n:04d}" for n in range(300)]
    log.write_text(pairs(ids[:100]))
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    index.refresh()
    index.checkpoint()  # its rows on disk, so that the limit can be lowered below them
    errors: list[StoreError] = []
    with watching(index, on_error=errors.append):
        index.opened.con.execute("SET memory_limit = '100KB'")
        with log.open("a") as handle:
            handle.write(pairs(ids[100:200]))
        wait_until(lambda: bool(errors), what="the pass that had no memory")
        index.opened.con.execute(f"SET memory_limit = '{FILE_CONFIG['memory_limit']}'")
        with log.open("a") as handle:
            handle.write(pairs(ids[200:]))
        wait_until(lambda: index.count() == 300, what="every line once memory was back")
    message = str(errors[0])
    assert "ran out of memory" in message and "read again" in message and "\n" not in message
    assert_exactly_once(index, ids)
    index.close()
