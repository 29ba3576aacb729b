"""Helpers for driving the real app headless and reading what is on screen."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llmview.core.index import Index
from llmview.core.pii import Masker
from llmview.ui.app import LlmviewApp


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in local time; tests that read them fix the zone to UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def screen_text(app: Any) -> str:
    """The characters on screen now, line by line, as a person would read them."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


def row_of(table: Any, field: str, value: Any) -> int:
    """The row of a ``PagedTable`` (loaded pages) whose ``field`` is ``value``."""
    return next(n for n in range(table.row_count) if table.row_at(n)[field] == value)


def interaction(n: int, content: str, *, model: str = "gpt-4o", ts: float | None = None,
                **extra: Any) -> str:
    return json.dumps({
        "event": "llm_interaction", "request_id": f"req-{n}", "model": model,
        "timestamp": ts if ts is not None else 1763600000 + n,
        "prompt_messages": [{"role": "user", "content": content}],
        "llm_raw_response": {"choices": [{"message": {"role": "assistant",
                                                      "content": f"answer {n}"}}],
                             "usage": {"prompt_tokens": 10 + n, "completion_tokens": 5}},
        **extra,
    }) + "\n"


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    directory.mkdir()
    lines = [interaction(n, f"question {n} from bob{n}@example.com") for n in range(5)]
    lines.append(interaction(5, "what broke?", model="claude-sonnet-4",
                             llm_raw_response={"error": {"message": "overloaded"}}))
    lines.append("this line is not json [@click=app.quit]quit[/]\n")
    (directory / "app.jsonl").write_text("".join(lines))
    return directory


def make_app(logs: Path, *, watch: bool = False) -> LlmviewApp:
    index = Index.open([str(logs)], index_path=None)
    return LlmviewApp(index, Masker(key=b"k" * 32), watch=watch)
