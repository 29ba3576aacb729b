"""Search latency on 1M synthetic calls: llmview's compiled queries next to hand-written DuckDB SQL.

    python bench/search.py [--rows 1000000] [--runs 9] [--uncompressed]

Builds the index schema in an in-memory DuckDB, fills ``calls`` with SQL ``range()`` (a few
seconds), then runs 20 representative queries through ``compile_query`` and the same searches as
bare SQL, each as a page (``ORDER BY ts DESC LIMIT 100``) and a ``count(*)``. Prints p50/p95 per
kind (field search, free text), the compile time, and ``contains`` against ``LIKE ... ESCAPE`` for
free text. The in-memory database is attached with COMPRESS so its storage matches the on-disk
index (dictionary/FSST compression changes what ``lower(col)`` costs); ``--uncompressed`` turns
that off.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import duckdb

from llmview.core.query import compile_query
from llmview.core.schema import DDL

WORDS = [
    "the", "a", "of", "to", "and", "in", "is", "for", "on", "with", "that", "this", "it", "as",
    "be", "are", "by", "from", "at", "or", "an", "was", "not", "summarize", "translate", "explain",
    "refund", "invoice", "customer", "order", "shipping", "password", "reset", "timeout", "python",
    "function", "table", "query", "database", "latency", "token", "model", "answer", "question",
    "context", "document", "retrieval", "vector", "embedding", "search", "result", "json",
    "schema", "weather", "paris", "london", "berlin", "tokyo", "rate", "limit", "exceeded",
    "invalid", "request", "authentication", "failed", "banana", "quantum", "zebra",
]
START = datetime(2026, 1, 1)
PAGE = ("SELECT key, ts, model, status, latency_ms FROM llm_calls WHERE {}"
        " ORDER BY ts DESC LIMIT 100")
COUNT = "SELECT count(*) FROM llm_calls WHERE {}"

# (kind, llmview query, the same search as a person would write it for bare DuckDB)
QUERIES: list[tuple[str, str, str]] = [
    ("field", "model:gpt-4o", "model = 'gpt-4o'"),
    ("field", "status:error", "status = 'error'"),
    ("field", "latency>2s", "latency_ms > 2000"),
    ("field", "tokens>1.5k", "coalesce(total_tokens, input_tokens + output_tokens) > 1500"),
    ("field", "user:user42", "user_id = 'user42'"),
    ("field", "trace:{trace}", "starts_with(trace_id, '{trace}')"),
    ("field", "id:{request}",
     "starts_with(request_id, '{request}') OR starts_with(key, '{request}')"),
    ("field", "since:1h", "ts >= TIMESTAMP '{hour_ago}'"),
    ("field", "model:gpt-4* status:ok", "model LIKE 'gpt-4%' AND status = 'ok'"),
    ("field", "app:rag-api,agent provider:anthropic",
     "app IN ('rag-api', 'agent') AND provider = 'anthropic'"),
    ("field", "has:tools latency>5s", "tools IS NOT NULL AND latency_ms > 5000"),
    ("field", "cost>$0.05 since:1d", "cost_usd > 0.05 AND ts >= TIMESTAMP '{day_ago}'"),
    ("field", "session:sess123", "session = 'sess123' OR conversation = 'sess123'"),
    ("field", "-model:gpt-4o status:error", "model <> 'gpt-4o' AND status = 'error'"),
    ("text", "paris", "contains(search_text, 'paris')"),
    ("text", '"rate limit"', "contains(search_text, 'rate limit')"),
    ("text", "refund invoice",
     "contains(search_text, 'refund') AND contains(search_text, 'invoice')"),
    ("text", "xyzzy", "contains(search_text, 'xyzzy')"),
    ("text", "-timeout model:gpt-4o", "NOT contains(search_text, 'timeout') AND model = 'gpt-4o'"),
    ("text", "quantum since:1d",
     "contains(search_text, 'quantum') AND ts >= TIMESTAMP '{day_ago}'"),
]


def build(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    """1M calls in ~1 s of SQL per 200k rows: prompt text is two random sentences from a pool of
    4096 plus the row number, so every row's text is distinct, like real prompts."""
    con.execute(DDL)
    con.execute(f"""CREATE TEMP TABLE pool AS SELECT list(array_to_string(list_transform(range(35),
        lambda x: w[1 + (hash(j * 101 + x) % len(w))::BIGINT]), ' ')) AS p
        FROM range(4096) r(j), (SELECT {WORDS!r}::VARCHAR[] AS w)""")
    con.execute(f"""
    INSERT INTO calls (key, seq, origin, ts, request_id, app, user_id, session, trace_id, span_id,
        provider, model, operation, temperature, input_tokens, output_tokens, latency_ms, ttft_ms,
        status, error_type, error_message, cost_usd, dialect, preview, search_text, tools)
    SELECT 'req:' || i, i, 'log', TIMESTAMP '{START}' + to_microseconds(i * 2_000_000),
        'req_' || md5(i::VARCHAR)[:12], ['rag-api', 'chat-ui', 'batch', 'agent'][1 + i % 4],
        'user' || (i % 5000), 'sess' || (i // 7), md5('t' || (i // 5)), md5('s' || i)[:16],
        ['openai', 'anthropic', 'google'][1 + i % 3],
        ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'gemini-1.5-pro', 'gpt-4.1'][1 + i * 7 % 5],
        'chat', (i % 11) / 10.0, 100 + hash(i) % 4000, 10 + hash(i + 1) % 1000,
        50 + hash(i + 2) % 20000, 20 + hash(i + 3) % 2000,
        CASE WHEN i % 50 = 0 THEN 'error' WHEN i % 997 = 0 THEN NULL ELSE 'ok' END,
        CASE WHEN i % 50 = 0 THEN 'RateLimitError' END,
        CASE WHEN i % 50 = 0 THEN 'Rate limit exceeded' END,
        (hash(i + 4) % 10000) / 100000.0, 'seed003', 'preview ' || i,
        p[1 + (hash(i) % 4096)::BIGINT] || ' ' || i || ' ' || p[1 + (hash(i + 7) % 4096)::BIGINT],
        CASE WHEN i % 10 = 0 THEN '[{{"name": "get_weather"}}]' END
    FROM range({rows}) r(i), pool""")


