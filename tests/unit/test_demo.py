"""``llmview demo``: the sample logs cover every dialect and view, and keep growing when asked."""

from __future__ import annotations

import argparse
import random
import re
import threading
import time
from pathlib import Path

import pytest

from llmview.core.index import Index
from llmview.demo import WRITERS, append_live, run_demo, write_demo

NOW = 1_795_400_000.0  # a fixed "now", so the day of logs is the same on every run


def _sizes(directory: Path) -> dict[Path, int]:
    return {path: path.stat().st_size for path in directory.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Index]:
    directory = tmp_path_factory.mktemp("demo")
    counts = write_demo(directory, calls=60, now=NOW)
    index = Index.open([str(directory)], index_path=None)
    index.refresh(final=True)
    return directory, counts, index


def test_every_call_written_is_indexed_once(demo: tuple[Path, dict[str, int], Index]) -> None:
    _, counts, index = demo
    written = sum(n for name, n in counts.items() if name not in ("events", "malformed_lines"))
    assert written >= 60
    assert index.stats()["requests"] == written


def test_first_batch_gives_every_view_something_to_show(
    demo: tuple[Path, dict[str, int], Index],
) -> None:
    _, counts, index = demo
    stats = index.stats()
    assert stats["errors"] > 0
    assert len(stats["error_categories"]) >= 5
    assert len(stats["models"]) >= 7
    providers = {row["provider"] for row in index.search("", limit=10_000)}
    assert {"openai", "anthropic", "google"} <= providers
    assert stats["traces"] > 0
    assert stats["error_spans"] > 0
    assert stats["events"] > 0
    assert stats["malformed_lines"] == counts["malformed_lines"] >= 1


def test_every_targeted_dialect_is_recognised(demo: tuple[Path, dict[str, int], Index]) -> None:
    _, counts, index = demo
    targeted = {writer.dialect for writer in WRITERS} | {
        name for writer in WRITERS for name in writer.also
    }
    assert targeted - set(index.stats()["dialects"]) == set()
    assert {writer.dialect for writer in WRITERS} <= set(counts)


def test_prompts_carry_personal_data_markup_and_escapes(
    demo: tuple[Path, dict[str, int], Index],
) -> None:
    directory, _, _ = demo
    text = "".join(path.read_text(encoding="utf-8") for path in _sizes(directory))
    for needle in ("4111 1111 1111 1111", "sk-proj-", "sk-ant-api03-", "AKIA",
                   "[bold red]x[/]", "[@click=app.quit]", "\\u001b[31m"):
        assert needle in text, needle
    for pattern in (r"\b[a-z]+\.[a-z]+@[a-z-]+\.[a-z]+\b",  # someone's email
                    r"\+?\(?\d{2,3}\)?[ -]\d{3,4}[ -]\d{4}",  # a phone number
                    r"\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){3,}"):  # an IBAN
        assert re.search(pattern, text), pattern


def test_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert write_demo(first, calls=30, now=NOW) == write_demo(second, calls=30, now=NOW)
    names = sorted(path.relative_to(first) for path in _sizes(first))
    assert names == sorted(path.relative_to(second) for path in _sizes(second))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_append_live_keeps_appending_until_stopped(tmp_path: Path) -> None:
    stop = threading.Event()
    feeder = threading.Thread(target=append_live, daemon=True,
                              args=(tmp_path, random.Random(3), stop, (0.05, 0.1)))
    feeder.start()
    deadline = time.monotonic() + 1.5
    while not _sizes(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    feeder.join(timeout=2)
    assert not feeder.is_alive()
    written = _sizes(tmp_path)
    assert written and any(size > 0 for size in written.values())
    time.sleep(0.3)
    assert _sizes(tmp_path) == written  # nothing more once stopped


def test_write_only_writes_and_says_where(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(dir=str(tmp_path / "logs"), write_only=True, calls=20,
                              no_index=True, index=None, poll=False, tz=None)
    assert run_demo(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("llmview demo: wrote ") and str(tmp_path / "logs") in out
    assert _sizes(tmp_path / "logs")
