"""A live pass reads only the files the watcher reported changed: listing and stat'ing every
file cost about 15 µs a file a pass, most of a pass in a directory of thousands of finished
documents. What such a pass decides must be what a full pass would have decided."""

from __future__ import annotations

import json
import os
from pathlib import Path

from llmview.core.index import Index
from llmview.core.sources import discover, discover_changed


def line(n: int) -> str:
    return json.dumps({"event": "llm_interaction", "request_id": f"c-{n}", "model": "gpt-4o",
                       "timestamp": 1763600000 + n}) + "\n"


def lines(path: Path, first: int, count: int) -> None:
    with path.open("a") as handle:
        handle.writelines(line(n) for n in range(first, first + count))


def indexed(tmp_path: Path, files: dict[str, tuple[int, int]]) -> tuple[Path, Index]:
    """A logs directory with these files (name: first line number, lines), indexed."""
    logs = tmp_path / "logs"
    logs.mkdir()
    for name, (first, count) in files.items():
        lines(logs / name, first, count)
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    index.refresh()
    return logs, index


def gone(index: Index) -> dict[str, bool]:
    return {Path(r["path"]).name: r["gone"] for r in index.rows("SELECT path, gone FROM files")}


def test_only_reported_files_are_read_and_the_rest_is_found_by_a_full_pass(
        tmp_path: Path) -> None:
    logs, index = indexed(tmp_path, {"a.jsonl": (0, 2), "b.jsonl": (100, 2)})
    reported, unreported = logs / "a.jsonl", logs / "b.jsonl"
    lines(reported, 2, 3)
    lines(unreported, 102, 3)
    index.refresh(changed={str(reported)})
    assert index.count() == 7
    index.refresh()
    assert index.count() == 10


def test_a_rename_reported_is_followed_not_read_again(tmp_path: Path) -> None:
    logs, index = indexed(tmp_path, {"app.jsonl": (0, 4), "other.jsonl": (100, 1)})
    app, rotated = logs / "app.jsonl", logs / "app.jsonl.1"
    os.rename(app, rotated)
    lines(app, 4, 2)
    index.refresh(changed={str(app), str(rotated)})
    assert index.count() == 7  # 4 + 2 + 1: the rotated file's lines are not read twice
    assert gone(index) == {"app.jsonl.1": False, "app.jsonl": False, "other.jsonl": False}


def test_only_a_reported_path_can_have_vanished(tmp_path: Path) -> None:
    logs, index = indexed(tmp_path, {"kept.jsonl": (0, 1), "deleted.jsonl": (10, 1)})
    deleted = logs / "deleted.jsonl"
    deleted.unlink()
    index.refresh(changed={str(deleted)})
    assert gone(index) == {"kept.jsonl": False, "deleted.jsonl": True}
    assert index.count() == 2  # what it held stays indexed


def test_a_copy_of_a_quiet_file_waits_as_in_a_full_pass(tmp_path: Path) -> None:
    # The original is not among the reported paths, yet it is still there: the copy waits
    # for the copy grace (as a full pass decides) instead of taking the original for gone.
    logs, index = indexed(tmp_path, {"app.jsonl": (0, 40)})  # longer than a copy's head
    original = logs / "app.jsonl"
    copy = logs / "app-copy.jsonl"
    copy.write_bytes(original.read_bytes())
    index.refresh(changed={str(copy)})
    assert index.count() == 40
    assert gone(index) == {"app.jsonl": False}  # the copy has no state yet: it waits


def test_reported_paths_are_those_a_full_listing_has(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    (logs / ".hidden").mkdir(parents=True)
    (logs / "node_modules").mkdir()
    (logs / "sub").mkdir()
    named = tmp_path / "named.txt"
    for path in (logs / "a.jsonl", logs / "notes.txt", logs / ".hidden" / "h.jsonl",
                 logs / "node_modules" / "m.jsonl", logs / "sub" / "s.log", named):
        lines(path, 0, 1)
    (logs / "binary.log").write_bytes(b"\x00\x01binary")
    every = [str(p) for p in (logs / "a.jsonl", logs / "notes.txt", logs / ".hidden" / "h.jsonl",
                              logs / "node_modules" / "m.jsonl", logs / "sub" / "s.log",
                              logs / "binary.log", logs / "missing.jsonl", named,
                              tmp_path / "outside.jsonl")]
    specs = [str(logs), str(named)]
    assert discover_changed(specs, every) == discover(specs)
    assert discover_changed([str(logs / "*.jsonl")], every) is None  # a glob: list them all
