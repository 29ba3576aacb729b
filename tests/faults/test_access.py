"""Logs the user may only partly read, read by a process that obeys file permissions (as
root, the indexer runs without the capabilities that let root read everything): a read-only
log directory indexes as usual, and a file that cannot be read is one problem row, however
many passes and restarts see it, while the rest is indexed; once it can be read, its calls
arrive; an index directory that exists but is read-only means an in-memory index and a notice.

``tests/store/test_tailing.py`` checks the problem exists, but not as root and not its count;
``tests/store/test_open.py`` an index directory that cannot be made."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ._harness import LOG_NAME, pairs, python, restricted

PASSES = """
import json, sys
from llmview.core.index import Index
index = Index.open([sys.argv[1]], index_path=sys.argv[2])
for _ in range(3):
    index.refresh(final=True)
print(json.dumps({"calls": index.count(), "problems": [p["reason"] for p in index.problems()],
                  "notice": index.notice}))
"""


def index_as_user(logs: Path, db: Path) -> dict[str, object]:
    """Three passes over ``logs`` by an unprivileged indexer process, and what it saw."""
    proc = python(*restricted("-c", PASSES, str(logs), str(db), obey_permissions=True),
                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return json.loads(out)


def test_read_only_log_directory(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / LOG_NAME).write_text(pairs([f"ro{n}" for n in range(10)]))
    (logs / LOG_NAME).chmod(0o444)
    logs.chmod(0o555)
    seen = index_as_user(logs, tmp_path / "index" / "ro.duckdb")
    assert seen == {"calls": 10, "problems": [], "notice": None}


def test_unreadable_file_is_one_problem_until_it_can_be_read(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / LOG_NAME).write_text(pairs([f"ok{n}" for n in range(10)]))
    secret = logs / "llm_logs_2026-11-19.jsonl"
    secret.write_text(pairs([f"secret{n}" for n in range(4)]))
    secret.chmod(0o000)
    db = tmp_path / "index" / "perm.duckdb"

    for _ in range(2):  # a restart does not report it again either
        seen = index_as_user(logs, db)
        assert seen["calls"] == 10
        assert seen["problems"] == ["cannot read file: Permission denied"]

    secret.chmod(0o644)
    seen = index_as_user(logs, db)
    assert seen["calls"] == 14
    assert seen["problems"] == ["cannot read file: Permission denied"]


def test_read_only_index_directory_means_in_memory(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / LOG_NAME).write_text(pairs([f"mem{n}" for n in range(5)]))
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    seen = index_as_user(logs, cache / "index.duckdb")
    assert seen == {"calls": 5, "problems": [], "notice": f"index directory {cache} is not "
                    "writable; using a temporary in-memory index"}
