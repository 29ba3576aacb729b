"""JSON from a log as coloured, indented text, built token by token.

Rich's ``Syntax`` and ``JSON`` renderables would do the colouring, but they take the text as it
is; here every token goes through ``visible`` (control characters spelled out) and keys,
strings, numbers and literals get a style from a fixed table, so log text can never choose a
style or reach the terminal raw. Long values are cut the way ``long_text`` cuts them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text

from ...core.safe_text import visible
from .long_text import LIMIT, MARGIN, cut_line, long_text, utf8_size
from .masked_static import MaskedStatic

STYLES = {"key": "bold cyan", "string": "green", "number": "magenta", "literal": "yellow"}
_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*"?)'  # unterminated where the cut falls inside a string
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>true|false|null|NaN|-?Infinity)"
)


def pretty_json(text: str) -> str | None:
    """``text`` re-indented when it is JSON, else None."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return None


def json_text(text: str, masker: Any, *, limit: int = LIMIT) -> Text:
    """``text`` indented and coloured when it parses as JSON, masked through its parsed form;
    otherwise literal text. At most ``limit`` characters are shown."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return long_text(text, masker, limit=limit)
    budget = _Budget(limit + MARGIN)
    try:
        value = budget.shorten(value)
        if masker is not None and masker.enabled:
            value = masker.mask_json(value)
        pretty = json.dumps(value, indent=2, ensure_ascii=False)
    except RecursionError:
        return long_text(text, masker, limit=limit)
    shown = pretty[:limit]
    coloured = colour_json(shown)
    if budget.removed or len(pretty) > limit:
        coloured.append_text(cut_line(budget.removed + utf8_size(pretty) - utf8_size(shown)))
    return coloured


def colour_json(pretty: str) -> Text:
    """Indented JSON text (possibly cut anywhere) styled token by token."""
    out = Text()
    position = 0
    for match in _TOKEN.finditer(pretty):
        if match.start() > position:
            out.append(visible(pretty[position : match.start()], one_line=False))
        kind = match.lastgroup or "string"
        if kind == "string" and pretty.startswith(":", match.end()):
            kind = "key"
        out.append(visible(match.group(), one_line=False), STYLES[kind])
        position = match.end()
    out.append(visible(pretty[position:], one_line=False))
    return out


class _Budget:
    """Cuts strings once ``chars`` characters of text have been kept, in the order they will be
    printed, so a value of megabytes is neither masked nor serialised in full just to show its
    first 100 KB. ``removed`` counts the bytes dropped."""

    def __init__(self, chars: int) -> None:
        self.left = chars
        self.removed = 0

    def shorten(self, value: Any) -> Any:
        if isinstance(value, str):
            if len(value) <= self.left:
                self.left -= len(value)
                return value
            kept = value[: self.left]
            self.removed += utf8_size(value) - utf8_size(kept)
            self.left = 0
            return kept
        if isinstance(value, dict):
            return {key: self.shorten(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.shorten(item) for item in value]
        return value


class JsonView(MaskedStatic):
    """One source line of a call: its ``path:line`` as the title, its JSON below."""

    DEFAULT_CSS = """
    JsonView {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    """

    def __init__(self, text: str, title: Text, masker: Any, **kwargs: Any) -> None:
        self.text = text
        super().__init__(masker, **kwargs)
        self.border_title = title

    def build(self) -> Text:
        return json_text(self.text, self.masker)
