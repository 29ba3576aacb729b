"""Metrics on 1M synthetic calls: what the Metrics pane asks for, per window and grouping.

    python bench/metrics.py [--rows 1000000] [--runs 5]

Creates an on-disk index with llmview's schema (``core/schema.py``, via ``store.open_index``) in
a temporary directory, fills ``calls`` with SQL ``range()`` (30 days of calls ending now, 14
models of which two have no list price, logged costs on a third of the calls, 5% errors,
lognormal-ish latencies), then times through ``Index.metrics``:

- ``table``: the group count plus the first page (totals row and 100 groups) — the pane's table;
- ``series``: 60 chart buckets;
- ``unpriced``: the list of unpriced models;
- ``all``: the three together, what one refresh of the pane costs.

Prints the median of ``--runs`` runs per (window, grouping), after a warm-up run, and for
``all`` also the fastest run: on a machine shared with other work the median measures the
neighbours too. Target: under 300 ms for ``all`` over every window.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmview.core.index import Index
from llmview.core.metrics import WINDOWS
from llmview.core.pricing import PriceBook
from llmview.core.store import open_index

MODELS = [  # (provider, model) as apps log them: dated, prefixed, Azure deployments, local
    ("openai", "gpt-4o"), ("openai", "gpt-4o-2024-08-06"), ("openai", "gpt-4o-mini"),
    ("openai", "o3-mini-2025-01-31"), ("anthropic", "claude-sonnet-4-20250514"),
    ("anthropic", "claude-3-5-haiku-20241022"), ("google", "gemini-2.0-flash"),
    ("google", "gemini-1.5-pro-002"), ("litellm", "openai/gpt-4.1"),
    ("azure", "prod-gpt4o-mini-eu"), ("bedrock", "anthropic.claude-3-sonnet-20240229-v1:0"),
    ("ollama", "llama3:8b-instruct"), ("local", "qwen2.5:14b"), (None, "my-finetune-v3"),
]


def build(index: Index, rows: int) -> None:
    """``rows`` calls, one every 30 days / rows, ending at the current minute."""
    providers = [p for p, _ in MODELS]
    models = [m for _, m in MODELS]
    index.opened.con.execute(f"""
    INSERT INTO calls (key, seq, origin, ts, app, user_id, session, provider, model, operation,
        input_tokens, output_tokens, latency_ms, ttft_ms, status, error_type, cost_usd, dialect)
    SELECT 'req:' || i, i, 'log',
        date_trunc('minute', now()::TIMESTAMP) - INTERVAL 30 DAY
            + to_microseconds((i * (30 * 86400 * 1e6 / {rows}))::BIGINT),
        ['rag-api', 'chat-ui', 'batch', 'agent', 'eval'][1 + i % 5],
        'user' || (i % 5000), 'sess' || (i // 7),
        (?::VARCHAR[])[1 + (i * 7) % {len(MODELS)}], (?::VARCHAR[])[1 + (i * 7) % {len(MODELS)}],
        ['chat', 'embeddings', 'completion'][1 + i % 3],
        CASE WHEN i % 41 = 0 THEN NULL ELSE 100 + hash(i) % 4000 END,
        CASE WHEN i % 43 = 0 THEN NULL ELSE 10 + hash(i + 1) % 1000 END,
        CASE WHEN i % 13 = 0 THEN NULL ELSE exp(5 + (hash(i + 2) % 4000) / 1000.0) END,
        CASE WHEN i % 3 = 0 THEN 20 + hash(i + 3) % 2000 END,
        CASE WHEN i % 20 = 0 THEN 'error' WHEN i % 997 = 0 THEN NULL ELSE 'ok' END,
        CASE WHEN i % 20 = 0 THEN 'RateLimitError' END,
        CASE WHEN i % 3 = 1 THEN (hash(i + 4) % 10000) / 1000000.0 END,
        'bench'
    FROM range({rows}) r(i)""", [providers, models])


def timed_ms(run: Callable[[], Any], runs: int) -> tuple[float, float]:
    """(median, fastest) of ``runs`` runs after a warm-up run (caches, the price table)."""
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


@dataclass
class ViewTimes:
    """Median ms of what the Metrics pane asks for one (window, grouping)."""

    window: str
    group: str
    calls: int
    table: float
    series: float
    unpriced: float
    everything: float  # the three together: one refresh of the pane
    fastest: float  # of ``everything``: on a shared machine the median measures neighbours too


def time_views(index: Index, prices: PriceBook, runs: int) -> list[ViewTimes]:
    """Every window, grouped by model and by session."""
    timed: list[ViewTimes] = []
    for group in ("model", "session"):
        for window in WINDOWS:
            def view(w: str = window, g: str = group) -> Any:
                return index.metrics("", w, g, prices=prices)

            calls = view().page(0, 1)[0]["calls"]
            table, _ = timed_ms(lambda: (v := view(), v.count(), v.page(0, 100)), runs)
            series, _ = timed_ms(lambda: view().series(60), runs)
            unpriced, _ = timed_ms(lambda: view().unpriced(), runs)
            everything, fastest = timed_ms(
                lambda: (v := view(), v.count(), v.page(0, 100), v.series(60), v.unpriced()),
                runs)
            timed.append(ViewTimes(window, group, calls, table, series, unpriced, everything,
                                   fastest))
    return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="llmview-bench-") as tmp:
        index = Index(open_index(str(Path(tmp) / "index.duckdb")), [])
        start = time.perf_counter()
        build(index, args.rows)
        index.opened.con.execute("CHECKPOINT")
        print(f"built {args.rows:,} calls in {time.perf_counter() - start:.1f} s")
        prices = PriceBook()
        start = time.perf_counter()
        prices.table(MODELS)
        print(f"price table for {len(MODELS)} models: "
              f"{(time.perf_counter() - start) * 1000:.0f} ms (once per process)")

        print(f"\n{'window':7} {'group':10} {'calls':>9} {'table ms':>9} {'series ms':>10} "
              f"{'unpriced ms':>12} {'all ms':>8} {'fastest':>8}")
        views = time_views(index, prices, args.runs)
        for v in views:
            print(f"{v.window:7} {v.group:10} {v.calls:>9,} {v.table:9.0f} {v.series:10.0f} "
                  f"{v.unpriced:12.0f} {v.everything:8.0f} {v.fastest:8.0f}")
        worst = max(v.everything for v in views)
        query = "model:gpt-4o,claude* status:ok"
        filtered, _ = timed_ms(lambda: (v := index.metrics(query, "all", "app", prices=prices),
                                        v.count(), v.page(0, 100), v.series(60),
                                        v.unpriced()), args.runs)
        print(f"\nquery {query!r} by app, all: {filtered:.0f} ms")
        print(f"worst window (median): {worst:.0f} ms (target < 300 ms)")
        index.close()


if __name__ == "__main__":
    main()
