"""Traces over a real index: the list and its search, trace-id lookup, span trees from every span
dialect, `llmview trace`, and OTLP export read back by llmview itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmview.cli import main
from llmview.core.index import Index
from llmview.core.traces import TraceIdError
from llmview.export import export_spans_otlp
from tests.fixtures import otel

A, B, C = otel.TRACE_A, otel.TRACE_B, otel.TRACE_C
SPAN_COLUMNS = ("trace_id", "span_id", "parent_id", "name", "kind", "service", "start_ts",
                "end_ts", "duration_ms", "status", "error", "attributes", "events")


def opened(*paths: Path) -> Index:
    index = Index.open([str(p) for p in paths], index_path=None)
    index.refresh(final=True)
    return index


@pytest.fixture(scope="module")
def otel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("otel")
    otel.write_all(directory)
    return directory


@pytest.fixture(scope="module")
def index(otel_dir: Path) -> Index:
    return opened(otel_dir)


def seed_span(trace: str, span: str, parent: str | None, second: int, **extra: Any) -> str:
    return json.dumps({"trace_id": trace, "span_id": span, "parent_id": parent,
                       "name": f"step {span}", "start_time": f"2026-11-20T10:00:{second:02d}",
                       "end_time": f"2026-11-20T10:00:{second + 1:02d}", "attributes": {},
                       **extra}) + "\n"


def test_the_list_has_one_row_per_trace(index: Index) -> None:
    traces = index.traces
    assert traces.count() == 6  # three OTel traces (in three files) and three Vercel traces
    rows = {row["trace_id"]: row for row in traces.page(limit=100)}
    assert set(rows) >= {A, B, C}
    a = rows[A]
    assert (a["root_name"], a["service"], a["spans"], a["errors"], a["calls"]) == (
        "POST /ask", "rag-api", 6, 1, 3)
    assert a["duration_ms"] == 2400
    assert a["tokens"] == 120 + 18 + 150 + 25  # the failed call logged no usage
    assert rows[B]["calls"] == 3 and rows[B]["tokens"] == 8 + 340 + 420  # not the CHAIN's
    assert rows[C]["root_name"] == "answer_ticket.workflow"


def test_the_list_is_newest_first_and_pages(index: Index) -> None:
    traces = index.traces
    everything = traces.page(limit=100)
    starts = [row["start_ts"] for row in everything]
    assert starts == sorted(starts, reverse=True)
    assert [r["trace_id"] for r in traces.page(limit=2, offset=2)] == \
        [r["trace_id"] for r in everything[2:4]]
    oldest = traces.page(limit=1, sort="time", descending=False)[0]
    assert oldest["start_ts"] == min(starts)


@pytest.mark.parametrize(("query", "expected"), [
    ("status:error", {A, otel.VERCEL_TRACES[2]}),
    ("service:qa-bot", {B}),
    ("duration>2.5s", {B}),
    ("duration<1.5s service:support-bot", {C}),
    (f"trace:{A[:8]}", {A}),
    ("calls>=3", {A, B}),
    ("tokens>700", {B}),
    ("name:ask", {A}),
    ("-status:error has:calls service:rag-api,qa-bot,support-bot", {B, C}),
])
def test_search(index: Index, query: str, expected: set[str]) -> None:
    traces = index.traces
    assert {row["trace_id"] for row in traces.page(query)} == expected
    assert traces.count(query) == len(expected)


def test_sorting_by_call_figures(index: Index) -> None:
    rows = index.traces.page("service:rag-api,qa-bot,support-bot", sort="tokens")
    assert [row["trace_id"] for row in rows] == [B, A, C]


def test_every_spelling_of_an_id_finds_the_trace(index: Index) -> None:
    traces = index.traces
    for typed in (A, A.upper(), f"0x{A}", f"0X{A.upper()}", A[:8], f"  0x{A[:12].upper()} "):
        assert traces.resolve(typed) == A
    with pytest.raises(TraceIdError, match="too short"):
        traces.resolve(A[:6])
    with pytest.raises(TraceIdError, match="no trace"):
        traces.resolve("ffffffffffff")
    with pytest.raises(TraceIdError, match="no trace"):
        traces.resolve("not-an-id")


def test_an_ambiguous_prefix_lists_the_candidates(tmp_path: Path) -> None:
    first, second = "abcdef01" + "1" * 24, "abcdef01" + "2" * 24
    (tmp_path / "spans.jsonl").write_text(seed_span(first, "s1", None, 0)
                                          + seed_span(second, "s2", None, 5))
    traces = opened(tmp_path).traces
    with pytest.raises(TraceIdError) as raised:
        traces.resolve("ABCDEF01")
    assert raised.value.candidates == [first, second]
    assert first in str(raised.value) and "ambiguous" in str(raised.value)
    assert traces.resolve("abcdef012") == second


def test_uuid_trace_ids_resolve_with_or_without_dashes(tmp_path: Path) -> None:
    trace = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    (tmp_path / "spans.jsonl").write_text(seed_span(trace, "s1", None, 0))
    traces = opened(tmp_path).traces
    for typed in (trace, trace.upper(), trace.replace("-", ""), "4bf92f3577"):
        assert traces.resolve(typed) == trace


def test_otlp_hex_and_console_0x_ids_are_the_same_trace(otel_dir: Path, tmp_path: Path) -> None:
    hex_dir, console_dir = tmp_path / "otlp", tmp_path / "console"
    for directory, name in ((hex_dir, "otlp_collector.jsonl"), (console_dir, "otel_console.log")):
        directory.mkdir()
        (directory / name).write_bytes((otel_dir / name).read_bytes())
    console_text = (console_dir / "otel_console.log").read_text()
    assert f'"trace_id": "0x{A}"' in console_text  # the exporter's spelling
    trees = []
    for directory, typed in ((hex_dir, A), (console_dir, f"0x{A}")):
        traces = opened(directory).traces
        trace_id = traces.resolve(typed)
        assert trace_id == A
        tree = traces.tree(trace_id)
        trees.append([(n.span_id, n.span.get("parent_id"), n.name, n.start, n.end, n.depth)
                      for n in tree.walk()])
    assert trees[0] == trees[1] and len(trees[0]) == 6


def test_children_before_parents_and_orphans_from_a_log(tmp_path: Path) -> None:
    trace = "c0ffee00" * 4
    lines = [seed_span(trace, "leaf", "mid", 2), seed_span(trace, "mid", "root", 1),
             seed_span(trace, "root", None, 0), seed_span(trace, "stray", "never-logged", 3)]
    (tmp_path / "spans.jsonl").write_text("".join(lines))
    tree = opened(tmp_path).traces.tree(trace)
    assert [(n.span_id, n.depth, n.missing) for n in tree.walk()] == [
        ("root", 0, False), ("mid", 1, False), ("leaf", 2, False),
        ("never-logged", 0, True), ("stray", 1, False)]


def test_the_list_row_follows_spans_and_calls_arriving_later(tmp_path: Path) -> None:
    """The list reads a per-trace table the store keeps: each batch must rewrite the rows of
    the traces it touches, whichever kind of line touched them."""
    trace = "0ddba11" + "0" * 25
    log = tmp_path / "app.jsonl"
    log.write_text(seed_span(trace, "leaf", "root", 3))
    index = Index.open([str(tmp_path)], index_path=str(tmp_path / "index.duckdb"))
    index.refresh(final=True)
    row = index.traces.summary(trace)
    assert row is not None
    assert (row["root_name"], row["spans"], row["errors"], row["calls"]) == \
        ("step leaf", 1, 0, 0)
    with log.open("a") as handle:
        handle.write(seed_span(trace, "root", None, 0, status="error", error="boom"))
        handle.write(json.dumps({
            "event": "llm_request", "request_id": "r-9", "model": "gpt-4o",
            "timestamp": "2026-11-20T10:00:01", "prompt_tokens": 7, "completion_tokens": 3,
            "tags": {"trace_id": trace}}) + "\n")
    index.refresh(final=True)
    row = index.traces.summary(trace)
    assert row is not None
    assert (row["root_name"], row["spans"], row["errors"], row["calls"], row["tokens"]) == \
        ("step root", 2, 1, 1, 10)
    assert row["duration_ms"] == 4000
    assert [r["trace_id"] for r in index.traces.page("status:error")] == [trace]


def test_llm_spans_know_their_calls(index: Index) -> None:
    calls = index.traces.calls(A)
    assert sorted(calls) == [otel.span_id(A, n) for n in (3, 5, 6)]
    assert calls[otel.span_id(A, 3)]["key"] == f"span:{A}:{otel.span_id(A, 3)}"
    assert index.traces.call_count(A) == 3


def test_a_logged_call_wins_over_the_span_derived_one(tmp_path: Path) -> None:
    trace = "feed0000" * 4
    span = {"trace_id": trace, "span_id": "aa00000000000001", "name": "chat",
            "start_time": "2026-11-20T10:00:00", "end_time": "2026-11-20T10:00:01",
            "attributes": {"llm.model": "gpt-4o", "llm.prompt_tokens": 5}}
    logged = {"event": "llm_request", "request_id": "r-1", "model": "gpt-4o",
              "provider": "openai", "operation": "chat", "timestamp": "2026-11-20T10:00:00",
              "prompt_tokens": 5, "completion_tokens": 2,
              "tags": {"trace_id": trace, "span_id": "aa00000000000001"}}
    (tmp_path / "a.jsonl").write_text(json.dumps(span) + "\n" + json.dumps(logged) + "\n")
    calls = opened(tmp_path).traces.calls(trace)
    assert not calls["aa00000000000001"]["key"].startswith("span:")


def _spans(index: Index) -> list[tuple[Any, ...]]:
    return [tuple(row.values()) for row in index.rows(
        f"SELECT {', '.join(SPAN_COLUMNS)} FROM spans ORDER BY trace_id, span_id")]


def test_otlp_export_reads_back_as_the_same_spans(index: Index, tmp_path: Path) -> None:
    out = tmp_path / "export" / "spans.jsonl"
    out.parent.mkdir()
    count = export_spans_otlp(index, query="", out=str(out), mask=lambda value: value)
    assert count == otel.EXPECTED["spans"]
    lines = out.read_text().splitlines()
    assert len(lines) == 6  # one request per trace
    first = json.loads(lines[0])
    assert set(first) == {"resourceSpans"}
    services = [r["resource"]["attributes"][0]["value"]["stringValue"]
                for line in lines for r in json.loads(line)["resourceSpans"]]
    assert "rag-api" in services
    again = opened(out.parent)
    assert _spans(again) == _spans(index)
    calls = "SELECT count(*) AS n FROM llm_calls"
    assert again.rows(calls) == index.rows(calls)


def test_otlp_export_of_every_span_dialect_keeps_names_times_and_shape(tmp_path: Path) -> None:
    from llmview.demo import write_demo

    logs = tmp_path / "logs"
    logs.mkdir()
    write_demo(logs, calls=120, seed=3, now=1_795_440_000.0)
    index = opened(logs)
    out = tmp_path / "export" / "spans.jsonl"
    out.parent.mkdir()
    export_spans_otlp(index, query="", out=str(out), mask=lambda value: value)
    again = opened(out.parent)

    def shape(ix: Index) -> list[str]:
        return sorted(
            repr((r["name"], r["kind"], r["start_ts"], r["end_ts"], r["status"], r["depth"]))
            for r in ix.rows(
                "WITH RECURSIVE d AS (SELECT trace_id, span_id, 0 AS depth FROM spans "
                "WHERE parent_id IS NULL UNION ALL SELECT s.trace_id, s.span_id, d.depth + 1 "
                "FROM spans s JOIN d ON s.trace_id = d.trace_id AND s.parent_id = d.span_id) "
                "SELECT s.*, d.depth FROM spans s JOIN d USING (trace_id, span_id)"))

    assert shape(again) == shape(index)
    assert again.traces.count() == index.traces.count()


def test_otlp_export_is_masked_and_follows_the_query(index: Index, tmp_path: Path) -> None:
    from llmview.core.pii import Masker

    out = tmp_path / "b.jsonl"
    masker = Masker(key=b"k" * 32)
    count = export_spans_otlp(index, query="service:qa-bot", out=str(out),
                              mask=masker.mask_json)
    assert count == 6
    assert json.loads(out.read_text())["resourceSpans"][0]["scopeSpans"][0]["spans"][0][
        "traceId"] == B


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def llmview(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the command line in this process: (exit code, stdout, stderr)."""

    def run(*args: str, columns: int = 100) -> tuple[int, str, str]:
        monkeypatch.setenv("COLUMNS", str(columns))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_trace_json_has_every_span_once(otel_dir: Path, llmview: Any) -> None:
    code, out, err = llmview("trace", str(otel_dir), f"0x{A[:10].upper()}", "--json",
                             "--no-index")
    assert code == 0, err
    document = json.loads(out)
    assert document["trace_id"] == A
    seen: list[str] = []
    stack = list(document["roots"])
    while stack:
        node = stack.pop()
        seen.append(node["span_id"])
        stack.extend(node["children"])
    assert sorted(seen) == sorted(otel.span_id(A, n) for n in range(1, 7))
    root = document["roots"][0]
    assert (root["name"], root["kind"], root["start"]) == ("POST /ask", "http",
                                                           "2026-11-20T10:00:00Z")
    assert [child["name"] for child in root["children"]][:2] == ["retrieve", "chat gpt-4o"]


