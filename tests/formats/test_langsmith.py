"""LangSmith run payloads -> a span per run and a call per llm run; a create and the update that
completes it are two parts of the same span and call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.langsmith import DIALECT
from llmview.core.records import Call, Record, Span
from tests.fixtures import langsmith as fixture
from tests.formats._json_fuzz import altered, check_survives

RUN = {name: str(run_id) for name, run_id in fixture.RUN.items()}
# Fields both parts of a run may carry: the create's copy of events holds only the start.
MAY_DIFFER = {"events"}


def _records(path: Path) -> list[Record]:
    lines = path.read_text().splitlines() if path.suffix == ".jsonl" else [path.read_text()]
    records: list[Record] = []
    for text in lines:
        ctx = Context(path=str(path))
        records.extend(normalize(json.loads(text), ctx))
        assert not ctx.warnings
    return records


@pytest.fixture()
def batches(tmp_path: Path) -> list[list[Record]]:
    return [_records(path) for path in fixture.write_batches(tmp_path)]


@pytest.fixture()
def traceable(tmp_path: Path) -> list[Record]:
    return _records(fixture.write_traceable_runs(tmp_path))


@pytest.fixture()
def export(tmp_path: Path) -> list[Record]:
    return _records(fixture.write_export(tmp_path))


def _one(records: list[Record], kind: type, run: str) -> Span | Call:
    [found] = [r for r in records if isinstance(r, kind) and r.span_id == RUN[run]]
    return found


def test_a_create_is_a_span_not_yet_finished(batches: list[list[Record]]) -> None:
    chain = _one(batches[0], Span, "chain")
    assert chain.trace_id == RUN["chain"] and chain.parent_id is None
    assert (chain.name, chain.kind) == ("RunnableSequence", "chain")
    assert chain.start == pytest.approx(fixture.T0.timestamp())
    # Unknown until the update: the store keeps the first value it sees.
    assert chain.status is None and chain.end is None and chain.events is None
    model = _one(batches[0], Span, "model")
    assert model.parent_id == RUN["chain"] and model.kind == "llm"


def test_a_model_create_is_the_request_part_of_a_call(batches: list[list[Record]]) -> None:
    call = _one(batches[0], Call, "model")
    assert call.key == f"span:{RUN['chain']}:{RUN['model']}" and call.origin == "span"
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o-mini", "chat")
    assert call.messages == [
        {"role": "system", "content": "You report the weather."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    assert call.temperature == 0.0
    assert call.tools == [{"type": "function", "function": {"name": "get_weather"}}]
    assert (call.app, call.user, call.session) == ("support-bot", "u-9", "thread-42")
    assert call.status is None and call.output is None and call.input_tokens is None


def test_the_update_completes_the_call(batches: list[list[Record]]) -> None:
    call = _one(batches[1], Call, "model")
    assert call.key == f"span:{RUN['chain']}:{RUN['model']}"
    assert call.status == "ok" and call.finish_reason == "tool_calls"
    assert call.tool_calls == [
        {"id": "call_w1", "name": "get_weather", "arguments": '{"city":"Paris"}'}
    ]
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (57, 15, 72)
    assert call.latency_ms == pytest.approx(1200, abs=0.01)
    assert call.ttft_ms == pytest.approx(410, abs=0.01)  # the first new_token event
    assert call.messages is None  # the SDK leaves inputs out of an update
    span = _one(batches[1], Span, "model")
    assert span.status == "ok" and span.events is not None and len(span.events) == 5


def test_create_and_update_parts_complement_each_other(batches: list[list[Record]]) -> None:
    created = [r for r in batches[0] if r.span_id in (RUN["chain"], RUN["model"])]
    updated = [r for rs in batches[1:] for r in rs if r.span_id in (RUN["chain"], RUN["model"])]
    for first in created:
        [second] = [r for r in updated if type(r) is type(first) and r.span_id == first.span_id]
        for name in type(first).__struct_fields__:
            mine, theirs = getattr(first, name), getattr(second, name)
            if name not in MAY_DIFFER and mine is not None and theirs is not None:
                if name == "attributes":  # inputs on the create, outputs on the update
                    mine, theirs = (
                        {k: v for k, v in attrs.items() if k not in ("langsmith.inputs",
                                                                      "langsmith.outputs")}
                        for attrs in (mine, theirs)
                    )
                assert mine == theirs, (first.span_id, name)


def test_a_tool_run_posted_whole(batches: list[list[Record]]) -> None:
    tool = _one(batches[1], Span, "tool")
    assert tool.kind == "tool" and tool.status == "ok" and tool.parent_id == RUN["chain"]
    assert tool.duration_ms == pytest.approx(300, abs=0.01)
    assert tool.attributes is not None
    assert tool.attributes["langsmith.outputs"] == {"output": {"temperature_c": 18, "sky": "sunny"}}
    assert not [r for r in batches[1] if isinstance(r, Call) and r.span_id == RUN["tool"]]


def test_a_wrapped_openai_call(traceable: list[Record]) -> None:
    call = _one(traceable, Call, "openai")
    assert call.trace_id == RUN["function"]
    assert _one(traceable, Span, "openai").parent_id == RUN["function"]
    assert (call.provider, call.model) == ("openai", "gpt-4o-mini")
    assert call.temperature == 0.5 and call.params == {"stream": False}
    assert call.messages == [{"role": "user", "content": "Capital of France?"}]
    assert call.output == "Paris." and call.finish_reason == "stop"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (14, 2, 16)
    assert call.session == "sess-5" and call.status == "ok"


def test_a_failed_run(traceable: list[Record]) -> None:
    span, call = _one(traceable, Span, "limited"), _one(traceable, Call, "limited")
    assert span.status == "error" and call.status == "error"
    assert call.error_type == "RateLimitError"
    assert call.error_message is not None and call.error_message.startswith("RateLimitError(")
    assert "Traceback" not in call.error_message and span.error == call.error_message


def test_an_api_export_with_child_runs(export: list[Record]) -> None:
    root, child = _one(export, Span, "agent"), _one(export, Span, "completion")
    assert child.parent_id == root.span_id == root.trace_id == child.trace_id
    # Naive export times are UTC.
    assert root.start == pytest.approx(fixture.START["agent"].timestamp())
    call = _one(export, Call, "completion")
    assert call.operation == "text_completion" and call.model == "gpt-3.5-turbo-instruct"
    assert call.messages == [{"role": "user", "content": "Translate 'cat' to French."}]
    assert call.output == "chat"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (11, 1, 12)
    assert (call.temperature, call.max_tokens) == (0.7, 256)
    assert call.cost_usd == pytest.approx(0.0000185)
    assert call.ttft_ms == pytest.approx(240, abs=0.01)


def test_expected_counts(
    batches: list[list[Record]], traceable: list[Record], export: list[Record]
) -> None:
    records = [r for rs in batches for r in rs] + traceable + export
    spans = {(r.trace_id, r.span_id) for r in records if isinstance(r, Span)}
    calls = {r.key for r in records if isinstance(r, Call)}
    assert (len(calls), len(spans)) == (fixture.EXPECTED["calls"], fixture.EXPECTED["spans"])


def test_create_and_update_in_one_batch_are_joined() -> None:
    first, second = fixture.batch_bodies()[:2]
    model = [run for run in first["post"] if run["run_type"] == "llm"]
    records = normalize({"post": model, "patch": second["patch"]}, Context())
    [call] = [r for r in records if isinstance(r, Call)]
    assert call.messages and call.output == "" and call.status == "ok"
    assert len([r for r in records if isinstance(r, Span)]) == 1


def test_an_update_without_trace_or_parent_is_placed_by_its_id() -> None:
    update = {"id": RUN["chain"], "dotted_order": None, "end_time": "2024-11-20T10:53:22Z",
              "outputs": {"output": "done"}, "run_type": "chain"}
    [span] = normalize(update, Context())
    assert isinstance(span, Span) and span.trace_id == span.span_id == RUN["chain"]


# --- any JSON value in any field --------------------------------------------------------------

BATCHES = fixture.batch_bodies()
SAMPLES = [
    *BATCHES,
    *BATCHES[0]["post"],
    *BATCHES[1]["patch"],
    *fixture.traceable_runs(),
    fixture.export_document(),
]


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, SAMPLES))
