"""Error groups over a real index: failed calls from log lines and error spans from the
OpenTelemetry SDK, grouped in DuckDB; the ``group:``/``category:`` searches select exactly a
group's calls; ``stats`` counts categories; ``llmview errors`` prints the documented JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import openai
import pytest

from llmview.core.errors import TREND_BUCKETS
from llmview.core.index import Index
from llmview.output_errors import JSON_KEYS
from tests.fixtures.errors import T0, request_line, write_requests, write_traces
from tests.fixtures.fake_clients import rate_limit_error


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    directory = tmp_path_factory.mktemp("errors")
    write_requests(directory)
    write_traces(directory)
    opened = Index.open([str(directory)], index_path=None, tz=timezone.utc)
    opened.refresh(final=True)
    return opened


def by_category(index: Index) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for group in index.error_groups().groups:
        found.setdefault(group.category, []).append(group)
    return found


def test_one_failure_with_other_numbers_is_one_group_with_its_history(index: Index) -> None:
    rate = [g for g in by_category(index)["rate_limit"] if g.calls == 5]
    assert len(rate) == 1
    group = rate[0]
    assert group.models == ["gpt-4o", "gpt-4o-mini"] and group.providers == ["openai"]
    assert (group.first_seen, group.last_seen) == (T0 + timedelta(minutes=10),
                                                   T0 + timedelta(minutes=50))
    assert group.example["request_id"] == "req-5"  # the latest
    assert len(group.trend) == TREND_BUCKETS and sum(group.trend) == 5
    assert "30,005 tokens per min" in group.suggestion and "5.5s" in group.suggestion
    assert group.doc_url == "https://platform.openai.com/docs/guides/rate-limits"


def test_error_spans_count_once_where_they_happened(index: Index) -> None:
    groups = by_category(index)
    tool = [g for g in groups["timeout"] if g.calls == 0]
    assert [(g.count, g.signature) for g in tool] == [
        (1, "order service did not answer within <n>")]
    assert tool[0].example["kind"] == "span" and tool[0].example["trace_id"]
    assert [(g.count, g.calls) for g in groups["connection"]] == [(1, 0)]
    # the failed chat span is a call (counted once, as a call); "POST /answer" only passed its
    # children's failures on, so it is no failure of its own
    span_call = [g for g in groups["rate_limit"] if g.calls == 1]
    assert len(span_call) == 1 and span_call[0].count == 1
    assert "other" not in groups or all("answer failed" not in g.signature
                                        for g in groups["other"])


def test_an_unknown_error_keeps_its_message(index: Index) -> None:
    [other] = by_category(index)["other"]
    assert other.signature == "keyerror: 'customer bob.smith@example.com'"


def test_group_and_category_searches_select_exactly_the_groups_calls(index: Index) -> None:
    groups = index.error_groups().groups
    for group in groups:
        assert index.count(group.query) == group.calls, group.query
        keys = {row["key"] for row in index.search(group.query, limit=100)}
        if group.example["kind"] == "call":
            assert group.example["ref"] in keys
    counts = index.stats()["error_categories"]
    for category, n in counts.items():
        assert index.count(f"category:{category}") == n
    assert sum(counts.values()) == index.stats()["errors"] == 8
    assert counts["rate_limit"] == 6


def test_since_and_sort(index: Index) -> None:
    recent = index.error_groups(since=T0 + timedelta(minutes=35))
    assert sum(g.count for g in recent.groups) == 2 + 3  # two rate limits, three spans
    latest = index.error_groups(sort="recent").groups
    assert [g.last_seen for g in latest] == sorted((g.last_seen for g in latest), reverse=True)


def llmview(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "llmview", *args], capture_output=True,
                          text=True, timeout=120)


def test_errors_cli_json_is_masked_by_default(tmp_path: Path) -> None:
    write_requests(tmp_path)
    out = llmview("errors", str(tmp_path), "--json", "--no-index", "--tz", "UTC")
    assert out.returncode == 0, out.stderr
    groups = json.loads(out.stdout)["groups"]
    assert all(tuple(group) == JSON_KEYS for group in groups)
    assert [g["count"] for g in groups] == [5, 1, 1]
    assert groups[0]["example_request_id"] == "req-5"
    assert groups[0]["first_seen"] == "2026-11-20T10:10:00Z"
    assert "bob.smith@example.com" not in out.stdout and "‹EMAIL-" in out.stdout
    unmasked = llmview("errors", str(tmp_path), "--json", "--no-index", "--tz", "UTC",
                       "--unmasked")
    assert "bob.smith@example.com" in unmasked.stdout

    text = llmview("errors", str(tmp_path), "--no-index", "--tz", "UTC", "--since",
                   "2026-11-20T10:45")
    assert text.returncode == 0, text.stderr
    assert "rate_limit" in text.stdout and "timeout" not in text.stdout
    bad = llmview("errors", str(tmp_path), "--no-index", "--since", "yesterday")
    assert bad.returncode == 1 and bad.stderr.startswith("llmview: --since yesterday")


def test_openai_sdk_exception_in_a_log_is_its_category(tmp_path: Path) -> None:
    """The error objects of the openai package, logged by seed 004's log_error."""
    error: openai.APIError = rate_limit_error()
    (tmp_path / "x.jsonl").write_text(request_line(1, T0, "gpt-4o", str(error),
                                                   type(error).__name__))
    opened = Index.open([str(tmp_path)], index_path=None)
    opened.refresh(final=True)
    assert opened.stats()["error_categories"] == {"rate_limit": 1}
