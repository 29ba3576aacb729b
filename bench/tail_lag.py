"""Live-tail lag: how long after a line is written its call shows up in the Requests table.

    python bench/tail_lag.py [--rate 1000] [--seconds 30] [--keep DIR]

A writer thread appends ``--rate`` seed-001 ``llm_interaction`` lines a second for ``--seconds``
to ``DIR/logs/app.jsonl``; DIR is a new temporary directory (removed at the end) unless
``--keep``, and the index is ``DIR/index.duckdb``. Each line's request id is
``lag-<n>-<time.time() at write>`` and its timestamp is the same time, so newest first is write
order. The app runs headless at 120x40 with ``watch=True`` and follow mode on (``f``). Every
20 ms the bench reads the rows in the table's viewport (``row_at(i)``, loaded pages only).

Two lags are reported: "first seen", the brief's definition (now - write time, the first time a
request id is in the viewport; ids that scroll past between redraws are never seen and not
counted, so this favours the newest lines of each batch), and "caught up", for every line the
time until the top row was that line or a newer one. The indexer's refresh passes are timed by
wrapping ``Indexer.refresh``. At the end, after a settle, the index must hold exactly the lines
written: none lost, none doubled. Target: p95 < 250 ms at 1k lines/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.app import LlmviewApp
from llmview.ui.panes.requests import RequestsPane
from llmview.ui.widgets.paged_table import PagedTable

SAMPLE_SECONDS = 0.02
SETTLE_SECONDS = 15.0
SEED_LINES = 100  # already in the file when the app starts, so the first screen is not empty
TARGET_P95_MS = 250.0
SLOW_PASS_MS = 1000.0  # a pass this long holds every line behind it up by as much


def interaction(request_id: str, ts: float, n: int) -> str:
    """One seed-001 line: a prompt, a response with usage."""
    return json.dumps({
        "event": "llm_interaction", "request_id": request_id, "model": "gpt-4o",
        "timestamp": ts,
        "prompt_messages": [{"role": "system", "content": "You are helpful."},
                            {"role": "user", "content": f"tail lag probe {n}: what changed?"}],
        "llm_raw_response": {"choices": [{"message": {"role": "assistant",
                                                      "content": f"answer {n}"},
                                          "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 20, "completion_tokens": 5}},
        "parsed_output": "ok",
    }) + "\n"


# What a sampler knows of a call key: the number and write time of the probe line that
# started the call, or None for a call that is not a probe.
Probe = Callable[[str], tuple[int, float] | None]


def lag_probe(key: str) -> tuple[int, float] | None:
    """The line number and write time embedded in a call key ``req:lag-<n>-<time>``; None for
    seed lines."""
    request_id = key.removeprefix("req:")
    if not request_id.startswith("lag-"):
        return None
    _, number, written = request_id.split("-")
    return int(number), float(written)


def paced(rate: int, seconds: float) -> Iterator[int]:
    """``rate`` lines a second for ``seconds``: how many lines are due now, again and again,
    sleeping until the next one is due (writers write each batch, then flush)."""
    total = int(rate * seconds)
    started = time.monotonic()
    written = 0
    while written < total:
        due = min(total, int((time.monotonic() - started) * rate) + 1)
        yield due - written
        written = due
        time.sleep(max(0.0005, started + written / rate - time.monotonic()))


@dataclass
class Writer:
    """Appends ``rate`` lines a second for ``seconds``, line by line, flushed as written."""

    path: Path
    rate: int
    seconds: float
    written: int = 0
    times: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        started = time.monotonic()
        with self.path.open("a", encoding="utf-8") as handle:
            for due in paced(self.rate, self.seconds):
                for _ in range(due):
                    # What the key will say (6 decimals): parsed back, it must equal this time,
                    # or the last line never counts as caught up and the settle times out.
                    now = round(time.time(), 6)
                    self.times.append(now)
                    handle.write(interaction(f"lag-{self.written}-{now:.6f}", now, self.written))
                    self.written += 1
                handle.flush()
        self.elapsed = time.monotonic() - started
        self.done.set()


@dataclass
class Sampler:
    """What the viewport has shown: the first-seen lag of each probe call, in seconds, and at
    each sample the write time of the newest probe in view. Flat arrays, a byte per probe line
    allocated up front: a soak measures the RSS of the process this runs in."""

    probe: Probe
    capacity: int  # probe line numbers are below this
    lags: array[float] = field(default_factory=lambda: array("d"))
    top_at: array[float] = field(default_factory=lambda: array("d"))  # when sampled
    top_written: array[float] = field(default_factory=lambda: array("d"))  # newest probe in view
    samples: int = 0
    blank_samples: int = 0  # samples with placeholder rows ("…", page not loaded) in view
    max_sample_gap: float = 0.0
    _seen: bytearray = field(init=False)
    _last: float = 0.0

    def __post_init__(self) -> None:
        self._seen = bytearray(self.capacity)

    def sample(self, table: PagedTable) -> None:
        now = time.time()
        if self._last:
            self.max_sample_gap = max(self.max_sample_gap, now - self._last)
        self._last = now
        self.samples += 1
        top = table.scroll_offset.y
        blank = False
        newest: float | None = None
        for i in range(top, min(table.row_count, top + max(1, table.size.height - 1))):
            row = table.row_at(i)
            blank = blank or row is None
            probe = self.probe(row["key"]) if row is not None else None
            if probe is None:
                continue
            number, written = probe
            if newest is None:  # rows are newest first
                newest = written
            if not self._seen[number]:
                self._seen[number] = 1
                self.lags.append(now - written)
        if newest is not None:
            self.top_at.append(now)
            self.top_written.append(newest)
        self.blank_samples += blank


def caught_up_lags(times: Iterable[float], sampler: Sampler) -> list[float]:
    """Per written line: seconds until the newest probe in view was that line or a newer one
    (the screen had caught up with it), whether or not the line itself was ever in view."""
    lags: list[float] = []
    k, tops = 0, len(sampler.top_at)
    for written in times:
        while k < tops and sampler.top_written[k] < written:
            k += 1
        if k == tops:
            break
        lags.append(sampler.top_at[k] - written)
    return lags


@dataclass
class Passes:
    """The indexer's refresh passes while watching: when they started, how long, how many
    lines each added (wraps ``Indexer.refresh``; the app itself is unchanged)."""

    runs: list[tuple[float, float, int]] = field(default_factory=list)

    def wrap(self, index: Index) -> None:
        inner = index.indexer.refresh

        def timed(**kwargs: object) -> object:
            started = time.time()
            result = inner(**kwargs)  # type: ignore[arg-type]
            self.runs.append((started, time.time() - started, result.lines))
            return result

        index.indexer.refresh = timed  # type: ignore[method-assign]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def follow_when_live(app: LlmviewApp, pilot: Any, timeout: float = 60.0) -> PagedTable:
    """Wait for the first index to finish, turn follow on, and return the calls table: where
    the newest call shows the moment it is indexed."""
    deadline = time.monotonic() + timeout
    while app.query_one("#status").state != "live":  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            sys.exit("the app never became live")
        await asyncio.sleep(0.05)
    await pilot.press("f")
    await asyncio.sleep(0.5)
    return app.query_one("#calls", PagedTable)


async def settle(sampler: Sampler, table: PagedTable, done: Callable[[], bool],
                 timeout: float = SETTLE_SECONDS) -> float:
    """Keep sampling until ``done()`` (or ``timeout`` runs out); seconds."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        sampler.sample(table)
        if done():
            break
        await asyncio.sleep(SAMPLE_SECONDS)
    await asyncio.sleep(0.5)  # one more watch pass must not add anything
    return time.monotonic() - started


