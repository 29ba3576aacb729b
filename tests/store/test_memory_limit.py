"""A query DuckDB has no memory for, within the index's limit: one clear error that says what
to do, and the index goes on working once memory is there again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmview.core.index import Index
from llmview.core.store import StoreError

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
    index.opened.con.execute("SET memory_limit = '160MB'")
    assert index.count("question") == CALLS
    index.close()
