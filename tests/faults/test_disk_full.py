"""Disk full while indexing, for real: the command runs with its file size capped
(``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored, so a write past the cap fails with EFBIG as on a
full disk) and DuckDB's write of the new calls fails, on an empty index or on one holding
earlier runs' calls. The command says so in one line, without a traceback, and exits non-zero;
the index holds exactly what earlier runs committed (every line the offsets count as read is
stored, nothing of the failed run), and a later run without the cap has exact counts. While
tailing, the disk filling up and then having room again costs nothing: the failed passes are
reported, and once writes succeed every call is stored exactly once, in the same process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from llmview.core.index import Index

from ._harness import LOG_NAME, assert_exactly_once, pairs, python, restricted

CALLS = 3000
CAP = 200_000  # bytes: far less than the new calls' write-ahead log


def stats(logs: Path, db: Path, max_file_size: int | None = None
          ) -> subprocess.CompletedProcess[str]:
    proc = python(*restricted("-m", "llmview", "stats", str(logs), "--index", str(db), "--json",
                              max_file_size=max_file_size),
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("before", [0, 1000], ids=["empty-index", "after-earlier-runs"])
def test_disk_full_mid_index(tmp_path: Path, before: int) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    log = logs / LOG_NAME
    db = tmp_path / "index.duckdb"
    ids = [f"r{n:06d}" for n in range(CALLS)]
    log.write_text(pairs(ids[:before]))
    if before:
        assert stats(logs, db).returncode == 0
    with log.open("a") as handle:
        handle.write(pairs(ids[before:]))

    failed = stats(logs, db, max_file_size=CAP)
    assert failed.returncode == 1, failed.stdout
    assert "Traceback" not in failed.stderr
    lines = failed.stderr.splitlines()
    assert len(lines) == 1 and "free some disk space" in lines[0], lines

    index = Index.open([str(logs)], index_path=str(db))
    assert index.notice is None  # the failed writes did not damage the index
    counted = index.rows("SELECT coalesce(sum(line_no), 0) AS n FROM files")[0]["n"]
    stored = index.rows("SELECT count(*) AS n FROM sources")[0]["n"]
    assert counted == stored == 2 * before
    index.refresh(final=True)
    assert_exactly_once(index, ids)
    index.close()

    done = stats(logs, db)
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["requests"] == CALLS


TAILING_THROUGH_A_FULL_DISK = """
import json, resource, signal, sys
from pathlib import Path
from tests.faults._harness import LOG_NAME, assert_exactly_once, pairs, wait_until, watching
from llmview.core.index import Index

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails with EFBIG
logs = Path(sys.argv[1]) / "logs"
logs.mkdir()
ids = [f"r{n:06d}" for n in range(3200)]
(logs / LOG_NAME).write_text(pairs(ids[:200]))
index = Index.open([str(logs)], index_path=str(logs.parent / "index.duckdb"))
index.refresh()
errors = []
soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
with watching(index, on_error=lambda exc: errors.append(str(exc))):
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, hard))  # the disk fills up
    print("capped", flush=True)
    sys.stdin.readline()  # the test appends the other calls (this process may not write them)
    wait_until(lambda: errors, what="a failed pass")
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))  # space is freed
    wait_until(lambda: index.count() == len(ids), timeout=30, what="every call")
assert_exactly_once(index, ids)
index.close()
print(json.dumps(errors))
"""


def test_tailing_resumes_once_the_disk_has_room_again(tmp_path: Path) -> None:
    # The watch loop hands a pass's write error to on_error and keeps going; once the disk has
    # room, the same lines are read again and stored once (the failed pass rolled back).
    proc = python("-c", TAILING_THROUGH_A_FULL_DISK, str(tmp_path), stdin=subprocess.PIPE,
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == "capped\n"
    with (tmp_path / "logs" / LOG_NAME).open("a") as handle:
        handle.write(pairs([f"r{n:06d}" for n in range(200, 3200)]))
    out, err = proc.communicate("appended\n", timeout=90)
    assert proc.returncode == 0, err
    errors = json.loads(out)
    assert errors and all("free some disk space" in e for e in errors), errors
