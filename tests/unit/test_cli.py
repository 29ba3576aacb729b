"""The headless commands, run as a user runs them: a real process, real files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def llmview(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llmview", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    directory.mkdir()
    lines = []
    for n, (model, status) in enumerate([("gpt-4o", "ok"), ("gpt-4o-mini", "ok"),
                                         ("gpt-4o", "error")]):
        entry = {"event": "llm_request", "request_id": f"id-{n}", "model": model,
                 "provider": "openai", "operation": "completion",
                 "timestamp": f"2026-11-20T10:00:0{n}", "prompt_tokens": 10 + n,
                 "completion_tokens": 5, "latency_ms": 100.0 * (n + 1),
                 "messages": [{"role": "user", "content": f"mail bob{n}@example.com please"}]}
        if status == "error":
            entry.update(error="Rate limit reached", error_type="RateLimitError")
        lines.append(json.dumps(entry))
    lines.append("not json")
    (directory / "app.jsonl").write_text("\n".join(lines) + "\n")
    return directory


def test_stats_json(logs: Path) -> None:
    out = llmview("stats", str(logs), "--json", "--no-index")
    assert out.returncode == 0, out.stderr
    stats = json.loads(out.stdout)
    assert stats["requests"] == 3
    assert stats["errors"] == 1
    assert stats["malformed_lines"] == 1
    assert stats["input_tokens"] == 33
    assert stats["models"]["gpt-4o"]["requests"] == 2
    for key in ("error_categories", "output_tokens", "traces", "spans", "events", "files",
                "error_spans"):
        assert key in stats


def test_search_json_is_masked_by_default(logs: Path) -> None:
    out = llmview("search", str(logs), "model:gpt-4o status:ok", "--json", "--no-index")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [row["model"] for row in rows] == ["gpt-4o"]
    assert "example.com" not in out.stdout
    assert "‹EMAIL-" in out.stdout

    unmasked = llmview("search", str(logs), "model:gpt-4o status:ok", "--json", "--no-index",
                       "--unmasked")
    assert "bob0@example.com" in unmasked.stdout


def test_search_csv(logs: Path) -> None:
    out = llmview("search", str(logs), "", "--csv", "--no-index")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 3


def test_export_jsonl_csv_parquet(logs: Path, tmp_path: Path) -> None:
    out = llmview("export", str(logs), "--format", "jsonl", "--no-index")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 3
    first = records[0]
    for key in ("id", "request_id", "ts", "model", "provider", "status", "input_tokens",
                "latency_ms", "messages", "output", "error", "trace_id"):
        assert key in first
    assert isinstance(first["messages"], list)
    assert "example.com" not in out.stdout

    target = tmp_path / "out.csv"
    assert llmview("export", str(logs), "--format", "csv", "--out", str(target),
                   "--no-index").returncode == 0
    assert len(list(csv.DictReader(target.open()))) == 3

    parts = tmp_path / "parquet"
    done = llmview("export", str(logs), "--format", "parquet", "--out", str(parts),
                   "--query", "model:gpt-4o", "--no-index")
    assert done.returncode == 0, done.stderr
    import duckdb

    count = duckdb.connect().execute(
        f"SELECT count(*) FROM read_parquet('{parts}/**/*.parquet', hive_partitioning=true)"
    ).fetchone()[0]
    assert count == 2
    assert [p.name for p in parts.iterdir()] == ["day=2026-11-20"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("stats", "/no/such/dir"), "no such file or directory"),
        (("search", "{logs}", "latency>fast"), "bad query"),
        (("stats", "{logs}", "--tz", "Mars/Olympus"), "unknown time zone"),
    ],
)
def test_errors_are_one_line_and_non_zero(logs: Path, args: tuple[str, ...], needle: str) -> None:
    out = llmview(*(a.format(logs=logs) for a in args), "--no-index")
    assert out.returncode != 0
    assert needle in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_second_process_on_a_locked_index_falls_back(logs: Path, tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "locked.duckdb"
    holder = duckdb.connect(str(db))
    try:
        out = llmview("stats", str(logs), "--json", "--index", str(db))
    finally:
        holder.close()
    assert out.returncode == 0, out.stderr
    assert "in use by another llmview" in out.stderr
    assert json.loads(out.stdout)["requests"] == 3


def test_bad_config_is_one_line(logs: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[pii\nallow = 1")
    out = subprocess.run([sys.executable, "-m", "llmview", "search", str(logs), "", "--no-index"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "LLMVIEW_CONFIG": str(config)})
    assert out.returncode != 0
    assert "config.toml" in out.stderr and "Traceback" not in out.stderr