async def run(work: Path, rate: int, seconds: float) -> None:
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / "app.jsonl"
    log.write_text("".join(interaction(f"seed-{n}", 1_763_600_000 + n, n)
                           for n in range(SEED_LINES)))
    index = Index.open([str(logs)], index_path=str(work / "index.duckdb"))
    if index.notice:
        sys.exit(f"index not usable as-is: {index.notice}")
    app = LlmviewApp(index, Masker(key=b"k" * 32), watch=True)
    writer = Writer(log, rate, seconds)
    sampler = Sampler(lag_probe, int(rate * seconds))
    passes = Passes()
    passes.wrap(index)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await follow_when_live(app, pilot)
        pane = app.query_one(RequestsPane)
        thread = threading.Thread(target=writer.run, daemon=True)
        thread.start()
        while not writer.done.is_set():
            sampler.sample(table)
            await asyncio.sleep(SAMPLE_SECONDS)
        expected, last = SEED_LINES + writer.written, writer.times[-1]
        settle_s = await settle(sampler, table, lambda: (
            bool(sampler.top_written) and sampler.top_written[-1] >= last
            and index.count() == expected))
        follow = pane.follow
        cursor = table.cursor_row
        await pilot.press("q")
    report(index, writer, sampler, settle_s, follow, cursor)
    report_passes(passes, writer.times[0] if writer.times else 0.0)
    index.close()


