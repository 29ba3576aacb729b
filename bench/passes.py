"""Pass cost: what one live pass of the indexer costs, headless and repeatable.

    python bench/soak.py --seconds 30 --keep /tmp/soak   # once: a soak's logs to replay
    python bench/passes.py /tmp/soak/logs [--steps 150] [--runs 2] [--quiet-every 40]
    python bench/passes.py --beside 1000          # a live file beside 1,000 finished ones

Appends each file of a logs directory to a fresh one in ``--steps`` slices of lines (every file
grows at each step, as under a live writer) and times ``Index.refresh`` after each slice. No UI,
no writer process, no watcher: two versions of the store compared this way differ by their
passes alone (runs still vary by up to 15%: alternate them). The first tenth of
the passes (a small index, DuckDB warming up) is left out of the figures. The calls counted at
the end can vary by a few: a document byte-identical to an earlier one waits for the copy
grace (``COPY_GRACE_SECONDS``), which a fast replay may not outlast.

A pass whose commit took DuckDB's write-ahead log past its threshold also checkpoints (the log
shrinks): such passes are counted apart, with their total and worst time. ``--quiet-every N``
replays bursts of N slices with the logs going quiet between them, where the watch loop calls
``Index.checkpoint``; those checkpoints are timed apart from the passes.

``--beside N`` times instead the passes a watcher runs on a directory of N finished files (a
folder of debug dumps) and one live file: 5 lines appended, then a pass on that reported path
(``changed``), and the same as a full pass, which lists and stats every file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from startup import print_machine  # noqa: E402

from llmview.core.index import Index  # noqa: E402


@dataclass
class Replayed:
    passes: list[float] = field(default_factory=list)  # ms, those that did not checkpoint
    checkpointing: list[float] = field(default_factory=list)  # ms, passes that checkpointed
    quiet: list[float] = field(default_factory=list)  # ms, checkpoints while the logs were quiet
    calls: int = 0


def replay(source: Path, steps: int, quiet_every: int = 0) -> Replayed:
    files = {path.relative_to(source): path.read_bytes().splitlines(keepends=True)
             for path in sorted(source.rglob("*")) if path.is_file()}
    work = Path(tempfile.mkdtemp(prefix="llmview-passes-"))
    try:
        logs = work / "logs"
        logs.mkdir()
        index = Index.open([str(logs)], index_path=str(work / "index.duckdb"))
        wal = work / "index.duckdb.wal"
        index.refresh()
        done = Replayed()
        for step in range(steps):
            if quiet_every and step and step % quiet_every == 0:
                began = time.perf_counter()
                index.checkpoint()
                done.quiet.append((time.perf_counter() - began) * 1000)
            for relative, lines in files.items():
                start, end = len(lines) * step // steps, len(lines) * (step + 1) // steps
                if start < end:
                    target = logs / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("ab") as handle:
                        handle.write(b"".join(lines[start:end]))
            logged = wal.stat().st_size if wal.exists() else 0
            began = time.perf_counter()
            index.refresh(final=step == steps - 1)
            ms = (time.perf_counter() - began) * 1000
            shrank = (wal.stat().st_size if wal.exists() else 0) < logged
            (done.checkpointing if shrank else done.passes).append(ms)
        done.calls = index.count()
        index.close()
        return done
    finally:
        shutil.rmtree(work, ignore_errors=True)


def beside(files: int, passes: int = 200) -> dict[str, float]:
    """Median ms of a targeted and of a full pass that each read 5 new lines of one live file
    beside ``files`` finished ones."""
    work = Path(tempfile.mkdtemp(prefix="llmview-beside-"))
    try:
        logs = work / "logs"
        logs.mkdir()
        for n in range(files):
            (logs / f"done-{n:05}.jsonl").write_text(json.dumps({"event": "done", "n": n}) + "\n")
        live = logs / "live.jsonl"
        live.touch()
        index = Index.open([str(logs)], index_path=str(work / "index.duckdb"))
        index.refresh()
        took: dict[str, list[float]] = {"targeted": [], "full": []}
        for step in range(passes):
            with live.open("a") as handle:
                handle.writelines(json.dumps({
                    "event": "llm_interaction", "request_id": f"r{step}-{n}", "model": "m",
                    "prompt_messages": [{"role": "user", "content": "hi"}]}) + "\n"
                    for n in range(5))
            kind = "targeted" if step % 2 else "full"
            began = time.perf_counter()
            index.refresh(changed={str(live)} if kind == "targeted" else None)
            took[kind].append((time.perf_counter() - began) * 1000)
        index.close()
        return {kind: statistics.median(ms[len(ms) // 10:]) for kind, ms in took.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("logs", type=Path, nargs="?",
                        help="a logs directory (soak.py --keep DIR: DIR/logs)")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quiet-every", type=int, default=0, metavar="STEPS",
                        help="checkpoint as the watch loop does when the logs go quiet, "
                             "after every STEPS slices")
    parser.add_argument("--beside", type=int, metavar="FILES",
                        help="time passes on one live file beside FILES finished ones instead")
    args = parser.parse_args()
    if args.beside:
        print_machine()
        for run in range(args.runs):
            ms = beside(args.beside)
            print(f"run {run + 1}: beside {args.beside:,} finished files, a 5-line pass: "
                  f"targeted median {ms['targeted']:.1f} ms, full {ms['full']:.1f} ms")
        return
    if args.logs is None or not args.logs.is_dir():
        sys.exit(f"not a directory: {args.logs}")
    print_machine()
    for run in range(args.runs):
        done = replay(args.logs, args.steps, args.quiet_every)
        kept = sorted(done.passes[args.steps // 10:])
        print(f"run {run + 1}: {args.steps} passes, {done.calls:,} calls; pass median "
              f"{statistics.median(kept):.1f} ms, p90 {kept[int(len(kept) * 0.9)]:.1f} ms, "
              f"mean {statistics.fmean(kept):.1f} ms")
        for what, ms in (("passes that checkpointed", done.checkpointing),
                         ("checkpoints while quiet", done.quiet)):
            if ms:
                print(f"       {what}: {len(ms)}, {sum(ms) / 1000:.1f} s in all, "
                      f"median {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms")


if __name__ == "__main__":
    main()
