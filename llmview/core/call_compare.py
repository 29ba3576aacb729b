"""Two calls side by side: what changed between them in what was sent (model, parameters, tools,
each message) and in what came back (output, status, usage, latency, cost).

This is the prompt-iteration question: the same request run with a reworded system prompt,
another model or another temperature, and "what did that change?". Messages are aligned with
difflib on the same fingerprints the session thread uses, so one inserted message shows as one
added row rather than every later message "changed"; within a replaced run, messages of the same
role pair up as one message edited.

Pure Python over two decoded calls (``thread.decode``): no database, no Textual.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from .formats.messages import content_text, plain_text
from .thread import PARAMETERS, Message, fingerprint, pair_edits, response_of
from .trace_compare import canonical

# (label, column) of what identifies and configures a call, in the order shown.
_SETUP = (("model", "model"), ("provider", "provider"), ("operation", "operation"))
# (label, column, unit) of what a call cost and how long it took; these have a delta.
_MEASURES = (("latency", "latency_ms", "ms"), ("first token", "ttft_ms", "ms"),
             ("input tokens", "input_tokens", "tokens"),
             ("output tokens", "output_tokens", "tokens"), ("cost", "cost_usd", "usd"))
_OUTCOME = (("status", "status"), ("finish", "finish_reason"), ("http status", "http_status"))


@dataclass(frozen=True)
class Part:
    """One row of the comparison: ``section`` is ``call``, ``message`` or ``output``; ``a``
    and ``b`` the values in each call (None: that call has none); a measure has a ``unit``
    (``ms``, ``tokens`` or ``usd``)."""

    section: str
    label: str
    a: Any
    b: Any
    unit: str | None = None

    @property
    def change(self) -> str:
        """``missing`` (only A has it), ``added`` (only B), ``changed`` or ``same``."""
        if self.a is None and self.b is None:
            return "same"
        if self.b is None:
            return "missing"
        if self.a is None:
            return "added"
        return "same" if canonical(self.a) == canonical(self.b) else "changed"

    @property
    def delta(self) -> float | None:
        """B minus A for a measure both calls have."""
        if self.unit is None or not is_number(self.a) or not is_number(self.b):
            return None
        return float(self.b) - float(self.a)


def compare_calls(a: dict[str, Any], b: dict[str, Any]) -> list[Part]:
    """The rows of the comparison: setup and parameters, the messages aligned, the output, then
    the outcome and measures. Rows neither call has a value for are left out."""
    parts = [Part("call", label, a.get(column), b.get(column)) for label, column in _SETUP]
    parts += [Part("call", name, _param(a, name), _param(b, name))
              for name in _parameter_names(a, b)]
    parts.append(Part("call", "tools", _tools(a), _tools(b)))
    parts += compare_messages(a.get("messages") or [], b.get("messages") or [])
    parts.append(Part("output", "output", _response(a), _response(b)))
    parts.append(Part("output", "error", _error(a), _error(b)))
    parts += [Part("output", label, a.get(column), b.get(column)) for label, column in _OUTCOME]
    parts += [Part("output", label, a.get(column), b.get(column), unit)
              for label, column, unit in _MEASURES]
    return [part for part in parts if part.a is not None or part.b is not None]


def compare_messages(a: list[Message], b: list[Message]) -> list[Part]:
    """One row per message of either call, aligned: same, edited (paired), or only in one."""
    before = [fingerprint(m) for m in a]
    after = [fingerprint(m) for m in b]
    rows: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += zip(range(i1, i2), range(j1, j2), strict=True)
            continue
        pairs = dict(pair_edits(a, b, range(i1, i2), range(j1, j2), at_end=False))
        by_new = {j: i for i, j in pairs.items()}
        # A's unpaired messages go where they stood, before the B message that follows them.
        pending = [i for i in range(i1, i2) if i not in pairs]
        for j in range(j1, j2):
            if j in by_new:
                rows += [(i, None) for i in pending if i < by_new[j]]
                pending = [i for i in pending if i > by_new[j]]
                rows.append((by_new[j], j))
            else:
                rows.append((None, j))
        rows += [(i, None) for i in pending]
    return [Part("message", _message_label(a, b, i, j),
                 None if i is None else message_text(a[i]),
                 None if j is None else message_text(b[j])) for i, j in rows]


def message_text(message: Message) -> str:
    """A message as one text: its content, then a line per tool call it makes (or the call it
    answers), so a changed tool argument shows as a changed message."""
    lines = [content_text(message.get("content"))]
    answers = plain_text(message.get("tool_call_id"))
    if answers:
        lines.insert(0, f"(answers tool call {answers})")
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict):
            lines.append(f"→ {plain_text(call.get('name'))}({plain_text(call.get('arguments'))})")
    return "\n".join(line for line in lines if line)


def _message_label(a: list[Message], b: list[Message], i: int | None, j: int | None) -> str:
    """``#3 user`` (the same number in both calls) or ``#3→#4 user`` (moved by an insert)."""
    message = a[i] if i is not None else b[j] if j is not None else {}
    role = plain_text(message.get("role")) or "user"
    where = {i, j} - {None}
    number = "→".join(f"#{n + 1}" for n in ([i, j] if len(where) == 2 else sorted(where)))
    return f"{number} {role}"


def _parameter_names(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The sampling parameters, then any other parameter either call logged, by name."""
    named = [name for name in PARAMETERS if name != "model"]
    logged = {key for call in (a, b) if isinstance(call.get("params"), dict)
              for key in call["params"]}
    return named + sorted(logged - set(named) - {"model", "messages", "tools"})


def _param(call: dict[str, Any], name: str) -> Any:
    value = call.get(name)
    params = call.get("params")
    if value is None and isinstance(params, dict):
        value = params.get(name)
    return value


def _tools(call: dict[str, Any]) -> str | None:
    """The tool definitions offered, as indented JSON (their names read first)."""
    tools = call.get("tools")
    if not tools:
        return None
    return json.dumps(tools, indent=1, sort_keys=True, default=str, ensure_ascii=False)


def _response(call: dict[str, Any]) -> str | None:
    response = response_of(call)
    return None if response is None else message_text(response)


def _error(call: dict[str, Any]) -> str | None:
    kind, message = call.get("error_type"), call.get("error_message")
    if not kind and not message:
        return None
    return ": ".join(plain_text(part) for part in (kind, message) if part)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
