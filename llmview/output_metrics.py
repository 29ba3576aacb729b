"""``llmview metrics``: the Metrics view's figures as a table for people, JSON for scripts, or the
Prometheus text exposition format for a textfile collector or a push gateway.

Group names and label values come from logs: they pass through the masker, and through
``visible`` in the table, so a log line cannot move the cursor or recolour a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from .core.metrics import LATENCY_BUCKETS, MetricsView, discrepancy
from .core.safe_text import visible
from .output import jsonable
from .ui import format as fmt

Mask = Callable[[Any], Any]

# (title, width, cell) for the table; the first column (the group) takes the rest.
_TABLE: list[tuple[str, int, Callable[[dict[str, Any]], str]]] = [
    ("calls", 8, lambda r: fmt.count(r["calls"])),
    ("err%", 6, lambda r: fmt.percent(r["error_rate"])),
    ("p50", 7, lambda r: fmt.duration(r["latency_ms_p50"])),
    ("p95", 7, lambda r: fmt.duration(r["latency_ms_p95"])),
    ("p99", 7, lambda r: fmt.duration(r["latency_ms_p99"])),
    ("ttft50", 7, lambda r: fmt.duration(r["ttft_ms_p50"])),
    ("in", 7, lambda r: fmt.count(r["input_tokens"])),
    ("out", 7, lambda r: fmt.count(r["output_tokens"])),
    ("tok/s", 6, lambda r: "—" if r["output_tokens_per_s"] is None
     else f"{r['output_tokens_per_s']:.0f}"),
    ("cost", 10, lambda r: fmt.cost_cell(r["cost_usd"], r["unpriced"], discrepancy(r))),
]
_NAME_WIDTH = 28


def print_metrics(view: MetricsView, *, as_json: bool, mask: Mask,
                  out: TextIO = sys.stdout) -> None:
    rows = view.rows()
    unpriced = view.unpriced()
    if as_json:
        span = view.range
        document = {
            "window": span.source, "since": jsonable(span.since), "until": jsonable(span.until),
            "group": view.group,
            "totals": rows[0] if rows else None,
            "groups": [mask(row) for row in rows[1:]],
            "unpriced": [mask(row) for row in unpriced],
        }
        print(json.dumps(document, indent=2, default=str), file=out)
        return
    print(_table_line(view.group, [title for title, _, _ in _TABLE]), file=out)
    for row in rows[1:] + rows[:1]:
        name = "total" if row["is_total"] else visible(mask(_name(row["name"])))
        print(_table_line(name, [cell(row) for _, _, cell in _TABLE]), file=out)
    if not rows:
        print("no calls", file=out)
    for line in notes(rows, unpriced, mask):
        print(line, file=out)


def _table_line(name: str, cells: list[str]) -> str:
    if len(name) > _NAME_WIDTH:
        name = name[: _NAME_WIDTH - 1] + "…"
    return f"{name:<{_NAME_WIDTH}}" + "".join(
        f" {cell:>{width}}" for cell, (_, width, _) in zip(cells, _TABLE, strict=True))


def _name(value: Any) -> str:
    return "(none)" if value is None else str(value)


def notes(rows: list[dict[str, Any]], unpriced: list[dict[str, Any]], mask: Mask) -> list[str]:
    """What the cost column's marks mean for these rows: which calls are unpriced and why,
    and where the logged cost disagrees with the list price."""
    lines = []
    if rows and rows[0]["unpriced"]:
        listed = ", ".join(f"{visible(mask(_name(r['model'])))} ×{r['calls']} ({r['reason']})"
                           for r in unpriced[:5])
        more = ", …" if len(unpriced) > 5 else ""
        lines.append(f"+? {rows[0]['unpriced']:,} unpriced calls: {listed}{more}. Price a "
                     'model in config.toml: [prices."NAME"] input_per_mtok = …, '
                     "output_per_mtok = …")
    for row in rows[1:]:
        if discrepancy(row):
            lines.append(f"≠ {visible(mask(_name(row['name'])))}: logged "
                         f"{fmt.money(row['logged_usd'])}, list price "
                         f"{fmt.money(row['listed_usd'])} for the same calls")
    return lines


# --- Prometheus ------------------------------------------------------------------------------


def print_prometheus(view: MetricsView, *, mask: Mask, out: TextIO = sys.stdout) -> None:
    """Counters over every call in scope, in the text exposition format (version 0.0.4)."""
    requests, models = view.prometheus()

    def label(value: str | None) -> str:
        return mask("(unknown)" if value is None else value)

    lines = _family("llmview_requests_total", "counter",
                    "LLM calls by model, provider and status (ok, error, pending).")
    lines += [_sample("llmview_requests_total", {
        "model": label(r["model"]), "provider": label(r["provider"]),
        "status": r["status"] or "pending"}, r["calls"]) for r in requests]
    lines += _family("llmview_tokens_total", "counter", "Tokens by model and direction.")
    for m in models:
        for direction in ("input", "output"):
            lines.append(_sample("llmview_tokens_total",
                                 {"model": label(m["grp"]), "direction": direction},
                                 m[f"{direction}_tokens"] or 0))
    lines += _family("llmview_request_duration_seconds", "histogram",
                     "Latency of the calls that logged one.")
    for m in models:
        name = label(m["grp"])
        bounds = [*(repr(b) for b in LATENCY_BUCKETS), "+Inf"]
        counts = [*m["latency_buckets"], m["latency_count"]]
        lines += [_sample("llmview_request_duration_seconds_bucket", {"model": name, "le": le},
                          count) for le, count in zip(bounds, counts, strict=True)]
        lines += [
            _sample("llmview_request_duration_seconds_sum", {"model": name},
                    float(m["latency_sum_s"] or 0.0)),
            _sample("llmview_request_duration_seconds_count", {"model": name},
                    m["latency_count"]),
        ]
    lines += _family("llmview_cost_usd_total", "counter",
                     "Cost in USD: as logged, else at list price; unpriced calls add nothing.")
    lines += [_sample("llmview_cost_usd_total", {"model": label(m["grp"])},
                      float(m["cost_usd"] or 0.0)) for m in models]
    lines += _family("llmview_unpriced_requests_total", "counter",
                     "Calls with neither a logged cost nor a price for their model and tokens.")
    lines += [_sample("llmview_unpriced_requests_total", {"model": label(m["grp"])},
                      m["unpriced"]) for m in models]
    out.write("\n".join(lines) + "\n")


def _family(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


def _sample(name: str, labels: dict[str, str], value: float) -> str:
    pairs = ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items())
    number = repr(float(value)) if isinstance(value, float) else str(int(value))
    return f"{name}{{{pairs}}} {number}"


def _escape(value: str) -> str:
    """A label value as the exposition format quotes it: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
