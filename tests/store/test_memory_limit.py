"""A query DuckDB has no memory for, within the index's limit: one clear error that says what
to do, and the index goes on working once memory is there again."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from llmview.core.index import Index
from llmview.core.store import FILE_CONFIG, StoreError

CALLS = 3000  # enough rows that a scan pins a whole 256 KB block


def filled_index(tmp_path: Path) -> Index:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.jsonl").write_text("".join(
        json.dumps({"event": "llm_interaction", "request_id": f"m-{n}", "model": "gpt-4o",
                    "prompt_messages": [{"role": "user", "content": f"question {n} " * 20}]})
        + "\n" for n in range(CALLS)))
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    index.refresh()
    index.checkpoint()
    return index


def test_a_query_without_memory_is_one_clear_error(tmp_path: Path) -> None:
    index = filled_index(tmp_path)
    index.opened.con.execute("SET memory_limit = '100KB'")
    with pytest.raises(StoreError) as caught:
        index.count("question")
    message = str(caught.value)
    assert "ran out of memory" in message and "narrow it" in message
    assert "\n" not in message  # one line, not DuckDB's list of settings to try
    index.opened.con.execute(f"SET memory_limit = '{FILE_CONFIG['memory_limit']}'")
    assert index.count("question") == CALLS
    index.close()


def test_tailing_calls_with_random_ids_fits_a_fixed_memory_limit(tmp_path: Path) -> None:
    # Request and trace ids are random, so an index on them (DuckDB's ART) is touched all over
    # and stays in memory whole, beyond what the limit can evict: a 20-minute soak ran out of
    # 160 MB at 650k calls. Here 60k calls in passes of 2,000 under 16 MB, where the index
    # with ARTs on calls' key, request id and trace id failed a commit at about 50k.
    logs = tmp_path / "logs"
    logs.mkdir()
    index = Index.open([str(logs)], index_path=str(tmp_path / "index.duckdb"))
    index.opened.con.execute("SET memory_limit = '16MB'")
    ids = random.Random(7)
    with (logs / "app.jsonl").open("a") as log:
        for start in range(0, 60_000, 2000):
            log.write("".join(json.dumps({
                "event": "llm_interaction", "model": "gpt-4o",
                "request_id": f"chatcmpl-{ids.getrandbits(96):024x}",
                "trace_id": f"{ids.getrandbits(128):032x}",
                "span_id": f"{ids.getrandbits(64):016x}",
                "prompt_messages": [{"role": "user", "content": f"q {n}"}],
            }) + "\n" for n in range(start, start + 2000)))
            log.flush()
            index.refresh()
    assert index.count() == 60_000
    index.close()
