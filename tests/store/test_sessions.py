"""Sessions over a real index of real log files: grouping by each dialect's session fields, the
list's figures and search, a thread read back from the index, live rebuilds and the two CLI
commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from llmview.cli import main
from llmview.core.index import Index
from llmview.core.pricing import PriceBook
from llmview.core.sessions import Sessions
from tests.fixtures import langfuse, langsmith

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc).timestamp()
SYSTEM = {"role": "system", "content": "You are a travel assistant."}


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(T0 + seconds, timezone.utc).isoformat().replace("+00:00", "Z")


def jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        out.writelines(json.dumps(record) + "\n" for record in records)


def seed003(n: int, second: float, session: str, messages: list[dict[str, Any]],
            answer: str) -> list[dict[str, Any]]:
    """Seed 003's request and response lines (``session_id``)."""
    rid = f"00000000-0000-4000-8000-{n:012d}"
    return [{"request_id": rid, "timestamp": iso(second), "model": "gpt-4o", "messages": messages,
             "user_id": "alice", "session_id": session, "trace_id": None},
            {"request_id": rid, "timestamp": iso(second + 1), "content": answer,
             "finish_reason": "stop", "prompt_tokens": 20 * n, "completion_tokens": 5,
             "total_tokens": 20 * n + 5, "latency_ms": 900.0, "estimated_cost": 0.001,
             "error": None}]


def interaction(n: int, second: float, application: dict[str, Any],
                question: str = "hi") -> dict[str, Any]:
    """Seed 001's ``llm_interaction`` (``application.session_id``)."""
    return {"event": "llm_interaction", "request_id": f"int-{n}", "timestamp": T0 + second,
            "application": application, "model": "gpt-4o-mini",
            "prompt_messages": [{"role": "user", "content": question}],
            "llm_raw_response": {"choices": [{"message": {"role": "assistant",
                                                          "content": f"answer {n}"}}],
                                 "usage": {"prompt_tokens": 10, "completion_tokens": 3}}}


