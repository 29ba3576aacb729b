"""A log writer process for the fault tests: appends seed-003 request/response pairs, each
response a few requests after its own, optionally rotating the log like logrotate, and prints
the request ids it wrote (its own tally, the truth the index is compared with).

Each burst of whole lines is one ``write`` on an ``O_APPEND`` descriptor, as logging handlers do,
so concurrent writers never interleave inside a line."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import time
from collections import deque
from pathlib import Path

from tests.faults._harness import request_line, response_line


def open_log(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


def rotate(path: Path, fd: int, how: str) -> int:
    """logrotate's numbered scheme (app.log.1 becomes .2, ...; nothing is deleted):
    ``create`` renames the log and opens a new one, ``copytruncate`` copies it and empties it
    in place under the still-open descriptor."""
    rotated = sorted((p for p in path.parent.glob(path.name + ".*")
                      if p.suffix[1:].isdigit()), key=lambda p: -int(p.suffix[1:]))
    for old in rotated:
        old.rename(path.with_name(f"{path.name}.{int(old.suffix[1:]) + 1}"))
    first = path.with_name(path.name + ".1")
    if how == "create":
        os.close(fd)
        path.rename(first)
        return open_log(path)
    shutil.copyfile(path, first)
    os.ftruncate(fd, 0)
    return fd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("log", type=Path)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--prefix", default="r")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rotate", choices=("none", "create", "copytruncate"), default="none")
    parser.add_argument("--rotate-every", type=float, default=0.0)
    parser.add_argument("--pause", type=float, default=0.01, help="longest sleep between bursts")
    args = parser.parse_args()
    stopping: list[int] = []  # SIGTERM ends the run early, still with whole pairs and a tally
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))

    rng = random.Random(args.seed)
    fd = open_log(args.log)
    ids: list[str] = []
    waiting: deque[str] = deque()
    start = last_rotation = time.monotonic()
    while time.monotonic() - start < args.seconds and not stopping:
        lines = []
        for _ in range(rng.randint(1, 20)):
            ids.append(f"{args.prefix}{len(ids):06d}")
            waiting.append(ids[-1])
            lines.append(request_line(ids[-1]))
            while len(waiting) > rng.randint(0, 4):
                lines.append(response_line(waiting.popleft()))
        os.write(fd, "".join(lines).encode())
        now = time.monotonic()
        if args.rotate != "none" and now - last_rotation >= args.rotate_every:
            fd, last_rotation = rotate(args.log, fd, args.rotate), now
        time.sleep(rng.uniform(0.0, args.pause))
    os.write(fd, "".join(response_line(i) for i in waiting).encode())
    os.close(fd)
    print(json.dumps({"ids": ids}))


if __name__ == "__main__":
    main()
