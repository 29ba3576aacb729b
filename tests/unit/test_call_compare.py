"""Comparing two calls: parameters, messages aligned (an insert is one added row, an edit one
changed row), output, outcome and measures with deltas."""

from __future__ import annotations

from typing import Any

from llmview.core.call_compare import compare_calls, compare_messages, message_text
from llmview.core.thread import decode

SYSTEM = {"role": "system", "content": "You are terse."}
QUESTION = {"role": "user", "content": "What is the capital of France?"}


def call(**fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "provider": "openai", "temperature": 0.2,
            "messages": [SYSTEM, QUESTION], "output": "Paris.", "status": "ok",
            "latency_ms": 800.0, "input_tokens": 20, "output_tokens": 2, **fields}


def rows(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[str, Any, Any]]:
    return {p.label: (p.change, p.a, p.b) for p in compare_calls(a, b)}


def test_identical_calls_are_all_same() -> None:
    parts = compare_calls(call(), call())
    assert {p.change for p in parts} == {"same"}
    assert [p.label for p in parts] == [
        "model", "provider", "temperature", "#1 system", "#2 user", "output", "status",
        "latency", "input tokens", "output tokens"]


def test_parameters_model_and_output_changes() -> None:
    found = rows(call(), call(model="gpt-4o-mini", temperature=0.9, output="Paris, France.",
                              params={"response_format": {"type": "json_object"}}))
    assert found["model"] == ("changed", "gpt-4o", "gpt-4o-mini")
    assert found["temperature"] == ("changed", 0.2, 0.9)
    assert found["response_format"] == ("added", None, {"type": "json_object"})
    assert found["output"] == ("changed", "Paris.", "Paris, France.")


def test_measures_have_deltas() -> None:
    parts = {p.label: p for p in compare_calls(call(), call(latency_ms=1300.0, cost_usd=0.01))}
    assert parts["latency"].delta == 500.0
    assert parts["cost"].change == "added" and parts["cost"].delta is None
    assert parts["model"].delta is None


def test_an_inserted_message_is_one_added_row() -> None:
    example = {"role": "user", "content": "Example: Berlin?"}
    parts = compare_messages([SYSTEM, QUESTION], [SYSTEM, example, QUESTION])
    assert [(p.label, p.change) for p in parts] == [
        ("#1 system", "same"), ("#2 user", "added"), ("#2→#3 user", "same")]


def test_an_edited_system_prompt_is_one_changed_row() -> None:
    edited = {"role": "system", "content": "You are terse. Answer in French."}
    parts = compare_messages([SYSTEM, QUESTION], [edited, QUESTION])
    assert [(p.label, p.change) for p in parts] == [("#1 system", "changed"), ("#2 user", "same")]
    assert parts[0].b == "You are terse. Answer in French."


def test_a_dropped_message_keeps_its_place() -> None:
    extra = {"role": "assistant", "content": "ok"}
    parts = compare_messages([SYSTEM, extra, QUESTION], [SYSTEM, QUESTION])
    assert [(p.label, p.change) for p in parts] == [
        ("#1 system", "same"), ("#2 assistant", "missing"), ("#3→#2 user", "same")]


def test_tool_calls_and_errors_are_compared() -> None:
    asked = {"tool_calls": [{"name": "weather", "arguments": '{"city": "Paris"}'}], "output": None}
    other = {"tool_calls": [{"name": "weather", "arguments": '{"city": "Lyon"}'}], "output": None}
    found = rows(call(**asked), call(**other, status="error", error_type="RateLimitError",
                                     error_message="429 slow down"))
    assert found["output"][0] == "changed"
    assert "Lyon" in found["output"][2]
    assert found["error"] == ("added", None, "RateLimitError: 429 slow down")
    assert found["status"] == ("changed", "ok", "error")


def test_message_text_shows_tool_traffic() -> None:
    assert message_text({"role": "tool", "tool_call_id": "c1", "content": "18°C"}) == \
        "(answers tool call c1)\n18°C"
    assert message_text({"role": "user", "content": [{"type": "text", "text": "hi"}]}) == "hi"


def test_hostile_values_do_not_raise() -> None:
    weird = call(messages=[{"role": None, "content": {"deep": [1, float("nan")]}}, "text"],
                 tools="not a list", params=["x"], latency_ms="slow")
    parts = compare_calls(decode(weird), decode(call()))
    assert parts and all(isinstance(p.label, str) for p in parts)
