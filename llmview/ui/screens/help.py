"""``?``: every key and the search syntax, on one screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("/", "search the calls (Enter applies, Esc returns to the table)"),
    ("Enter", "open the call under the cursor (conversation, details, raw, reproduce)"),
    ("↑ ↓ PgUp PgDn Home End", "move; j/k and g/G work too"),
    ("s / S", "sort by the next column / reverse the order"),
    ("f", "follow: keep the newest call in view as calls arrive"),
    ("c", "mark a call (or a trace) to compare; marking a second opens the two side by side"),
    ("m", "mask or reveal personal data and secrets on screen"),
    ("y", "copy what is focused (OSC 52: works over SSH)"),
    ("e", "export the calls the search matches (JSONL, masked when the mask is on)"),
    ("1 … 6", "tabs: Requests, Traces, Errors, Metrics, Sessions, Problems"),
    ("c", "Traces: mark a trace; a second mark opens the comparison"),
    ("← → space z e", "waterfall: fold, toggle, zoom into a subtree, next failed span"),
    ("t", "call view: jump to the call's trace"),
    ("w b", "Metrics: window (1h, 24h, 7d, all) and group by"),
    ("o", "Errors: open the group's example call"),
    ("Ctrl+P", "command palette: every action"),
    ("?", "this help"),
    ("q", "quit (Esc closes a view)"),
]

SEARCH = [
    ("model:gpt-4o", "a field; model:gpt-4* is a prefix; model:a,b is either"),
    ("status:error", "ok, error or pending"),
    ("latency>2s  ttft<500ms", "durations: ms, s, m, h"),
    ("tokens>1.5k  cost>0.01", "numbers with > >= < <= ="),
    ("since:1h  until:2026-11-20", "relative (30m, 2d, 1w) or a date/time"),
    ("user: session: app: provider:", "who and where"),
    ("trace:4bf9", "an id or its prefix, any case"),
    ("has:tools has:error has:cost", "what a call carries"),
    ("category:rate_limit", "errors by kind (group: from the Errors pane)"),
    ('"exact phrase"  words', "prompt, output and error text"),
    ("-word  -model:gpt-4o", "exclude"),
]


def _table(rows: list[tuple[str, str]], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None,
                  padding=(0, 2), expand=True)
    table.add_column(style="bold cyan", no_wrap=True, width=24)
    table.add_column(ratio=1)
    for key, what in rows:
        table.add_row(Text(key), Text(what))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(_table(KEYS, "Keys"))
            yield Static(_table(SEARCH, "Search"))
