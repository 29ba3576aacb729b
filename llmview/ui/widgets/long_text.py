"""Log values of any size as screen text: masked, clipped and escaped.

One message can hold megabytes (a pasted document, a base64 image). Textual lays out every line
of a ``Text`` it is given, so a value is cut at ``LIMIT`` characters with a visible line saying how
much is left; the copy key still copies the whole value. Masking runs on the shown part plus a
margin, so a secret that straddles the cut is still recognised and a huge value is not scanned
just to be displayed.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..safe import safe_text

LIMIT = 20_000  # characters of any one value put on screen (Textual wraps all of it)
MARGIN = 8_192  # masked beyond the cut: longer than any detected token (a PEM key is ~3 KB)
CUT_STYLE = "italic yellow"


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def human_size(size: int) -> str:
    """``812 B``, ``4.8 KB``, ``4.8 MB`` (powers of 1000, as file managers show them)."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} KB"
    return f"{size / 1_000_000:.1f} MB"


def cut_line(hidden_bytes: int) -> Text:
    return Text(f"\n… {human_size(max(1, hidden_bytes))} more; y copies the full text",
                style=CUT_STYLE)


def clip(text: str, masker: Any, limit: int = LIMIT) -> tuple[str, int | None]:
    """The masked part of ``text`` to show, and how many bytes of it are not shown (None when
    nothing was cut)."""
    head = text[: limit + MARGIN]
    if masker is not None and masker.enabled:
        head = masker.mask_text(head)
    if len(head) <= limit and len(text) <= limit + MARGIN:
        return head, None
    shown = head[:limit]
    return shown, utf8_size(text) - utf8_size(shown)


def long_text(value: Any, masker: Any, style: str = "", *, limit: int = LIMIT) -> Text:
    """``value`` as literal multi-line text, masked and clipped, with the cut line if cut."""
    shown, hidden = clip("" if value is None else str(value), masker, limit)
    text = safe_text(shown, style, one_line=False)
    if hidden is not None:
        text.append_text(cut_line(hidden))
    return text
