"""Reassembling a conversation from calls that each re-send the history, and the context diff
between consecutive calls: appended, edited and dropped messages, parameter changes, tool calls,
and the loggers' habits (unlogged responses, tool calls left out of the recorded history)."""

from __future__ import annotations

import json
from typing import Any

from llmview.core.thread import Thread, build_thread, context_diff, thread_json, word_diff

SYSTEM = {"role": "system", "content": "You are a travel assistant. Be brief."}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def call(n: int, messages: list[dict[str, Any]] | None, output: str | None = None,
         **fields: Any) -> dict[str, Any]:
    """A row as the index returns it: JSON columns as text."""
    return {"key": f"req:{n}", "ts": None, "model": "gpt-4o", "status": "ok",
            "temperature": 0.2, "messages": None if messages is None else json.dumps(messages),
            "output": output, "tool_calls": None, "tools": None, "params": None, **fields}


def chat(*turns: tuple[str, str]) -> list[dict[str, Any]]:
    """Calls of a chat app that re-sends the whole history each turn."""
    history = [SYSTEM]
    calls = []
    for n, (question, answer) in enumerate(turns, 1):
        messages = [*history, user(question)]
        calls.append(call(n, messages, answer))
        history = [*messages, assistant(answer)]
    return calls


def shown(thread: Thread) -> list[tuple[int, str, str, str]]:
    """(turn, kind, role, content) of every message the thread shows, in order."""
    return [(turn.number, entry.kind, entry.message["role"], entry.message["content"])
            for turn in thread.turns for entry in turn.entries]


# --- reassembly -------------------------------------------------------------------------------


def test_overlapping_histories_show_each_message_once_next_to_its_call() -> None:
    thread = build_thread({"session": "s"}, chat(("Flights to Paris?", "Three flights."),
                                                  ("And hotels?", "Two hotels."),
                                                  ("Cheapest?", "The Ibis.")))
    assert shown(thread) == [
        (1, "new", "system", SYSTEM["content"]),
        (1, "new", "user", "Flights to Paris?"),
        (1, "response", "assistant", "Three flights."),
        (2, "new", "user", "And hotels?"),
        (2, "response", "assistant", "Two hotels."),
        (3, "new", "user", "Cheapest?"),
        (3, "response", "assistant", "The Ibis."),
    ]
    assert [turn.call["key"] for turn in thread.turns] == ["req:1", "req:2", "req:3"]
    assert [turn.diff.kept for turn in thread.turns] == [0, 3, 5]
    assert [len(turn.diff.added) for turn in thread.turns] == [2, 1, 1]
    assert thread.mutated == ()


def test_an_unlogged_response_is_taken_from_the_next_call() -> None:
    calls = chat(("Flights to Paris?", "Three flights."), ("And hotels?", "Two hotels."))
    for row in calls:
        row["output"] = None  # many loggers record the request only
    thread = build_thread({"session": "s"}, calls)
    first, second = thread.turns
    assert [(e.kind, e.resent, e.message["content"]) for e in first.entries][-1] == \
        ("response", True, "Three flights.")
    assert [(e.kind, e.message["content"]) for e in second.entries] == [("new", "And hotels?")]
    assert second.response is None


def test_history_a_call_re_sends_after_a_truncated_one_is_not_shown_twice() -> None:
    full = chat(("q1", "a1"), ("q2", "a2"))
    window = call(3, [SYSTEM, user("q2"), assistant("a2"), user("q3")], "a3")
    again = call(4, [SYSTEM, user("q1"), assistant("a1"), user("q2"), assistant("a2"),
                     user("q3"), assistant("a3"), user("q4")], "a4")
    thread = build_thread({"session": "s"}, [*full, window, again])
    contents = [content for _, _, _, content in shown(thread)]
    assert contents == [SYSTEM["content"], "q1", "a1", "q2", "a2", "q3", "a3", "q4", "a4"]
    assert [d.message["content"] for d in thread.turns[2].diff.dropped] == ["q1", "a1"]


def test_repeated_identical_questions_are_each_shown() -> None:
    thread = build_thread({"session": "s"}, chat(("ok?", "yes"), ("ok?", "yes")))
    assert [c for _, _, _, c in shown(thread)] == [SYSTEM["content"], "ok?", "yes", "ok?", "yes"]


def test_tool_calls_and_results_stay_in_place() -> None:
    asked = [{"id": "call_1", "name": "search_flights", "arguments": '{"to": "CDG"}'}]
    first = call(1, [SYSTEM, user("Flights to Paris?")], None,
                 tool_calls=json.dumps(asked))
    # The next call re-sends the tool call (arguments spaced differently) and the tool's result.
    resent = {"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_1", "name": "search_flights", "arguments": '{ "to":"CDG" }'}]}
    result = {"role": "tool", "tool_call_id": "call_1", "content": '{"flights": 3}'}
    second = call(2, [SYSTEM, user("Flights to Paris?"), resent, result], "Three flights.")
    thread = build_thread({"session": "s"}, [first, second])
    assert shown(thread) == [
        (1, "new", "system", SYSTEM["content"]),
        (1, "new", "user", "Flights to Paris?"),
        (1, "response", "assistant", ""),
        (2, "new", "tool", '{"flights": 3}'),
        (2, "response", "assistant", "Three flights."),
    ]
    assert thread.turns[0].response["tool_calls"] == asked
    assert not thread.turns[1].diff.mutated


