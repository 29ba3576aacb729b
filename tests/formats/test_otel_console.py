"""The SDK's ConsoleSpanExporter output: concatenated pretty-printed ``span.to_json()`` objects,
giving the same spans and calls as the OTLP export of the same run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.otel_console import DIALECT
from llmview.core.records import Call, Record, Span
from tests.fixtures import otel as fixture
from tests.formats._json_fuzz import altered, check_survives


def _documents(text: str) -> Iterator[dict[str, Any]]:
    """Objects of a concatenated JSON file, the way the reader splits them."""
    decoder, position = json.JSONDecoder(), 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        document, position = decoder.raw_decode(text, position)
        yield document


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("otel")
    return {path.name: path for path in fixture.write_all(directory)}


@pytest.fixture(scope="module")
def documents(files: dict[str, Path]) -> list[dict[str, Any]]:
    return list(_documents(files["otel_console.log"].read_text()))


def _records(documents: list[dict[str, Any]], name: str = "otel_console.log") -> list[Record]:
    return [record for document in documents
            for record in normalize(document, Context(path=name))]


def test_each_object_is_one_span(documents: list[dict[str, Any]]) -> None:
    assert len(documents) == 14 and all(DIALECT.claims(d) for d in documents)
    records = _records(documents)
    assert all(isinstance(r, (Span, Call)) for r in records), records
    assert sum(isinstance(r, Span) for r in records) == 14
    assert sum(isinstance(r, Call) for r in records) == 7
    assert {r.dialect for r in records} == {"otel_console"}


def _comparable(record: Record) -> dict[str, Any]:
    """A record's fields without the dialect name and the scope attribute (which the console
    format does not carry)."""
    fields = msgspec.to_builtins(record)
    fields.pop("dialect")
    if fields.get("attributes"):
        fields["attributes"].pop("otel.scope.name", None)
    return fields


def test_the_same_records_as_the_otlp_export(files: dict[str, Path],
                                             documents: list[dict[str, Any]]) -> None:
    otlp = [record for line in files["otlp_collector.jsonl"].read_text().splitlines()
            for record in normalize(json.loads(line), Context())]
    key = lambda fields: (fields.get("key", ""), fields["span_id"])  # noqa: E731
    console = sorted(map(_comparable, _records(documents)), key=key)
    assert console == sorted(map(_comparable, otlp), key=key)


def test_ids_times_kind_and_status(documents: list[dict[str, Any]]) -> None:
    spans = {r.name: r for r in _records(documents) if isinstance(r, Span)}
    failed = spans["chat gpt-4o-mini"]
    assert failed.trace_id == fixture.TRACE_A and failed.span_id == fixture.span_id(
        fixture.TRACE_A, 6)
    assert failed.parent_id == fixture.span_id(fixture.TRACE_A, 1)
    assert failed.start == fixture.START.timestamp() + 1.51 and failed.duration_ms == 190.0
    assert failed.status == "error" and failed.error and failed.error.startswith("RateLimitError")
    assert failed.attributes and failed.attributes["span.kind"] == "client"
    assert failed.service == "rag-api"
    assert spans["POST /ask"].parent_id is None and spans["POST /ask"].status == "unset"


def test_status_spellings_of_other_sdk_versions() -> None:
    context = {"trace_id": "0x" + "AB" * 16, "span_id": "0x" + "CD" * 8, "trace_state": "[]"}
    document = {"name": "chat", "context": context,
                "kind": "SpanKind.CLIENT", "parent_id": None,
                "start_time": "2026-11-20T10:00:00.000000Z",
                "end_time": "2026-11-20T10:00:01.500000Z",
                "status": {"status_code": "ERROR", "description": "APITimeoutError: timed out"},
                "attributes": {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o"},
                "events": [], "links": [], "resource": {"attributes": {}, "schema_url": ""}}
    span, call = normalize(document, Context())
    assert isinstance(span, Span) and isinstance(call, Call)
    assert (span.trace_id, span.span_id) == ("ab" * 16, "cd" * 8)
    assert span.error == "APITimeoutError: timed out" and span.service is None
    assert (call.status, call.error_type, call.latency_ms) == ("error", "APITimeoutError", 1500.0)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject,
                                            documents: list[dict[str, Any]]) -> None:
    check_survives(DIALECT, altered(data, documents))
