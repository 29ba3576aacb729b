"""OpenAI Batch API input, output and error files -> one call per ``custom_id``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core.formats import normalize
from llmview.core.formats.base import Context
from llmview.core.formats.openai_batch import DIALECT
from llmview.core.records import Call
from tests.fixtures import openai_batch as fixture
from tests.formats._json_fuzz import altered, check_survives

# Fields two parts of a call may both know, with different spellings: the request names the
# model alias, the response the dated snapshot that served it.
MAY_DIFFER = {"model"}


def _calls(path: Path) -> list[Call]:
    records = []
    for line in path.read_text().splitlines():
        records.extend(normalize(json.loads(line), Context(path=str(path))))
    assert all(isinstance(record, Call) for record in records), records
    return records


@pytest.fixture()
def parts(tmp_path: Path) -> dict[str, dict[str, Call]]:
    """``{"batch_input": {custom_id: call}, "batch_output": …, "batch_errors": …}``."""
    result = {}
    for path in fixture.write_batch_files(tmp_path):
        calls = {call.key.removeprefix("req:batch:"): call for call in _calls(path)}
        result[path.stem.removeprefix("openai_")] = calls
    return result


def test_an_input_line_is_the_request_part(parts: dict[str, dict[str, Call]]) -> None:
    call = parts["batch_input"]["request-1"]
    assert call.key == "req:batch:request-1"
    assert call.dialect == "openai_batch" and call.origin == "log"
    assert (call.provider, call.model, call.operation) == ("openai", "gpt-4o-mini", "chat")
    assert call.messages == [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert (call.temperature, call.max_tokens, call.seed) == (0.2, 200, 7)
    assert call.status is None and call.output is None and call.tags is None


def test_an_output_line_is_the_result_part(parts: dict[str, dict[str, Call]]) -> None:
    call = parts["batch_output"]["request-1"]
    assert call.status == "ok" and call.http_status == 200
    assert call.output == "Paris." and call.finish_reason == "stop"
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (24, 2, 26)
    assert call.ts == fixture.CREATED
    assert call.request_id == "req_aaa1"
    assert call.model == "gpt-4o-mini-2024-07-18"
    assert call.tags == {"batch_request_id": "batch_req_0001", "custom_id": "request-1",
                         "response_id": "chatcmpl-B1"}
    assert call.messages is None


def test_tool_calls_and_the_tools_offered(parts: dict[str, dict[str, Call]]) -> None:
    request, result = parts["batch_input"]["request-2"], parts["batch_output"]["request-2"]
    assert request.tools == [fixture.WEATHER_TOOL]
    assert request.params == {"tool_choice": "auto"}
    assert result.tool_calls == [
        {"id": "call_w1", "name": "get_weather", "arguments": '{"city": "Paris"}'}
    ]
    assert result.finish_reason == "tool_calls"


def test_embeddings_have_usage_and_their_inputs(parts: dict[str, dict[str, Call]]) -> None:
    request, result = parts["batch_input"]["request-3"], parts["batch_output"]["request-3"]
    assert request.operation == result.operation == "embeddings"
    assert [m["content"] for m in request.messages or []] == ["first document", "second document"]
    assert (result.input_tokens, result.output_tokens, result.total_tokens) == (4, None, 4)
    assert result.model == "text-embedding-3-small" and result.status == "ok"


def test_a_responses_request_and_its_answer(parts: dict[str, dict[str, Call]]) -> None:
    request, result = parts["batch_input"]["request-4"], parts["batch_output"]["request-4"]
    assert request.messages == [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": "Why is the sky blue?"},
    ]
    assert request.max_tokens == 300 and request.operation == "chat"
    assert result.output == "Air molecules scatter blue light more than red light."
    assert (result.input_tokens, result.output_tokens) == (21, 12)
    assert result.ts == fixture.CREATED + 3


def test_a_rejected_request_keeps_status_and_api_error(parts: dict[str, dict[str, Call]]) -> None:
    call = parts["batch_output"]["request-5"]
    assert call.status == "error" and call.http_status == 400
    assert call.error_type == "invalid_request_error"
    assert call.error_message is not None and call.error_message.startswith("max_tokens is too")
    assert call.input_tokens is None and call.output is None


def test_an_expired_request_from_the_error_file(parts: dict[str, dict[str, Call]]) -> None:
    call = parts["batch_errors"]["request-6"]
    assert call.status == "error" and call.error_type == "batch_expired"
    assert call.http_status is None
    assert call.tags == {"batch_request_id": "batch_req_0006", "custom_id": "request-6"}


def test_request_and_result_parts_complement_each_other(
    parts: dict[str, dict[str, Call]],
) -> None:
    """Whichever file the store reads first, merging gives the same call: no field is known
    differently by the two parts."""
    results = {**parts["batch_output"], **parts["batch_errors"]}
    assert results.keys() == parts["batch_input"].keys()
    for custom_id, request in parts["batch_input"].items():
        result = results[custom_id]
        assert request.key == result.key
        for name in Call.__struct_fields__:
            mine, theirs = getattr(request, name), getattr(result, name)
            if name not in MAY_DIFFER and mine is not None and theirs is not None:
                assert mine == theirs, (custom_id, name)


def test_expected_counts(parts: dict[str, dict[str, Call]]) -> None:
    keys = {call.key for calls in parts.values() for call in calls.values()}
    assert len(keys) == fixture.EXPECTED["calls"]


def test_a_line_without_custom_id_has_no_key() -> None:
    [call] = normalize({"custom_id": None, "response": None, "error": {"code": "x"}}, Context())
    assert isinstance(call, Call) and call.key == "" and call.status == "error"


# --- any JSON value in any field --------------------------------------------------------------

SAMPLES = fixture.input_lines() + fixture.output_lines() + fixture.error_lines()


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_json_in_any_field_never_raises(data: st.DataObject) -> None:
    check_survives(DIALECT, altered(data, SAMPLES))
