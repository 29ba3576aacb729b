"""Traces: a 10,000-span trace in the waterfall, and the traces list over 100k traces.

    python bench/trace.py [--spans 10000] [--traces 100000] [--runs 7]

1. **Waterfall.** Writes one trace of ``--spans`` spans (an agent loop: steps holding an LLM
   call, tools and retrievals, some nested) as OTLP JSON, indexes it, then measures, in the real
   ``TraceScreen`` run headless: the load (spans query + tree), the first paint (screen pushed
   -> rows on screen), and one page of scrolling (page down + rendering every visible line),
   plus folding the root open and shut (the visible rows rebuilt).
2. **List.** Fills an on-disk index with ``--traces`` traces of 5-15 spans and their LLM calls
   using SQL ``range()``, then the per-trace rows the store keeps, and times pages of the traces
   list (newest first, deep offsets, sorted, filtered by span and by call figures) and the count
   the table asks for. Target: a page in < 50 ms.

Prints medians (and p95 where it matters) in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmview.core.index import Index  # noqa: E402
from llmview.core.pii import Masker  # noqa: E402
from llmview.core.store import Store  # noqa: E402

START_NS = 1_795_000_000 * 10**9
TRACE_ID = "7e" * 16


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


# --- 1. one huge trace -------------------------------------------------------------------------


def write_big_trace(path: Path, spans: int) -> None:
    """An agent run: a root, then steps (a chain with an LLM call, one to three tools, sometimes
    a retrieval with an embedding below it), as one OTLP request per 500 spans."""
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    clock = START_NS

    def span(name: str, parent: str | None, start: int, end: int, **attrs: Any) -> str:
        span_id = f"{len(rows) + 1:016x}"
        rows.append({
            "traceId": TRACE_ID, "spanId": span_id, "name": name, "kind": 1,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(end),
            "attributes": [{"key": k, "value": {"stringValue": str(v)}} for k, v in attrs.items()],
            "status": {"code": 2 if rng.random() < 0.01 else 0},
            **({"parentSpanId": parent} if parent else {}),
        })
        return span_id

    root = span("agent.run", None, START_NS, START_NS)  # end fixed below
    step = 0
    while len(rows) < spans:
        step += 1
        begin = clock
        chain = span(f"step {step}", root, begin, begin)
        t = begin + 1_000_000
        for kind in ["llm"] + ["tool"] * rng.randint(1, 3) + (["retrieval"] if step % 4 == 0
                                                              else []):
            length = rng.randint(2, 900) * 1_000_000
            if kind == "llm":
                span("chat gpt-4o", chain, t, t + length, **{
                    "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"})
            elif kind == "tool":
                span(f"execute_tool t{rng.randint(1, 9)}", chain, t, t + length, **{
                    "gen_ai.operation.name": "execute_tool"})
            else:
                retrieval = span("retrieve", chain, t, t + length,
                                 **{"openinference.span.kind": "RETRIEVER"})
                span("embed", retrieval, t + 1000, t + length // 3,
                     **{"openinference.span.kind": "EMBEDDING"})
            t += length + rng.randint(0, 20) * 1_000_000
        rows[int(chain, 16) - 1]["endTimeUnixNano"] = str(t)  # ids count from 1
        clock = t + 1_000_000
    rows[0]["endTimeUnixNano"] = str(clock)
    with path.open("w") as out:
        for n in range(0, len(rows), 500):
            request = {"resourceSpans": [{"resource": {"attributes": [
                {"key": "service.name", "value": {"stringValue": "bench-agent"}}]},
                "scopeSpans": [{"scope": {"name": "bench"}, "spans": rows[n:n + 500]}]}]}
            out.write(json.dumps(request) + "\n")


async def waterfall_timings(index: Index, runs: int) -> dict[str, list[float]]:
    from textual.app import App

    from llmview.ui.screens.trace import TraceScreen
    from llmview.ui.widgets.waterfall import Waterfall

    class Bench(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.index = index
            self.masker = Masker(b"b" * 32)

    results: dict[str, list[float]] = {"first paint": [], "page": [], "fold+unfold root": []}
    heights: set[int] = set()
    for _ in range(runs):
        app = Bench()
        async with app.run_test(size=(120, 40)) as pilot:
            started = time.perf_counter()
            app.push_screen(TraceScreen(TRACE_ID))
            while True:
                await asyncio.sleep(0.005)  # polling more often would compete for the GIL
                screen = app.screen
                if isinstance(screen, TraceScreen) and screen.query(Waterfall) and \
                        screen.query_one(Waterfall).rows:
                    break
            waterfall = app.screen.query_one(Waterfall)
            for y in range(waterfall.size.height):  # what the compositor asks for
                waterfall.render_line(y)
            results["first paint"].append(time.perf_counter() - started)
            waterfall.focus()
            heights.add(waterfall.size.height)
            for _ in range(20):
                started = time.perf_counter()
                waterfall.action_page_down()
                for y in range(waterfall.size.height):
                    waterfall.render_line(y)
                results["page"].append(time.perf_counter() - started)
            waterfall.action_first()
            started = time.perf_counter()
            waterfall.action_toggle()
            waterfall.action_toggle()
            results["fold+unfold root"].append(time.perf_counter() - started)
            await pilot.pause(0.05)
    print(f"  (a page is {', '.join(map(str, sorted(heights)))} lines of a 120x40 terminal)")
    return results


def bench_waterfall(spans: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="llmview-bench-trace-") as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        write_big_trace(logs / "big.jsonl", spans)
        index = Index.open([str(logs)], index_path=None)
        started = time.perf_counter()
        index.refresh(final=True)
        print(f"indexed {spans:,} spans in {ms(time.perf_counter() - started)}")
        loads = []
        for _ in range(runs):
            started = time.perf_counter()
            rows = index.traces.spans(TRACE_ID)
            queried = time.perf_counter()
            tree = index.traces.tree(TRACE_ID)
            loads.append((queried - started, time.perf_counter() - queried))
        print(f"tree of {tree.span_count:,} spans, depth {max(n.depth for n in tree.walk())}: "
              f"query {ms(statistics.median(q for q, _ in loads))}, "
              f"query + build {ms(statistics.median(q + b for q, b in loads))}")
        del rows
        timings = asyncio.run(waterfall_timings(index, runs))
        for name, values in timings.items():
            p95 = sorted(values)[int(len(values) * 0.95) - 1] if len(values) >= 20 else max(values)
            print(f"  {name:<18} median {ms(statistics.median(values))}   p95 {ms(p95)}")
        index.close()


# --- 2. the list over many traces --------------------------------------------------------------


def fill(index: Index, traces: int) -> None:
    """``traces`` traces of 5-15 spans (one root, a 1% error rate) and a call per LLM span."""
    con = index.opened.con
    con.execute("SET enable_progress_bar = false")
    con.execute(f"""
        INSERT INTO spans (trace_id, span_id, seq, parent_id, name, kind, service, start_ts,
                           end_ts, duration_ms, status)
        SELECT printf('%032x', t), printf('%016x', t * 16 + s), t * 16 + s,
            CASE WHEN s = 0 THEN NULL ELSE printf('%016x', t * 16) END,
            CASE WHEN s = 0 THEN 'POST /ask' WHEN s % 3 = 1 THEN 'chat gpt-4o' ELSE 'tool' END,
            CASE WHEN s = 0 THEN 'http' WHEN s % 3 = 1 THEN 'llm' ELSE 'tool' END,
            'svc' || (t % 7),
            TIMESTAMP '2026-01-01' + to_milliseconds(t * 2000 + s * 50),
            TIMESTAMP '2026-01-01' + to_milliseconds(t * 2000 + s * 50 + 40 + (t * s) % 900),
            40 + (t * s) % 900, CASE WHEN hash(t * 16 + s) % 100 = 0 THEN 'error' ELSE 'ok' END
        FROM range({traces}) r(t), range(16) q(s) WHERE s < 5 + t % 11
    """)
    con.execute("""
        INSERT INTO calls (key, seq, trace_id, span_id, ts, model, input_tokens, output_tokens,
                           total_tokens, cost_usd, status)
        SELECT 'span:' || trace_id || ':' || span_id, seq, trace_id, span_id, start_ts, 'gpt-4o',
            100 + seq % 500, 20 + seq % 80, 120 + seq % 500 + seq % 80, 0.001, 'ok'
        FROM spans WHERE kind = 'llm'
    """)
    Store(con).summarize_traces()  # what ingest keeps for the traces each batch touches
    con.execute("CHECKPOINT")


LIST_CASES = [
    ("newest first, page 1", "", "time", 0),
    ("newest first, offset 50k", "", "time", 50_000),
    ("oldest first, last page", "", "time", -1),
    ("by duration", "", "duration", 0),
    ("status:error", "status:error", "time", 0),
    ("service:svc3 duration>500ms", "service:svc3 duration>500ms", "time", 0),
    ("trace:0000a1 (prefix)", "trace:000000000000000000000000000000a1", "time", 0),
    ("by tokens (call figures)", "", "tokens", 0),
    ("tokens>1k (call filter)", "tokens>1k", "time", 0),
]


def bench_list(traces: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="llmview-bench-traces-") as tmp:
        logs = Path(tmp) / "logs"
        logs.mkdir()
        index = Index.open([str(logs)], index_path=str(Path(tmp) / "index.duckdb"))
        started = time.perf_counter()
        fill(index, traces)
        spans = index.rows("SELECT count(*) AS n FROM spans")[0]["n"]
        calls = index.rows("SELECT count(*) AS n FROM calls")[0]["n"]
        print(f"\nlist: {traces:,} traces, {spans:,} spans, {calls:,} calls "
              f"(filled in {ms(time.perf_counter() - started)})")
        source = index.traces
        for label, query, sort, offset in LIST_CASES:
            descending = offset != -1
            offset = 0 if offset == -1 else offset
            pages, counts = [], []
            for _ in range(runs):
                started = time.perf_counter()
                rows = source.page(query, offset=offset, limit=100, sort=sort,
                                   descending=descending)
                pages.append(time.perf_counter() - started)
                started = time.perf_counter()
                source.count(query)
                counts.append(time.perf_counter() - started)
            print(f"  {label:<34} page {ms(statistics.median(pages))}   "
                  f"count {ms(statistics.median(counts))}   ({len(rows)} rows)")
        started = time.perf_counter()
        source.summary(f"{traces // 2:032x}")
        print(f"  {'one trace summary (header)':<34} {ms(time.perf_counter() - started)}")
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bench_waterfall(args.spans, args.runs)
    bench_list(args.traces, args.runs)


if __name__ == "__main__":
    main()
