"""A trace's spans as a tree, whatever order and state they arrived in.

Spans are written when they end, so children usually precede their parents; a trace that is
still running, or whose exporter dropped a batch, has spans whose parent never arrived. The tree
keeps every span exactly once: an orphan hangs under a visible placeholder for its missing
parent, a parent cycle (bad ids) is cut at its earliest span, and a child that starts before
or ends after its parent (clock skew between hosts) is flagged, not moved.

Everything here is iterative: a 10,000-span chain must not hit Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MISSING_NAME = "missing parent"


@dataclass(eq=False, slots=True)
class SpanNode:
    """One span (or, with ``missing`` set, the placeholder for a parent that never arrived).

    Times are epoch milliseconds; ``end`` is None for a span that has not ended (or a log that
    did not say). ``error_below`` flags an ancestor of a failed span, ``skew`` a span drawn
    outside its parent, ``critical`` a span on the trace's critical path."""

    span_id: str
    span: dict[str, Any] = field(repr=False)
    start: float | None = None
    end: float | None = None
    missing: bool = False
    # Not in the repr: a node's repr would otherwise print the whole tree around it.
    parent: SpanNode | None = field(default=None, repr=False)
    children: list[SpanNode] = field(default_factory=list, repr=False)
    depth: int = 0
    error_below: bool = False
    skew: bool = False
    critical: bool = False

    @property
    def name(self) -> str:
        if self.missing:
            return MISSING_NAME
        name = self.span.get("name")
        return name if isinstance(name, str) and name else "(unnamed)"

    @property
    def kind(self) -> str | None:
        return self.span.get("kind")

    @property
    def error(self) -> bool:
        return self.span.get("status") == "error"

    @property
    def duration_ms(self) -> float | None:
        if self.start is not None and self.end is not None:
            return self.end - self.start
        duration = self.span.get("duration_ms")
        return float(duration) if isinstance(duration, (int, float)) else None

    def ancestors(self) -> Iterator[SpanNode]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self) -> Iterator[SpanNode]:
        """This node and its descendants, depth first, children in start order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def path(self) -> tuple[str, ...]:
        """Names from the root down to this node: how spans of two runs are matched."""
        names = [self.name, *(a.name for a in self.ancestors())]
        return tuple(reversed(names))


@dataclass
class TraceTree:
    trace_id: str
    roots: list[SpanNode]
    by_id: dict[str, SpanNode]  # real spans only, not placeholders
    start: float | None
    end: float | None

    @property
    def span_count(self) -> int:
        return len(self.by_id)

    @property
    def error_count(self) -> int:
        return sum(1 for node in self.by_id.values() if node.error)

    @property
    def duration_ms(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def walk(self) -> Iterator[SpanNode]:
        for root in self.roots:
            yield from root.walk()

    def visible(self, collapsed: set[str], top: SpanNode | None = None) -> list[SpanNode]:
        """The rows a waterfall shows: depth first, skipping the descendants of collapsed
        nodes (keyed by ``span_id``); ``top`` limits it to one subtree (a zoom)."""
        rows: list[SpanNode] = []
        stack = [top] if top is not None else list(reversed(self.roots))
        while stack:
            node = stack.pop()
            rows.append(node)
            if node.span_id not in collapsed:
                stack.extend(reversed(node.children))
        return rows


def _times(span: dict[str, Any]) -> tuple[float | None, float | None]:
    """Start and end in epoch ms from ``start_us``/``end_us`` (what ``Traces.spans`` returns);
    an end that is missing but implied by a duration is filled in."""
    start_us, end_us = span.get("start_us"), span.get("end_us")
    start = start_us / 1000.0 if start_us is not None else None
    end = end_us / 1000.0 if end_us is not None else None
    duration = span.get("duration_ms")
    if end is None and start is not None and isinstance(duration, (int, float)):
        end = start + duration
    return start, end


def _order(node: SpanNode) -> tuple[bool, float, Any, str]:
    return (node.start is None, node.start or 0.0, node.span.get("seq") or 0, node.span_id)


def build_tree(trace_id: str, spans: Iterable[dict[str, Any]]) -> TraceTree:
    """The tree of ``spans`` (dicts with at least ``span_id``, ``parent_id`` and
    ``start_us``/``end_us``), in any order."""
    by_id: dict[str, SpanNode] = {}
    for span in spans:
        start, end = _times(span)
        by_id[span["span_id"]] = SpanNode(span["span_id"], span, start, end)
    missing: dict[str, SpanNode] = {}
    roots: list[SpanNode] = []
    for node in by_id.values():
        parent_id = node.span.get("parent_id")
        if not parent_id or parent_id == node.span_id:
            roots.append(node)
            continue
        parent = by_id.get(parent_id)
        if parent is None:
            parent = missing.get(parent_id)
            if parent is None:
                parent = missing[parent_id] = SpanNode(parent_id, {"span_id": parent_id},
                                                       missing=True)
                roots.append(parent)
        node.parent = parent
        parent.children.append(node)
    _cut_cycles(by_id, roots, len(missing))
    for placeholder in missing.values():  # drawn over the time its orphans cover
        child_starts = [c.start for c in placeholder.children if c.start is not None]
        child_ends = [c.end for c in placeholder.children if c.end is not None]
        placeholder.start = min(child_starts) if child_starts else None
        placeholder.end = max(child_ends) if child_ends else None
    for node in [*by_id.values(), *missing.values()]:
        if len(node.children) > 1:
            node.children.sort(key=_order)
    roots.sort(key=_order)
    tree = TraceTree(trace_id, roots, by_id, None, None)
    _finish(tree)
    return tree


def _cut_cycles(by_id: dict[str, SpanNode], roots: list[SpanNode], placeholders: int) -> None:
    """Spans whose parent chain loops are reachable from no root: make the earliest span of
    each loop a root, so every span is still shown once."""
    reached = {id(node) for root in roots for node in root.walk()}
    if len(reached) == len(by_id) + placeholders:
        return
    for node in sorted((n for n in by_id.values() if id(n) not in reached), key=_order):
        if id(node) in reached:
            continue
        if node.parent is not None:
            node.parent.children.remove(node)
            node.parent = None
        node.span["parent_cycle"] = True
        roots.append(node)
        reached.update(id(n) for n in node.walk())


def _finish(tree: TraceTree) -> None:
    """Depths, the trace's time range, error and skew flags, and the critical path."""
    starts = [n.start for n in tree.by_id.values() if n.start is not None]
    ends = [n.end for n in tree.by_id.values() if n.end is not None]
    tree.start = min(starts) if starts else None
    tree.end = max(ends + starts) if starts or ends else None
    stack = list(tree.roots)
    while stack:
        parent = stack.pop()
        if parent.error:
            for ancestor in parent.ancestors():
                if ancestor.error_below:
                    break
                ancestor.error_below = True
        for node in parent.children:
            node.depth = parent.depth + 1
            if not parent.missing and node.start is not None and parent.start is not None:
                node.skew = node.start < parent.start or (
                    node.end is not None and parent.end is not None and node.end > parent.end)
            stack.append(node)
    for root in tree.roots:
        mark_critical_path(root)


def mark_critical_path(root: SpanNode) -> None:
    """Set ``critical`` on the spans that bound the root's end-to-end time.

    Walking back from the root's end, the child that finished last before that moment was
    what the root waited for; before that child started, the previous last-finishing child;
    and so on within each chosen child (Jaeger's definition). Time no child covers belongs to
    the parent itself."""
    stack: list[tuple[SpanNode, float | None]] = [(root, None)]
    while stack:
        node, until = stack.pop()
        node.critical = True
        if node.end is None or not node.children:
            continue
        limit = node.end if until is None else min(node.end, until)
        moment = limit
        timed = [(c, c.start, c.end) for c in node.children
                 if c.start is not None and c.end is not None]
        for child, start, end in sorted(timed, key=lambda t: t[2], reverse=True):
            # A child running past the parent's end (clock skew) is clipped to it; one that
            # overlaps the child already chosen ran in parallel and was not waited for.
            if start < moment and min(end, limit) <= moment:
                stack.append((child, moment))
                moment = start
            if node.start is not None and moment <= node.start:
                break
