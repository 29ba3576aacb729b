"""The span tree, the critical path, waterfall bars and the ruler: pure functions, no index."""

from __future__ import annotations

import random
from typing import Any

import pytest

from llmview.core.trace_tree import MISSING_NAME, build_tree
from llmview.core.waterfall import EIGHTHS, bar, guide, nice_step, ruler, time_label


def span(span_id: str, parent: str | None, start_ms: float, end_ms: float | None,
         **extra: Any) -> dict[str, Any]:
    return {"span_id": span_id, "parent_id": parent, "name": span_id,
            "start_us": int(start_ms * 1000),
            "end_us": None if end_ms is None else int(end_ms * 1000), **extra}


# root
# ├─ a (10-400)
# │  ├─ a1 (20-100)
# │  └─ a2 (100-390)   error
# ├─ b (410-900)
# └─ c (420-500)       ran in parallel with b
TREE = [
    span("root", None, 0, 1000), span("a", "root", 10, 400), span("a1", "a", 20, 100),
    span("a2", "a", 100, 390, status="error"), span("b", "root", 410, 900),
    span("c", "root", 420, 500),
]


def names(nodes: Any) -> list[str]:
    return [node.span_id for node in nodes]


def test_tree_from_any_order_is_the_same_tree() -> None:
    expected = ["root", "a", "a1", "a2", "b", "c"]
    for seed in range(20):
        shuffled = list(TREE)
        random.Random(seed).shuffle(shuffled)
        tree = build_tree("t", shuffled)
        assert names(tree.walk()) == expected
        assert [n.depth for n in tree.walk()] == [0, 1, 2, 2, 1, 1]
        assert tree.span_count == 6 and (tree.start, tree.end) == (0, 1000)


def test_errors_flag_their_ancestors() -> None:
    tree = build_tree("t", TREE)
    assert tree.by_id["a2"].error and tree.error_count == 1
    assert [n.span_id for n in tree.walk() if n.error_below] == ["root", "a"]


def test_critical_path_follows_what_the_parent_waited_for() -> None:
    tree = build_tree("t", TREE)
    # b ends last; before b started, a finished; within a, a2 then a1. c ran beside b.
    assert {n.span_id for n in tree.walk() if n.critical} == {"root", "a", "a1", "a2", "b"}


def test_orphans_hang_under_a_missing_parent_and_every_span_is_shown_once() -> None:
    spans = [span("root", None, 0, 100), span("x", "lost", 10, 20), span("y", "lost", 30, 40),
             span("z", "gone", 50, 60), span("x1", "x", 11, 19)]
    tree = build_tree("t", spans)
    roots = tree.roots
    assert [r.span_id for r in roots] == ["root", "lost", "gone"]
    lost = roots[1]
    assert lost.missing and lost.name == MISSING_NAME
    assert names(lost.children) == ["x", "y"] and (lost.start, lost.end) == (10, 40)
    assert names(tree.by_id["x"].children) == ["x1"]
    real = [n.span_id for n in tree.walk() if not n.missing]
    assert sorted(real) == sorted(s["span_id"] for s in spans)
    assert tree.span_count == 5


def test_parent_cycles_are_cut_not_looped() -> None:
    spans = [span("a", "b", 0, 10), span("b", "a", 1, 9), span("self", "self", 2, 3)]
    tree = build_tree("t", spans)
    assert sorted(n.span_id for n in tree.walk()) == ["a", "b", "self"]
    assert tree.by_id["a"].span.get("parent_cycle")


def test_clock_skew_is_flagged_and_drawn_where_it_happened() -> None:
    tree = build_tree("t", [span("p", None, 100, 200), span("early", "p", 50, 150),
                            span("inside", "p", 120, 130)])
    assert tree.by_id["early"].skew and not tree.by_id["inside"].skew
    assert tree.start == 50
    assert bar(50, 150, tree.start, tree.end, 15).text.startswith("█")


def test_open_spans_and_spans_without_times() -> None:
    tree = build_tree("t", [span("p", None, 0, None),
                            {"span_id": "q", "parent_id": "p", "duration_ms": 5}])
    assert tree.by_id["p"].end is None and tree.by_id["q"].start is None
    assert tree.by_id["q"].duration_ms == 5
    assert names(tree.walk()) == ["p", "q"]


def test_a_deep_chain_does_not_recurse() -> None:
    chain = [span("s0", None, 0, 10_000)] + [span(f"s{n}", f"s{n - 1}", n, 10_000 - n)
                                             for n in range(1, 5000)]
    tree = build_tree("t", reversed(chain))
    deepest = tree.by_id["s4999"]
    assert deepest.depth == 4999 and deepest.critical
    assert guide(deepest, 3).startswith("…")


def test_visible_rows_skip_folded_subtrees_and_zoom() -> None:
    tree = build_tree("t", TREE)
    assert names(tree.visible({"a"})) == ["root", "a", "b", "c"]
    assert names(tree.visible(set(), tree.by_id["a"])) == ["a", "a1", "a2"]


def test_guides_draw_the_tree() -> None:
    tree = build_tree("t", TREE)
    assert [guide(n, 10) for n in tree.walk()] == ["", "├─ ", "│  ├─ ", "│  └─ ", "├─ ", "└─ "]


def test_path_names_a_span_from_the_root() -> None:
    assert build_tree("t", TREE).by_id["a2"].path() == ("root", "a", "a2")