def test_trace_json_is_masked_unless_asked(tmp_path: Path, llmview: Any) -> None:
    trace = "c0ffee00" * 4
    (tmp_path / "s.jsonl").write_text(seed_span(trace, "s1", None, 0,
                                                attributes={"user": "bob@example.com"}))
    _, masked, _ = llmview("trace", str(tmp_path), trace, "--json", "--no-index")
    _, unmasked, _ = llmview("trace", str(tmp_path), trace, "--json", "--no-index",
                             "--unmasked")
    assert "bob@example.com" not in masked and "‹EMAIL-" in masked
    assert "bob@example.com" in unmasked


def test_trace_text_fits_the_terminal(otel_dir: Path, llmview: Any) -> None:
    for columns in (40, 60, 80, 140):
        code, out, err = llmview("trace", str(otel_dir), A, "--no-index", columns=columns)
        assert code == 0, err
        lines = out.splitlines()
        assert all(len(line) <= columns for line in lines), out
        assert "POST /ask" in out and "✗ chat gpt" in out
        assert columns < 80 or "✗ chat gpt-4o-mini" in out
        assert "▏0" in lines[1]


def test_trace_errors_are_one_line(tmp_path: Path, otel_dir: Path, llmview: Any) -> None:
    first, second = "abcdef01" + "1" * 24, "abcdef01" + "2" * 24
    (tmp_path / "spans.jsonl").write_text(seed_span(first, "s1", None, 0)
                                          + seed_span(second, "s2", None, 5))
    code, _, err = llmview("trace", str(tmp_path), "abcdef01", "--no-index")
    assert code == 1
    assert err.count("\n") == 1 and first in err and second in err
    code, _, err = llmview("trace", str(otel_dir), "--no-index")
    assert code == 1 and "TRACE_ID" in err


def test_export_otlp_command(otel_dir: Path, tmp_path: Path, llmview: Any) -> None:
    out = tmp_path / "spans.jsonl"
    code, _, err = llmview("export", str(otel_dir), "--format", "otlp", "--query",
                           "status:error", "--out", str(out), "--no-index")
    assert code == 0, err
    assert "exported 8 spans" in err  # trace A's 6 and the failed Vercel trace's 2
    assert len(out.read_text().splitlines()) == 2
