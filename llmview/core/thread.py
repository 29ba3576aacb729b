"""A conversation reassembled from the calls that carried it, and what changed between calls.

A chat app sends the whole history with every call, so the calls of a session overlap: call 3
re-sends call 1's question, call 1's answer, call 2's question and call 2's answer, then adds a
new question. Reading them one by one shows the same messages again and again. Here each call is
compared with the *context* of the call before it (its messages plus the answer it got), and only
what is new becomes part of the thread, so every message appears once, next to the call that
first sent it or produced it.

The comparison is also the debugging aid: what a call sent that the previous one did not (new
messages), what it no longer sent (dropped: truncation or a fresh context), which earlier
messages it re-sent *changed* (an edited system prompt, a rewritten answer: history mutated
between turns, a common bug) and which parameters or model changed.

Pure Python over one session's calls (a few hundred at most): no database, no Textual.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from .formats.messages import plain_text

Message = dict[str, Any]
# What identifies a message when comparing calls: role, text (ends trimmed), the tool call it
# answers and the tool calls it makes. Formatting a logger adds (key order, an empty content
# next to tool calls, whitespace around the text) does not make a message "changed".
Fingerprint = tuple[str, str, str, tuple[tuple[str, str], ...]]

# Parameters compared between consecutive calls, in the order a change is reported.
PARAMETERS = ("model", "temperature", "top_p", "max_tokens", "seed")
SYSTEM_ROLES = frozenset(("system", "developer"))
# Two messages at the end of a call whose texts are at least this similar are one message
# edited; less similar, they are a dropped message and a new one.
SIMILAR = 0.6
_SIMILARITY_CHARS = 2000  # enough of each text to tell an edit from a different message


@dataclass(frozen=True)
class Edit:
    """An earlier message re-sent changed: ``position`` in the call's messages."""

    position: int
    before: Message
    after: Message


@dataclass(frozen=True)
class Dropped:
    """A message of the previous context this call no longer sent (``position`` in it)."""

    position: int
    message: Message


