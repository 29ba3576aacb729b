"""Sessions on 1M synthetic calls: building the list, paging and searching it, opening a long one.

    python bench/sessions.py [--rows 1000000] [--runs 9] [--turns 200]

Fills an in-memory index (attached with COMPRESS, like the on-disk one) with ``--rows`` calls in
SQL: 60% name a session (5-20 calls each), 30% only a user and an app (grouped into visits by
30-minute pauses), 10% neither. Then adds one chat of ``--turns`` calls whose every call re-sends
the whole history (so the last call carries 2 x turns messages), and measures:

- the list build (one DuckDB query: windows for the visits, an aggregate per session), which
  runs when calls change, never per page;
- a page of the list (first, deep, sorted by cost, searched) and a count: the goal is < 100 ms;
- opening the long session (goal < 200 ms): its calls fetched, the thread reassembled and
  diffed, and laid out as masked screen lines at 120 columns, all in the session screen's
  worker thread, so the UI stays responsive meanwhile.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import duckdb

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.core.schema import DDL
from llmview.core.store import Opened

START = datetime(2026, 1, 1)
SESSION = "sess_long_chat"


def build(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    con.execute(DDL)
    con.execute(f"""
    INSERT INTO calls (key, seq, origin, ts, app, user_id, session, provider, model, status,
        input_tokens, output_tokens, latency_ms, cost_usd, error_type, dialect, preview,
        search_text, messages)
    SELECT 'req:' || i, i, 'log', TIMESTAMP '{START}' + to_microseconds(i * 2_000_000),
        ['rag-api', 'chat-ui', 'batch', 'agent'][1 + i % 4], 'user' || (i % 5000),
        CASE WHEN i % 10 < 6 THEN 'sess' || (i // (5 + i % 16)) END,
        ['openai', 'anthropic', 'google'][1 + i % 3],
        ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'gemini-1.5-pro', 'gpt-4.1'][1 + i * 7 % 5],
        CASE WHEN i % 50 = 0 THEN 'error' ELSE 'ok' END,
        100 + hash(i) % 4000, 10 + hash(i + 1) % 1000, 50 + hash(i + 2) % 20000,
        CASE WHEN i % 3 = 0 THEN (hash(i + 4) % 10000) / 100000.0 END,
        CASE WHEN i % 50 = 0 THEN 'RateLimitError' END, 'seed003',
        'question number ' || i, 'question number ' || i, '[]'
    FROM range({rows}) r(i)""")
    con.execute(f"UPDATE calls SET user_id = NULL, session = NULL WHERE seq % 10 = 9 "
                f"AND seq < {rows}")


def add_long_chat(con: duckdb.DuckDBPyConnection, turns: int, first_seq: int) -> None:
    """One chat in which every call re-sends the history so far, then asks again."""
    history: list[dict[str, Any]] = [{"role": "system", "content": "You are a helpful "
                                      "assistant for Acme Cloud. " * 8}]
    rows = []
    for turn in range(turns):
        question = f"Question {turn}: how do I do thing number {turn} with the API? " * 3
        answer = f"Answer {turn}: call the endpoint with these parameters and retry. " * 6
        messages = [*history, {"role": "user", "content": question}]
        rows.append((f"long:{turn}", first_seq + turn, "log",
                     START + timedelta(days=30, seconds=40 * turn), "chat-ui", "user-long",
                     SESSION, "openai", "gpt-4o", "ok", 50 * len(messages), 120, 900.0,
                     json.dumps(messages), answer, 0.7 if turn % 50 else 0.2))
        history = [*messages, {"role": "assistant", "content": answer}]
    con.executemany(
        "INSERT INTO calls (key, seq, origin, ts, app, user_id, session, provider, model, "
        "status, input_tokens, output_tokens, latency_ms, messages, output, temperature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


class CompressedIndex(Index):
    """The index over the COMPRESS-attached catalog: each thread's cursor starts in it."""

    def cursor(self) -> Any:
        fresh = getattr(self._local, "cursor", None) is None
        cursor = super().cursor()
        if fresh:
            cursor.execute("USE idx")
        return cursor


def timed(run: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median milliseconds over ``runs`` (after one warm-up run) and the last result."""
    result = run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--turns", type=int, default=200)
    args = parser.parse_args()

    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS idx (COMPRESS)")
    con.execute("USE idx")
    start = time.perf_counter()
    build(con, args.rows)
    add_long_chat(con, args.turns, args.rows)
    print(f"built {args.rows:,} calls + a {args.turns}-turn chat in "
          f"{time.perf_counter() - start:.1f} s")

    index = CompressedIndex(Opened(con, ":memory:"), [])
    sessions = index.sessions
    builds = []
    for _ in range(3):
        sessions._version = None  # force a rebuild
        begin = time.perf_counter()
        sessions.refresh()
        builds.append((time.perf_counter() - begin) * 1000)
    print(f"list build: {statistics.median(builds):.0f} ms (median of 3), "
          f"{sessions.count():,} sessions")
    print(f"refresh with nothing changed: {timed(sessions.refresh, args.runs)[0]:.1f} ms")

    print(f"\n{'list (goal < 100 ms)':34} {'p50 ms':>8}")
    for label, run in [
        ("first page", lambda: sessions.page(limit=100)),
        ("page at offset 100,000", lambda: sessions.page(offset=100_000, limit=100)),
        ("first page sorted by cost", lambda: sessions.page(sort="cost", limit=100)),
        ("search user:user42", lambda: sessions.page("user:user42", limit=100)),
        ("search words of the first message", lambda: sessions.page("number 4242", limit=100)),
        ("search turns>10 has:error", lambda: sessions.page("turns>10 has:error", limit=100)),
        ("count", sessions.count),
        ("count user:user42 since:2026-01-10", lambda: sessions.count(
            "user:user42 since:2026-01-10")),
    ]:
        print(f"{label:34} {timed(run, args.runs)[0]:8.1f}")

    print(f"\n{args.turns}-turn session (goal < 200 ms to open)")
    row = sessions.get(SESSION)
    fetch_ms, calls = timed(lambda: sessions.calls(row), args.runs)
    thread_ms, thread = timed(lambda: sessions.thread(row), args.runs)
    messages = sum(len(turn.entries) for turn in thread.turns)
    print(f"  calls fetched (SQL):              {fetch_ms:8.1f} ms  ({len(calls)} calls, "
          f"{sum(len(c['messages'] or '') for c in calls) / 1e6:.1f} MB of messages)")
    print(f"  fetched + reassembled + diffed:   {thread_ms:8.1f} ms  ({messages} messages "
          f"shown once, {sum(turn.diff.sent for turn in thread.turns):,} sent in all)")
    try:
        from llmview.ui.widgets.thread_view import layout_thread
    except ImportError:
        return
    masker = Masker(key=b"bench-key-000000000000000000000")
    layout_ms, lines = timed(lambda: layout_thread(thread, 120, masker), args.runs)
    print(f"  laid out at 120 columns, masked:  {layout_ms:8.1f} ms  ({len(lines.lines):,} "
          "lines)")
    print(f"  opened in all:                    {thread_ms + layout_ms:8.1f} ms")


if __name__ == "__main__":
    main()
