"""The search language: every feature compiled and run against a real DuckDB index with known rows,
error positions for each kind of mistake, and a property test that no text yields a DuckDB error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmview.core.query import TARGETS, Compiled, QueryError, compile_query, parse
from llmview.core.schema import DDL

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
T1 = "4bf92f3577b34da6a3ce929d0e0e4736"
T2 = "abcdef0123456789abcdef0123456789"

CALL_COLUMNS = (
    "key", "shadowed", "ts", "request_id", "app", "user_id", "session", "conversation",
    "trace_id", "span_id", "provider", "model", "operation", "temperature", "messages", "tools",
    "tool_calls", "output", "finish_reason", "input_tokens", "output_tokens", "total_tokens",
    "latency_ms", "ttft_ms", "status", "error_type", "error_message", "cost_usd", "dialect",
    "search_text",
)
CALLS: list[tuple[Any, ...]] = [
    ("c1", False, "2026-11-20 11:30:00", "req_AB12", "rag-api", "alice", "s-abc", None,
     T1, "00f067aa0ba902b7", "openai", "gpt-4o", "chat", 0.7,
     '[{"role": "user", "content": "capital?"}]', '[{"name": "search"}]', None,
     "Paris is the capital", "stop", 800, 400, None, 2500.0, 300.0, "ok", None, None, 0.02,
     "seed003", "what is the capital of france? paris is the capital 100%_done"),
    ("c2", False, "2026-11-20 09:00:00", "req_CD34", "chat-ui", "bob", None, "conv-9",
     T2, "1111222233334444", "openai", "gpt-4o-mini", "chat", 0.0, "[]", "[]", None,
     None, None, None, None, 50, 150.0, None, "error", "RateLimitError", "Rate limit exceeded",
     None, "litellm", "summarize this document\nratelimiterror rate limit exceeded"),
    ("c3", False, "2026-11-18 08:00:00", "XYZ-9", "rag-api", "ALICE-2", "s-def", None,
     None, None, "anthropic", "claude-3-5-sonnet", "chat", None, None, None, None,
     None, None, None, None, None, None, None, None, None, None, None, "seed003", None),
    ("c4", False, "2026-11-20 11:59:00", None, "agent", "carol", "s-abc", None,
     "Custom-Trace-XYZ", None, "anthropic", "Claude-3-Haiku", "chat", 1.0, None, None,
     '[{"name": "get_weather", "arguments": "{}"}]', "", "tool_calls", 2_000_000, 10, None,
     60000.0, 900.0, "ok", None, None, 1.5, "seed004",
     'get_weather {"city": "berlin"} it is "sunny" \\ 50% off'),
    ("c5", True, "2026-11-20 11:00:00", "req_AB12", "rag-api", "alice", "s-abc", None,
     T1, "00f067aa0ba902b7", "openai", "gpt-4o", "chat", 0.7, None, None, None,
     None, None, None, None, None, 2500.0, None, "ok", None, None, None, "otel", "capital"),
]
SPANS = [
    ("t1", "s1", None, "POST /ask", "http", "rag-api", "2026-11-20 11:30:00", 3000.0, "ok", None),
    ("t1", "s2", "s1", "ChatCompletion", "llm", "rag-api", "2026-11-20 11:30:01", 2500.0,
     "error", "Timeout waiting"),
    ("t2", "s3", None, "retrieve", "retrieval", "indexer", "2026-11-19 10:00:00", 40.0, None,
     None),
]
TRACES = [
    ("t1aaaa", "POST /ask", "rag-api", 3000.0, 2, 1, 1, 1200, 0.02, "2026-11-20 11:30:00"),
    ("t2bbbb", "retrieve", "indexer", 40.0, 1, 0, 0, None, None, "2026-11-19 10:00:00"),
]
EVENTS = [
    (1, "2026-11-20 11:00:00", "INFO", "user logged in", "rag-api", "alice", "s-abc", T1,
     "seed004", "user logged in"),
    (2, "2026-11-19 11:00:00", "ERROR", "db down", "worker", None, None, None, "loguru",
     "db down"),
]
PROBLEMS = [
    (1, 7, "error", "not JSON", "{oops"),
    (2, 9, "warning", "dropped field usage", '{"usage": "NaN"}'),
]
SESSIONS = [  # the list core/sessions.py builds: one row per session
    ("s-abc", "alice", "rag-api", "gpt-4o, gpt-4o-mini", 5, 1, 4200, 0.05,
     "2026-11-20 09:00:00", "2026-11-20 11:30:00", "what is the capital of france?"),
    ("alice/chat-ui/20261118T080000Z", "alice", "chat-ui", "claude-3-5-sonnet", 1, 0, None,
     None, "2026-11-18 08:00:00", "2026-11-18 08:00:00", "hello there"),
]
RELATION = {"calls": "llm_calls", "spans": "spans", "traces": "traces", "events": "events",
            "problems": "problems", "sessions": "sessions"}
KEY = {"calls": "key", "spans": "span_id", "traces": "trace_id", "events": "seq",
       "problems": "seq", "sessions": "session"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(Path(tmp_path_factory.mktemp("query")) / "index.duckdb"))
    con.execute(DDL)
    marks = ", ".join("?" * len(CALL_COLUMNS))
    con.executemany(f"INSERT INTO calls ({', '.join(CALL_COLUMNS)}) VALUES ({marks})", CALLS)
    con.executemany("INSERT INTO spans (trace_id, span_id, parent_id, name, kind, service,"
                    " start_ts, duration_ms, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    SPANS)
    con.executemany("INSERT INTO traces (trace_id, root_name, service, duration_ms, spans, errors,"
                    " calls, tokens, cost, start_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    TRACES)
    con.executemany("INSERT INTO events (seq, ts, level, message, app, user_id, session,"
                    " trace_id, dialect, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    EVENTS)
    con.executemany("INSERT INTO problems (seq, line_no, severity, reason, raw)"
                    " VALUES (?, ?, ?, ?, ?)", PROBLEMS)
    con.execute("CREATE TABLE sessions (session VARCHAR, user_id VARCHAR, app VARCHAR,"
                " models VARCHAR, turns BIGINT, errors BIGINT, tokens HUGEINT, cost DOUBLE,"
                " first_ts TIMESTAMP, last_ts TIMESTAMP, search_text VARCHAR)")
    con.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", SESSIONS)
    return con


def run(db: duckdb.DuckDBPyConnection, compiled: Compiled, target: str = "calls") -> list[Any]:
    key = KEY[target]
    sql = f"SELECT {key} FROM {RELATION[target]} WHERE {compiled.where} ORDER BY {key}"
    return [row[0] for row in db.execute(sql, compiled.params).fetchall()]


def match(db: duckdb.DuckDBPyConnection, text: str, target: str = "calls") -> list[Any]:
    return run(db, compile_query(text, target, now=NOW, tz=timezone.utc), target)


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["c1", "c2", "c3", "c4"]),
    ("model:gpt-4o", ["c1"]),
    ("model:GPT-4O", ["c1"]),
    ("model:claude-3-haiku", ["c4"]),
    ("model:gpt-4*", ["c1", "c2"]),
    ("model:gpt-4o,claude-3-5-sonnet", ["c1", "c3"]),
    ('model:"gpt-4o-mini"', ["c2"]),
    ('model:"gpt-4o",gpt-4o-mini', ["c1", "c2"]),
    ("-model:gpt-4o", ["c2", "c3", "c4"]),
    ("-model:gpt-4*,claude*", []),
    ("Model:gpt-4o", ["c1"]),
    ("provider:anthropic", ["c3", "c4"]),
    ("system:openai", ["c1", "c2"]),
    ("app:rag-api", ["c1", "c3"]),
    ("operation:chat finish:stop", ["c1"]),
    ("finish_reason:tool_calls", ["c4"]),
    ("dialect:seed003", ["c1", "c3"]),
])
def test_enum_fields(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("status:ok", ["c1", "c4"]),
    ("status:ERROR", ["c2"]),
    ("status:pending", ["c3"]),
    ("status:ok,pending", ["c1", "c3", "c4"]),
    ("-status:ok", ["c2", "c3"]),
    ("has:tools", ["c1"]),
    ("has:tool_calls", ["c4"]),
    ("has:messages", ["c1"]),
    ("has:error", ["c2"]),
    ("has:output", ["c1"]),
    ("has:cost", ["c1", "c4"]),
    ("has:trace", ["c1", "c2", "c4"]),
    ("-has:trace", ["c3"]),
    ("has:tools,tool_calls", ["c1", "c4"]),
])
def test_closed_fields(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("user:alice", ["c1"]),
    ("user:ali*", ["c1"]),
    ("user:ALICE*", ["c3"]),
    ("session:s-abc", ["c1", "c4"]),
    ("session:conv-9", ["c2"]),
    ("conversation:conv-9", ["c2"]),
    (f"trace:{T1}", ["c1"]),
    (f"trace:0x{T1.upper()}", ["c1"]),
    ("trace:4bf9", ["c1"]),
    ("trace:0X4BF9", ["c1"]),
    ("trace:4bf", []),  # under 4 characters: exact only
    ("trace:4b*", ["c1"]),
    ("trace:abcd,4bf9", ["c1", "c2"]),
    ("trace:Custom-Trace-XYZ", ["c4"]),
    ("trace_id:custom-trace-xyz", []),  # ids that are not hex keep their case
    ("span:00F067AA", ["c1"]),
    ("id:req_AB12", ["c1"]),
    ("id:req_", ["c1", "c2"]),
    ("id:XYZ-9", ["c3"]),
    ("id:c4", ["c4"]),  # the key, exact
    ("request_id:req_CD34", ["c2"]),
    ("-user:alice", ["c2", "c3", "c4"]),
])
def test_id_fields(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("latency>2s", ["c1", "c4"]),
    ("latency>2500", ["c4"]),
    ("latency>=2500", ["c1", "c4"]),
    ("latency<200ms", ["c2"]),
    ("latency<=0.15s", ["c2"]),
    ("latency>=1m", ["c4"]),
    ("latency<1h", ["c1", "c2", "c4"]),
    ("latency:150", ["c2"]),
    ("latency=2.5s", ["c1"]),
    ("latency:150,2500", ["c1", "c2"]),
    ("-latency>2s", ["c2", "c3"]),  # an unknown latency is not over 2s
    ("ttft>500", ["c4"]),
    ("tokens>1000", ["c1", "c4"]),
    ("tokens>1.5k", ["c4"]),
    ("tokens>1.5M", ["c4"]),
    ("tokens<=1.2K", ["c1", "c2"]),
    ("tokens:50", ["c2"]),
    ("input>1m", ["c4"]),
    ("output<100", ["c4"]),
    ("cost>0.01", ["c1", "c4"]),
    ("cost>$1", ["c4"]),
    ("cost<.05", ["c1"]),
    ("temperature<=0.5", ["c2"]),
    ("temp:1", ["c4"]),
    ("TOKENS>1k LATENCY>1s", ["c1", "c4"]),
])
def test_numeric_fields(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("capital", ["c1"]),
    ("CAPITAL Paris", ["c1"]),
    ('"the capital of"', ["c1"]),
    ('"rate limit"', ["c2"]),
    ("100%_done", ["c1"]),
    ("%", ["c1", "c4"]),
    ("_", ["c1", "c4"]),
    ("\\", ["c4"]),
    ('"\\"sunny\\""', ["c4"]),
    ('"\\\\ 50"', ["c4"]),
    ("-capital", ["c2", "c3", "c4"]),  # a call without text is kept by an exclusion
    ('-"rate limit" -capital', ["c3", "c4"]),
    ("error:ratelimit", ["c2"]),
    ("error:EXCEEDED", ["c2"]),
    ('error:"limit exc"', ["c2"]),
    ("text:berlin", ["c4"]),
    ("12:30", []),  # not a field name: a word
    ('"model:gpt-4o"', []),
])
def test_free_text(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("capital OR rate", ["c1", "c2"]),
    ("model:gpt-4o OR provider:anthropic", ["c1", "c3", "c4"]),
    ("model:gpt-4o OR provider:anthropic status:ok", ["c1", "c4"]),
    ("status:ok model:gpt-4o OR model:claude*", ["c1", "c4"]),
    ("a OR b OR capital", ["c1", "c2", "c4"]),
    ("-has:trace OR latency>=1m", ["c3", "c4"]),
    ("status:ok AND has:cost", ["c1", "c4"]),
    ("or", ["c2"]),  # lower case: just a word ("ratelimiterror")
])
def test_or_and(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("since:1h", ["c1", "c4"]),
    ("since:30m", ["c1", "c4"]),
    ("since:90s", ["c4"]),
    ("since:2d", ["c1", "c2", "c4"]),
    ("since:1w", ["c1", "c2", "c3", "c4"]),
    ("until:1h", ["c2", "c3"]),
    ("since:2026-11-20", ["c1", "c2", "c4"]),
    ("since:2026-11-20T10:00", ["c1", "c4"]),
    ("since:2026-11-20T11:30:00Z", ["c1", "c4"]),
    ("since:2026-11-20T13:30+02:00", ["c1", "c4"]),
    ("since:2026-11-20T06:30-0500", ["c1", "c4"]),
    ('since:"2026-11-20 11:59"', ["c4"]),
    ("until:2026-11-18", ["c3"]),  # a date includes its whole day
    ("until:2026-11-20T09:00", ["c3"]),
    ("since:2026-11-19 until:2026-11-20T10:00", ["c2"]),
    ("after:3h before:1h", ["c2"]),
])
def test_time_range(db: duckdb.DuckDBPyConnection, query: str, expected: list[str]) -> None:
    assert match(db, query) == expected


def test_time_range_is_reported_in_utc() -> None:
    compiled = compile_query("since:1h until:2026-11-20T13:00+02:00 since:2h", now=NOW)
    assert compiled.since == datetime(2026, 11, 20, 11, 0)
    assert compiled.until == datetime(2026, 11, 20, 11, 0)
    assert compile_query("model:x", now=NOW).since is None


def test_naive_times_use_the_given_zone() -> None:
    zone = timezone(timedelta(hours=2))
    compiled = compile_query("since:2026-11-20T10:00", tz=zone)
    assert compiled.since == datetime(2026, 11, 20, 8, 0)


def test_naive_times_default_to_local_zone() -> None:
    compiled = compile_query("since:2026-11-20T10:00")
    expected = datetime(2026, 11, 20, 10, 0).astimezone(timezone.utc).replace(tzinfo=None)
    assert compiled.since == expected


def test_naive_now_is_utc() -> None:
    compiled = compile_query("since:1h", now=datetime(2026, 1, 1, 12, 0))
    assert compiled.since == datetime(2026, 1, 1, 11, 0)


def test_time_compares_the_bare_column() -> None:
    """Zonemaps only help when ts itself is compared to a bound timestamp."""
    compiled = compile_query("since:1h until:10m", now=NOW)
    assert compiled.where == "ts >= ? AND ts < ?"
    assert all(isinstance(p, datetime) and p.tzinfo is None for p in compiled.params)


@pytest.mark.parametrize(("target", "query", "expected"), [
    ("spans", "trace:t1", ["s1", "s2"]),
    ("spans", "parent:s1", ["s2"]),
    ("spans", "name:chat", ["s2"]),
    ("spans", "kind:LLM", ["s2"]),
    ("spans", "service:rag-api status:error", ["s2"]),
    ("spans", "status:unset", ["s3"]),
    ("spans", "error:timeout", ["s2"]),
    ("spans", "duration>1s", ["s1", "s2"]),
    ("spans", "since:2026-11-20", ["s1", "s2"]),
    ("spans", "has:parent", ["s2"]),
    ("spans", "has:error", ["s2"]),
    ("spans", "timeout", ["s2"]),
    ("spans", "post", ["s1"]),
    ("traces", "trace:t1aa", ["t1aaaa"]),
    ("traces", "name:ask", ["t1aaaa"]),
    ("traces", "status:error", ["t1aaaa"]),
    ("traces", "status:ok", ["t2bbbb"]),
    ("traces", "spans>1", ["t1aaaa"]),
    ("traces", "duration<1s", ["t2bbbb"]),
    ("traces", "tokens>1k cost>0.01", ["t1aaaa"]),
    ("traces", "until:2026-11-19", ["t2bbbb"]),
    ("traces", "retrieve", ["t2bbbb"]),
    ("traces", "has:calls", ["t1aaaa"]),
    ("events", "level:error", [2]),
    ("events", "user:alice session:s-abc", [1]),
    ("events", "trace:4BF9", [1]),
    ("events", "app:worker", [2]),
    ("events", "dialect:loguru OR has:trace", [1, 2]),
    ("events", "since:1d", [1]),
    ("events", "logged", [1]),
    ("problems", "severity:warning", [2]),
    ("problems", "reason:json", [1]),
    ("problems", "oops", [1]),
    ("problems", "nan", [2]),
    ("problems", "line>8", [2]),
    ("sessions", "session:s-ab", ["s-abc"]),
    ("sessions", "user:alice app:chat-ui", ["alice/chat-ui/20261118T080000Z"]),
    ("sessions", "model:gpt-4o-mini", ["s-abc"]),
    ("sessions", "turns>1 tokens>4k cost>0.01", ["s-abc"]),
    ("sessions", "has:error", ["s-abc"]),
    ("sessions", "-has:cost", ["alice/chat-ui/20261118T080000Z"]),
    ("sessions", "capital", ["s-abc"]),
    # a session overlaps the range: active after since:, started before until:
    ("sessions", "since:2026-11-20T10:00", ["s-abc"]),
    ("sessions", "until:2026-11-20T10:00", ["alice/chat-ui/20261118T080000Z", "s-abc"]),
    ("sessions", "until:2026-11-19", ["alice/chat-ui/20261118T080000Z"]),
])
def test_other_targets(db: duckdb.DuckDBPyConnection, target: str, query: str,
                       expected: list[Any]) -> None:
    assert match(db, query, target) == expected


SAMPLE = {"text": "x", "enum": "x", "id": "abcd", "number": "1", "duration_ms": "1s",
          "tokens": "1k", "cost": "$1", "time": "1h"}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_field_compiles_to_valid_sql(db: duckdb.DuckDBPyConnection, target: str) -> None:
    for field in TARGETS[target].values():
        values = [name for name, _ in field.choices] or [SAMPLE[field.kind]]
        for value in values:
            for op in (":", ">") if field.kind in ("number", "duration_ms", "tokens", "cost") \
                    else (":",):
                for name in (field.name, *field.aliases):
                    run(db, compile_query(f"-{name}{op}{value}" if field.kind != "time"
                                          else f"{name}{op}{value}", target, now=NOW), target)


def test_values_are_bound_not_spliced() -> None:
    compiled = compile_query("model:\"x' OR 1=1 --\" \"'); DROP TABLE calls; --\" user:o'brien")
    assert "1=1" not in compiled.where and "DROP" not in compiled.where
    assert "brien" not in compiled.where
    assert compiled.params == ["x' or 1=1 --", "'); drop table calls; --", "o'brien"]


def test_parse_positions() -> None:
    terms = parse('  -model:"a b",c latency>=2s OR "x y" word')
    assert [(t.kind, t.start, t.end, t.negated) for t in terms] == [
        ("field", 2, 16, True), ("field", 17, 28, False), ("or", 29, 31, False),
        ("phrase", 32, 37, False), ("word", 38, 42, False)]
    model = terms[0]
    assert (model.field, model.op) == ("model", ":")
    assert [(v.text, v.start, v.end, v.quoted) for v in model.values] == [
        ("a b", 9, 14, True), ("c", 15, 16, False)]
    assert terms[1].op == ">=" and terms[1].values[0].text == "2s"


@pytest.mark.parametrize(("query", "position", "length", "needle"), [
    ('model:gpt "unclosed', 10, 9, "unclosed quote"),
    ('model:"gpt', 6, 4, "unclosed quote"),
    ("model:", 6, 0, "expected a value"),
    ("model: gpt", 6, 0, "expected a value"),
    ("model:a,", 8, 0, "expected a value"),
    ('model:""', 6, 2, "expected a value"),
    ('""', 0, 2, "empty phrase"),
    ("x -", 2, 1, "after '-'"),
    ("latency>2x", 8, 2, "expected a duration like 2s or 500ms"),
    ("tokens>1.5g", 7, 4, "token count"),
    ("cost>€1", 5, 2, "cost in dollars"),
    ("temperature>hot", 12, 3, "a number"),
    ("tokens>1,2", 9, 1, "a list of values needs ':'"),
    ("since:yesterday", 6, 9, "expected a time"),
    ("until:2026-02-30", 6, 10, "not a usable time"),
    ("since:2026-11-20T10:00+25:00", 6, 22, "not a usable time"),
    ("since:99999999999w", 6, 12, "not a usable time"),
    ("since>1h", 0, 8, "expected one time"),
    ("since:1h,2h", 9, 2, "expected one time"),
    ("-since:1h", 0, 9, "cannot be negated"),
    ("since:1h OR x", 0, 8, "joined with OR"),
    ("x modle:gpt", 2, 5, "did you mean model?"),
    ("-Modle:gpt", 1, 5, "unknown field 'Modle'"),
    ("http://example.com", 0, 4, "unknown field 'http'"),
    ("has:tool", 4, 4, "did you mean tools?"),
    ("has:tools,magic", 10, 5, "expected one of tools"),
    ("status:eror", 7, 4, "did you mean error?"),
    ("model>gpt", 5, 1, "compares numbers"),
    ("-user<=3", 5, 2, "compares numbers"),
    ("model:*", 6, 1, "before '*'"),
    ("OR x", 0, 2, "expected a term before"),
    ("x OR", 2, 2, "expected a term after"),
    ("x OR AND y", 5, 3, "expected a term before"),
    ("latency>1" + "0" * 400, 8, 401, "too large"),
])
def test_error_positions(query: str, position: int, length: int, needle: str) -> None:
    with pytest.raises(QueryError) as caught:
        compile_query(query, now=NOW)
    error = caught.value
    assert (error.position, error.length) == (position, length)
    assert needle in error.message
    assert str(error).endswith(f"(at column {position + 1})")


def test_error_message_format() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("latency>2x")
    assert str(caught.value) == \
        "latency>2x: expected a duration like 2s or 500ms (at column 9)"


def test_unknown_field_lists_the_targets_fields() -> None:
    with pytest.raises(QueryError) as caught:
        compile_query("model:x", "problems")
    assert "severity" in caught.value.message and "latency" not in caught.value.message


def test_unknown_target_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown search target"):
        compile_query("x", "nope")


def test_error_category_and_group_select_the_errors_views_groups(
    db: duckdb.DuckDBPyConnection,
) -> None:
    from llmview.core.diagnose import classify

    category, _, group = classify("Rate limit exceeded", "RateLimitError")
    assert category == "rate_limit"
    assert match(db, "category:rate_limit") == match(db, f"group:{group}") == ["c2"]
    assert match(db, "category:timeout") == []
    assert match(db, "-category:rate_limit") == ["c1", "c3", "c4"]  # no category: not failed
    with pytest.raises(QueryError, match="did you mean rate_limit"):
        compile_query("category:ratelimit")


FRAGMENTS = st.sampled_from([
    "model:", "latency>", "tokens>=", "cost<", "since:", "until:", "has:", "status:", "trace:",
    "id:", "error:", "text:", "name:", "level:", "severity:", "duration<=", "spans=", "x:",
    "OR", "AND", " ", " ", '"', "\\", "-", ",", "*", "$", "'", ";", "%", "_", "(", ")",
    "2s", "1.5k", "0.01", "1h", "2026-11-20", "T10:00", "+02:00", "Z", "0x", "4bf9", "gpt-4o",
    "ok", "pending", "tools", "error", "abc", "é", "\x00", "\n", "\u2028", "９",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(), st.lists(FRAGMENTS).map("".join)),
       target=st.sampled_from(sorted(TARGETS)))
def test_any_text_compiles_or_fails_cleanly(db: duckdb.DuckDBPyConnection, text: str,
                                            target: str) -> None:
    try:
        compiled = compile_query(text, target, now=NOW)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        assert 0 <= error.length <= len(text) - error.position
        return
    run(db, compiled, target)
