"""The one safe-text helper: nothing a log line holds can reach a terminal as a control."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from llmview.core.safe_text import visible
from llmview.ui.safe import safe_text

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@given(st.text())
def test_one_line_output_has_no_control_characters(value: str) -> None:
    assert not CONTROL.search(visible(value))


@given(st.text())
def test_multi_line_output_keeps_only_newlines_and_tabs(value: str) -> None:
    assert not CONTROL.search(visible(value, one_line=False).replace("\n", "").replace("\t", ""))


def test_escapes_are_spelled_out() -> None:
    assert visible("a\x1b[2Jb\x07\u202e") == "a\\x1b[2Jb\\x07\\u202e"
    assert visible("line\nnext", one_line=False) == "line\nnext"
    assert visible("line\nnext") == "line\\nnext"


def test_markup_stays_literal() -> None:
    text = safe_text("[@click=app.quit]x[/] [bold]y[/bold]")
    assert isinstance(text, Text)
    assert text.plain == "[@click=app.quit]x[/] [bold]y[/bold]"
    assert text.spans == []


def test_mask_and_limit() -> None:
    from llmview.core.pii import Masker

    masker = Masker(key=b"k" * 32)
    shown = safe_text("mail bob@example.com now", mask=masker).plain
    assert "bob@example.com" not in shown and "‹EMAIL-" in shown
    assert safe_text("x" * 50, limit=10).plain == "x" * 9 + "…"
