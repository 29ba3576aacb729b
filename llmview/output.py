"""Printing results for the headless commands: plain text for people, JSON and CSV for scripts.

Every value from a log passes through the masker before it is printed, and through
``safe_line`` when printed as text, so a log line cannot move the cursor or recolour a terminal.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TextIO

from .core.safe_text import visible
from .ui.format import duration, money

Mask = Callable[[Any], Any]


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    return value


def row_to_json(row: dict[str, Any], mask: Mask, json_columns: Iterable[str] = ()) -> str:
    """One row as a JSON object; JSON-typed columns are embedded as values, not strings."""
    decoded = {}
    for key, value in row.items():
        if key in json_columns and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        decoded[key] = jsonable(value)
    return json.dumps(mask(decoded), ensure_ascii=False, default=str)


def print_stats(stats: dict[str, Any], *, as_json: bool, out: TextIO = sys.stdout) -> None:
    if as_json:
        print(json.dumps(stats, indent=2, default=str), file=out)
        return
    print(f"requests  {stats['requests']:>10,}   errors {stats['errors']:,}", file=out)
    print(f"tokens    {stats['input_tokens']:>10,} in   {stats['output_tokens']:,} out", file=out)
    unpriced = f"   ({stats['unpriced_requests']:,} calls could not be priced)" \
        if stats.get("unpriced_requests") else ""
    print(f"cost      {money(stats.get('cost_usd'))}{unpriced}", file=out)
    print(f"traces    {stats['traces']:>10,}   spans {stats['spans']:,}   error spans "
          f"{stats['error_spans']:,}", file=out)
    print(f"events    {stats['events']:>10,}   files {stats['files']:,}   malformed lines "
          f"{stats['malformed_lines']:,}", file=out)
    if stats["models"]:
        print("\nmodel                          requests   errors    tokens in       out"
              "       cost   p95 latency", file=out)
        for name, m in stats["models"].items():
            print(f"{visible(name)[:30]:<30} {m['requests']:>9,} {m['errors']:>8,} "
                  f"{m['input_tokens']:>12,} {m['output_tokens']:>9,} "
                  f"{money(m.get('cost_usd')):>10} {duration(m.get('latency_ms_p95')):>13}",
                  file=out)
    if stats["error_categories"]:
        print("\nerrors by category", file=out)
        for name, count in stats["error_categories"].items():
            print(f"  {visible(name)[:60]:<60} {count:>8,}", file=out)


def print_calls(rows: list[dict[str, Any]], *, fmt: str, mask: Mask,
                out: TextIO = sys.stdout) -> None:
    if fmt == "json":
        for row in rows:
            print(row_to_json(row, mask), file=out)
    elif fmt == "csv":
        write_csv(rows, mask, out)
    else:
        for row in rows:
            print(call_line(mask(row)), file=out)


def write_csv(rows: Iterable[dict[str, Any]], mask: Mask, out: TextIO,
              columns: Iterable[str] | None = None) -> int:
    writer: csv.DictWriter | None = None
    count = 0
    for row in rows:
        masked = mask({k: jsonable(v) for k, v in row.items()})
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(columns or masked.keys()))
            writer.writeheader()
        writer.writerow(masked)
        count += 1
    return count


def call_line(row: dict[str, Any]) -> str:
    ts = row.get("ts")
    when = ts.strftime("%Y-%m-%d %H:%M:%S") if isinstance(ts, datetime) else "-"
    latency = row.get("latency_ms")
    tokens = row.get("total_tokens") or (
        (row.get("input_tokens") or 0) + (row.get("output_tokens") or 0) or None)
    parts = [
        when,
        f"{visible(row.get('model') or '-')[:28]:<28}",
        f"{row.get('status') or 'pending':<7}",
        f"{latency:>8.0f}ms" if isinstance(latency, (int, float)) else f"{'-':>10}",
        f"{tokens:>7}tok" if tokens else f"{'-':>10}",
        visible(row.get("preview") or row.get("error_type") or "")[:60],
    ]
    return "  ".join(parts)