@dataclass(frozen=True)
class ContextDiff:
    """What one call sent compared with the context of the previous call of its session.

    ``logged`` is False when the call's messages were not logged (nothing to compare); ``first``
    for the session's first call. ``added`` are positions in this call's messages.
    """

    first: bool = False
    logged: bool = True
    sent: int = 0
    kept: int = 0
    added: tuple[int, ...] = ()
    edited: tuple[Edit, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    changed: tuple[tuple[str, Any, Any], ...] = ()  # (parameter, before, after)

    @property
    def mutated(self) -> bool:
        """An earlier message was re-sent changed: the history was mutated between turns."""
        return bool(self.edited)

    @property
    def system_edited(self) -> bool:
        return any(_role(edit.after) in SYSTEM_ROLES for edit in self.edited)

    def parts(self) -> list[tuple[str, str]]:
        """The diff as short phrases with a severity (``info``, ``warn`` or ``alert``), for one
        compact line: ``+1 new · ✎ system prompt edited · ✂ 2 dropped · temperature 0.2→0.7``."""
        if not self.logged:
            return [("messages not logged", "info")]
        if self.first:
            return [(f"{self.sent} message{'s' * (self.sent != 1)} sent", "info")]
        parts: list[tuple[str, str]] = []
        if self.added:
            parts.append((f"+{len(self.added)} new", "info"))
        if self.system_edited:
            parts.append(("✎ system prompt edited", "alert"))
        others = sum(_role(edit.after) not in SYSTEM_ROLES for edit in self.edited)
        if others:
            parts.append((f"✎ {others} earlier message{'s' * (others != 1)} edited", "alert"))
        if self.dropped:
            parts.append((f"✂ {len(self.dropped)} dropped" if self.kept
                          else "history not re-sent", "warn"))
        for name, before, after in self.changed:
            parts.append((f"{name} {_short(before)}→{_short(after)}", "warn"))
        return parts or [("nothing new sent", "info")]


@dataclass(frozen=True)
class Entry:
    """One message of the thread: ``new`` (first sent by this turn's call), ``edited`` (a new
    version of an earlier message; ``before`` holds the old one) or ``response`` (what the call
    returned)."""

    message: Message
    kind: str
    before: Message | None = None
    resent: bool = False  # a response the log did not record, as the next call re-sent it


@dataclass(frozen=True)
class Turn:
    """One call of the session: its figures (``call``: key, ts, model, latency_ms, tokens,
    cost, status, error), how its context differed from the previous call's, and the messages
    it contributes to the thread (new and edited ones, then its response)."""

    number: int
    call: dict[str, Any]
    diff: ContextDiff
    entries: tuple[Entry, ...]

    @property
    def response(self) -> Message | None:
        return next((e.message for e in self.entries if e.kind == "response"), None)


@dataclass(frozen=True)
class Thread:
    session: dict[str, Any]
    turns: tuple[Turn, ...] = field(default=())

    @property
    def mutated(self) -> tuple[int, ...]:
        """Numbers of the turns whose call re-sent a changed earlier message."""
        return tuple(turn.number for turn in self.turns if turn.diff.mutated)


# --- reassembly -----------------------------------------------------------------------------


def build_thread(session: dict[str, Any], calls: Iterable[dict[str, Any]]) -> Thread:
    """The thread of ``calls`` (one session's, oldest first, JSON columns as text or decoded).

    Each call is diffed with the context of the call before it: its messages plus the response
    it got. A call whose messages were not logged is not diffed; its response still extends the
    context the next call is compared with. Many loggers record what a call sent but not what
    it returned: the answer then first appears as the assistant message the next call re-sends
    right after the history, and is shown as the earlier call's response (``resent``).
    """
    decoded = [decode(row) for row in calls]
    entries: list[list[Entry]] = []
    diffs: list[ContextDiff] = []
    context: list[Message] | None = None  # what the next call is expected to re-send
    shown: Counter[Fingerprint] = Counter()  # messages in the thread so far
    for n, call in enumerate(decoded):
        messages = call.pop("messages")
        previous = decoded[n - 1] if n else None
        changed = _changed(previous, call)
        if messages is None:
            diff = ContextDiff(first=previous is None, logged=False, changed=changed)
            new: list[Entry] = []
        else:
            diff = replace(context_diff(context, messages), changed=changed)
            new = _new_entries(messages, diff, shown)
            answer = _previous_answer(entries[-1] if n else [], previous, context, diff,
                                      messages, new)
            if answer is not None:
                entries[-1].append(replace(new.pop(answer), kind="response", resent=True))
        response = response_of(call)
        if response is not None:
            new.append(Entry(response, "response"))
            shown[fingerprint(response)] += 1
        entries.append(new)
        diffs.append(diff)
        base = messages if messages is not None else context or []
        context = [*base, response] if response is not None else list(base)
    return Thread(session, tuple(Turn(n + 1, call, diffs[n], tuple(entries[n]))
                                 for n, call in enumerate(decoded)))


def _previous_answer(previous_entries: list[Entry], previous: dict[str, Any] | None,
                     context: list[Message] | None, diff: ContextDiff,
                     messages: list[Message], new: list[Entry]) -> int | None:
    """Which of ``new`` (this call's new messages) is the previous call's unlogged answer: that
    call succeeded without a logged response, and this one re-sent its context whole (edited
    or not), then an assistant message."""
    if previous is None or context is None or previous.get("status") == "error":
        return None
    if any(entry.kind == "response" for entry in previous_entries):
        return None
    position = len(context)
    if diff.kept + len(diff.edited) != position or diff.added[:1] != (position,):
        return None
    if _role(messages[position]) != "assistant":
        return None
    return next((k for k, entry in enumerate(new) if entry.message is messages[position]), None)


def _new_entries(messages: list[Message], diff: ContextDiff,
                 shown: Counter[Fingerprint]) -> list[Entry]:
    """This call's new and edited messages, in the order it sent them. A message counted as new
    that the thread already shows (a call re-sending history an earlier call dropped) is not
    shown twice: the n-th copy of a message in a call is new only if the thread has fewer."""
    edits = {edit.position: edit for edit in diff.edited}
    fresh = sorted({*diff.added, *edits})
    marks = {position: fingerprint(messages[position]) for position in fresh}
    # Counting the copies a call sent before each new message costs a fingerprint per message:
    # only worth it when one of them may already be in the thread.
    sent = [fingerprint(m) for m in messages] \
        if any(shown[mark] for mark in marks.values()) else None
    entries: list[Entry] = []
    for position in fresh:
        mark = marks[position]
        if position in edits:
            entries.append(Entry(messages[position], "edited", edits[position].before))
        elif sent is None or shown[mark] < sent[:position + 1].count(mark):
            entries.append(Entry(messages[position], "new"))
        else:
            continue
        shown[mark] += 1
    return entries


def response_of(call: dict[str, Any]) -> Message | None:
    """What the call returned, as the assistant message the next call would re-send."""
    output = call.get("output")
    tool_calls = call.get("tool_calls")
    if not output and not tool_calls:
        return None
    message: Message = {"role": "assistant", "content": output or ""}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return message


def decode(row: dict[str, Any]) -> dict[str, Any]:
    """The call with its JSON columns decoded; messages None when not logged (or empty)."""
    call = dict(row)
    for column in ("messages", "tool_calls", "tools", "params"):
        value = call.get(column)
        if isinstance(value, (str, bytes)):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                value = None
        call[column] = value
    messages = call.get("messages")
    call["messages"] = [m if isinstance(m, dict) else {"role": "user", "content": plain_text(m)}
                        for m in messages] if isinstance(messages, list) and messages else None
    return call


# --- the context diff -----------------------------------------------------------------------


def context_diff(context: Sequence[Message] | None, messages: Sequence[Message]) -> ContextDiff:
    """How ``messages`` (what a call sent) differ from ``context`` (what the previous call sent
    plus its response; None for the first call of a session).

    Messages are aligned with difflib on their fingerprints. Aligned runs are kept; a run only
    the previous context has was dropped; a run only this call has is new. Where a run was
    replaced by another, messages pair up as edits: inside the history (more kept messages
    follow) any two of the same role do, since a message between kept ones that differs was
    changed; at the end only similar ones do, and never this call's last message (the new
    question), so "same system prompt, a different question" is not an edit.
    """
    if context is None:
        return ContextDiff(first=True, sent=len(messages), added=tuple(range(len(messages))))
    # Most calls re-send the context unchanged and append: compare dicts before fingerprinting.
    common = 0
    for old, new in zip(context, messages, strict=False):
        if old != new:
            break
        common += 1
    if common == len(context):
        return ContextDiff(sent=len(messages), kept=common,
                           added=tuple(range(common, len(messages))))
    before = [fingerprint(m) for m in context[common:]]
    after = [fingerprint(m) for m in messages[common:]]
    kept, added, edited, dropped = common, [], [], []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        i1, i2, j1, j2 = i1 + common, i2 + common, j1 + common, j2 + common
        if op == "equal":
            kept += i2 - i1
            continue
        at_end = j2 == len(messages)
        pairs = pair_edits(context, messages, range(i1, i2), range(j1, j2), at_end)
        for i, j in pairs:
            if _same(before[i - common], after[j - common]):
                kept += 1
            else:
                edited.append(Edit(j, context[i], messages[j]))
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        dropped += [Dropped(i, context[i]) for i in range(i1, i2) if i not in paired_old]
        added += [j for j in range(j1, j2) if j not in paired_new]
    return ContextDiff(sent=len(messages), kept=kept, added=tuple(added), edited=tuple(edited),
                       dropped=tuple(dropped))


def pair_edits(context: Sequence[Message], messages: Sequence[Message], old: range,
               new: range, at_end: bool) -> list[tuple[int, int]]:
    """Which old and new messages of a replaced run are one message edited, in order (also
    how two calls' messages pair up when compared side by side)."""
    candidates = new[:-1] if at_end else new
    pairs: list[tuple[int, int]] = []
    start = old.start
    for j in candidates:
        for i in range(start, old.stop):
            if _role(context[i]) != _role(messages[j]):
                continue
            if at_end and not _similar(context[i], messages[j]):
                continue
            pairs.append((i, j))
            start = i + 1
            break
    return pairs


def _same(a: Fingerprint, b: Fingerprint) -> bool:
    """The same message, one copy logged without the tool calls or the tool call id the other
    has (several loggers drop them from the history they record): not an edit."""
    return a[:2] == b[:2] and all(not x or not y or x == y
                                  for x, y in zip(a[2:], b[2:], strict=True))


def _similar(a: Message, b: Message) -> bool:
    left = plain_text(a.get("content"))[:_SIMILARITY_CHARS]
    right = plain_text(b.get("content"))[:_SIMILARITY_CHARS]
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    return matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR


def fingerprint(message: Message) -> Fingerprint:
    calls = message.get("tool_calls")
    return (
        _role(message),
        plain_text(message.get("content")).strip(),
        plain_text(message.get("tool_call_id")),
        tuple((plain_text(c.get("name")), _canonical(c.get("arguments")))
              for c in calls if isinstance(c, dict)) if isinstance(calls, list) else (),
    )


def _canonical(arguments: Any) -> str:
    """Tool arguments compared by value: ``{"a": 1}`` and ``{ "a":1 }`` are the same call."""
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return arguments.strip()
    try:
        return orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return plain_text(arguments)


def _role(message: Message) -> str:
    return plain_text(message.get("role")) or "user"


# --- parameters -----------------------------------------------------------------------------


def _changed(previous: dict[str, Any] | None, call: dict[str, Any]) -> tuple[Any, ...]:
    """(name, before, after) for the model, sampling parameters, other logged parameters and
    the offered tools that differ from the previous call's."""
    if previous is None:
        return ()
    changes = [(name, previous.get(name), call.get(name)) for name in PARAMETERS
               if previous.get(name) != call.get(name)]
    old, new = _dict(previous.get("params")), _dict(call.get("params"))
    changes += [(name, old.get(name), new.get(name)) for name in sorted({*old, *new})
                if name not in PARAMETERS and old.get(name) != new.get(name)]
    old_tools, new_tools = _tool_names(previous.get("tools")), _tool_names(call.get("tools"))
    if old_tools != new_tools:
        changes.append(("tools", ", ".join(old_tools) or None, ", ".join(new_tools) or None))
    return tuple(changes)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _tool_names(tools: Any) -> list[str]:
    if not isinstance(tools, list):
        return []
    names = []
    for tool in tools:
        if isinstance(tool, dict):
            function = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            names.append(plain_text(function.get("name") or tool.get("type") or "?"))
    return sorted(names)


def _short(value: Any) -> str:
    """A parameter value in a diff line: ``—`` for none, long values cut."""
    if value is None:
        return "—"
    text = plain_text(value)
    return text if len(text) <= 24 else text[:23] + "…"


# --- output ---------------------------------------------------------------------------------


def thread_json(thread: Thread) -> dict[str, Any]:
    """The thread as plain data (``llmview session --json``, copying): the session, then each
    turn with its call's figures, its context diff and its messages."""
    return {
        "session": thread.session,
        "mutated_turns": list(thread.mutated),
        "turns": [{
            "turn": turn.number,
            "call": {k: v for k, v in turn.call.items() if k not in ("tools", "params")},
            "diff": _diff_json(turn.diff),
            "messages": [{"kind": e.kind, **e.message,
                          **({"before": e.before} if e.before is not None else {}),
                          **({"resent": True} if e.resent else {})}
                         for e in turn.entries],
        } for turn in thread.turns],
    }


def _diff_json(diff: ContextDiff) -> dict[str, Any]:
    return {
        "summary": [text for text, _ in diff.parts()],
        "first": diff.first, "logged": diff.logged, "sent": diff.sent, "kept": diff.kept,
        "added": len(diff.added), "mutated": diff.mutated,
        "edited": [{"position": e.position, "role": _role(e.after),
                    "before": plain_text(e.before.get("content")),
                    "after": plain_text(e.after.get("content"))} for e in diff.edited],
        "dropped": [{"position": d.position, "role": _role(d.message),
                     "content": plain_text(d.message.get("content"))} for d in diff.dropped],
        "changed": [{"name": n, "before": b, "after": a} for n, b, a in diff.changed],
    }


def word_diff(before: str, after: str, *, context: int = 6) -> list[tuple[str, str]]:
    """An edited text as runs of ``("=", kept)``, ``("-", removed)`` and ``("+", added)`` words,
    kept runs cut to ``context`` words next to a change (``…`` marks the cut), so an edit of a
    long system prompt reads as one short line."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    runs: list[tuple[str, str]] = []
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            words = old[i1:i2]
            head = words[:context] if n else []
            tail = words[-context:] if n < len(opcodes) - 1 else []
            if len(words) <= len(head) + len(tail):
                runs.append(("=", "".join(words)))
            else:
                runs.append(("=", "".join(head) + (" …" if head else "…") + "".join(tail)))
            continue
        if i2 > i1:
            runs.append(("-", "".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("+", "".join(new[j1:j2])))
    return runs


_WORDS = re.compile(r"\s*\S+|\s+")
