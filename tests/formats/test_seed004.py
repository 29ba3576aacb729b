"""Seed 004: structlog ``llm_request`` entries (two sinks), the audit log and debug-mode
conversation files."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import audit, debug_conversation, normalize, structlog_entry
from llmview.core.formats.base import Context
from llmview.core.records import Call, Event, Problem
from tests.fixtures import seed004 as fixture
from tests.fixtures.fake_clients import START
from tests.formats._json_fuzz import altered, check_survives
from tests.formats._loglines import calls, events, objects, records, warnings

UTC = timezone.utc


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("seed004")
    fixture.write_structlog_log(directory)
    fixture.write_audit_log(directory)
    fixture.write_debug_conversations(directory)
    return directory


def _utc(moment: datetime) -> float:
    return moment.replace(tzinfo=UTC).timestamp()


# --- structlog entries ----------------------------------------------------------------------------


def test_two_sinks_make_one_call_each(directory: Path) -> None:
    structlog_log, log_file = directory / "structlog.log", directory / "llm_requests.jsonl"
    keys = {c.key for c in calls(log_file)}
    assert len(keys) == 3 and keys < {c.key for c in calls(structlog_log)}
    assert len(calls(structlog_log, log_file)) == 4
    assert warnings(structlog_log, log_file) == []


def test_a_traced_call_with_messages(directory: Path) -> None:
    call = calls(directory / "structlog.log", directory / "llm_requests.jsonl")[0]
    assert call.dialect == "structlog_entry" and call.key.startswith("req:")
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o", "chat")
    assert [m["role"] for m in call.messages or []] == ["system", "user"]
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (25, 7, 32)
    assert call.finish_reason == "stop" and call.status == "ok"
    assert (call.trace_id, call.span_id) == (fixture.TRACE_ID, "00000002")
    assert call.latency_ms == 500.0
    # utcnow() wrote the file sink's naive time; the call started latency_ms before it.
    assert call.ts == _utc(START) - 0.5


def test_naive_times_are_utc_whatever_the_zone(directory: Path) -> None:
    line = objects(directory / "llm_requests.jsonl")[0]
    tokyo = timezone(timedelta(hours=9))
    (a,), (b,) = normalize(line, Context()), normalize(line, Context(tz=tokyo))
    assert isinstance(a, Call) and isinstance(b, Call) and a.ts == b.ts


def test_a_tool_call_with_the_privacy_default(directory: Path) -> None:
    call = calls(directory / "structlog.log")[1]
    assert call.messages is None  # include_messages=False: not logged, not empty
    assert call.tool_calls == [{"name": "get_weather", "arguments": '{"city": "Paris"}'}]
    assert call.operation == "chat" and call.finish_reason == "tool_calls"
    assert call.span_id == "00000004"


def test_a_failed_call(directory: Path) -> None:
    call = calls(directory / "structlog.log")[2]
    assert call.status == "error" and call.error_type == "RateLimitError"
    assert call.http_status == 429 and "Rate limit reached" in (call.error_message or "")
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (None, None, None)
    assert call.trace_id is None  # log_error passes no tags


def test_the_simple_log_llm_request_variant(directory: Path) -> None:
    call = next(c for c in calls(directory / "structlog.log") if c.key == "req:simple-1")
    assert (call.model, call.provider) == ("gpt-4o-mini", "openai")
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (21, 2, 23)
    assert call.latency_ms == 812.5 and call.finish_reason == "stop" and call.status == "ok"
    logged = _utc(START + timedelta(milliseconds=30))  # the sixth tick of the 5 ms clock
    assert call.ts == pytest.approx(logged - 0.8125)


def test_other_structlog_lines_are_events(directory: Path) -> None:
    found = events(directory / "structlog.log")
    assert [(e.message, e.level) for e in found] == [
        ("retrieval_done", "info"), ("llm_error_diagnosed", "error")]


# --- audit log ------------------------------------------------------------------------------------


def test_audit_entries_are_events_with_their_hash(directory: Path) -> None:
    query, content_filter, data_access = events(directory / "audit.jsonl")
    assert {e.dialect for e in (query, content_filter, data_access)} == {"audit"}
    assert query.user == "usr_42" and query.ts == _utc(START)
    assert query.content_hash == hashlib.sha256(
        b"What is the capital of France?").hexdigest()
    assert query.message is not None and query.message.startswith("query gpt-4o ")
    assert "response_preview" in query.message
    assert content_filter.message is not None and "blocked" in content_filter.message
    assert data_access.content_hash is None and "kb-docs" in (data_access.message or "")
    assert warnings(directory / "audit.jsonl") == []


def _entry(query: str, content_hash: str) -> dict:
    return {"timestamp": "2026-11-20T09:30:00", "action": "data_access", "user_id": "u",
            "resource": "kb", "details": {"query": query}, "ip_address": None,
            "user_agent": None, "content_hash": content_hash}


def test_a_hash_is_checked_when_the_content_is_there() -> None:
    good = hashlib.sha256(b"capital of France").hexdigest()
    ok = normalize(_entry("capital of France", good.upper()), Context())
    assert [type(r) for r in ok] == [Event]
    tampered = normalize(_entry("capital of Spain", good), Context())
    assert isinstance(tampered[0], Event) and tampered[0].content_hash == good
    assert [r.reason for r in tampered if isinstance(r, Problem)] == [
        "audit: content_hash does not match the SHA-256 of the logged content"]


# --- debug conversations --------------------------------------------------------------------------


def test_each_debug_file_is_a_call_and_a_session(directory: Path) -> None:
    first, second = sorted(directory.glob("debug_conversation_*.json"))
    (a,), (b,) = calls(first), calls(second)
    assert a.dialect == "debug_conversation" and a.key == ""
    assert a.session == "debug_conversation_20261120_093000" != b.session
    assert a.ts == START.timestamp()  # datetime.now() in the name: local time
    assert b.ts == (START + timedelta(seconds=7)).timestamp()
    assert (a.model, a.provider, a.status) == ("gpt-4o-2024-08-06", "openai", "ok")
    assert (a.input_tokens, a.output_tokens, a.total_tokens) == (25, 7, 32)
    assert a.output == "The capital of France is Paris."
    assert [m["role"] for m in b.messages or []] == ["system", "user", "assistant", "user"]


def test_a_debug_document_under_another_name_has_no_time() -> None:
    doc = {"messages": [], "response": "x", "model": "gpt-4o", "usage": {}}
    (call,) = normalize(doc, Context(path="saved.json"))
    assert isinstance(call, Call) and call.ts is None and call.session == "saved"


# --- every field, any value -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples(directory: Path) -> dict[str, list[dict]]:
    return {
        "structlog": objects(directory / "structlog.log")[:4]
        + objects(directory / "llm_requests.jsonl"),
        "audit": objects(directory / "audit.jsonl"),
        "debug": [o for p in sorted(directory.glob("debug_*.json")) for o in objects(p)],
    }


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_in_any_field_survives(samples: dict[str, list[dict]],
                                         data: st.DataObject) -> None:
    check_survives(structlog_entry.DIALECT, altered(data, samples["structlog"]))
    check_survives(audit.DIALECT, altered(data, samples["audit"]))
    check_survives(debug_conversation.DIALECT, altered(data, samples["debug"]))


def test_the_generated_files_match_expected(directory: Path) -> None:
    paths = sorted(p for p in directory.iterdir() if p.is_file())
    assert len(calls(*paths)) == fixture.EXPECTED["calls"]
    assert len(events(*paths)) == fixture.EXPECTED["events"]
    assert not [r for p in paths for r in records(p) if isinstance(r, Problem)]
