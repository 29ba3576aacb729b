"""The one place untrusted text is made safe to show: control characters become visible escapes.

A log line may hold ANSI escape sequences, carriage returns or other C0/C1 controls; printed
raw they would move the cursor, recolour or retitle the user's terminal. ``visible`` keeps
every character a person can read and spells out the rest (``\\x1b``), so nothing is lost.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode line/paragraph
# separators and bidirectional overrides that reorder what the eye reads.
# Lone surrogates (from invalid UTF-8 read with surrogateescape) cannot be encoded for a
# terminal at all, so they are spelled out too.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x09:
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, one_line: bool = True) -> str:
    """``text`` with every control character shown as an escape. With ``one_line`` newlines and
    tabs are escaped too, for table cells and single-line output."""
    pattern = _UNSAFE_ONE_LINE if one_line else _UNSAFE
    return pattern.sub(_escape, text)
