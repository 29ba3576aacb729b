"""Serialized OpenTelemetry-JS spans from the Vercel AI SDK: the ``.doGenerate`` / ``.doStream``
spans are the calls, their ``ai.generateText`` / ``ai.streamText`` wrappers are not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.otel_js import DIALECT
from llmview.core.records import Call, Record, Span
from tests.fixtures import otel as fixture
from tests.formats._json_fuzz import altered, check_survives

TOOLS, STREAM, FAILED = fixture.VERCEL_TRACES
BASE = 1795169100  # 2026-11-20T10:05:00Z, the file's first second


@pytest.fixture(scope="module")
def lines(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = fixture.write_vercel(tmp_path_factory.mktemp("vercel"))
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def records(lines: list[dict[str, Any]]) -> list[Record]:
    return [record for line in lines for record in normalize(line, Context())]


def _spans(records: list[Record]) -> dict[str, Span]:
    return {r.span_id: r for r in records if isinstance(r, Span)}


def _calls(records: list[Record]) -> dict[str, Call]:
    return {r.span_id or "": r for r in records if isinstance(r, Call)}


def test_every_line_is_a_span_and_only_requests_are_calls(records: list[Record]) -> None:
    assert all(isinstance(r, (Span, Call)) for r in records), records
    spans, calls = _spans(records), _calls(records)
    assert len(spans) == 8
    assert sorted(spans[span_id].name or "" for span_id in calls) == [
        "ai.generateText.doGenerate", "ai.generateText.doGenerate",
        "ai.generateText.doGenerate", "ai.streamText.doStream"]
    assert {span.kind for span in spans.values() if span.name in (
        "ai.generateText", "ai.streamText")} == {"chain"}
    assert {r.dialect for r in records} == {"otel_js"}


def test_tool_calling_generation(records: list[Record]) -> None:
    spans, calls = _spans(records), _calls(records)
    first = calls["a1b2c3d4e5f60002"]
    assert first.key == f"span:{TOOLS}:a1b2c3d4e5f60002" and first.origin == "span"
    assert (first.trace_id, spans["a1b2c3d4e5f60002"].parent_id) == (TOOLS, "a1b2c3d4e5f60001")
    assert (first.provider, first.model, first.operation) == ("openai", "gpt-4o-mini",
                                                             "generateText")
    assert first.ts == BASE + 0.01 and first.latency_ms == 890.0
    assert (first.input_tokens, first.output_tokens, first.total_tokens) == (80, 15, 95)
    assert (first.temperature, first.params) == (0.3, {"maxRetries": 2})
    assert first.messages == [{"role": "system", "content": "You are a weather bot."},
                              {"role": "user", "content": "Weather in Berlin?"}]
    assert first.tool_calls == [{"id": "call_w1", "name": "weather",
                                 "arguments": '{"city":"Berlin"}'}]
    assert first.tools and first.tools[0]["name"] == "weather"
    assert (first.finish_reason, first.output, first.user) == ("tool-calls", None, "user-17")
    assert first.tags == {"span": "ai.generateText.doGenerate", "response_id": "chatcmpl-V1",
                          "response_model": "gpt-4o-mini-2024-07-18",
                          "function_id": "weather-agent"}
    second = calls["a1b2c3d4e5f60004"]
    assert second.messages and second.messages[2:] == [
        {"role": "assistant", "content": "",
         "tool_calls": [{"id": "call_w1", "name": "weather", "arguments": '{"city":"Berlin"}'}]},
        {"role": "tool", "content": '{"temperature":12}', "tool_call_id": "call_w1"},
    ]
    assert (second.output, second.finish_reason) == ("It is 12°C in Berlin.", "stop")
    assert spans["a1b2c3d4e5f60003"].kind == "tool"
    wrapper = spans["a1b2c3d4e5f60001"]
    assert wrapper.parent_id is None and wrapper.duration_ms == 2300.0
    assert wrapper.service == "next-app"
    assert wrapper.attributes and wrapper.attributes["otel.scope.name"] == "ai"


def test_streamed_generation_of_sdk_2(records: list[Record]) -> None:
    span = _spans(records)["b1b2c3d4e5f60002"]
    assert span.parent_id == "b1b2c3d4e5f60001" and span.service == "story-app"
    assert span.events and [e["name"] for e in span.events] == ["ai.stream.firstChunk",
                                                                 "ai.stream.finish"]
    assert span.events[0]["ts"] == pytest.approx(BASE + 10.3175)
    call = _calls(records)["b1b2c3d4e5f60002"]
    assert (call.provider, call.model, call.operation) == ("anthropic",
                                                           "claude-3-5-haiku-latest", "streamText")
    assert (call.ttft_ms, call.latency_ms, call.max_tokens) == (312.5, 1445.0, 500)
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (40, 120, 160)


def test_failed_generation_from_a_stringified_sdk_span(records: list[Record]) -> None:
    spans = _spans(records)
    span = spans["c1b2c3d4e5f60002"]
    assert (span.trace_id, span.parent_id) == (FAILED, "c1b2c3d4e5f60001")
    assert (span.status, span.error) == ("error", "Rate limit reached for gpt-4o")
    assert span.duration_ms == 635.0 and span.service == "next-app"
    call = _calls(records)["c1b2c3d4e5f60002"]
    assert (call.status, call.error_type) == ("error", "AI_APICallError")
    assert call.error_message == "Rate limit reached for gpt-4o"
    assert call.input_tokens is None and call.output is None
    assert spans["c1b2c3d4e5f60001"].status == "error"  # the wrapper failed too, no call


def test_kind_numbers_follow_the_js_enum() -> None:
    line = {"name": "GET /health", "kind": 1, "spanContext": {"traceId": "ab" * 16,
                                                             "spanId": "cd" * 8},
            "startTime": [BASE, 0], "endTime": [BASE, 5_000_000],
            "attributes": {"http.method": "GET"}, "status": {"code": 1}}
    [span] = normalize(line, Context())
    assert isinstance(span, Span) and span.kind == "http" and span.status == "ok"
    assert span.attributes == {"http.method": "GET", "span.kind": "server"}
    assert span.duration_ms == 5.0 and span.service is None


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject,
                                            lines: list[dict[str, Any]]) -> None:
    check_survives(DIALECT, altered(data, lines))
