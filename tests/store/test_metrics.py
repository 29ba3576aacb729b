"""Metrics from a real index over real log files: percentiles, windows, groups, costs, series,
the search a row opens, ``stats --json`` and the Prometheus output."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from llmview.core.index import Index
from llmview.core.pricing import PriceBook, parse_overrides
from llmview.output_metrics import print_metrics, print_prometheus

NEWEST = datetime(2026, 11, 20, 12, 0, 0)


def entry(n: int, *, minutes_ago: float, model: str = "gpt-4o", provider: str = "openai",
          latency_ms: float | None = 100.0, **extra: Any) -> str:
    """A seed-004 ``llm_request`` line for a call that started ``minutes_ago`` before NEWEST
    (the logger writes when the call returns, so its timestamp is start + latency)."""
    start = NEWEST - timedelta(minutes=minutes_ago)
    fields: dict[str, Any] = {
        "event": "llm_request", "request_id": f"req-{n}", "model": model, "provider": provider,
        "operation": "completion", "input_tokens": 1000, "output_tokens": 100,
        "timestamp": (start + timedelta(milliseconds=latency_ms or 0)).isoformat(),
    }
    if latency_ms is not None:
        fields["latency_ms"] = latency_ms
    fields.update(extra)
    return json.dumps(fields) + "\n"


def open_index(directory: Path, lines: list[str]) -> Index:
    directory.mkdir(exist_ok=True)
    (directory / "app.jsonl").write_text("".join(lines))
    index = Index.open([str(directory)], index_path=None)
    index.refresh(final=True)
    return index


@pytest.fixture
def index(tmp_path: Path) -> Index:
    """Five gpt-4o calls in the last hour with hand-picked latencies, two older claude calls
    (one failed), a local model nobody priced, and a call whose logged cost is off the list."""
    lines = [entry(n, minutes_ago=10 + n, latency_ms=ms, ttft_ms=ms / 4, app="rag",
                   user_id="alice", session_id="s1")
             for n, ms in enumerate([100.0, 200.0, 300.0, 400.0, 1000.0])]
    lines += [
        entry(10, minutes_ago=120, model="claude-3-5-haiku-20241022", provider="anthropic",
              latency_ms=2000.0, app="batch"),
        entry(11, minutes_ago=180, model="claude-3-5-haiku-20241022", provider="anthropic",
              latency_ms=500.0, error="Overloaded", error_type="OverloadedError", app="batch",
              input_tokens=0, output_tokens=0),  # the seed's zeros for "unknown"
        entry(12, minutes_ago=30, model="llama3:8b-instruct", provider="ollama", app="local"),
        entry(13, minutes_ago=3000, model="gpt-4o-mini", cost_usd=0.5, app="rag"),
    ]
    return open_index(tmp_path / "logs", lines)


def by_name(rows: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {("total" if r["is_total"] else r["name"]): r for r in rows}


def test_percentiles_match_a_hand_computed_set(index: Index) -> None:
    rows = by_name(index.metrics("model:gpt-4o", "all", "model").rows())
    gpt = rows["gpt-4o"]
    # latencies 100, 200, 300, 400, 1000 ms; linear interpolation between closest ranks:
    # p50 = 300; p95 at rank 3.8 = 400 + 0.8 * 600 = 880; p99 at rank 3.96 = 976
    assert gpt["calls"] == 5
    assert gpt["latency_ms_p50"] == pytest.approx(300.0)
    assert gpt["latency_ms_p95"] == pytest.approx(880.0)
    assert gpt["latency_ms_p99"] == pytest.approx(976.0)
    assert gpt["ttft_ms_p50"] == pytest.approx(75.0)
    assert gpt["input_tokens"] == 5000 and gpt["output_tokens"] == 500
    assert gpt["output_tokens_per_s"] == pytest.approx(500 / 2.0)  # 500 tokens over 2 s


def test_windows_end_at_the_newest_call(index: Index) -> None:
    hour = index.metrics("", "1h", "model")
    assert hour.range.until - hour.range.since == timedelta(hours=1)
    assert by_name(hour.rows())["total"]["calls"] == 6  # five gpt-4o and the local model
    assert by_name(index.metrics("", "24h", "model").rows())["total"]["calls"] == 8
    assert by_name(index.metrics("", "all", "model").rows())["total"]["calls"] == 9


def test_a_search_range_replaces_the_window(index: Index) -> None:
    view = index.metrics("since:2026-11-20T09:30Z until:2026-11-20T10:30Z", "1h", "model")
    assert view.range.source == "query"
    assert by_name(view.rows())["total"]["calls"] == 1  # the failed claude call at 09:00+


def test_groups_and_error_rates(index: Index) -> None:
    apps = by_name(index.metrics("", "all", "app").rows())
    assert set(apps) == {"total", "rag", "batch", "local"}
    assert apps["batch"]["errors"] == 1 and apps["batch"]["error_rate"] == pytest.approx(0.5)
    users = by_name(index.metrics("", "all", "user").rows())
    assert users["alice"]["calls"] == 5 and users[None]["calls"] == 4


def test_cost_prefers_the_logged_cost_and_counts_unpriced_calls(index: Index) -> None:
    rows = by_name(index.metrics("", "all", "model").rows())
    # gpt-4o list price $2.50 in / $10 out per million: 1000 in + 100 out = $0.0035 a call
    assert rows["gpt-4o"]["cost_usd"] == pytest.approx(5 * 0.0035)
    assert rows["gpt-4o-mini"]["cost_usd"] == pytest.approx(0.5)  # as logged
    # a failed call that used no tokens was not billed; the local model is not priced
    assert rows["llama3:8b-instruct"]["cost_usd"] is None
    assert rows["llama3:8b-instruct"]["unpriced"] == 1
    assert rows["total"]["unpriced"] == 1
    assert rows["total"]["cost_usd"] == pytest.approx(5 * 0.0035 + 0.5 + 0.0012)
    unpriced = index.metrics("", "all", "model").unpriced()
    assert unpriced == [{"provider": "ollama", "model": "llama3:8b-instruct",
                         "reason": "no price for this model", "calls": 1}]


def test_a_logged_cost_far_from_the_list_price_is_a_discrepancy(index: Index) -> None:
    from llmview.core.metrics import discrepancy

    rows = by_name(index.metrics("", "all", "model").rows())
    mini = rows["gpt-4o-mini"]  # logged $0.50 where the list says $0.00021
    assert mini["logged_usd"] == pytest.approx(0.5)
    assert mini["listed_usd"] == pytest.approx((1000 * 0.15 + 100 * 0.6) / 1e6)
    assert discrepancy(mini)
    assert not discrepancy(rows["gpt-4o"])


def test_overrides_price_local_models(index: Index) -> None:
    prices = PriceBook(parse_overrides({"prices": {"llama3:8b-instruct": {
        "input_per_mtok": 0.1, "output_per_mtok": 0.2}}}))
    rows = by_name(index.metrics("", "all", "model", prices=prices).rows())
    assert rows["llama3:8b-instruct"]["cost_usd"] == pytest.approx((100 + 20) / 1e6)
    assert rows["total"]["unpriced"] == 0


def test_series_fills_every_bucket(index: Index) -> None:
    series = index.metrics("", "1h", "model").series(buckets=13)
    assert series is not None and series.step == timedelta(minutes=5)
    assert len(series.buckets) <= 13  # one more than 12 when the window starts mid-bucket
    assert sum(b["calls"] for b in series.buckets) == 6
    quiet = [b for b in series.buckets if b["calls"] == 0]
    assert quiet and all(b["latency_p95"] is None and b["cost_usd"] is None for b in quiet)
    busy = max(series.buckets, key=lambda b: b["calls"])
    assert busy["cost_usd"] is not None and busy["latency_p95"] is not None


def test_a_row_opens_the_search_for_its_calls(index: Index) -> None:
    view = index.metrics("app:rag", "24h", "model")
    for row in view.rows():
        query = view.search_for(row)
        assert query is not None
        assert index.count(query) == row["calls"], query
    users = index.metrics("", "all", "user")
    assert users.search_for(by_name(users.rows())[None]) is None


@pytest.mark.parametrize("paged_above", [1000, 1])
def test_groups_page_like_any_table(index: Index, monkeypatch: pytest.MonkeyPatch,
                                    paged_above: int) -> None:
    """A few groups are computed whole and sliced; many, one page's groups at a time."""
    from llmview.core import metrics

    monkeypatch.setattr(metrics, "_PAGED_ABOVE", paged_above)
    everything = index.metrics("", "all", "app").rows()
    view = index.metrics("", "all", "app")
    assert view.count() == len(everything) == 4
    pages = [view.page(offset, 2) for offset in (0, 2)]
    assert [r for page in pages for r in page] == everything


