"""Bars from zero with eighth blocks: what a chart of a few numbers looks like."""

from __future__ import annotations

from llmview.ui.widgets.bar_chart import bar_lines


def plain(values, width, height, **kwargs) -> list[str]:
    return [line.plain for line in bar_lines(values, width, height, "cyan", **kwargs)]


def test_bars_start_at_zero_and_the_tallest_fills_the_height() -> None:
    assert plain([0, 4, 8], 3, 1) == [" ▄█"]
    assert plain([0, 4, 8], 3, 2) == ["  █", " ██"]


def test_unknown_values_leave_a_gap_and_small_ones_still_show() -> None:
    assert plain([None, 1000, 1], 3, 1) == [" █▁"]


def test_more_buckets_than_columns_keep_each_columns_peak() -> None:
    assert plain([1, 8, 1, 1, 1, 1], 3, 1) == ["█▁▁"]
    assert plain([1, 1, 1, 1, 1, 8], 3, 1) == ["▁▁█"]


def test_fewer_buckets_than_columns_are_stretched() -> None:
    assert plain([8, 0], 4, 1) == ["██  "]


def test_marked_part_is_drawn_in_its_style_from_the_bottom() -> None:
    lines = bar_lines([8, 8], 2, 2, "cyan", marked=[8, 1], marked_style="red")
    styles = [[str(span.style) for span in line.spans] for line in lines]
    assert styles[1][0] == "red"  # all errors: the whole bar red
    assert styles[0][1] == "cyan" and styles[1][1] == "cyan"  # one error in eight: not shown
