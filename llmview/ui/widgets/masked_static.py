"""A ``Static`` whose content is built from log values and rebuilt when the mask is toggled.

The widget keeps the unmasked values and asks the shared ``Masker`` each time it builds, so a
screen re-renders every masked widget it holds with one query instead of recomposing (which
would lose the scroll position and the focus).
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from textual.widgets import Static


class MaskedStatic(Static):
    def __init__(self, masker: Any, **kwargs: Any) -> None:
        self.masker = masker
        super().__init__(self.build(), **kwargs)

    def build(self) -> RenderableType:
        """The content with the mask as it is now; only log values passed through ``safe_text``
        or ``long_text`` (never markup strings)."""
        raise NotImplementedError

    def rerender(self) -> None:
        self.update(self.build())
