"""Soak: the app tails mixed-dialect logs at 1,000 lines/s for minutes while searches run.

    python bench/soak.py [--seconds 300] [--rate 1000] [--keep DIR] [--history LINES]

``DIR/logs`` (a new temporary directory, removed at the end, unless ``--keep``) starts with a
day of ``llmview demo`` logs (``write_demo``, 400 calls), and with ``--history`` that many lines
of ``bench/ingest.py``'s mix (keys numbered apart from the writer's), indexed before the app
starts: whether a pass grows with the index shows only on a big one. A writer *process*, so
that its work and memory are not the app's, then appends ``--rate`` lines a second for
``--seconds``:

- half of them the demo's live traffic, as ``llmview demo`` writes it (``draw_units`` and the
  dialect renderers: request/response pairs, OTLP, console and OTel-JS spans, LiteLLM,
  Langfuse, LangSmith, loguru, structlog, batch results...), each line when its moment comes;
- the rest ``bench/ingest.py``'s mix (interactions, request/response pairs, structlog entries,
  spans, events) stamped with the moment it is written, into ``DIR/logs/mixed.jsonl``. The
  writer puts each mix line's write time in shared memory: mix calls are the probes the lag is
  measured on. Structlog entries are stamped with their call's start, 0.8 s before they are
  written, so they sort below a following view and count only in "caught up".

When time is up, the demo lines due later (session turns minutes apart, batch results) are
written at once, so every call the writer drew is on disk. A debug conversation the demo names
by the same second as an earlier one is not drawn (it would replace that file); one whose bytes
equal an earlier document's is written and expected, and the report says how many there were:
llmview takes such a file for a copy of the one it has read.

The app runs headless at 120x40 in this process, ``watch=True``, follow mode on, and its
viewport is sampled every 20 ms, all as in ``bench/tail_lag.py``. A thread runs a search a
second the way the Requests pane does (``CallSource``: the count and the first page), cycling
through ``bench/search.py``'s queries (those that need no ids from its own data). Every 5 s the
process's RSS is read from ``/proc/self/status``; the bench's own bookkeeping in this process
grows by about 6 bytes per line written (2 MB in 5 minutes at 1,000 lines/s).

The lag p95 and the indexer's pass time are also shown per minute (quarters of a run shorter
than four minutes), to see them grow. After a settle (until the index has consumed every byte
of the watched files), the index is checked against the writer's tally: mix calls by their
keys, the others by dialect. The verdict: nothing lost or doubled, p95 lag (first seen)
< 250 ms, RSS < 500 MB, and flat: the RSS outside DuckDB's buffer manager, over the last
minute, within 10% of the minute at the middle of the run (thirds of a run shorter than three
minutes). Not the whole RSS from the first minute: from an empty index, what fills towards a
bound by design would fail that in any run too short to fill it. DuckDB's buffers fill towards
``memory_limit`` (128 MB; in 10-12 minutes here); its eviction queues keep an entry (about 200
bytes) for each buffer a query freed until a queue holds 32k of them (about 35 MB over its
six queues for buffers, reached in about 3 minutes). Each RSS sample also shows these, and the
store's lookup arrays, which grow with the index (12 bytes a key hash) and are meant to.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import itertools
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from ingest import LINE_SECONDS, call_line, line_for, starts_call  # noqa: E402
from search import QUERIES, elapsed_ms  # noqa: E402
from startup import print_machine  # noqa: E402
from tail_lag import (  # noqa: E402
    SAMPLE_SECONDS,
    TARGET_P95_MS,
    Passes,
    Probe,
    Sampler,
    caught_up_lags,
    follow_when_live,
    paced,
    percentile,
    print_lags,
    report_passes,
    settle,
)

from llmview.core.index import Index  # noqa: E402
from llmview.core.ingest import COPY_GRACE_SECONDS  # noqa: E402
from llmview.core.pii import Masker  # noqa: E402
from llmview.core.sources import discover  # noqa: E402
from llmview.demo import (  # noqa: E402
    WRITERS,
    Line,
    Planner,
    Sink,
    draw_units,
    unit_calls,
    write_demo,
)
from llmview.ui.app import LlmviewApp  # noqa: E402
from llmview.ui.panes.requests import CallSource  # noqa: E402
from llmview.ui.widgets.paged_table import PAGE_ROWS  # noqa: E402

DEMO_SHARE = 0.5  # of the lines written; the mix fills the rest, so the rate holds
SEED_CALLS = 400
MIX_FILE = "mixed.jsonl"
MIX_KEYS = r"^req:[irs]-[0-9]+$"  # the keys of the mix's calls (ingest.call_line)
HISTORY_FROM = 10**9  # --history lines are numbered from here: their keys are not the writer's
RSS_SECONDS = 5.0
SEARCH_SECONDS = 1.0
SETTLE_SECONDS = 60.0  # the demo lines written at the end come in one burst
TARGET_RSS_MB = 500.0
FLAT_GROWTH = 0.10


@dataclass
class Tally:
    """What the writer wrote: the reference the index is checked against."""

    mix_lines: int = 0
    mix_calls: int = 0
    demo_lines: int = 0
    demo_calls: dict[str, int] = field(default_factory=dict)  # by dialect
    repeated_documents: int = 0  # documents byte-identical to one written before
    flushed: int = 0  # demo lines written at once when time was up
    elapsed: float = 0.0  # writing at the rate, without the flush
    cpu: float = 0.0  # the writer process's CPU seconds


class DemoTraffic:
    """``llmview demo``'s live traffic, drawn a unit (call, session, trace, batch) at a time;
    each line is handed out once its moment has come."""

    def __init__(self, logs: Path) -> None:
        self.planner = Planner(random.Random(2))
        self.weights = [writer.weight for writer in WRITERS]
        self.pending: list[tuple[float, int, Line]] = []  # by due time; the counter keeps order
        self.order = itertools.count()
        self.calls: Counter[str] = Counter()  # drawn, by dialect
        seed = list(logs.rglob("*.json"))  # the documents write_demo wrote
        self.paths = {str(path.relative_to(logs)) for path in seed}
        self.contents = {path.read_bytes() for path in seed}
        self.repeated = 0

    def draw(self, now: float) -> None:
        writer = self.planner.rng.choices(WRITERS, self.weights)[0]
        for unit in draw_units(self.planner, writer, now):
            lines = writer.render(unit)
            documents = [line for line in lines if line.whole_file]
            if any(line.path in self.paths for line in documents):
                # Debug conversations are named by the second, as the app does: a second one
                # would replace the first on disk, maybe before any reader saw it.
                continue
            for line in documents:
                self.paths.add(line.path)
                data = (line.text + "\n").encode()
                self.repeated += data in self.contents  # see the report: taken for a copy
                self.contents.add(data)
            self.calls[writer.dialect] += len(unit_calls(unit))
            for line in lines:
                heapq.heappush(self.pending, (line.at, next(self.order), line))

    def due(self, now: float) -> Line | None:
        """The next line due by ``now``, drawing a unit when none is."""
        if not (self.pending and self.pending[0][0] <= now):
            self.draw(now)
        if self.pending and self.pending[0][0] <= now:
            return heapq.heappop(self.pending)[2]
        return None

    def rest(self) -> Iterator[Line]:
        """Every line still pending, in order, whenever it is due."""
        while self.pending:
            yield heapq.heappop(self.pending)[2]


def write_mixed(logs: Path, rate: int, seconds: float, times: Any, go: Any,
                results: Connection) -> None:
    """The writer process's body: once ``go`` is set, demo traffic for ``DEMO_SHARE`` of the
    lines, ingest's mix for the rest (write times into ``times``), then the demo lines not yet
    due; sends the ``Tally`` as a dict (a class pickled in a spawned ``__mp_main__`` does not
    load in the parent)."""
    demo = DemoTraffic(logs)
    go.wait()
    rng = random.Random(1)
    tally = Tally()
    sink = Sink(logs)
    written = 0
    started = time.monotonic()
    try:
        for due in paced(rate, seconds):
            now = time.time()
            for _ in range(due):
                written += 1
                line = demo.due(now) if tally.demo_lines < DEMO_SHARE * written else None
                if line is not None:
                    sink.write(line)
                    tally.demo_lines += 1
                    continue
                n = tally.mix_lines
                times[n] = stamp = time.time()
                sink.write(Line(stamp, MIX_FILE, line_for(n, rng, stamp)))
                tally.mix_lines += 1
                tally.mix_calls += starts_call(n)
        tally.elapsed = time.monotonic() - started
        for line in demo.rest():
            sink.write(line)
            tally.flushed += 1
    finally:
        sink.close()
    tally.demo_calls = dict(demo.calls)
    tally.repeated_documents = demo.repeated
    tally.cpu = time.process_time()
    results.send(asdict(tally))


def mix_probe(times: Sequence[float]) -> Probe:
    """A mix call's first line and its write time, from the writer's shared memory."""

    def probe(key: str) -> tuple[int, float] | None:
        n = call_line(key)
        return None if n is None or n >= len(times) else (n, times[n])  # not --history's

    return probe


def rss_mb() -> float:
    """This process's resident set size (``VmRSS``) in MB; /proc, as psutil is no dependency."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class Searcher(threading.Thread):
    """One search a second until stopped, as the Requests pane runs it: the count and the first
    page of ``CallSource``; each search's milliseconds."""

    def __init__(self, index: Index) -> None:
        super().__init__(name="soak-searcher", daemon=True)
        self.index = index
        self.stop = threading.Event()
        self.ms: list[float] = []

    def run(self) -> None:
        queries = itertools.cycle([text for _, text, _ in QUERIES if "{" not in text])
        while not self.stop.wait(SEARCH_SECONDS):
            source = CallSource(self.index, next(queries), "time", True)
            self.ms.append(elapsed_ms(lambda s=source: (s.count(), s.page(0, PAGE_ROWS))))