def elapsed_ms(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def compile_micros(text: str, now: datetime, loops: int = 2000) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        compile_query(text, now=now)
    return (time.perf_counter() - start) / loops * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--uncompressed", action="store_true")
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS idx" + ("" if args.uncompressed else " (COMPRESS)"))
    con.execute("USE idx")
    start = time.perf_counter()
    build(con, args.rows)
    print(f"built {args.rows:,} calls in {time.perf_counter() - start:.1f} s")

    trace, request, last = con.execute(
        "SELECT trace_id[:6], request_id[:8], (SELECT max(ts) FROM calls) FROM calls"
        " WHERE seq = 12345").fetchone()
    now = last  # the newest call, so since:1h selects the last hour of data
    values = {"trace": trace, "request": request, "hour_ago": now - timedelta(hours=1),
              "day_ago": now - timedelta(days=1)}

    # Per (kind, who): one sample per statement run, a page or a count; llmview and bare runs
    # alternate so that load from other processes hits both alike.
    samples: dict[tuple[str, str], list[float]] = {}
    print(f"\n{'query':38} {'page p50 ms':>17} {'count p50 ms':>17}\n{'':38}"
          f" {'llmview':>8} {'bare':>8} {'llmview':>8} {'bare':>8}")
    for kind, text, bare in QUERIES:
        text, bare = text.format(**values), bare.format(**values)
        compiled = compile_query(text, now=now)
        runs: dict[tuple[str, str], list[float]] = {}
        for attempt in range(args.runs + 1):  # the first run warms caches and is not counted
            for statement in (PAGE, COUNT):
                for who, where, params in (("llmview", compiled.where, compiled.params),
                                           ("bare", bare, [])):
                    sql = statement.format(where)
                    ms = elapsed_ms(lambda s=sql, p=params: con.execute(s, p).fetchall())
                    if attempt:
                        runs.setdefault((statement, who), []).append(ms)
                        samples.setdefault((kind, who), []).append(ms)
        medians = [statistics.median(runs[(st, who)]) for st in (PAGE, COUNT)
                   for who in ("llmview", "bare")]
        print(f"{text:38} " + " ".join(f"{m:8.1f}" for m in medians))

    print(f"\n{'kind':6} {'':8} {'p50 ms':>8} {'p95 ms':>8}   (each page or count query)")
    for (kind, who), times in sorted(samples.items()):
        print(f"{kind:6} {who:8} {pct(times, 0.5):8.1f} {pct(times, 0.95):8.1f}")
    micros = [compile_micros(text.format(**values), now) for _, text, _ in QUERIES]
    print(f"\ncompile_query: mean {statistics.mean(micros):.0f} µs, max {max(micros):.0f} µs")

    print("\nfree text, count(*) p50 ms: contains(search_text, ?) vs LIKE ? ESCAPE '\\'")
    for word in ("paris", "rate limit", "xyzzy"):
        times: dict[str, list[float]] = {"contains": [], "like": []}
        for _ in range(args.runs):  # alternating, so that load from elsewhere hits both alike
            times["contains"].append(elapsed_ms(lambda w=word: con.execute(
                COUNT.format("contains(search_text, ?)"), [w]).fetchall()))
            times["like"].append(elapsed_ms(lambda w=word: con.execute(
                COUNT.format("search_text LIKE ? ESCAPE '\\'"), [f"%{w}%"]).fetchall()))
        print(f"  {word!r:14} contains {statistics.median(times['contains']):7.1f}"
              f"   LIKE/ESCAPE {statistics.median(times['like']):7.1f}")


if __name__ == "__main__":
    main()