def report(index: Index, writer: Writer, sampler: Sampler, settle_s: float, follow: bool,
           cursor: int) -> None:
    expected = SEED_LINES + writer.written
    stored = index.count()
    distinct = index.rows("SELECT count(DISTINCT request_id) AS n FROM llm_calls")[0]["n"]
    seen_ms = [lag * 1000 for lag in sampler.lags]
    caught_ms = [lag * 1000 for lag in caught_up_lags(writer.times, sampler)]
    print(f"\nwriter: {writer.written:,} lines in {writer.elapsed:.1f}s "
          f"({writer.written / writer.elapsed:,.0f} lines/s)")
    print(f"samples: {sampler.samples:,} (max gap {sampler.max_sample_gap * 1000:.0f} ms); "
          f"follow still on: {follow}, cursor row {cursor}")
    print(f"samples with placeholder rows in the viewport: {sampler.blank_samples:,} "
          f"({sampler.blank_samples / max(1, sampler.samples):.0%})")
    print(f"ids seen in the viewport: {len(seen_ms):,} of {writer.written:,} "
          f"({len(seen_ms) / max(1, writer.written):.0%}; the rest scrolled past between "
          "redraws)")
    print_lags(seen_ms, caught_ms)
    if seen_ms:
        verdict = "ok" if percentile(seen_ms, 0.95) < TARGET_P95_MS else "MISSED"
        print(f"target p95 < {TARGET_P95_MS:.0f} ms (first seen): {verdict}")
    print(f"\nafter {settle_s:.1f}s settle: index has {stored:,} calls "
          f"({distinct:,} distinct request ids), expected {expected:,} -> "
          f"{'ok' if stored == distinct == expected else 'MISMATCH'}")


def print_lags(seen_ms: list[float], caught_ms: list[float]) -> None:
    """The two lags' percentiles, a row each."""
    print(f"\n{'lag ms':<34}{'lines':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>7}{'mean':>7}")
    for name, lags in (("first seen in the viewport", seen_ms),
                       ("screen caught up (every line)", caught_ms)):
        if lags:
            print(f"{name:<34}{len(lags):>8,}{percentile(lags, 0.5):>7.0f}"
                  f"{percentile(lags, 0.95):>7.0f}{percentile(lags, 0.99):>7.0f}"
                  f"{max(lags):>7.0f}{statistics.fmean(lags):>7.0f}")


def report_passes(passes: Passes, started: float) -> None:
    """How often the watcher ran a refresh pass after ``started`` (the first line written),
    and what each cost."""
    runs = [run for run in passes.runs if run[0] >= started and run[2] > 0]
    if len(runs) < 2:
        return
    gaps = [(b[0] - a[0]) * 1000 for a, b in zip(runs, runs[1:], strict=False)]
    took = [run[1] * 1000 for run in runs]
    lines = [run[2] for run in runs]
    print(f"\nindexer passes that added lines: {len(runs)}; between starts median "
          f"{statistics.median(gaps):.0f} ms (p95 {percentile(gaps, 0.95):.0f}); pass "
          f"median {statistics.median(took):.0f} ms (p95 {percentile(took, 0.95):.0f}); "
          f"lines per pass median {statistics.median(lines):.0f}")
    slow = [ms for ms in took if ms >= SLOW_PASS_MS]  # a commit that checkpointed, mostly
    print(f"passes of {SLOW_PASS_MS / 1000:.0f} s or more: {len(slow)}"
          + (f", {sum(slow) / 1000:.1f} s in all, longest {max(slow) / 1000:.1f} s" if slow
             else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=1000, help="lines per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--keep", type=Path, help="work directory (default: a new temp dir)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cpus, python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="llmview-tail-"))
    if (work / "logs").exists() or (work / "index.duckdb").exists():
        sys.exit(f"{work} already has logs or an index; give an empty --keep directory")
    print(f"work dir: {work}; {args.rate} lines/s for {args.seconds:.0f}s")
    try:
        asyncio.run(run(work, args.rate, args.seconds))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
