"""The index file under attack: another llmview process holding it, and random bytes written
into a real index. A held index falls back to an in-memory one with one notice line (in core and
from the command line, no traceback); a damaged one, whether DuckDB notices at opening or only
when a later query reads the damaged block, is rebuilt from the logs with one notice line and
gives the same answers. (``tests/store/test_open.py`` covers a file that is not a database at
all, another schema version and an unwritable index directory.)"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from llmview.core.index import Index

from ._harness import LOG_NAME, pairs, python

CALLS = 1500
BLOCK, HEADERS = 256 * 1024, 3 * 4096  # DuckDB's block size, and the headers before block 0

HOLDER = """
import sys
from llmview.core.index import Index
index = Index.open([sys.argv[1]], index_path=sys.argv[2])
index.refresh(final=True)
print("holding", flush=True)
sys.stdin.read()  # until the test closes stdin
"""


def write_logs(tmp_path: Path) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / LOG_NAME).write_text(pairs([f"r{n:06d}" for n in range(CALLS)]))
    return logs


def answers(index: Index) -> dict[str, Any]:
    """What the user sees: the totals, and every line's source kept once."""
    return {**index.stats(), "sources": index.rows("SELECT count(*) AS n FROM sources")[0]["n"]}


def cli(command: str, logs: Path, db: Path, *options: str) -> subprocess.CompletedProcess[str]:
    proc = python("-m", "llmview", command, str(logs), "--index", str(db), *options,
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def stats_cli(logs: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return cli("stats", logs, db, "--json")


# --- another llmview holds it -----------------------------------------------------------------


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Logs and their index file, held open by another llmview process."""
    logs, db = write_logs(tmp_path), tmp_path / "index.duckdb"
    holder = python("-c", HOLDER, str(logs), str(db), stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    yield logs, db
    holder.communicate(timeout=30)  # closes its stdin: it exits
    assert holder.returncode == 0


def test_second_llmview_falls_back_to_memory(held: tuple[Path, Path]) -> None:
    logs, db = held
    notices: list[str] = []
    index = Index.open([str(logs)], index_path=str(db), on_notice=notices.append)
    index.refresh(final=True)
    assert notices == [f"index {db} is in use by another llmview; "
                       "using a temporary in-memory index"]
    assert index.location == ":memory:"
    assert index.count() == CALLS


def test_second_llmview_command_says_so_in_one_line(held: tuple[Path, Path]) -> None:
    logs, db = held
    done = stats_cli(logs, db)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"llmview: index {db} is in use by another llmview; "
                                        "using a temporary in-memory index"]
    assert json.loads(done.stdout)["requests"] == CALLS


# --- random bytes in it -----------------------------------------------------------------------


@pytest.fixture
def indexed(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    """Logs, a sound index of them (closed), and its answers."""
    logs, db = write_logs(tmp_path), tmp_path / "sound.duckdb"
    index = Index.open([str(logs)], index_path=str(db))
    index.refresh(final=True)
    expected = answers(index)
    index.close()
    return logs, db, expected


def damaged_copy(sound: Path, target: Path, block: int, rng: random.Random) -> Path:
    """A copy of the index with 4 KB of random bytes somewhere inside one block."""
    shutil.copyfile(sound, target)
    with target.open("r+b") as handle:
        handle.seek(HEADERS + block * BLOCK + rng.randrange(BLOCK - 4096))
        handle.write(rng.randbytes(4096))
    return target


def test_damage_in_any_block_is_rebuilt_with_the_same_answers(
        tmp_path: Path, indexed: tuple[Path, Path, dict[str, Any]]) -> None:
    logs, sound, expected = indexed
    rng = random.Random(9)
    found = []
    for block in range((sound.stat().st_size - HEADERS) // BLOCK):
        db = damaged_copy(sound, tmp_path / f"damaged-{block}.duckdb", block, rng)
        notices: list[str] = []
        index = Index.open([str(logs)], index_path=str(db), on_notice=notices.append)
        at_open = list(notices)
        index.refresh(final=True)
        assert answers(index) == expected, f"block {block}"
        index.close()
        assert len(notices) <= 1, notices  # free space is not read, so not always noticed
        assert all(n.endswith("; rebuilt it from the logs") for n in notices), notices
        found.append("at open" if at_open else "later" if notices else "unnoticed")
    assert "later" in found, found  # damaged data shows only when a query reads its block


def calls_block(db: Path) -> int:
    """The block holding the calls' output text: read by queries, not when opening."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT min(block_id) FROM pragma_storage_info('calls') "
                          "WHERE column_name = 'output' AND block_id >= 0").fetchone()
    finally:
        con.close()
    assert row is not None and row[0] is not None
    return int(row[0])


def test_damage_found_by_a_query_from_the_command_line(
        tmp_path: Path, indexed: tuple[Path, Path, dict[str, Any]]) -> None:
    logs, sound, expected = indexed
    db = damaged_copy(sound, tmp_path / "damaged.duckdb", calls_block(sound), random.Random(3))
    done = stats_cli(logs, db)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"llmview: index {db} was damaged ("), lines
    assert lines[0].endswith("; rebuilt it from the logs")
    assert json.loads(done.stdout) == json.loads(stats_cli(logs, sound).stdout)
    assert expected["requests"] == CALLS


def test_damage_found_by_an_export_is_rebuilt_and_every_call_exported(
        tmp_path: Path, indexed: tuple[Path, Path, dict[str, Any]]) -> None:
    # An export streams its rows on a cursor of its own (Index.stream), not through rows():
    # it printed DuckDB's traceback here, with nothing exported.
    logs, sound, _ = indexed
    db = damaged_copy(sound, tmp_path / "damaged.duckdb", calls_block(sound), random.Random(3))
    done = cli("export", logs, db, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if "damaged" in line]
    assert len(notices) == 1 and notices[0].endswith("; rebuilt it from the logs"), done.stderr
    assert "Traceback" not in done.stderr
    exported = [json.loads(line)["id"] for line in done.stdout.splitlines()]
    assert len(exported) == CALLS
    assert sorted(exported) == sorted(json.loads(line)["id"] for line in
                                      cli("export", logs, sound, "--format", "jsonl")
                                      .stdout.splitlines())
