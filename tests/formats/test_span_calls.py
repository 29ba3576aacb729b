"""Which spans are LLM calls and what each call says, for every attribute convention."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats.base import Context
from llmview.core.formats.span_calls import (
    indexed,
    span_kind,
    span_records,
    span_status,
)
from llmview.core.records import Call, Span
from tests.formats._json_fuzz import JSON

TRACE, SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"


def _records(name: str, attributes: dict[str, Any], *, status: str = "unset",
             error: str | None = None, events: list[dict[str, Any]] | None = None,
             start: float | None = 1_795_000_000.0, end: float | None = 1_795_000_001.25,
             ) -> tuple[Span, Call | None]:
    span = Span(trace_id=TRACE, span_id=SPAN, parent_id="parent", name=name, start=start,
                end=end, status=status, error=error, attributes=attributes, events=events,
                service="svc", dialect="test")
    records = span_records(span, Context())
    calls = [record for record in records if isinstance(record, Call)]
    assert records[0] is span and len(calls) <= 1
    return span, calls[0] if calls else None


def _call(name: str, attributes: dict[str, Any], **kwargs: Any) -> Call:
    _, call = _records(name, attributes, **kwargs)
    assert call is not None
    return call


@pytest.mark.parametrize(("name", "attributes", "kind"), [
    ("x", {"openinference.span.kind": "LLM"}, "llm"),
    ("x", {"openinference.span.kind": "EMBEDDING"}, "embedding"),
    ("x", {"openinference.span.kind": "RETRIEVER"}, "retrieval"),
    ("x", {"openinference.span.kind": "TOOL"}, "tool"),
    ("x", {"openinference.span.kind": "CHAIN", "llm.token_count.total": 9}, "chain"),
    ("x", {"openinference.span.kind": "AGENT"}, "agent"),
    ("x", {"openinference.span.kind": "RERANKER"}, "reranker"),
    ("x", {"openinference.span.kind": "GUARDRAIL"}, "guardrail"),
    ("x", {"openinference.span.kind": "EVALUATOR"}, "evaluator"),
    ("chat gpt-4o", {"gen_ai.operation.name": "chat"}, "llm"),
    ("embeddings", {"gen_ai.operation.name": "embeddings"}, "embedding"),
    ("execute_tool t", {"gen_ai.operation.name": "execute_tool", "gen_ai.system": "x"}, "tool"),
    ("invoke_agent a", {"gen_ai.operation.name": "invoke_agent",
                        "gen_ai.usage.input_tokens": 50}, "agent"),
    ("openai.chat", {"gen_ai.system": "openai"}, "llm"),
    ("openai.embeddings", {"gen_ai.system": "openai", "llm.request.type": "embedding"},
     "embedding"),
    ("w.workflow", {"traceloop.span.kind": "workflow"}, "chain"),
    ("ai.generateText", {"ai.model.id": "gpt-4o", "ai.usage.promptTokens": 5}, "chain"),
    ("ai.generateText.doGenerate", {}, "llm"),
    ("ai.streamText.doStream", {}, "llm"),
    ("ai.embedMany.doEmbed", {}, "embedding"),
    ("ai.toolCall", {}, "tool"),
    ("custom", {"ai.operationId": "ai.generateObject.doGenerate"}, "llm"),
    ("llm.chat_completion", {"llm.model": "gpt-4o"}, "llm"),
    ("llm.embedding", {"llm.model": "text-embedding-3-small", "llm.operation": "embedding"},
     "embedding"),
    ("chain.answer", {"chain.step": "answer"}, "chain"),
    ("retrieval", {"retrieval.source": "docs"}, "retrieval"),
    ("GET /", {"http.request.method": "GET"}, "http"),
    ("GET", {"http.method": "GET"}, "http"),
    ("SELECT", {"db.system": "postgresql"}, "db"),
    ("work", {"foo": 1}, None),
])
def test_kind_from_each_convention(name: str, attributes: dict[str, Any], kind: str | None) -> None:
    assert span_kind(name, attributes) == kind


@pytest.mark.parametrize(("name", "attributes"), [
    ("RetrievalQA", {"openinference.span.kind": "CHAIN", "llm.token_count.prompt": 700,
                     "llm.model_name": "gpt-4o"}),
    ("agent", {"openinference.span.kind": "AGENT", "llm.token_count.total": 70}),
    ("ai.generateText", {"ai.operationId": "ai.generateText", "ai.model.id": "gpt-4o",
                         "ai.usage.promptTokens": 175, "ai.usage.completionTokens": 33}),
    ("ai.streamText", {"ai.usage.inputTokens": 40}),
    ("invoke_agent", {"gen_ai.operation.name": "invoke_agent",
                      "gen_ai.usage.input_tokens": 700, "gen_ai.request.model": "gpt-4o"}),
    ("answer.workflow", {"traceloop.span.kind": "workflow", "llm.usage.total_tokens": 9}),
    ("retrieval", {"retrieval.source": "docs"}),
    ("POST /v1/chat/completions", {"http.request.method": "POST"}),
])
def test_wrappers_and_other_spans_are_not_calls(name: str, attributes: dict[str, Any]) -> None:
    _, call = _records(name, attributes)
    assert call is None


def test_a_call_is_linked_to_its_span() -> None:
    span, call = _records("chat", {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o"})
    assert call is not None
    assert call.key == f"span:{TRACE}:{SPAN}" and call.origin == "span"
    assert (call.trace_id, call.span_id) == (TRACE, SPAN)
    assert call.ts == span.start == 1_795_000_000.0
    assert call.latency_ms == span.duration_ms == 1250.0
    assert call.status == "ok" and call.app == "svc" and call.dialect == "test"
    assert span.kind == "llm"


def test_new_genai_conventions() -> None:
    call = _call("chat gpt-4o", {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "gcp.vertex_ai",
        "gen_ai.request.model": "gemini-2.0-flash",
        "gen_ai.usage.input_tokens": "1200",  # OTLP intValue arrives as a string
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.request.temperature": "0.5",
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.max_tokens": 100,
        "gen_ai.request.stop_sequences": ["END"],
        "gen_ai.response.finish_reasons": '["stop"]',
        "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
        "gen_ai.input.messages": json.dumps([
            {"role": "user", "parts": [{"type": "text", "content": "Hi"},
                                       {"type": "blob", "modality": "image", "content": "…"}]},
            {"role": "assistant", "parts": [
                {"type": "reasoning", "content": "thinking"},
                {"type": "tool_call", "id": "c1", "name": "f", "arguments": {"a": 1}}]},
            {"role": "tool", "parts": [
                {"type": "tool_call_response", "id": "c1", "response": {"ok": True}}]},
        ]),
        "gen_ai.output.messages": [{"role": "assistant", "finish_reason": "stop",
                                    "parts": [{"type": "text", "content": "Hello"}]}],
    })
    assert (call.provider, call.model, call.operation) == ("google", "gemini-2.0-flash", "chat")
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (1200, 30, 1230)
    assert (call.temperature, call.top_p, call.max_tokens) == (0.5, 0.9, 100)
    assert call.params == {"stop_sequences": ["END"]}
    assert call.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi\n[image]"},
        {"role": "assistant", "content": "",
         "tool_calls": [{"id": "c1", "name": "f", "arguments": '{"a":1}'}]},
        {"role": "tool", "content": '{"ok":true}', "tool_call_id": "c1"},
    ]
    assert call.output == "Hello" and call.finish_reason == "stop"


def test_old_genai_names_and_prompt_events() -> None:
    call = _call("chat", {
        "gen_ai.system": "anthropic", "gen_ai.request.model": "claude-3-5-sonnet-latest",
        "gen_ai.usage.prompt_tokens": 10, "gen_ai.usage.completion_tokens": 2,
    }, events=[
        {"name": "gen_ai.content.prompt", "ts": None,
         "attributes": {"gen_ai.prompt": '[{"role": "user", "content": "Hey"}]'}},
        {"name": "gen_ai.content.completion", "ts": None,
         "attributes": {"gen_ai.completion": '[{"role": "assistant", "content": "Yo"}]'}},
    ])
    assert call.provider == "anthropic" and (call.input_tokens, call.output_tokens) == (10, 2)
    assert call.messages == [{"role": "user", "content": "Hey"}]
    assert call.output == "Yo"


def test_message_events_with_the_body_in_one_attribute() -> None:
    body = {"content": "What is 2+2?"}
    call = _call("chat", {"gen_ai.system": "openai"}, events=[
        {"name": "gen_ai.user.message", "ts": None,
         "attributes": {"gen_ai.event.content": json.dumps(body)}},
        {"name": "gen_ai.choice", "ts": None, "attributes": {"gen_ai.event.content": json.dumps(
            {"index": 0, "finish_reason": "stop",
             "message": {"role": "assistant", "content": "4"}})}},
    ])
    assert call.messages == [{"role": "user", "content": "What is 2+2?"}]
    assert (call.output, call.finish_reason) == ("4", "stop")


def test_openllmetry_indexed_prompts_and_completions() -> None:
    call = _call("openai.chat", {
        "gen_ai.system": "OpenAI", "llm.request.type": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.prompt.1.role": "user",  # attribute order is not index order
        "gen_ai.prompt.1.content": '[{"type": "text", "text": "Look"}, {"type": "image_url"}]',
        "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "Sys",
        "gen_ai.prompt.2.role": "tool", "gen_ai.prompt.2.content": "42",
        "gen_ai.prompt.2.tool_call_id": "t1",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.finish_reason": "function_call",
        "gen_ai.completion.0.function_call.name": "lookup",
        "gen_ai.completion.0.function_call.arguments": "{}",
        "llm.usage.total_tokens": 99,
    })
    assert call.provider == "openai" and call.operation == "chat" and call.total_tokens == 99
    assert call.input_tokens is None and call.output_tokens is None
    assert call.messages == [
        {"role": "system", "content": "Sys"},
        {"role": "user", "content": "Look\n[image]"},
        {"role": "tool", "content": "42", "tool_call_id": "t1"},
    ]
    assert call.tool_calls == [{"name": "lookup", "arguments": "{}"}]
    assert call.finish_reason == "function_call" and call.output is None


def test_openinference_io_values_when_there_are_no_message_attributes() -> None:
    call = _call("llm", {
        "openinference.span.kind": "LLM", "llm.model_name": "mistral-large-latest",
        "input.value": json.dumps({"messages": [{"role": "user", "content": "Bonjour"}]}),
        "input.mime_type": "application/json",
        "output.value": '{"not": "parsed"}', "output.mime_type": "text/plain",
        "llm.cost.total": "0.0021",
    })
    assert call.provider == "mistral" and call.messages == [{"role": "user", "content": "Bonjour"}]
    assert call.output == '{"not": "parsed"}' and call.cost_usd == 0.0021


def test_vercel_object_generation_and_embeddings() -> None:
    call = _call("ai.generateObject.doGenerate", {
        "ai.model.id": "gpt-4o", "ai.model.provider": "azure-openai.chat",
        "ai.response.object": '{"name": "Ada"}', "ai.usage.promptTokens": 3,
        "ai.settings.maxTokens": 20,
    })
    assert (call.provider, call.operation, call.max_tokens) == ("azure", "generateObject", 20)
    assert call.output == '{"name": "Ada"}' and call.parsed_output == {"name": "Ada"}
    embed = _call("ai.embedMany.doEmbed", {
        "ai.model.id": "text-embedding-3-small", "ai.model.provider": "openai.embedding",
        "ai.values": ['"first"', '"second"'], "ai.usage.tokens": 6,
    })
    assert (embed.operation, embed.input_tokens) == ("embedMany", 6)
    assert embed.messages == [{"role": "user", "content": '"first"'},
                              {"role": "user", "content": '"second"'}]


def test_seed_tracer_attributes() -> None:
    call = _call("llm.chat_completion", {
        "llm.model": "gpt-4o", "llm.operation": "chat_completion", "llm.message_count": 2,
        "llm.prompt_tokens": 41, "llm.completion_tokens": 12, "llm.total_tokens": 53,
    })
    assert (call.model, call.provider, call.operation) == ("gpt-4o", "openai", "chat_completion")
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (41, 12, 53)
    assert call.messages is None and call.output is None


def test_an_error_from_the_exception_event() -> None:
    exception = {"exception.type": "openai.RateLimitError",
                 "exception.message": "Error code: 429 - {'error': 'slow down'}",
                 "exception.stacktrace": "Traceback …"}
    span, call = _records("chat", {"gen_ai.system": "openai"}, status="error", events=[
        {"name": "exception", "ts": 1_795_000_001.0, "attributes": exception}])
    assert span.error == "openai.RateLimitError: Error code: 429 - {'error': 'slow down'}"
    assert call is not None and call.status == "error"
    assert call.error_type == "RateLimitError" and call.http_status == 429
    assert call.error_message == "Error code: 429 - {'error': 'slow down'}"


def test_error_type_attribute_wins_and_status_text_is_the_fallback_message() -> None:
    call = _call("chat", {"gen_ai.system": "openai", "error.type": "timeout"},
                 status="error", error="request timed out after 30s")
    assert (call.error_type, call.error_message) == ("timeout", "request timed out after 30s")


def test_an_exception_on_a_span_that_did_not_fail_is_no_error() -> None:
    span, call = _records("chat", {"gen_ai.system": "openai"}, events=[
        {"name": "exception", "ts": None, "attributes": {"exception.type": "RetryError"}}])
    assert span.error is None and call is not None and call.status == "ok"
    assert call.error_type is None


def test_ttft_from_the_first_chunk_event_and_chunks_are_not_calls() -> None:
    start = 1_795_000_000.0
    span, call = _records("ai.streamText.doStream", {"ai.model.id": "gpt-4o"}, events=[
        {"name": "ai.stream.firstChunk", "ts": start + 0.25, "attributes": {}},
        {"name": "ai.stream.finish", "ts": start + 1.0, "attributes": {}},
    ])
    assert call is not None and call.ttft_ms == 250.0
    assert len(span.events or []) == 2


def test_an_open_span_has_no_status_or_latency() -> None:
    span, call = _records("llm.chat_completion", {"llm.model": "gpt-4o"}, end=None)
    assert span.duration_ms is None and call is not None
    assert call.status is None and call.latency_ms is None


def test_missing_token_counts_stay_unknown() -> None:
    call = _call("chat", {"gen_ai.system": "openai", "gen_ai.usage.input_tokens": 0})
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (0, None, None)


@pytest.mark.parametrize(("value", "status"), [
    (0, "unset"), (1, "ok"), (2, "error"), ("2", "error"), ("STATUS_CODE_ERROR", "error"),
    ("STATUS_CODE_OK", "ok"), ("ERROR", "error"), ("StatusCode.UNSET", "unset"), ("ok", "ok"),
    ("error", "error"), (True, None), (7, None), (None, None), ({"code": 2}, None),
])
def test_status_spellings(value: Any, status: str | None) -> None:
    assert span_status(value) == status


def test_indexed_reads_a_flattened_list_in_index_order() -> None:
    attrs = {"p.10.role": "c", "p.2.role": "b", "p.0.role": "a", "p.0.content": "x",
             "p.x.role": "no", "p.٣.role": "no", "p.1": "no", "other.0.role": "no"}
    assert indexed(attrs, "p") == [{"role": "a", "content": "x"}, {"role": "b"}, {"role": "c"}]


# --- any JSON value under any known attribute -----------------------------------------------------

KNOWN_KEYS = [
    "gen_ai.system", "gen_ai.provider.name", "gen_ai.request.model", "gen_ai.operation.name",
    "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "gen_ai.response.finish_reasons",
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions",
    "gen_ai.tool.definitions", "gen_ai.prompt", "gen_ai.completion", "gen_ai.prompt.0.content",
    "gen_ai.prompt.0.role", "gen_ai.completion.0.tool_calls.0.name", "gen_ai.request.seed",
    "openinference.span.kind", "llm.model_name", "llm.invocation_parameters",
    "llm.input_messages.0.message.role", "llm.input_messages.0.message.content",
    "llm.input_messages.0.message.contents.0.message_content.text",
    "llm.output_messages.0.message.tool_calls.0.tool_call.function.name",
    "llm.tools.0.tool.json_schema",
    "input.value", "input.mime_type", "output.value", "llm.model", "llm.prompt_tokens",
    "ai.operationId", "ai.model.provider", "ai.prompt.messages", "ai.prompt.tools",
    "ai.response.toolCalls", "ai.response.text", "ai.response.object", "ai.values",
    "ai.response.msToFirstChunk", "ai.settings.maxTokens", "error.type", "session.id",
    "llm.request.functions.0.parameters", "http.response.status_code",
]
JSON_TEXT = JSON.map(json.dumps)
EVENT_NAMES = ["exception", "gen_ai.user.message", "gen_ai.choice", "gen_ai.content.prompt",
               "gen_ai.content.completion", "ai.stream.firstChunk", "gen_ai.tool.message"]


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(["chat", "ai.generateText.doGenerate", "llm.chat_completion", "x"]),
    attributes=st.dictionaries(st.sampled_from(KNOWN_KEYS), JSON | JSON_TEXT, max_size=6),
    events=st.lists(st.fixed_dictionaries({
        "name": st.sampled_from(EVENT_NAMES), "ts": st.none() | st.floats(),
        "attributes": st.dictionaries(
            st.sampled_from(["content", "message", "gen_ai.event.content", "exception.type",
                             "exception.message", "gen_ai.prompt", "tool_calls", "id"]),
            JSON | JSON_TEXT, max_size=3),
    }), max_size=3),
    status=st.sampled_from(["ok", "error", "unset"]),
)
def test_any_attribute_values_never_raise(name: str, attributes: dict[str, Any],
                                          events: list[dict[str, Any]], status: str) -> None:
    attributes = {"gen_ai.system": "openai", **attributes}
    span = Span(trace_id=TRACE, span_id=SPAN, name=name, start=1.0, end=2.0, status=status,
                attributes=attributes, events=events, dialect="test")
    for record in span_records(span, Context()):
        msgspec.convert(msgspec.to_builtins(record), type(record))