@dataclass
class Run:
    """Everything measured, for the report."""

    seed: dict[str, int]  # write_demo's counts
    tally: Tally
    times: Sequence[float]
    sampler: Sampler
    rss: list[tuple[float, float]]  # (seconds since writing began, MB); the first is before
    held: list[Held]  # at each RSS sample: what of it is bounded or grows with the index
    search_ms: list[float]
    passes: Passes
    settle_s: float
    cpu: float  # this process's CPU seconds while the writer ran
    history_calls: int = 0  # calls in --history's file, indexed before the app started


async def soak(logs: Path, index: Index, rate: int, seconds: float) -> Run:
    seed = write_demo(logs, calls=SEED_CALLS)
    app = LlmviewApp(index, Masker(key=b"k" * 32), watch=True)
    context = multiprocessing.get_context("spawn")  # no fork of a process running DuckDB
    capacity = int(rate * seconds)
    times = context.RawArray("d", capacity)
    receive, send = context.Pipe(duplex=False)
    go = context.Event()
    writer = context.Process(target=write_mixed, args=(logs, rate, seconds, times, go, send),
                             name="soak-writer", daemon=True)
    writer.start()  # before the app: under run_test, spawning fails on its redirected stderr
    sampler = Sampler(mix_probe(times), capacity)
    searcher = Searcher(index)
    passes = Passes()
    passes.wrap(index)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await follow_when_live(app, pilot)
        rss = [(0.0, rss_mb())]
        held = [Held.of(index)]
        cpu = time.process_time()
        go.set()
        searcher.start()
        started = time.monotonic()
        while not receive.poll():
            if not writer.is_alive() and not receive.poll():
                sys.exit(f"the writer process died (exit code {writer.exitcode})")
            sampler.sample(table)
            if time.monotonic() - started >= len(rss) * RSS_SECONDS:
                rss.append((time.monotonic() - started, rss_mb()))
                held.append(Held.of(index))
            await asyncio.sleep(SAMPLE_SECONDS)
        tally = Tally(**receive.recv())
        cpu = time.process_time() - cpu
        writer.join()
        searcher.stop.set()
        settle_s = await settle(sampler, table, lambda: unread_bytes(index) == 0,
                                SETTLE_SECONDS)
        await pilot.press("q")
    searcher.join()
    return Run(seed, tally, times, sampler, rss, held, searcher.ms, passes, settle_s, cpu)


