"""``llmview metrics`` as a user runs it: a real process on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families


def llmview(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llmview", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("logs")
    lines = []
    for n, (model, provider) in enumerate([("gpt-4o-2024-08-06", "openai"),
                                           ("claude-3-5-haiku-20241022", "anthropic"),
                                           ("llama3:8b-instruct", "ollama")]):
        lines.append(json.dumps({
            "event": "llm_request", "request_id": f"id-{n}", "model": model,
            "provider": provider, "operation": "completion", "user_id": f"bob{n}@example.com",
            "timestamp": f"2026-11-20T10:00:0{n}", "input_tokens": 1000, "output_tokens": 100,
            "latency_ms": 100.0 * (n + 1)}))
    (directory / "app.jsonl").write_text("\n".join(lines) + "\n")
    return directory


def test_prometheus_exposition_parses(logs: Path) -> None:
    result = llmview("metrics", str(logs), "--no-index", "--prometheus")
    assert result.returncode == 0, result.stderr
    names = {f.name for f in text_string_to_metric_families(result.stdout)}
    assert names >= {"llmview_requests", "llmview_tokens", "llmview_request_duration_seconds",
                     "llmview_cost_usd", "llmview_unpriced_requests"}


def test_json_by_user_is_masked_by_default(logs: Path) -> None:
    masked = json.loads(llmview("metrics", str(logs), "--no-index", "--json", "--group",
                                "user").stdout)
    assert masked["group"] == "user" and masked["totals"]["calls"] == 3
    assert masked["totals"]["unpriced"] == 1
    assert not any("bob0@example.com" in (g["name"] or "") for g in masked["groups"])
    unmasked = json.loads(llmview("metrics", str(logs), "--no-index", "--json", "--group",
                                  "user", "--unmasked").stdout)
    assert "bob0@example.com" in {g["name"] for g in unmasked["groups"]}


def test_table_and_a_bad_query(logs: Path) -> None:
    table = llmview("metrics", str(logs), "--no-index", "--window", "1h")
    assert table.returncode == 0
    assert "gpt-4o-2024-08-06" in table.stdout and "total" in table.stdout
    bad = llmview("metrics", str(logs), "--no-index", "--query", "latency>fast")
    assert bad.returncode == 1
    assert bad.stderr.startswith("llmview: bad query:") and len(bad.stderr.splitlines()) == 1
