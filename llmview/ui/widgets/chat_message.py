"""One turn of a conversation as a bordered block: the role as its title, the content as literal
text, the tool calls the turn asked for with their arguments indented, and a note below (the call
a tool result answers, the finish reason of a response)."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from ..safe import safe_text
from .json_view import json_text, pretty_json
from .long_text import long_text
from .masked_static import MaskedStatic

# Roles with a colour of their own; any other role a log names gets the neutral one.
KNOWN_ROLES = frozenset(("system", "developer", "user", "assistant", "tool", "response"))


def _field(message: dict[str, Any], key: str) -> str:
    """A message field as text; a value a dialect left structured is shown as its JSON."""
    value = message.get(key)
    if value is None or isinstance(value, str):
        return value or ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def tool_calls_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    calls = message.get("tool_calls")
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


class ChatMessage(MaskedStatic, can_focus=True):
    """``message`` is a normalized message (``{role, content, name?, tool_calls?,
    tool_call_id?}``); ``role`` overrides its role in the title, ``note`` goes under the block."""

    DEFAULT_CSS = """
    ChatMessage {
        border: round $panel-lighten-2;
        border-title-style: bold;
        padding: 0 1;
        margin: 0 0 1 0;
    }
    ChatMessage:focus { border: round $accent; background: $boost; }
    ChatMessage.-system { border-title-color: $text-muted; }
    ChatMessage.-developer { border-title-color: $text-muted; }
    ChatMessage.-user { border-title-color: $primary; }
    ChatMessage.-assistant { border-title-color: $success; }
    ChatMessage.-response { border: round $success; border-title-color: $success; }
    ChatMessage.-tool { border-title-color: $warning; }
    ChatMessage.-other { border-title-color: $secondary; }
    """

    def __init__(self, message: dict[str, Any], masker: Any, *, role: str | None = None,
                 note: str | None = None, **kwargs: Any) -> None:
        self.message = message
        self.role = role or _field(message, "role") or "user"
        self.note = note
        kind = self.role if self.role in KNOWN_ROLES else "other"
        super().__init__(masker, classes=f"-{kind}", **kwargs)
        self._set_titles()

    def _set_titles(self) -> None:
        name = _field(self.message, "name")
        title = f"{self.role} · {name}" if name else self.role
        self.border_title = safe_text(title, limit=60, mask=self.masker)
        self.border_subtitle = safe_text(self.note, limit=60, mask=self.masker) \
            if self.note else None

    def rerender(self) -> None:
        self._set_titles()
        super().rerender()

    def build(self) -> Text:
        text = Text()
        content = _field(self.message, "content")
        if content:
            text.append_text(long_text(content, self.masker))
        elif not tool_calls_of(self.message):
            text.append("(empty)", "dim italic")
        for call in tool_calls_of(self.message):
            if text:
                text.append("\n")
            text.append("→ ", "bold")
            text.append_text(safe_text(_field(call, "name") or "?", "bold", mask=self.masker))
            if call.get("id"):
                text.append("  ")
                text.append_text(safe_text(_field(call, "id"), "dim"))
            text.append("\n")
            text.append_text(json_text(_field(call, "arguments"), self.masker))
        return text

    def copy_text(self) -> str:
        """The whole message as plain text (not clipped), masked when the mask is on."""
        parts = [_field(self.message, "content")]
        for call in tool_calls_of(self.message):
            arguments = _field(call, "arguments")
            parts.append(f"→ {_field(call, 'name')}\n{pretty_json(arguments) or arguments}")
        text = "\n".join(part for part in parts if part)
        return self.masker.mask_text(text) if self.masker.enabled else text