@dataclass
class Held:
    """Parts of the RSS that are bounded by design or grow with the index, not with time."""

    duckdb_mb: float  # DuckDB's buffer manager (cached blocks, query state): ``memory_limit``
    dead_nodes: int  # entries of buffers gone, in DuckDB's eviction queues (see report)
    lookups_mb: float  # the store's maps of where keys lie (FirstSeqs): 12 bytes a hash

    @classmethod
    def of(cls, index: Index) -> Held:
        used = index.rows("SELECT sum(memory_usage_bytes) AS used FROM duckdb_memory()")
        dead = index.rows("SELECT sum(dead_nodes) AS n FROM duckdb_eviction_queues()")
        return cls((used[0]["used"] or 0) / 1e6, int(dead[0]["n"] or 0),
                   index.store.lookup_bytes() / 1e6)


def unread_bytes(index: Index) -> int:
    """Bytes in the watched files the index has not consumed: 0 once it has read everything
    (a batch's rows and its files' offsets are committed together)."""
    on_disk = sum(path.stat().st_size for path in discover(index.paths))
    return on_disk - index.rows('SELECT sum("offset") AS n FROM files WHERE NOT gone')[0]["n"]


def write_history(logs: Path, lines: int) -> int:
    """``lines`` lines of the mix, 50 ms apart and ending now, in ``logs/history.jsonl``: an
    index this big before the soak starts shows whether a pass grows with the index. Returns
    the number of calls in them."""
    rng = random.Random(3)
    first = time.time() - lines * LINE_SECONDS
    with (logs / "history.jsonl").open("w", encoding="utf-8") as handle:
        for n in range(lines):
            handle.write(line_for(HISTORY_FROM + n, rng, first + n * LINE_SECONDS) + "\n")
    return sum(starts_call(HISTORY_FROM + n) for n in range(lines))