def test_a_history_logged_without_its_tool_calls_is_not_an_edit() -> None:
    asked = [{"id": "call_1", "name": "lookup", "arguments": "{}"}]
    first = call(1, [SYSTEM, user("Order A-1?")], None, tool_calls=json.dumps(asked))
    second = call(2, [SYSTEM, user("Order A-1?"), assistant(""),
                      {"role": "tool", "content": "shipped"}], "It shipped.")
    diff = build_thread({"session": "s"}, [first, second]).turns[1].diff
    assert not diff.mutated and diff.kept == 3 and diff.added == (3,)


def test_calls_whose_messages_were_not_logged() -> None:
    thread = build_thread({"session": "s"}, [call(1, None, "hi"), call(2, None, None)])
    assert [turn.diff.logged for turn in thread.turns] == [False, False]
    assert [turn.diff.parts() for turn in thread.turns] == [[("messages not logged", "info")]] * 2
    assert shown(thread) == [(1, "response", "assistant", "hi")]


# --- the context diff -------------------------------------------------------------------------


def test_appended_messages() -> None:
    diff = context_diff([SYSTEM, user("q1"), assistant("a1")],
                        [SYSTEM, user("q1"), assistant("a1"), user("q2")])
    assert (diff.kept, diff.added, diff.edited, diff.dropped) == (3, (3,), (), ())
    assert diff.parts() == [("+1 new", "info")]


def test_an_edited_system_prompt_is_flagged_as_mutated_history() -> None:
    edited = {"role": "system", "content": SYSTEM["content"] + " Answer in French."}
    diff = context_diff([SYSTEM, user("q1"), assistant("a1")],
                        [edited, user("q1"), assistant("a1"), user("q2")])
    assert diff.mutated and diff.system_edited
    assert [(e.position, e.before["content"], e.after["content"]) for e in diff.edited] == \
        [(0, SYSTEM["content"], edited["content"])]
    assert diff.added == (3,) and diff.kept == 2
    assert ("✎ system prompt edited", "alert") in diff.parts()


def test_an_earlier_message_changed_in_the_middle_of_the_history() -> None:
    diff = context_diff([SYSTEM, user("my card is 4111 1111 1111 1111"), assistant("a1")],
                        [SYSTEM, user("my card is [REDACTED]"), assistant("a1"), user("q2")])
    assert diff.mutated and not diff.system_edited
    assert [e.position for e in diff.edited] == [1]
    assert ("✎ 1 earlier message edited", "alert") in diff.parts()


def test_a_re_sent_answer_that_differs_from_the_response_is_an_edit() -> None:
    diff = context_diff([SYSTEM, user("q1"), assistant("Paris is the capital of France.")],
                        [SYSTEM, user("q1"), assistant("Paris is the capital."), user("q2")])
    assert [e.after["content"] for e in diff.edited] == ["Paris is the capital."]


def test_dropped_history_is_truncation_not_an_edit() -> None:
    context = [SYSTEM, user("q1"), assistant("a1"), user("q2"), assistant("a2")]
    diff = context_diff(context, [SYSTEM, user("q2"), assistant("a2"), user("q3")])
    assert [d.message["content"] for d in diff.dropped] == ["q1", "a1"]
    assert [d.position for d in diff.dropped] == [1, 2]
    assert not diff.mutated and diff.added == (3,) and diff.kept == 3
    assert ("✂ 2 dropped", "warn") in diff.parts()


def test_a_fresh_context_with_a_new_question_is_not_an_edit() -> None:
    diff = context_diff([SYSTEM, user("What is the weather in Paris?"), assistant("Sunny.")],
                        [SYSTEM, user("What is the weather in London?")])
    assert not diff.mutated
    assert len(diff.dropped) == 2 and diff.added == (1,)


def test_a_fresh_context_shares_nothing() -> None:
    diff = context_diff([user("q1"), assistant("a1")], [user("completely different")])
    assert diff.kept == 0 and ("history not re-sent", "warn") in diff.parts()


def test_parameter_and_model_changes() -> None:
    first = call(1, [SYSTEM, user("q1")], "a1", params=json.dumps({"stop": ["\n"]}),
                 tools=json.dumps([{"type": "function", "function": {"name": "search"}}]))
    second = call(2, [SYSTEM, user("q1"), assistant("a1"), user("q2")], "a2",
                  model="gpt-4o-mini", temperature=0.9, max_tokens=256,
                  params=json.dumps({"stop": ["END"]}),
                  tools=json.dumps([{"name": "search"}, {"name": "book"}]))
    diff = build_thread({"session": "s"}, [first, second]).turns[1].diff
    assert diff.changed == (("model", "gpt-4o", "gpt-4o-mini"), ("temperature", 0.2, 0.9),
                            ("max_tokens", None, 256), ("stop", ["\n"], ["END"]),
                            ("tools", "search", "book, search"))
    assert ("temperature 0.2→0.9", "warn") in diff.parts()
    assert ("max_tokens —→256", "warn") in diff.parts()


def test_the_thread_as_json() -> None:
    thread = build_thread({"session": "s"}, chat(("q1", "a1"), ("q2", "a2")))
    data = json.loads(json.dumps(thread_json(thread)))
    assert data["mutated_turns"] == []
    second = data["turns"][1]
    assert second["call"]["key"] == "req:2" and "messages" not in second["call"]
    assert second["diff"]["summary"] == ["+1 new"] and second["diff"]["kept"] == 3
    assert [m["kind"] for m in second["messages"]] == ["new", "response"]


def test_word_diff_keeps_a_little_context_around_a_change() -> None:
    before = "one two three four five six seven eight nine ten. Be brief."
    runs = word_diff(before, before + " Answer in French.", context=3)
    assert runs == [("=", "… ten. Be brief."), ("+", " Answer in French.")]
    assert word_diff("a b c", "a x c") == [("=", "a"), ("-", " b"), ("+", " x"), ("=", " c")]
