"""Two runs of the same workflow side by side: which spans match, how their durations moved, which
spans one run has and the other lacks, and where attributes and outputs differ.

Spans are matched by their place in the tree, not by id (ids differ on every run): a root with a
root of the same name, then, under two matched spans, children of the same name in order (the
second ``chat`` under ``agent`` matches the other run's second ``chat`` under ``agent``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .trace_tree import SpanNode, TraceTree


@dataclass
class Difference:
    """One attribute (or the output, keyed ``output``) whose values differ; None: absent."""

    key: str
    a: Any
    b: Any


@dataclass
class MatchedSpan:
    """A row of the comparison: a span of run A, of run B, or both."""

    name: str
    depth: int
    a: SpanNode | None
    b: SpanNode | None
    differences: list[Difference] = field(default_factory=list)

    @property
    def change(self) -> str:
        """``missing`` (only in A), ``added`` (only in B), ``status`` (one failed),
        ``changed`` (attributes or output differ) or ``same``."""
        if self.b is None:
            return "missing"
        if self.a is None:
            return "added"
        if self.a.error != self.b.error:
            return "status"
        return "changed" if self.differences else "same"

    @property
    def delta_ms(self) -> float | None:
        """B's duration minus A's; None unless both are known."""
        if self.a is None or self.b is None:
            return None
        a, b = self.a.duration_ms, self.b.duration_ms
        return None if a is None or b is None else b - a


def compare_trees(a: TraceTree, b: TraceTree, outputs_a: dict[str, Any] | None = None,
                  outputs_b: dict[str, Any] | None = None) -> list[MatchedSpan]:
    """The rows of the comparison in tree order (A's order; spans only B has follow their
    matched siblings). ``outputs_*`` map span ids to what the span's LLM call returned."""
    rows: list[MatchedSpan] = []
    stack: list[tuple[SpanNode | None, SpanNode | None, int]] = [
        pair + (0,) for pair in reversed(_pairs(a.roots, b.roots))]
    while stack:
        left, right, depth = stack.pop()
        node = left or right
        assert node is not None  # every pair has at least one side
        row = MatchedSpan(node.name, depth, left, right)
        if left is not None and right is not None:
            row.differences = differences(left, right, (outputs_a or {}).get(left.span_id),
                                          (outputs_b or {}).get(right.span_id))
        rows.append(row)
        children = _pairs(left.children if left else [], right.children if right else [])
        stack.extend(pair + (depth + 1,) for pair in reversed(children))
    return rows


def _pairs(a: list[SpanNode], b: list[SpanNode]
           ) -> list[tuple[SpanNode | None, SpanNode | None]]:
    """Siblings matched by name and occurrence: A's order, then B's unmatched."""
    unmatched: dict[str, list[SpanNode]] = {}
    for node in b:
        unmatched.setdefault(node.name, []).append(node)
    pairs: list[tuple[SpanNode | None, SpanNode | None]] = []
    for node in a:
        same_name = unmatched.get(node.name)
        pairs.append((node, same_name.pop(0) if same_name else None))
    used = {id(right) for _, right in pairs if right is not None}
    pairs.extend((None, node) for node in b if id(node) not in used)
    return pairs


# Attributes that differ on every run by nature: comparing them says nothing.
_RUN_SPECIFIC = ("gen_ai.response.id", "llm.response.id", "ai.response.id", "thread.id",
                 "process.pid", "llmview.trace_id", "llmview.span_id")


def differences(a: SpanNode, b: SpanNode, output_a: Any = None,
                output_b: Any = None) -> list[Difference]:
    """The attributes whose values differ (sorted by key), then the output if it differs."""
    attrs_a = _attributes(a)
    attrs_b = _attributes(b)
    found = [Difference(key, attrs_a.get(key), attrs_b.get(key))
             for key in sorted(set(attrs_a) | set(attrs_b))
             if key not in _RUN_SPECIFIC and canonical(attrs_a.get(key)) !=
             canonical(attrs_b.get(key))]
    if (a.error or b.error) and a.span.get("error") != b.span.get("error"):
        found.append(Difference("error", a.span.get("error"), b.span.get("error")))
    if canonical(output_a) != canonical(output_b):
        found.append(Difference("output", output_a, output_b))
    return found


def _attributes(node: SpanNode) -> dict[str, Any]:
    attributes = node.span.get("attributes")
    return attributes if isinstance(attributes, dict) else {}


def canonical(value: Any) -> str:
    """A value as text that is equal for equal values (key order aside): what comparing two
    runs compares."""
    return json.dumps(value, sort_keys=True, default=str)
