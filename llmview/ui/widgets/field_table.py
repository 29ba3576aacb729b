"""A titled block of label/value rows (parameters, usage, ids, the error) for the call's
details. Values and some labels (parameter names, tag keys) come from the log, so both are
built as literal text, never as the markup a plain ``str`` cell would be parsed as."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from ..safe import safe_text
from .long_text import long_text
from .masked_static import MaskedStatic

Row = tuple[str, Any, str]  # label, value, style


class FieldTable(MaskedStatic):
    DEFAULT_CSS = """
    FieldTable {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        border-title-style: bold;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    """

    def __init__(self, title: str, rows: list[Row], masker: Any, **kwargs: Any) -> None:
        self.rows = rows
        super().__init__(masker, **kwargs)
        self.border_title = title

    def build(self) -> Table:
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(max_width=24)
        table.add_column(ratio=1)
        for label, value, style in self.rows:
            table.add_row(safe_text(label, "dim", mask=self.masker),
                          long_text(value, self.masker, style))
        return table