# --- bars -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "text", "inverse"), [
    (0, 100, "██████████", None),  # the whole axis
    (0, 1.25, "▏         ", None),  # one eighth
    (0, 5, "▌         ", None),  # half a cell
    (0, 15, "█▌        ", None),  # a cell and a half
    (12.5, 87.5, " ▎██████▊ ", 1),  # starts 2/8 into cell 1 (drawn inverted), ends 6/8 into 8
    (50, 100, "     █████", None),
    (99, 100, "         ▉", 9),  # the last eighth: right-aligned via the inverted cell
    (0, 0, "▏         ", None),  # zero length still shows
    (20, None, "  ▏       ", None),  # not ended: a mark where it started
    (-50, 200, "██████████", None),  # outside the axis: clipped
])
def test_bar_in_eighths(start: float, end: float | None, text: str, inverse: int | None) -> None:
    drawn = bar(start, end, 0, 100, 10)
    assert drawn.text == text and drawn.inverse == inverse
    assert len(drawn.text) == 10


def test_sub_cell_widths_differ_where_whole_cells_would_not() -> None:
    # 1 ms, 3 ms and 6 ms in a 100 ms trace on 10 cells: one cell is 10 ms, 8 eighths.
    widths = [bar(0, ms, 0, 100, 10).text[0] for ms in (1.25, 3.75, 6.25, 10)]
    assert widths == ["▏", "▍", "▋", "█"]
    assert [EIGHTHS.index(c) for c in widths] == [1, 3, 5, 8]


def test_a_sliver_inside_one_cell_keeps_its_side() -> None:
    assert bar(92, 95, 0, 100, 1).text == EIGHTHS[7]  # 7.4..7.6 eighths: the right edge
    assert bar(92, 95, 0, 100, 1).inverse == 0
    assert bar(1, 3, 0, 100, 1).inverse is None  # near the left edge: a left block


def test_plain_bars_round_the_inverted_cell() -> None:
    assert bar(12.5, 87.5, 0, 100, 10).plain() == " ███████▊ "
    assert bar(99, 100, 0, 100, 10).plain() == "         ▕"
    assert bar(55, 100, 0, 100, 10).plain() == "     ▐████"


def test_empty_axis_and_no_width() -> None:
    assert bar(5, 5, 5, 5, 4).text == "▏   "
    assert bar(0, 1, 0, 1, 0).text == ""


# --- ruler ------------------------------------------------------------------------------------


def test_labels() -> None:
    assert [time_label(ms) for ms in (0, 0.25, 40, 1250, 90_000, 4_500_000)] == [
        "0", "250µs", "40ms", "1.25s", "1m30s", "1h15m"]


def test_steps_are_round() -> None:
    assert [nice_step(x) for x in (0.3, 3, 240, 1001, 25_000, 3_000_000)] == [
        0.5, 5, 250, 2000, 30_000, 3_600_000]


@pytest.mark.parametrize(("duration", "width", "labels"), [
    (2400, 60, ["0", "500ms", "1s", "1.5s", "2s"]),
    (3.2, 40, ["0", "1ms", "2ms"]),
    (125_000, 50, ["0", "30s", "1m", "1m30s"]),
    (7_200_000, 40, ["0", "30m", "1h", "1h30m"]),
])
def test_ruler_ticks_adapt_to_the_duration(duration: float, width: int,
                                           labels: list[str]) -> None:
    line = ruler(0, duration, width)
    assert len(line) == width
    assert line.split() == [f"▏{label}" for label in labels]


def test_ruler_labels_never_touch() -> None:
    for duration in (0.05, 1, 7, 999, 2400, 61_000, 86_400_000):
        for width in (8, 20, 33, 80, 150):
            line = ruler(0, duration, width)
            assert len(line) == width
            assert "▏" in line
            for part in line.split("▏")[1:-1]:
                assert part.endswith(" "), (duration, width, line)


def test_zoomed_ruler_reads_in_trace_time() -> None:
    assert ruler(1200, 1800, 40).split()[0] == "▏1.2s"


# --- comparison -------------------------------------------------------------------------------


def test_comparison_matches_by_place_and_name_not_id() -> None:
    from llmview.core.trace_compare import compare_trees

    a = build_tree("a", [
        span("1", None, 0, 1000), span("2", "1", 0, 300, name="chat"),
        span("3", "1", 300, 400, name="tool", attributes={"q": "x"}),
        span("4", "1", 400, 900, name="chat"), span("5", "1", 900, 950, name="search")])
    b = build_tree("b", [
        span("x1", None, 0, 1500, name="1"), span("x2", "x1", 0, 200, name="chat"),
        span("x3", "x1", 200, 300, name="tool", attributes={"q": "y"}),
        span("x4", "x1", 300, 1400, name="chat", status="error"),
        span("x5", "x1", 1400, 1450, name="rerank")])
    rows = compare_trees(a, b, {"4": "old answer"}, {"x4": "new answer"})
    assert [(r.name, r.depth, r.change) for r in rows] == [
        ("1", 0, "same"), ("chat", 1, "same"), ("tool", 1, "changed"), ("chat", 1, "status"),
        ("search", 1, "missing"), ("rerank", 1, "added")]
    assert rows[0].delta_ms == 500 and rows[1].delta_ms == -100
    assert [(d.key, d.a, d.b) for d in rows[2].differences] == [("q", "x", "y")]
    assert ("output", "old answer", "new answer") in [(d.key, d.a, d.b)
                                                      for d in rows[3].differences]
    assert rows[4].delta_ms is None