def otlp_span(n: int, second: float, attributes: dict[str, str]) -> dict[str, Any]:
    """A GenAI chat span in OTLP JSON (``session.id`` or ``gen_ai.conversation.id``)."""
    start = int((T0 + second) * 1e9)
    attrs = {"gen_ai.operation.name": "chat", "gen_ai.system": "openai",
             "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": "12",
             "gen_ai.usage.output_tokens": "4", **attributes}
    return {"resourceSpans": [{"resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "otel-app"}}]},
        "scopeSpans": [{"spans": [{
            "traceId": f"{n:032x}", "spanId": f"{n:016x}", "name": "chat gpt-4o", "kind": 3,
            "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 700_000_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "status": {}}]}]}]}


def structlog_entry(n: int, second: float, tags: dict[str, str]) -> dict[str, Any]:
    """Seed 004's ``LLMLogEntry`` through structlog, the session only in ``tags``."""
    return {"request_id": f"sl-{n}", "timestamp": iso(second), "model": "gpt-4o",
            "provider": "openai", "operation": "completion", "prompt_tokens": 30,
            "completion_tokens": 6, "finish_reason": "stop", "latency_ms": 500.0,
            "messages": [SYSTEM, {"role": "user", "content": f"question {n}"}],
            "user_id": "bob", "tags": tags, "event": "llm_request", "level": "info"}


def debug_conversation(directory: Path, stamp: str, question: str) -> None:
    """Seed 004's debug-mode dump: one pretty file per call."""
    (directory / f"debug_conversation_{stamp}.json").write_text(json.dumps({
        "messages": [SYSTEM, {"role": "user", "content": question}], "response": "sure",
        "model": "gpt-4o", "usage": {"prompt_tokens": 9, "completion_tokens": 2}}, indent=2))


def write_logs(logs: Path) -> None:
    q1 = [SYSTEM, {"role": "user", "content": "Flights to Paris? mail jane@acme.io"}]
    q2 = [*q1, {"role": "assistant", "content": "Three flights."},
          {"role": "user", "content": "And hotels?"}]
    jsonl(logs / "llm_logs_2026-11-20.jsonl",
          seed003(1, 0, "s003", q1, "Three flights.") + seed003(2, 60, "s003", q2, "Two hotels."))
    faq = {"name": "faq", "user_id": "carol"}
    jsonl(logs / "interactions.jsonl", [
        interaction(1, 10, {**faq, "session_id": "s001"}),
        interaction(2, 20, {**faq, "session_id": "s001"}),
        # no usable session id: grouped by user and app, a pause over 30 minutes splits them
        interaction(3, 100, {**faq, "session_id": "unknown"}, "first visit"),
        interaction(4, 700, {**faq, "session_id": "unknown"}),
        interaction(5, 700 + 45 * 60, {**faq, "session_id": "unknown"}, "second visit"),
        interaction(6, 800, {"name": "faq"}),  # neither a session nor a user: no session
    ])
    jsonl(logs / "otlp.jsonl", [otlp_span(1, 30, {"session.id": "s-otel"}),
                                otlp_span(2, 40, {"session.id": "s-otel"}),
                                otlp_span(3, 50, {"gen_ai.conversation.id": "conv-genai"})])
    jsonl(logs / "chatbot" / "app.jsonl", [structlog_entry(1, 5, {"session_id": "s-tags"}),
                                           structlog_entry(2, 15, {"session_id": "s-tags"})])
    debug = logs / "debug"
    debug.mkdir()
    debug_conversation(debug, "20261120_090001", "debug one")
    debug_conversation(debug, "20261120_090002", "debug two")
    langfuse.write_exports(logs / "langfuse")
    langsmith.write_batches(logs / "langsmith")


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sessions") / "logs"
    directory.mkdir()
    write_logs(directory)
    return directory


@pytest.fixture(scope="module")
def index(logs: Path) -> Iterator[Index]:
    opened = Index.open([str(logs)], index_path=None, tz=timezone.utc)
    opened.refresh(final=True)
    yield opened
    opened.close()


def listed(index: Index, query: str = "") -> dict[str, dict[str, Any]]:
    return {row["session"]: row for row in index.sessions.page(query, limit=1000)}


# --- grouping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("session", "turns", "field"), [
    ("s003", 2, "seed 003 session_id"),
    ("s001", 2, "seed 001 application.session_id"),
    ("s-otel", 2, "OpenTelemetry session.id"),
    ("conv-genai", 1, "GenAI gen_ai.conversation.id"),
    ("s-tags", 2, "structlog tags"),
    ("debug_conversation_20261120_090001", 1, "a debug conversation file"),
    ("debug_conversation_20261120_090002", 1, "another debug conversation file"),
    ("chat-session-19", None, "Langfuse sessionId"),
    ("thread-42", None, "LangSmith metadata thread_id"),
])
def test_calls_are_grouped_by_each_dialects_session_field(index: Index, session: str,
                                                         turns: int | None, field: str) -> None:
    row = listed(index).get(session)
    assert row is not None, f"{field}: no session {session}"
    assert row["kind"] == "id"
    if turns is not None:
        assert row["turns"] == turns, field


def test_calls_without_a_session_are_visits_of_a_user_split_by_a_pause(index: Index) -> None:
    visits = {key: row for key, row in listed(index, "user:carol").items()
              if row["kind"] == "visit"}
    assert sorted(visits) == ["carol/faq/20261120T090140Z", "carol/faq/20261120T095640Z"]
    assert [visits[k]["turns"] for k in sorted(visits)] == [2, 1]
    assert "unknown" not in listed(index)
    assert sum(row["turns"] for row in listed(index, "app:faq").values()) == 5  # not int-6


def test_the_list_figures(index: Index) -> None:
    row = listed(index)["s003"]
    assert (row["user_id"], row["turns"], row["models"], row["errors"]) == \
        ("alice", 2, "gpt-4o", 0)
    assert row["tokens"] == 25 + 45
    assert row["cost"] == pytest.approx(0.002)  # as logged
    assert row["first_message"].startswith("Flights to Paris?")
    assert row["first_ts"] < row["last_ts"]


def test_the_list_is_searched_with_the_query_language(index: Index) -> None:
    assert set(listed(index, "session:s00*")) == {"s001", "s003"}
    assert set(listed(index, "user:alice")) == {"s003"}
    assert set(listed(index, '"flights to paris"')) == {"s003"}
    assert "s003" not in listed(index, "since:2026-11-20T10:00")
    assert set(listed(index, "turns>1 app:faq")) == {"s001", "carol/faq/20261120T090140Z"}
    assert index.sessions.count("turns>1 app:faq") == 2


def test_sorting_and_paging(index: Index) -> None:
    sessions = index.sessions
    newest = sessions.page(limit=3)
    assert [r["last_ts"] for r in newest] == sorted((r["last_ts"] for r in newest),
                                                    reverse=True)
    assert sessions.page(offset=1, limit=2) == newest[1:]
    by_turns = sessions.page(sort="turns", limit=50)
    assert [r["turns"] for r in by_turns] == sorted((r["turns"] for r in by_turns), reverse=True)
    oldest = sessions.page(sort="time", descending=False, limit=1)[0]
    assert oldest["last_ts"] == min(r["last_ts"] for r in listed(index).values()
                                    if r["last_ts"] is not None)


# --- one session ------------------------------------------------------------------------------


def test_a_thread_is_read_back_from_the_index(index: Index) -> None:
    thread = index.sessions.thread("s003")
    assert [t.call["key"] for t in thread.turns] == [
        "req:00000000-0000-4000-8000-000000000001", "req:00000000-0000-4000-8000-000000000002"]
    shown = [(e.kind, e.message["content"]) for t in thread.turns for e in t.entries]
    assert shown == [("new", SYSTEM["content"]), ("new", "Flights to Paris? mail jane@acme.io"),
                     ("response", "Three flights."), ("new", "And hotels?"),
                     ("response", "Two hotels.")]
    assert thread.turns[1].call["cost"] == pytest.approx(0.001)


def test_a_thread_by_unique_prefix_and_a_visit_thread(index: Index) -> None:
    assert index.sessions.thread("debug_conversation_20261120_09000") is None  # two match
    assert index.sessions.thread("s-ot").session["session"] == "s-otel"
    visit = index.sessions.thread("carol/faq/20261120T090140Z")
    assert [t.call["key"] for t in visit.turns] == ["req:int-3", "req:int-4"]


# --- live -------------------------------------------------------------------------------------


def test_the_list_is_rebuilt_only_when_calls_changed(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    q1 = [SYSTEM, {"role": "user", "content": "hi"}]
    jsonl(logs / "llm_logs_2026-11-20.jsonl", seed003(1, 0, "live", q1, "hello"))
    index = Index.open([str(logs)], index_path=None, tz=timezone.utc)
    index.refresh(final=True)
    sessions = Sessions(index, prices=PriceBook())
    assert sessions.refresh() is True
    assert sessions.refresh() is False
    assert sessions.page()[0]["turns"] == 1
    jsonl(logs / "llm_logs_2026-11-20.jsonl", seed003(2, 60, "live", q1, "again")[:1])
    index.refresh(final=True)
    assert sessions.refresh() is True
    assert sessions.page()[0]["turns"] == 2
    # the response of a request already listed: a merge, not a new call
    jsonl(logs / "llm_logs_2026-11-20.jsonl", seed003(2, 60, "live", q1, "again")[1:])
    index.refresh(final=True)
    assert sessions.refresh() is True
    assert sessions.page()[0]["tokens"] == 25 + 45
    index.close()


# --- the commands -----------------------------------------------------------------------------


def test_sessions_command(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", str(logs), "--no-index", "--json", "--query", "user:alice"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["session"], r["turns"]) for r in rows] == [("s003", 2)]
    assert "jane@acme.io" not in rows[0]["first_message"]  # masked by default
    assert main(["sessions", str(logs), "--no-index", "--query", "session:s-otel"]) == 0
    assert "s-otel" in capsys.readouterr().out


def test_session_command(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", str(logs), "s003", "--no-index"]) == 0
    text = capsys.readouterr().out
    assert "session s003" in text and "2 turns" in text
    assert "turn 2" in text and "+1 new" in text and "And hotels?" in text
    assert "jane@acme.io" not in text and "‹EMAIL-" in text
    assert main(["session", str(logs), "s003", "--no-index", "--json", "--unmasked"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["session"]["session"] == "s003"
    assert data["turns"][0]["messages"][1]["content"] == "Flights to Paris? mail jane@acme.io"


def test_session_command_reports_an_unknown_session(logs: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", str(logs), "nope", "--no-index"]) == 1
    assert "no session 'nope'" in capsys.readouterr().err
