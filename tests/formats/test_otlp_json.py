"""OTLP JSON from the real opentelemetry-sdk, as protobuf JSON (base64 ids) and as the collector's
file exporter writes it (hex ids, enum numbers): the same spans and calls either way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.otlp_json import DIALECT, any_value
from llmview.core.records import Call, Record, Span
from tests.fixtures import otel as fixture
from tests.formats._json_fuzz import altered, check_survives

A, B, C = fixture.TRACE_A, fixture.TRACE_B, fixture.TRACE_C


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("otel")
    return {path.name: path for path in fixture.write_all(directory)}


def _records(path: Path) -> list[Record]:
    records: list[Record] = []
    for line in path.read_text().splitlines():
        records.extend(normalize(json.loads(line), Context(path=str(path))))
    return records


@pytest.fixture(scope="module", params=["otlp_protobuf.jsonl", "otlp_collector.jsonl"])
def records(request: pytest.FixtureRequest, files: dict[str, Path]) -> list[Record]:
    return _records(files[request.param])


def _spans(records: list[Record]) -> dict[tuple[str, str], Span]:
    return {(r.trace_id, r.span_id): r for r in records if isinstance(r, Span)}


def _calls(records: list[Record]) -> dict[str, Call]:
    return {r.key: r for r in records if isinstance(r, Call)}


def _call(records: list[Record], trace: str, number: int) -> Call:
    return _calls(records)[f"span:{trace}:{fixture.span_id(trace, number)}"]


def test_every_line_maps_to_spans_and_calls_only(records: list[Record]) -> None:
    assert all(isinstance(r, (Span, Call)) for r in records), records
    assert len(_spans(records)) == 14 and len(_calls(records)) == 7
    assert {r.dialect for r in records} == {"otlp_json"}


def test_both_spellings_give_the_same_records(files: dict[str, Path]) -> None:
    protobuf = _records(files["otlp_protobuf.jsonl"])
    collector = _records(files["otlp_collector.jsonl"])
    assert _spans(protobuf) == _spans(collector)
    assert _calls(protobuf) == _calls(collector)


def test_span_fields(records: list[Record]) -> None:
    spans = _spans(records)
    root = spans[(A, fixture.span_id(A, 1))]
    assert (root.name, root.kind, root.service, root.parent_id) == ("POST /ask", "http",
                                                                    "rag-api", None)
    assert root.start == fixture.START.timestamp() and root.duration_ms == 2400.0
    assert root.status == "unset" and root.error is None
    assert root.attributes is not None and root.attributes["span.kind"] == "server"
    assert root.attributes["http.response.status_code"] == 200  # intValue "200"
    assert root.attributes["otel.scope.name"] == "llmview.fixtures"
    retrieve = spans[(A, fixture.span_id(A, 2))]
    assert retrieve.kind == "retrieval" and retrieve.parent_id == fixture.span_id(A, 1)
    assert retrieve.attributes and retrieve.attributes["retrieval.documents.0.document.score"] \
        == 0.92
    kinds = {span.name: span.kind for span in spans.values()}
    assert kinds["execute_tool get_weather"] == "tool"
    assert kinds["RetrievalQA"] == "chain" and kinds["answer_ticket.workflow"] == "chain"
    assert kinds["OpenAIEmbeddings"] == "embedding" and kinds["search"] == "tool"


def test_new_conventions_call_with_structured_messages(records: list[Record]) -> None:
    call = _call(records, A, 3)
    assert call.origin == "span" and call.ts == fixture.START.timestamp() + 0.12
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o", "chat")
    assert (call.temperature, call.max_tokens, call.seed) == (0.2, 512, 7)
    assert call.params == {"frequency_penalty": 0.5}
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (120, 18, 138)
    assert call.latency_ms == 700.0 and call.status == "ok"
    assert call.messages == [
        {"role": "system", "content": "You answer weather questions."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    assert call.tool_calls == [{"id": "call_1", "name": "get_weather",
                                "arguments": '{"city":"Paris"}'}]
    assert call.finish_reason == "tool_calls" and call.output is None
    assert call.tools == [fixture.WEATHER_TOOL]
    assert (call.conversation, call.session, call.app) == ("conv-42", "conv-42", "rag-api")
    assert call.tags == {"span": "chat gpt-4o", "response_id": "chatcmpl-A1",
                         "response_model": "gpt-4o-2024-08-06"}


def test_old_conventions_call_from_message_events(records: list[Record]) -> None:
    call = _call(records, A, 5)
    assert (call.input_tokens, call.output_tokens) == (150, 25)
    assert [m["role"] for m in call.messages or []] == ["system", "user", "assistant", "tool"]
    assert call.messages and call.messages[2]["tool_calls"] == [
        {"id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}'}]
    assert call.messages[3] == {"role": "tool", "content": "18C, sunny", "tool_call_id": "call_1"}
    assert (call.output, call.finish_reason) == ("It is 18C and sunny in Paris.", "stop")


def test_failed_call_keeps_its_exception(records: list[Record]) -> None:
    span = _spans(records)[(A, fixture.span_id(A, 6))]
    assert span.status == "error" and span.error is not None
    assert span.error.startswith("RateLimitError: Error code: 429")
    assert span.events and span.events[0]["name"] == "exception"
    assert span.events[0]["attributes"]["exception.type"] == "openai.RateLimitError"
    call = _call(records, A, 6)
    assert (call.status, call.error_type, call.http_status) == ("error", "RateLimitError", 429)
    assert call.error_message and call.error_message.startswith("Error code: 429")
    assert call.input_tokens is None and call.output_tokens is None


def test_openinference_trace(records: list[Record]) -> None:
    calls = _calls(records)
    assert f"span:{B}:{fixture.span_id(B, 1)}" not in calls  # the CHAIN repeats child usage
    embedding = _call(records, B, 2)
    assert (embedding.operation, embedding.model, embedding.input_tokens) == (
        "embeddings", "text-embedding-3-small", 8)
    chat = _call(records, B, 4)
    assert (chat.provider, chat.model) == ("openai", "gpt-4o-mini-2024-07-18")
    assert (chat.temperature, chat.max_tokens, chat.params) == (0.0, 256, {"stop": ["\n\n"]})
    assert chat.messages == [{"role": "system", "content": "Answer from the context."},
                             {"role": "user", "content": "How do I reset my password?"}]
    assert chat.tool_calls == [{"id": "call_9", "name": "search",
                                "arguments": '{"query": "password reset"}'}]
    assert chat.tools == [fixture.SEARCH_SCHEMA]
    assert (chat.user, chat.session, chat.total_tokens) == ("alice", "sess-7", 340)
    parts = _call(records, B, 6)
    assert parts.messages == [{"role": "user", "content": "Summarize: /reset\n[image]"}]
    assert parts.output == "Use the reset link."


def test_openllmetry_trace(records: list[Record]) -> None:
    call = _call(records, C, 2)
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-3.5-turbo", "chat")
    assert [m["content"] for m in call.messages or []] == ["You are support.",
                                                           "Where is my order 123?"]
    assert call.output == "Let me look it up." and call.finish_reason == "tool_calls"
    assert call.tool_calls == [{"id": "call_7", "name": "lookup_order",
                                "arguments": '{"order": 123}'}]
    assert call.tools == [{"name": "lookup_order", "parameters": {"type": "object"}}]
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (56, 14, 70)
    assert call.ttft_ms == 300.0  # the first completion chunk event


# --- spellings the fixture writers do not produce -------------------------------------------------


def _request(span: dict[str, Any], **resource_spans: Any) -> dict[str, Any]:
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "svc"}}]},
        "scopeSpans": [{"scope": {"name": "s"}, "spans": [span]}], **resource_spans}]}


def test_old_names_snake_case_big_nanos_and_string_enums() -> None:
    span = {"trace_id": "W8gV0wqsQ7yq5DWg7Q8Qng==", "span_id": "AAAAAAAAAAE=",
            "parent_span_id": "", "name": "chat", "kind": "SPAN_KIND_CLIENT",
            "start_time_unix_nano": 1795168800000000000,
            "end_time_unix_nano": "99999999999999999999",
            "attributes": [{"key": "gen_ai.system", "value": {"string_value": "openai"}},
                           {"key": "gen_ai.usage.input_tokens", "value": {"int_value": "7"}}],
            "status": {"code": "STATUS_CODE_ERROR", "message": "boom"}}
    old = {"resourceSpans": [{"resource": {}, "instrumentationLibrarySpans": [
        {"instrumentationLibrary": {"name": "legacy"}, "spans": [
            {**span, "spanId": "0000000000000002"}]}]}]}
    snake = {"resource_spans": [{"scope_spans": [{"spans": [span]}]}]}
    for document in (old, snake):
        records = normalize(document, Context())
        spans = [r for r in records if isinstance(r, Span)]
        calls = [r for r in records if isinstance(r, Call)]
        assert len(spans) == 1 and len(calls) == 1, records
        assert spans[0].trace_id == "5bc815d30aac43bcaae435a0ed0f109e"
        assert spans[0].parent_id is None and spans[0].status == "error"
        assert spans[0].error == "boom" and spans[0].start == 1795168800.0
        assert spans[0].end is not None  # past int64, still a time
        assert calls[0].input_tokens == 7 and calls[0].error_message == "boom"
    assert normalize(old, Context())[0].attributes == {"span.kind": "client",
                                                       "otel.scope.name": "legacy",
                                                       "gen_ai.system": "openai",
                                                       "gen_ai.usage.input_tokens": 7}


def test_zero_times_are_unknown() -> None:
    records = normalize(_request({"traceId": "ab" * 16, "spanId": "cd" * 8, "name": "x",
                                  "startTimeUnixNano": "0", "endTimeUnixNano": 0}), Context())
    assert isinstance(records[0], Span) and records[0].start is None and records[0].end is None


@pytest.mark.parametrize(("value", "plain"), [
    ({"stringValue": "a"}, "a"),
    ({"intValue": "-12"}, -12),
    ({"intValue": 12}, 12),
    ({"intValue": "1" * 60}, "1" * 60),
    ({"doubleValue": 0.5}, 0.5),
    ({"doubleValue": "NaN"}, "NaN"),
    ({"boolValue": False}, False),
    ({"bytesValue": "AAE="}, "AAE="),
    ({"arrayValue": {"values": [{"intValue": "1"}, {"stringValue": "b"}]}}, [1, "b"]),
    ({"arrayValue": {}}, []),
    ({"kvlistValue": {"values": [{"key": "k", "value": {"boolValue": True}}, {"value": {}}]}},
     {"k": True}),
    ({}, None),
    ("plain", "plain"),
])
def test_typed_values_decode_to_plain_json(value: Any, plain: Any) -> None:
    assert any_value(value) == plain


def test_deep_nesting_stops_decoding_without_failing() -> None:
    value: Any = {"stringValue": "leaf"}
    for _ in range(2000):
        value = {"arrayValue": {"values": [value]}}
    decoded = any_value(value)
    for _ in range(33):
        decoded = decoded[0]
    assert isinstance(decoded, dict) and "arrayValue" in decoded


def test_a_span_without_ids_is_skipped_with_a_warning() -> None:
    ctx = Context()
    assert list(DIALECT.normalize(_request({"name": "x"}), ctx)) == []
    assert ctx.warnings and "skipped" in ctx.warnings[0]


@pytest.fixture(scope="module")
def samples(files: dict[str, Path]) -> list[dict[str, Any]]:
    """The real requests, and a one-span request whose envelope fields are drawn more often."""
    lines = files["otlp_collector.jsonl"].read_text().splitlines()
    small = _request({"traceId": "ab" * 16, "spanId": "cd" * 8, "parentSpanId": "ef" * 8,
                      "name": "chat", "kind": 3, "startTimeUnixNano": "1795168800000000000",
                      "endTimeUnixNano": "1795168801000000000",
                      "attributes": [{"key": "gen_ai.system", "value": {"stringValue": "x"}}],
                      "events": [{"timeUnixNano": "1795168800500000000", "name": "exception",
                                  "attributes": [{"key": "exception.type",
                                                  "value": {"stringValue": "E"}}]}],
                      "status": {"code": 2, "message": "m"}})
    return [json.loads(line) for line in lines] + [small] * 3


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject,
                                            samples: list[dict[str, Any]]) -> None:
    check_survives(DIALECT, altered(data, samples))
