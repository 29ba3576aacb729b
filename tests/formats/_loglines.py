"""Reading a generated log file the way the indexer does, for the log-line dialect tests.

Lines go through the line reader (which also strips a stdlib ``asctime - name - level -``
prefix), whole ``.json`` documents through ``json``; each object through the registry; calls
sharing a key through the store's merge, so a test sees what the store would keep.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.records import Call, Event, Problem, Record
from llmview.core.sources import decode_line
from llmview.core.store import merge


def objects(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a file, in order."""
    if path.suffix == ".json":
        return [json.loads(path.read_text(encoding="utf-8"))]
    found = []
    for number, line in enumerate(path.read_bytes().splitlines(), 1):
        item = decode_line(line, number, 0)
        if item is not None:
            assert item.problem is None, (path.name, number, item.problem)
            found.append(item.value)
    return found


def records(path: Path, ctx_path: str | None = None) -> list[Record]:
    """Every record the registry makes of the file's objects, warnings included."""
    out: list[Record] = []
    for obj in objects(path):
        out.extend(normalize(obj, Context(path=ctx_path if ctx_path is not None else path.name)))
    return out


def calls(*paths: Path) -> list[Call]:
    """The calls of some files after the store's merge by key, in order of first appearance."""
    merged: dict[str, Call] = {}
    unkeyed: list[Call] = []
    for path in paths:
        for record in records(path):
            if not isinstance(record, Call):
                continue
            if not record.key:
                unkeyed.append(record)
            elif record.key in merged:
                merged[record.key] = merge(merged[record.key], record)
            else:
                merged[record.key] = record
    return [*merged.values(), *unkeyed]


def events(*paths: Path) -> list[Event]:
    return [r for path in paths for r in records(path) if isinstance(r, Event)]


def warnings(*paths: Path) -> list[str]:
    return [r.reason for path in paths for r in records(path) if isinstance(r, Problem)]
