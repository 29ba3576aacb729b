"""Hostile input is normal input: every line becomes a call, span, event or problem row, and the
rest of the file keeps indexing."""

from __future__ import annotations

import json
from pathlib import Path

from llmview.core.index import Index

GOOD = json.dumps({"event": "llm_interaction", "request_id": "good-1", "model": "gpt-4o",
                   "prompt_messages": [{"role": "user", "content": "hi"}],
                   "timestamp": 1763600000.5}) + "\n"


def index_of(path: Path) -> Index:
    index = Index.open([str(path)], index_path=None)
    index.refresh(final=True)
    return index


def reasons(index: Index) -> list[str]:
    return [p["reason"] for p in index.problems()]


def test_each_bad_line_is_one_problem_with_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    lines = [
        b"this is not json at all\n",
        b'{"truncated": "obj\n',
        b"[1, 2, 3]\n",
        b"42\n",
        b"[" * 10_000 + b"]" * 10_000 + b"\n",
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000 + b"\n",
        GOOD.encode(),
    ]
    log.write_bytes(b"".join(lines))
    index = index_of(log)
    problems = index.problems()
    assert [p["line_no"] for p in problems] == [1, 2, 3, 4, 5, 6]
    assert all(p["path"] == str(log.resolve()) for p in problems)
    assert index.count() == 1
    assert index.stats()["malformed_lines"] == 6
    assert "nesting too deep" in problems[4]["reason"]
    assert problems[0]["raw"] == "this is not json at all"


def test_nan_and_invalid_utf8_still_index(tmp_path: Path) -> None:
    log = tmp_path / "odd.jsonl"
    nan_line = (b'{"event": "llm_interaction", "request_id": "nan-1", "model": "gpt-4o", '
                b'"latency_ms": NaN, "timestamp": 1763600000}\n')
    bad_utf8 = (b'{"event": "llm_interaction", "request_id": "utf-1", "model": "gpt-4o", '
                b'"parsed_output": "caf\xe9 \xff", "timestamp": 1763600001}\n')
    log.write_bytes(nan_line + bad_utf8)
    index = index_of(log)
    ids = {row["key"] for row in index.search("")}
    assert ids == {"req:nan-1", "req:utf-1"}
    assert index.stats()["malformed_lines"] == 0


def test_wrong_field_types_keep_the_call_and_warn(tmp_path: Path) -> None:
    log = tmp_path / "types.jsonl"
    log.write_text(json.dumps({
        "event": "llm_request", "request_id": "t-1", "model": "gpt-4o", "provider": "openai",
        "operation": "completion", "prompt_tokens": "lots", "completion_tokens": 5,
        "timestamp": "not a time", "latency_ms": 12.5,
    }) + "\n")
    index = index_of(log)
    call = index.call("req:t-1")
    assert call is not None
    assert call["input_tokens"] is None
    assert call["output_tokens"] == 5
    warnings = [p["reason"] for p in index.problems(severity="warning")]
    assert any("lots" in reason for reason in warnings)
    assert index.stats()["malformed_lines"] == 0


def test_huge_line_is_indexed_and_clipped(tmp_path: Path) -> None:
    log = tmp_path / "big.jsonl"
    prompt = "word " * 1_000_000  # 5 MB
    log.write_text(json.dumps({
        "event": "llm_interaction", "request_id": "big-1", "model": "gpt-4o",
        "prompt_messages": [{"role": "user", "content": prompt}], "timestamp": 1763600000,
    }) + "\n" + GOOD)
    index = index_of(log)
    call = index.call("req:big-1")
    assert call["truncated"] is True
    assert len(call["messages"]) < 2_000_000
    json.loads(call["messages"])
    assert index.count() == 2
    assert len(call["raw"][0]["text"]) > 5_000_000  # the truth stays readable in the file


def test_markup_and_escapes_are_kept_literally(tmp_path: Path) -> None:
    log = tmp_path / "markup.jsonl"
    content = "[bold red]x[/] [@click=app.quit]quit[/] \x1b[31mred\x1b[0m"
    log.write_text(json.dumps({
        "event": "llm_interaction", "request_id": "m-1", "model": "gpt-4o",
        "prompt_messages": [{"role": "user", "content": content}], "timestamp": 1763600000,
    }) + "\n")
    index = index_of(log)
    assert index.search("")[0]["preview"] == content


def test_logging_prefix_before_json(tmp_path: Path) -> None:
    log = tmp_path / "prefixed.log"
    log.write_text("2026-11-20 10:00:00,123 - __main__ - INFO - " + GOOD)
    index = index_of(log)
    assert index.count() == 1
    assert index.stats()["malformed_lines"] == 0


def test_unclaimed_objects_are_events(tmp_path: Path) -> None:
    log = tmp_path / "app.jsonl"
    log.write_text(json.dumps({"level": "info", "message": "cache warmed",
                               "timestamp": "2026-11-20T10:00:00Z"}) + "\n")
    index = index_of(log)
    stats = index.stats()
    assert stats["events"] == 1
    assert stats["requests"] == 0


def test_pretty_printed_concatenated_documents(tmp_path: Path) -> None:
    log = tmp_path / "spans.log"
    docs = [{"level": "info", "message": f"step {n}", "nested": {"a": [1, 2]}} for n in range(3)]
    log.write_text("".join(json.dumps(d, indent=4) + "\n" for d in docs))
    index = index_of(log)
    assert index.stats()["events"] == 3
    assert index.stats()["malformed_lines"] == 0


def test_document_that_is_an_array_of_records(tmp_path: Path) -> None:
    log = tmp_path / "export.json"
    log.write_text(json.dumps([{"message": "a"}, {"message": "b"}], indent=2))
    index = index_of(log)
    assert index.stats()["events"] == 2
