"""The one way untrusted text reaches the screen: as ``rich.text.Text`` built from plain strings,
masked when the mask is on, with control characters shown as visible escapes.

Textual's ``Static``/``Label`` parse plain strings as markup (``[@click=app.quit]`` would become
an action, a stray ``[/]`` raises), so every log value goes through ``safe_text`` first.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..core.safe_text import visible

ELLIPSIS = "…"


def safe_text(value: Any, style: str = "", *, one_line: bool = True,
              limit: int | None = None, mask: Any = None) -> Text:
    """``value`` as literal text: masked with ``mask`` (a ``Masker``) when given, clipped to
    ``limit`` characters, control characters escaped."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if mask is not None and getattr(mask, "enabled", False):
        text = mask.mask_text(text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + ELLIPSIS
    return Text(visible(text, one_line=one_line), style=style, no_wrap=one_line,
                overflow="ellipsis" if one_line else "fold")


def notify_literally(app: Any, message: str, severity: str = "warning") -> None:
    """A notice that quotes paths or errors (text from outside the program): shown literally,
    control characters escaped, never read as markup (``notify`` reads markup by default)."""
    app.notify(visible(message), severity=severity, timeout=10, markup=False)