def test_stats_json_has_costs_and_percentiles(index: Index) -> None:
    stats = index.stats()
    assert stats["cost_usd"] == pytest.approx(5 * 0.0035 + 0.5 + 0.0012)
    assert stats["unpriced_requests"] == 1
    assert stats["unpriced_models"] == {"llama3:8b-instruct": 1}
    gpt = stats["models"]["gpt-4o"]
    assert gpt["requests"] == 5
    assert (gpt["latency_ms_p50"], gpt["latency_ms_p95"], gpt["latency_ms_p99"]) == (
        300.0, 880.0, 976.0)
    assert gpt["cost_usd"] == pytest.approx(0.0175)
    json.dumps(stats)


def test_prometheus_output_parses_back(index: Index) -> None:
    out = io.StringIO()
    print_prometheus(index.metrics("", "all", "model"), mask=lambda v: v, out=out)
    families = {f.name: f for f in text_string_to_metric_families(out.getvalue())}
    assert families["llmview_requests"].type == "counter"
    requests = {(s.labels["model"], s.labels["status"]): s.value
                for s in families["llmview_requests"].samples}
    assert requests[("gpt-4o", "ok")] == 5
    assert requests[("claude-3-5-haiku-20241022", "error")] == 1
    tokens = {(s.labels["model"], s.labels["direction"]): s.value
              for s in families["llmview_tokens"].samples}
    assert tokens[("gpt-4o", "input")] == 5000
    histogram = families["llmview_request_duration_seconds"]
    assert histogram.type == "histogram"
    gpt = {s.labels.get("le"): s.value for s in histogram.samples
           if s.labels["model"] == "gpt-4o" and s.name.endswith("_bucket")}
    assert (gpt["0.1"], gpt["0.25"], gpt["0.5"], gpt["1.0"], gpt["+Inf"]) == (1, 2, 4, 5, 5)
    cost = {s.labels["model"]: s.value for s in families["llmview_cost_usd"].samples}
    assert cost["gpt-4o"] == pytest.approx(0.0175)
    unpriced = {s.labels["model"]: s.value
                for s in families["llmview_unpriced_requests"].samples}
    assert unpriced["llama3:8b-instruct"] == 1


def test_prometheus_label_values_are_escaped(tmp_path: Path) -> None:
    index = open_index(tmp_path / "odd", [entry(1, minutes_ago=1, model='we"ird\\model\nx')])
    out = io.StringIO()
    print_prometheus(index.metrics(), mask=lambda v: v, out=out)
    families = {f.name: f for f in text_string_to_metric_families(out.getvalue())}
    assert {s.labels["model"] for s in families["llmview_requests"].samples} == {
        'we"ird\\model\nx'}


def test_table_output_marks_unpriced_costs(index: Index) -> None:
    out = io.StringIO()
    print_metrics(index.metrics("", "all", "model"), as_json=False, mask=lambda v: v, out=out)
    text = out.getvalue()
    assert text.splitlines()[0].split()[:3] == ["model", "calls", "err%"]
    assert "llama3:8b-instruct" in text and "+? 1 unpriced calls" in text
    assert "≠ gpt-4o-mini: logged $0.50" in text
