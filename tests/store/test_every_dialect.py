"""One directory holding every dialect, written by the real libraries: indexed together, each
fixture's calls, spans and events are counted exactly as the fixture expects."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

from llmview.core.index import Index

FIXTURES = ["heuristic", "json_logger", "langfuse", "langsmith", "litellm", "loguru_record",
            "openai_batch", "otel", "raw_response", "seed004", "seed_interaction",
            "seed_request_log", "seed_span"]


def write_fixture(name: str, directory: Path) -> dict[str, int]:
    module = importlib.import_module(f"tests.fixtures.{name}")
    directory.mkdir()
    for attr, writer in vars(module).items():
        if attr.startswith("write_") and inspect.isfunction(writer) \
                and writer.__module__ == module.__name__ \
                and list(inspect.signature(writer).parameters) == ["directory"]:
            writer(directory)
    return module.EXPECTED


@pytest.fixture(scope="module")
def every_dialect(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, dict[str, int]]:
    root = tmp_path_factory.mktemp("logs")
    totals = {"calls": 0, "spans": 0, "events": 0}
    for name in FIXTURES:
        for key, value in write_fixture(name, root / name).items():
            totals[key] += value
    index = Index.open([str(root)], index_path=str(root.parent / "all.duckdb"))
    index.refresh(final=True)
    return index, totals


def test_counts_match_every_fixture(every_dialect: tuple[Index, dict[str, int]]) -> None:
    index, expected = every_dialect
    stats = index.stats()
    assert {"calls": stats["requests"], "spans": stats["spans"],
            "events": stats["events"]} == expected
    assert stats["malformed_lines"] == 0


def test_every_dialect_is_recognised(every_dialect: tuple[Index, dict[str, int]]) -> None:
    index, _ = every_dialect
    seen = set(index.stats()["dialects"])
    # The OTLP files hold the same spans as the console exporter's file; merged, each span
    # keeps the dialect that was read first, so otlp_json is checked by its own tests.
    assert {"seed_interaction", "seed_request_log", "structlog_entry", "audit",
            "debug_conversation", "loguru_record", "heuristic", "raw_response",
            "otel_console", "otel_js", "seed_span", "openai_batch", "litellm", "langfuse",
            "langsmith"} <= seen


def test_reindexing_adds_nothing(every_dialect: tuple[Index, dict[str, int]]) -> None:
    index, expected = every_dialect
    index.refresh(final=True)
    assert index.count() == expected["calls"]