def seed_calls(seed: dict[str, int]) -> dict[str, int]:
    """``write_demo``'s counts without the lines that hold no call."""
    return {name: n for name, n in seed.items() if name not in ("events", "malformed_lines")}


@dataclass
class Check:
    lost: int
    doubled: int
    rows: list[tuple[str, int, int]]  # (what, expected, indexed)


def check(index: Index, run: Run) -> Check:
    """Calls expected against calls indexed: the mix's by key, the others by dialect; a
    shortfall is lost, a surplus doubled (a key is unique, so a call indexed twice is two
    calls: one of them under a key of its own)."""
    expected = Counter(seed_calls(run.seed)) + Counter(run.tally.demo_calls)
    indexed = {row["dialect"]: row["n"] for row in index.rows(
        "SELECT dialect, count(*) AS n FROM llm_calls WHERE NOT regexp_matches(key, ?) "
        "GROUP BY dialect", [MIX_KEYS])}
    mix = index.rows("SELECT count(*) AS n FROM llm_calls WHERE regexp_matches(key, ?)",
                     [MIX_KEYS])[0]["n"]
    rows = [("mix calls (by key)", run.tally.mix_calls + run.history_calls, mix)]
    rows += [(dialect, expected.get(dialect, 0), indexed.get(dialect, 0))
             for dialect in sorted(set(expected) | set(indexed), key=str)]
    lost = sum(max(0, want - got) for _, want, got in rows)
    doubled = sum(max(0, got - want) for _, want, got in rows)
    return Check(lost, doubled, rows)


