"""The waterfall, the traces list and the comparison at 80x24 (pytest-textual-snapshot), on the
OpenTelemetry fixture: fixed ids and times, the zone fixed to UTC, a fixed masking key.

Run ``pytest --snapshot-update`` after an intended change and look at the new SVGs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmview.core.index import Index
from tests.fixtures import otel

from .test_traces import TracesApp, settle


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TracesApp]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    otel.write_all(tmp_path)
    index = Index.open([str(tmp_path)], index_path=None)
    index.refresh(final=True)
    yield TracesApp(index)
    monkeypatch.undo()
    time.tzset()


def test_waterfall_80x24(snap_compare, app: TracesApp) -> None:
    async def open_failed_span(pilot) -> None:
        await settle(pilot)
        pilot.app.open_trace(otel.TRACE_A)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_failed_span)


def test_traces_list_80x24(snap_compare, app: TracesApp) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
