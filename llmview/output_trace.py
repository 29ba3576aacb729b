"""``llmview trace``: one trace as a JSON tree for scripts, or as a plain-text waterfall that fits
the terminal.

Every value from a log is masked (unless ``--unmasked``) and, in text, passed through
``visible`` so a span name cannot move the cursor.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any, TextIO

from .core.safe_text import visible
from .core.trace_tree import SpanNode, TraceTree
from .core.waterfall import KIND_WIDTH, bar, duration_label, guide, kind_label, ruler

Mask = Callable[[Any], Any]

# The span fields of ``--json``, in order (``start``/``end`` are ISO times in UTC).
SPAN_FIELDS = ("span_id", "parent_id", "name", "kind", "service", "start", "end", "duration_ms",
               "status", "error", "attributes", "events")
DURATION_WIDTH = 7
MIN_BAR = 10


def _iso(epoch_ms: float | None) -> str | None:
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(epoch_ms / 1000, timezone.utc)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def _span_fields(node: SpanNode) -> dict[str, Any]:
    if node.missing:
        return {"span_id": node.span_id, "missing": True}
    span = node.span
    fields = {name: span.get(name) for name in SPAN_FIELDS}
    fields["start"], fields["end"] = _iso(node.start), _iso(node.end)
    if span.get("parent_cycle"):
        fields["parent_cycle"] = True
    return fields


def trace_json(tree: TraceTree, mask: Mask) -> Iterator[str]:
    """``{"trace_id", "roots": [{span fields..., "children": [...]}]}`` in pieces: every span
    exactly once; a parent that never arrived is ``{"span_id", "missing": true, "children"}``.
    Written without recursion (neither ours nor the json module's), so a chain of thousands
    of nested spans prints like any other trace; each span is masked on its own."""
    yield '{"trace_id": ' + json.dumps(tree.trace_id) + ', "roots": ['
    stack: list[tuple[SpanNode, bool] | str] = [
        (root, n == 0) for n, root in reversed(list(enumerate(tree.roots)))]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
            continue
        node, first = item
        fields = json.dumps(mask(_span_fields(node)), ensure_ascii=False, default=str)
        yield ("" if first else ", ") + fields[:-1] + ', "children": ['
        stack.append("]}")
        stack.extend((child, n == 0) for n, child in reversed(list(enumerate(node.children))))
    yield "]}"


def print_trace_json(tree: TraceTree, mask: Mask, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    for piece in trace_json(tree, mask):
        out.write(piece)
    out.write("\n")


def waterfall_lines(tree: TraceTree, width: int, mask: Mask) -> list[str]:
    """The trace as text ``width`` columns wide: a title, a ruler, then one line per span
    (tree, kind, duration, bar)."""
    fixed = KIND_WIDTH + DURATION_WIDTH + 3  # and the spaces between the columns
    label_width = max(8, min(48, width * 2 // 5, width - fixed - MIN_BAR))
    bar_width = max(1, width - label_width - fixed)
    start = tree.start or 0.0
    end = tree.end if tree.end is not None else start
    errors = tree.error_count
    title = (f"trace {visible(tree.trace_id)}  {duration_label(end - start)}  "
             f"{tree.span_count} spans  {errors} error{'' if errors == 1 else 's'}")
    lines = [title[:width], " " * (width - bar_width) + ruler(0.0, end - start, bar_width)]
    for node in tree.walk():
        name = visible(str(mask(node.name)))
        mark = "✗ " if node.error else "! " if node.error_below else ""
        label = (guide(node, label_width // 6) + mark + name)
        label = label if len(label) <= label_width else label[: label_width - 1] + "…"
        duration = node.duration_ms
        shown = "" if duration is None else duration_label(duration)
        drawn = " " * bar_width if node.start is None else \
            bar(node.start, node.end, start, end, bar_width).plain()
        lines.append(f"{label:<{label_width}} {kind_label(node.kind):<{KIND_WIDTH}} "
                     f"{shown:>{DURATION_WIDTH}} {drawn}")
    return lines


def print_trace_text(tree: TraceTree, width: int, mask: Mask,
                     out: TextIO | None = None) -> None:
    for line in waterfall_lines(tree, width, mask):
        print(line.rstrip(), file=out or sys.stdout)
