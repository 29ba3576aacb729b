"""Waterfall bars and the time ruler above them, as plain strings (no Textual, no colours).

A terminal cell is coarse: on an 80-column screen one cell of a 3 s trace is 60 ms, so whole-cell
bars (what otel-tui draws) make a 5 ms span and a 55 ms one look the same, and misplace both.
Bars here are measured in eighths of a cell. The end of a bar uses the left-aligned eighth
blocks ``▏▎▍▌▋▊▉█``; Unicode has no matching right-aligned set, so a start inside a cell is the
left block of the *empty* part drawn with the colours swapped (``Bar.inverse`` says which
cell). Output without colours (``Bar.plain``) rounds that cell to ``▕ ▐ █``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .safe_text import visible
from .trace_tree import SpanNode

EIGHTHS = " ▏▎▍▌▋▊▉█"  # EIGHTHS[n]: the left n/8 of a cell filled


class Bar(NamedTuple):
    text: str  # exactly ``width`` characters
    inverse: int | None  # the cell to draw with foreground and background swapped, if any

    def plain(self) -> str:
        """The bar for output that cannot swap colours: the inverted cell becomes the
        right-aligned block closest to what it covers."""
        if self.inverse is None:
            return self.text
        covered = 8 - EIGHTHS.index(self.text[self.inverse])
        glyph = "█" if covered >= 6 else "▐" if covered >= 3 else "▕"
        return self.text[: self.inverse] + glyph + self.text[self.inverse + 1:]


def bar(start: float, end: float | None, trace_start: float, trace_end: float,
        width: int) -> Bar:
    """The bar of a span running ``start``..``end`` on an axis ``trace_start``..``trace_end``
    drawn ``width`` cells wide. A span is never thinner than one eighth, so a 1 µs span in a
    minute-long trace still shows; ``end`` None (not ended) is drawn as that thinnest mark.
    Times outside the axis (clock skew, a zoomed view) are clipped to it."""
    if width <= 0:
        return Bar("", None)
    eighths = width * 8
    scale = eighths / (trace_end - trace_start) if trace_end > trace_start else 0.0
    left = _clamp(round((start - trace_start) * scale), 0, eighths - 1)
    right = left + 1 if end is None else _clamp(round((end - trace_start) * scale), 0, eighths)
    right = max(right, left + 1)
    cells = []
    inverse = None
    for cell in range(width):
        a = _clamp(left - cell * 8, 0, 8)
        b = _clamp(right - cell * 8, 0, 8)
        if b <= a:
            cells.append(" ")
        elif a == 0:
            cells.append(EIGHTHS[b])
        elif b == 8 or 8 - b < a:
            # Covers the right part of the cell (or a sliver that is nearer the right edge).
            cells.append(EIGHTHS[a])
            inverse = cell
        else:
            cells.append(EIGHTHS[b])  # a sliver inside one cell, nearer the left edge
    return Bar("".join(cells), inverse)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


# --- the ruler ------------------------------------------------------------------------------

TICK = "▏"
_DECIMAL = (1.0, 2.0, 2.5, 5.0)
# Steps of a second and more follow the clock: 15 s and 30 min read better than 25 s and 50 min.
_CLOCK_STEPS = tuple(seconds * 1000.0 for seconds in (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400))


def time_label(ms: float) -> str:
    """A short label for a time since the trace started: ``0``, ``250µs``, ``40ms``,
    ``1.25s``, ``2m30s``, ``1h15m``."""
    if ms == 0:
        return "0"
    if abs(ms) < 1:
        return f"{_number(ms * 1000)}µs"
    if abs(ms) < 1000:
        return f"{_number(ms)}ms"
    if abs(ms) < 60_000:
        return f"{_number(ms / 1000)}s"
    big, small, rest_unit, size = ("h", "m", 60_000.0, 3_600_000.0) if abs(ms) >= 3_600_000 \
        else ("m", "s", 1000.0, 60_000.0)
    whole = int(ms // size)
    rest = (ms - whole * size) / rest_unit
    return f"{whole}{big}" + (f"{_number(rest)}{small}" if round(rest, 3) else "")


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def nice_step(at_least: float) -> float:
    """The smallest round step (in ms) that is ``>= at_least``: 1, 2, 2.5 or 5 times a power
    of ten below a second, clock steps from a second to a day, whole days beyond."""
    if at_least <= 0:
        return 1.0
    if 1000.0 < at_least <= _CLOCK_STEPS[-1]:
        return next(step for step in _CLOCK_STEPS if step >= at_least)
    unit = 86_400_000.0 if at_least > _CLOCK_STEPS[-1] else 1.0
    power = 10.0 ** math.floor(math.log10(at_least / unit))
    return unit * next((m * power for m in (*_DECIMAL, 10.0)
                        if m * power >= at_least / unit * (1 - 1e-9)), 10.0 * power)


def ruler(start_ms: float, end_ms: float, width: int) -> str:
    """A line of ``width`` characters with a tick and a label at round times between
    ``start_ms`` and ``end_ms`` (times since the trace started, so a zoomed view keeps
    reading in trace time). Ticks are as dense as their labels allow, a space apart."""
    if width <= 0:
        return ""
    span = end_ms - start_ms
    if span <= 0:
        return (TICK + time_label(start_ms)).ljust(width)[:width]
    step = nice_step(span / max(1, width // 6))
    while True:
        marks = _marks(start_ms, end_ms, step, width)
        gaps = zip(marks, marks[1:], strict=False)
        if step >= span or all(column + len(label) < next_column
                               for (column, label), (next_column, _) in gaps):
            break
        step = nice_step(step * 1.01)
    line = [" "] * width
    for column, label in marks:
        if column + len(label) <= width:
            line[column:column + len(label)] = label
    return "".join(line)


def _marks(start_ms: float, end_ms: float, step: float, width: int) -> list[tuple[int, str]]:
    first = math.ceil(start_ms / step - 1e-9)
    last = math.floor(end_ms / step + 1e-9)
    span = end_ms - start_ms
    return [(int((n * step - start_ms) / span * width), TICK + time_label(n * step))
            for n in range(first, last + 1)]


# --- the tree column ------------------------------------------------------------------------

KIND_LABELS = {
    "llm": "LLM", "embedding": "EMBED", "retrieval": "RETR", "tool": "TOOL", "chain": "CHAIN",
    "agent": "AGENT", "http": "HTTP", "db": "DB", "reranker": "RERANK", "guardrail": "GUARD",
    "evaluator": "EVAL",
}
KIND_WIDTH = 6


def kind_label(kind: str | None) -> str:
    """The span kind as a short fixed label (an unknown kind as itself, clipped)."""
    if not kind:
        return ""
    return KIND_LABELS.get(kind) or visible(kind.upper())[:KIND_WIDTH]


def guide(node: SpanNode, max_levels: int) -> str:
    """The tree lines before a span's name (``│  ├─ ``), from at most ``max_levels`` ancestors,
    so a 10,000-deep chain costs the same as a shallow one."""
    parts: list[str] = []
    child, parent = node, node.parent
    while parent is not None and len(parts) < max_levels:
        last = parent.children[-1] is child
        parts.append(("└─ " if last else "├─ ") if child is node else ("   " if last else "│  "))
        child, parent = parent, parent.parent
    if parent is not None:
        parts.append("…")
    return "".join(reversed(parts))


def duration_label(ms: float) -> str:
    """A duration in at most six characters, three significant digits: ``850µs``, ``4.25ms``,
    ``432ms``, ``1.45s``, ``12.3s``, ``2m03s``, ``1h05m`` (a table column, not a ruler)."""
    if ms == 0:
        return "0"
    if ms < 1:
        return f"{ms * 1000:.0f}µs"
    if ms < 999.5:
        return f"{ms:.{2 if ms < 9.995 else 1 if ms < 99.95 else 0}f}ms"
    if ms < 59_950:
        return f"{ms / 1000:.{2 if ms < 9_995 else 1}f}s"
    minutes = round(ms / 1000) // 60
    if minutes < 60:
        return f"{minutes}m{round(ms / 1000) % 60:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"
