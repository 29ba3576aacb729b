"""The lines above a call's tabs: when, which model, how it ended, how long, how many tokens, what
it cost, and who and what it belongs to (app, user, session, trace).

Fields flow onto as many lines as the width needs and are never split in the middle, so
``25 in · 7 out`` does not break across lines at 80 columns.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widget import Widget

from ..format import count, duration, full_time, money
from ..safe import safe_text

STATUS_STYLES = {"ok": "bold green", "error": "bold red"}
GAP = "  "


class CallHeader(Widget):
    DEFAULT_CSS = """
    CallHeader { height: auto; padding: 0 1; background: $panel; }
    """

    def __init__(self, call: dict[str, Any], masker: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.call = call
        self.masker = masker

    def rerender(self) -> None:
        self.refresh(layout=True)

    def render(self) -> Text:
        return flow(self.fields(), self.size.width or 80)

    def fields(self) -> list[Text]:
        """What the call was and how it went, then whose it was (ids start a new line)."""
        call = self.call
        status = call.get("status") or "pending"
        if status == "error" and call.get("http_status") is not None:
            status = f"error {call['http_status']}"
        fields = [
            Text(full_time(call.get("ts"))),
            safe_text(call.get("model") or "unknown model", "bold", limit=60, mask=self.masker),
        ]
        if call.get("provider"):
            fields.append(safe_text(call["provider"], "dim", limit=30))
        fields.append(Text(status, STATUS_STYLES.get(call.get("status") or "", "bold yellow")))
        fields.append(_labelled("latency", duration(call.get("latency_ms"))))
        if call.get("ttft_ms") is not None:
            fields.append(_labelled("TTFT", duration(call["ttft_ms"])))
        if call.get("input_tokens") is not None or call.get("output_tokens") is not None:
            fields.append(_labelled("tokens", f"{count(call.get('input_tokens'))} in · "
                                              f"{count(call.get('output_tokens'))} out"))
        if call.get("cost_usd") is not None:
            fields.append(_labelled("cost", money(call["cost_usd"])))
        first_id = True
        for label, column in (("app", "app"), ("user", "user_id"), ("session", "session"),
                              ("trace", "trace_id")):
            if call.get(column) is not None:
                field = _labelled(label, safe_text(call[column], limit=64, mask=self.masker))
                fields.append(Text("\n").append_text(field) if first_id else field)
                first_id = False
        return fields


def _labelled(label: str, value: str | Text) -> Text:
    text = Text(f"{label} ", style="dim")
    text.append_text(value if isinstance(value, Text) else Text(value))
    return text


def flow(fields: list[Text], width: int) -> Text:
    """``fields`` left to right with a gap, starting a new line when the next one would not fit
    (or when a field starts with a newline)."""
    out = Text()
    used = 0
    for field in fields:
        forced = field.plain.startswith("\n")
        if forced:
            field = field[1:]
        if used and (forced or used + len(GAP) + field.cell_len > width):
            out.append("\n")
            used = 0
        elif used:
            out.append(GAP)
            used += len(GAP)
        out.append_text(field)
        used += field.cell_len
    return out