def by_period(pairs: Iterable[tuple[float, float]], start: float, period: float,
              seconds: float) -> list[list[float]]:
    """Values of (time, value) pairs, one list per ``period`` of the writing from ``start``:
    does something grow as the soak goes on?"""
    buckets: list[list[float]] = [[] for _ in range(max(1, round(seconds / period)))]
    for at, value in pairs:
        k = int((at - start) // period)
        if 0 <= k < len(buckets):
            buckets[k].append(value)
    return buckets


def growth(samples: list[tuple[float, float]], seconds: float,
           since: float = 0.0) -> tuple[float, float, float]:
    """Mean of (time, MB) samples over the first window of the writing from ``since`` and over
    its last window (a minute, or a third of a run shorter than three minutes), and the
    relative growth between them."""
    window = min(60.0, seconds / 3)
    during = [(t, mb) for t, mb in samples if t > since]
    first = statistics.fmean(mb for t, mb in during if t <= since + window)
    last = statistics.fmean(mb for t, mb in during if t >= during[-1][0] - window)
    return first, last, last / first - 1


def report(index: Index, run: Run, seconds: float) -> bool:
    """Print the results; True when every target is met."""
    tally, sampler = run.tally, run.sampler
    written = tally.mix_lines + tally.demo_lines
    demo_calls = sum(tally.demo_calls.values())
    print(f"\nwriter: {written:,} lines in {tally.elapsed:.1f}s "
          f"({written / tally.elapsed:,.0f} lines/s): {tally.mix_lines:,} mix lines "
          f"({tally.mix_calls:,} calls), {tally.demo_lines:,} demo lines, then "
          f"{tally.flushed:,} demo lines due later written at once ({demo_calls:,} demo calls)")
    print(f"CPU seconds while writing: writer process {tally.cpu:.1f}, app process "
          f"{run.cpu:.1f} ({run.cpu / tally.elapsed:.0%} of a core)")
    print(f"samples: {sampler.samples:,} (max gap {sampler.max_sample_gap * 1000:.0f} ms), "
          f"{sampler.blank_samples / max(1, sampler.samples):.0%} with placeholder rows; "
          f"mix calls seen in the viewport: {len(sampler.lags):,}")
    seen_ms = [lag * 1000 for lag in sampler.lags]
    call_times = [run.times[n] for n in range(tally.mix_lines) if starts_call(n)]
    caught = caught_up_lags(call_times, sampler)
    print_lags(seen_ms, [lag * 1000 for lag in caught])
    period = min(60.0, seconds / 4)
    caught_at = zip(call_times, caught, strict=False)  # the last calls may never catch up
    lag_p95 = [percentile(lags, 0.95) * 1000 if lags else float("nan")
               for lags in by_period(caught_at, run.times[0], period, seconds)]
    passes = [statistics.median(took) * 1000 if took else float("nan")
              for took in by_period(((at, took) for at, took, _ in run.passes.runs),
                                    run.times[0], period, seconds)]
    print(f"per {period:.0f}s of writing: caught-up p95 ms "
          + " ".join(f"{ms:.0f}" for ms in lag_p95) + "; indexer pass median ms "
          + " ".join(f"{ms:.0f}" for ms in passes)
          + f"; files watched at the end: {len(discover(index.paths)):,}")

    first, last, grew = growth(run.rss, seconds)
    peak = max(mb for _, mb in run.rss)
    print(f"\nRSS MB every {RSS_SECONDS:.0f}s (the first before writing): "
          + " ".join(f"{mb:.0f}" for _, mb in run.rss))
    print("of which DuckDB's buffer manager: "
          + " ".join(f"{held.duckdb_mb:.0f}" for held in run.held))
    minutes = run.held[::12] + run.held[-1:] * bool((len(run.held) - 1) % 12)  # and the last
    print("the store's lookup arrays, MB: "
          + " ".join(f"{held.lookups_mb:.1f}" for held in minutes) + " (every minute)")
    print("dead nodes in DuckDB's eviction queues, thousands: "
          + " ".join(f"{held.dead_nodes / 1000:.0f}" for held in minutes)
          + " (every minute; about 200 bytes each, purged once a queue holds 32k)")
    print(f"RSS max {peak:.0f} MB; mean first {min(60, seconds / 3):.0f}s {first:.0f} MB -> "
          f"last {last:.0f} MB ({grew:+.1%})")
    outside = [(t, mb - held.duckdb_mb) for (t, mb), held in zip(run.rss, run.held, strict=True)]
    first_out, last_out, grew_out = growth(outside, seconds)
    steady_out, _, settled = growth(outside, seconds, since=seconds / 2)
    print(f"outside DuckDB's buffer manager (the rest: Python, the UI, Arrow, allocators): "
          f"{first_out:.0f} MB -> {last_out:.0f} MB ({grew_out:+.1%}); from the middle of the "
          f"run {steady_out:.0f} MB -> {last_out:.0f} MB ({settled:+.1%})")
    search = run.search_ms
    if search:
        print(f"search (count + first page), {len(search)} during the soak: p50 "
              f"{percentile(search, 0.5):.0f} ms, p95 {percentile(search, 0.95):.0f} ms, "
              f"max {max(search):.0f} ms")

    result = check(index, run)
    print(f"\nafter {run.settle_s:.1f}s settle: {'calls':<26}{'expected':>10}{'indexed':>10}")
    for what, want, got in result.rows:
        mark = "" if want == got else "  <-"
        print(f"{'':20}{what:<26}{want:>10,}{got:>10,}{mark}")
    unread = unread_bytes(index)
    print(f"lost {result.lost}, doubled {result.doubled}; bytes unread {unread:,}; problems "
          f"{index.problem_count()} (the demo writes {run.seed['malformed_lines']} malformed "
          "lines)")
    if tally.repeated_documents:
        print(f"{tally.repeated_documents} documents written were byte-identical to an earlier "
              "one: each is read once it has stayed so past the copy grace "
              f"({COPY_GRACE_SECONDS:.0f} s), so the settle waits for them")
    report_passes(run.passes, run.times[0])

    p95 = percentile(seen_ms, 0.95) if seen_ms else float("inf")
    verdicts = [
        (result.lost == result.doubled == 0 and unread == 0,
         f"lost {result.lost}, doubled {result.doubled}"),
        (p95 < TARGET_P95_MS, f"p95 lag {p95:.0f} ms (< {TARGET_P95_MS:.0f})"),
        (peak < TARGET_RSS_MB and settled <= FLAT_GROWTH,
         f"RSS max {peak:.0f} MB (< {TARGET_RSS_MB:.0f}), the rest's growth in the second "
         f"half {settled:+.1%} (<= {FLAT_GROWTH:.0%})"),
    ]
    ok = all(passed for passed, _ in verdicts)
    print("\nverdict: " + ("PASS" if ok else "FAIL") + " -- "
          + "; ".join(f"{text} {'ok' if passed else 'MISSED'}" for passed, text in verdicts))
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--rate", type=int, default=1000, help="lines per second")
    parser.add_argument("--keep", type=Path, help="work directory (default: a new temp dir)")
    parser.add_argument("--history", type=int, default=0, metavar="LINES",
                        help="lines of the mix indexed before the soak starts")
    args = parser.parse_args()
    print_machine()
    work = args.keep or Path(tempfile.mkdtemp(prefix="llmview-soak-"))
    logs = work / "logs"
    if logs.exists() or (work / "index.duckdb").exists():
        sys.exit(f"{work} already has logs or an index; give an empty --keep directory")
    logs.mkdir(parents=True)
    print(f"work dir: {work}; {args.rate} lines/s for {args.seconds:.0f}s")
    try:
        index = Index.open([str(logs)], index_path=str(work / "index.duckdb"))
        if index.notice:
            sys.exit(f"index not usable as-is: {index.notice}")
        history_calls = 0
        if args.history:
            started = time.monotonic()
            history_calls = write_history(logs, args.history)
            index.refresh()
            print(f"history: {args.history:,} lines ({history_calls:,} calls) written and "
                  f"indexed in {time.monotonic() - started:.0f}s")
        run = asyncio.run(soak(logs, index, args.rate, args.seconds))
        run.history_calls = history_calls
        ok = report(index, run, args.seconds)
        index.close()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
