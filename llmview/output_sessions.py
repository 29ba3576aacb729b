"""Printing sessions for ``llmview sessions`` and one conversation for ``llmview session``.

Both print from plain data that was masked first (the masker sees every string once), as JSON for
scripts or as text for people; text goes through ``visible`` so a log line cannot move the cursor
or recolour the terminal.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

from .core.formats.messages import plain_text
from .core.safe_text import visible
from .core.thread import word_diff
from .output import Mask, jsonable

INDENT = "    "


def print_sessions(rows: list[dict[str, Any]], *, as_json: bool, mask: Mask,
                   out: TextIO | None = None) -> None:
    """One session per line: JSON objects, or columns a person can scan."""
    out = out or sys.stdout  # looked up now: a test or a pipe may have replaced it
    for row in rows:
        masked = mask({key: jsonable(value) for key, value in row.items()})
        print(json.dumps(masked, ensure_ascii=False) if as_json else session_line(masked),
              file=out)


def session_line(row: dict[str, Any]) -> str:
    parts = [
        _local(row.get("last_ts"), "%Y-%m-%d %H:%M"),
        f"{_clip(row.get('session'), 36):<36}",
        f"{row.get('turns') or 0:>4} turn{'s' * (row.get('turns') != 1)}",
        f"{_clip(row.get('user_id') or '-', 14):<14}",
        f"{_clip(row.get('app') or '-', 14):<14}",
        f"{_tokens(row.get('tokens')):>7}",
        f"{_money(row.get('cost')):>9}",
        f"{row.get('errors') or 0:>3} err",
        _clip(row.get("first_message") or "", 60),
    ]
    return "  ".join(parts)


def print_thread(data: dict[str, Any], *, as_json: bool, out: TextIO | None = None) -> None:
    """``data`` is ``thread_json`` of a thread, masked as it should be printed."""
    out = out or sys.stdout
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=jsonable), file=out)
        return
    for line in thread_lines(data):
        print(line, file=out)


def thread_lines(data: dict[str, Any]) -> list[str]:
    """The conversation as text: a header, then per turn its call's figures, what its context
    changed, and its messages (each once), tool calls and results in place."""
    session = data["session"]
    lines = [
        f"session {_one(session.get('session'))}  user {_one(session.get('user_id') or '-')}"
        f"  app {_one(session.get('app') or '-')}",
        f"{session.get('turns')} turn{'s' * (session.get('turns') != 1)} · "
        f"{_local(session.get('first_ts'))} → {_local(session.get('last_ts'))} · "
        f"{_tokens(session.get('tokens'))} tokens · "
        f"{_money(session.get('cost')) or 'cost unknown'} · {session.get('errors') or 0} errors",
    ]
    if data["mutated_turns"]:
        turns = ", ".join(str(n) for n in data["mutated_turns"])
        lines.append(f"⚠ history mutated between turns: a call re-sent a changed earlier "
                     f"message (turn {turns})")
    for turn in data["turns"]:
        lines += ["", *_turn_lines(turn)]
    return lines


def _turn_lines(turn: dict[str, Any]) -> list[str]:
    call, diff = turn["call"], turn["diff"]
    figures = [f"turn {turn['turn']}", _local(call.get("ts")), _one(call.get("model") or "?"),
               call.get("status") or "pending"]
    if call.get("latency_ms") is not None:
        figures.append(f"{call['latency_ms']:,.0f} ms")
    if call.get("input_tokens") is not None or call.get("output_tokens") is not None:
        figures.append(f"{_tokens(call.get('input_tokens'))} in / "
                       f"{_tokens(call.get('output_tokens'))} out")
    if call.get("cost") is not None:
        figures.append(_money(call["cost"]))
    figures.append(_one(call.get("key")))
    summary = [*diff["summary"], *(["⚠ history mutated"] if diff["mutated"] else [])]
    lines = ["━━ " + " · ".join(figures), INDENT + " · ".join(_one(p) for p in summary)]
    for dropped in diff["dropped"][:3]:
        lines.append(f"{INDENT}✂ dropped {_one(dropped['role'])}: "
                     f"{_clip(dropped['content'], 70)}")
    if len(diff["dropped"]) > 3:
        lines.append(f"{INDENT}✂ … and {len(diff['dropped']) - 3} more dropped")
    for message in turn["messages"]:
        lines += _message_lines(message)
    if call.get("status") == "error":
        error = ": ".join(_one(v) for v in (call.get("error_type"), call.get("error_message"))
                          if v)
        lines.append(f"{INDENT}✗ {error or 'the call failed'}")
    return lines


def _message_lines(message: dict[str, Any]) -> list[str]:
    role = _one(message.get("role") or "user")
    label = {"edited": f"{role} (edited)", "response": "response"}.get(message["kind"], role)
    if message.get("resent"):
        label += " (not logged; as the next call re-sent it)"
    if message.get("tool_call_id"):
        label += f" (answers {_one(message['tool_call_id'])})"
    lines = [f"{INDENT}{label}:"]
    before = message.get("before")
    if message["kind"] == "edited" and isinstance(before, dict):
        runs = word_diff(plain_text(before.get("content")), plain_text(message.get("content")))
        marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
        body = "".join(marks[op].format(text) for op, text in runs)
    else:
        body = plain_text(message.get("content"))
    lines += [INDENT * 2 + line for line in visible(body, one_line=False).splitlines() if line]
    for call in message.get("tool_calls") or []:
        if isinstance(call, dict):
            lines.append(f"{INDENT * 2}→ {_one(call.get('name') or '?')}"
                         f"({_clip(plain_text(call.get('arguments')), 200)})")
    return lines


# --- values -----------------------------------------------------------------------------------


def _local(value: Any, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A stored time (naive UTC, or its ISO form after masking) in the local zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.removesuffix("Z"))
        except ValueError:
            return _one(value)
    if not isinstance(value, datetime):
        return "-"
    return value.replace(tzinfo=timezone.utc).astimezone().strftime(fmt)


def _tokens(value: Any) -> str:
    return "-" if value is None else f"{int(value):,}"


def _money(value: Any) -> str:
    if value is None:
        return ""
    return f"${value:.4f}" if value < 0.01 else f"${value:.2f}"


def _value(value: Any) -> str:
    return "-" if value is None else _clip(plain_text(value), 24)


def _one(value: Any) -> str:
    return visible(plain_text(value))


def _clip(value: Any, width: int) -> str:
    text = _one(value)
    return text if len(text) <= width else text[: width - 1] + "…"
