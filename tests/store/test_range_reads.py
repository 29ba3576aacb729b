"""The store reads stored rows between the first and last seq that may hold them, keys and
traces far apart in reads of their own (first_seqs.py, ``Store._take_stored`` and
``_reconcile``). Split as finely as it can be, a live index must end with the same rows as one
pass over the same logs: no merge, span-derived call standing down, or trace row missed. (What a
merge keeps of two copies, such as the model name or a span's attributes, depends on which came
first, and so on the passes: the rows are compared by what must not.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from llmview.core import store
from llmview.core.index import Index
from llmview.demo import write_demo
from tests.fixtures import otel
from tests.fixtures.seed_request_log import write_request_logs

STEPS = 12
CALLS = ("SELECT key, shadowed, request_id, trace_id, span_id, status, input_tokens, output_tokens"
         " FROM calls ORDER BY key")
SPANS = ("SELECT trace_id, span_id, parent_id, name, start_ts, end_ts, status FROM spans"
         " ORDER BY trace_id, span_id")
TRACES = "SELECT * EXCLUDE (first_seq) FROM traces ORDER BY trace_id"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Calls logged twice (the seed's app log and flat file) and spans exported twice (one trace
    # a line, then a collector request): merges, and calls that stand down for spans' calls.
    directory = tmp_path_factory.mktemp("source")
    write_demo(directory, calls=300, now=1_790_000_000.0)
    seed = directory / "seed"
    seed.mkdir()
    write_request_logs(seed)
    spans = otel.record(seed / "console.log")
    otel.write_protobuf_json(seed, spans)
    otel.write_collector_json(seed, spans)
    return directory


def indexed(index: Index, query: str) -> list[tuple[object, ...]]:
    return [tuple(row.values()) for row in index.rows(query)]


def test_ranges_read_apart_end_as_one_pass(source: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    whole = Index.open([str(source)], index_path=str(tmp_path / "whole.duckdb"))
    whole.refresh(final=True)

    monkeypatch.setattr(store, "CLUSTER_GAP", 0)  # every key and trace in a read of its own
    logs = tmp_path / "logs"
    shutil.copytree(source, logs)
    files = {path: path.read_bytes().splitlines(keepends=True)
             for path in sorted(logs.rglob("*")) if path.is_file()}
    for path in files:
        path.write_bytes(b"")
    live = Index.open([str(logs)], index_path=str(tmp_path / "live.duckdb"))
    for step in range(STEPS):  # every file grows at each pass, as under a live writer
        for path, lines in files.items():
            share = len(lines) * (step + 1) // STEPS - len(lines) * step // STEPS
            with path.open("ab") as out:
                out.writelines(lines[len(lines) * step // STEPS:][:share])
        live.refresh(final=step == STEPS - 1)

    assert live.count() == whole.count() > 300
    for query in (CALLS, SPANS, TRACES):
        assert indexed(live, query) == indexed(whole, query), query
    live.close()
    whole.close()
