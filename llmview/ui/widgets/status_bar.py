"""The top line: what is being watched, whether it is live, the counts, and the mask state.

During the first index it shows a progress bar with lines/s and an ETA instead of the counts.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ..safe import safe_text

STATE_STYLES = {"live": "bold green", "paused": "bold yellow", "indexing": "bold cyan",
                "error": "bold red", "starting": "bold"}


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; }
    """

    state: reactive[str] = reactive("starting")
    calls: reactive[int] = reactive(0)
    errors: reactive[int] = reactive(0)
    problems: reactive[int] = reactive(0)
    masked: reactive[bool] = reactive(True)
    progress: reactive[tuple[float, float, float] | None] = reactive(None)  # done, rate, eta

    def __init__(self, paths: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.paths = paths

    def render(self) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(" llmview ", "bold reverse")
        line.append(" ")
        line.append(f"● {self.state}", STATE_STYLES.get(self.state, "bold"))
        line.append("  ")
        if self.progress is not None and self.state == "indexing":
            done, rate, eta = self.progress
            filled = int(done * 16)
            line.append("█" * filled + "░" * (16 - filled), "cyan")
            line.append(f" {done:4.0%}  {rate:,.0f} lines/s  ETA {eta:,.0f}s  ")
        else:
            line.append(f"{self.calls:,} calls  ")
            line.append(f"{self.errors:,} errors", "red" if self.errors else "")
            line.append("  ")
            line.append(f"{self.problems:,} problems", "yellow" if self.problems else "")
            line.append("  ")
        line.append("mask on" if self.masked else "MASK OFF",
                    "bold green" if self.masked else "bold white on red")
        line.append("  ")
        line.append_text(safe_text(" ".join(self.paths), "dim"))
        return line
