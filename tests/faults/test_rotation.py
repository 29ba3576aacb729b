"""logrotate under a live watcher, both ways it is configured (``create``: rename the log and
open a new one; ``copytruncate``: copy the log, then empty it in place), once in a while and as a
storm (a rotation every 100 ms for two seconds) while a writer process keeps appending: every call
is indexed exactly once. ``tests/store/test_tailing.py`` checks one rotation between two
refreshes; here rotations race the watcher's reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmview.core.index import Index

from ._harness import (
    LOG_NAME,
    assert_exactly_once,
    finish_writer,
    indexed_ids,
    start_writer,
    wait_until,
    watching,
)


@pytest.mark.parametrize("how", ["create", "copytruncate"])
@pytest.mark.parametrize("every", [0.5, 0.1], ids=["rotations", "storm"])
def test_rotation_while_watched(tmp_path: Path, how: str, every: float) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    with watching(index):
        writer = start_writer(logs / LOG_NAME, seconds=2.0, rotate=how, rotate_every=every,
                              seed=int(every * 10))
        ids = finish_writer(writer)
        wait_until(lambda: len(indexed_ids(index)) >= len(ids), what="every call indexed")
    rotated = len(list(logs.glob(LOG_NAME + ".*")))
    assert rotated >= (3 if every == 0.5 else 15)
    index.refresh(final=True)
    assert_exactly_once(index, ids)
