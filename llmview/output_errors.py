"""``llmview errors``: the error groups as text for people or JSON for scripts.

Every string from a log (signatures, models, the example) goes through the masker, and through
``visible`` when printed as text, so an error message cannot move the cursor or recolour a
terminal.
"""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import datetime
from typing import Any, TextIO

from .core.errors import ErrorGroup, ErrorGroups
from .core.safe_text import visible
from .output import Mask, jsonable

JSON_KEYS = ("category", "signature", "count", "first_seen", "last_seen", "models",
             "suggestion", "doc_url", "example_request_id")


def group_json(group: ErrorGroup) -> dict[str, Any]:
    """One group in the documented JSON shape (exactly :data:`JSON_KEYS`)."""
    example = group.example
    return {
        "category": group.category,
        "signature": group.signature,
        "count": group.count,
        "first_seen": jsonable(group.first_seen),
        "last_seen": jsonable(group.last_seen),
        "models": group.models,
        "suggestion": group.suggestion,
        "doc_url": group.doc_url,
        # a span-only group has no request to name
        "example_request_id": example.get("request_id") if example.get("kind") == "call"
        else None,
    }


def print_errors(groups: ErrorGroups, *, as_json: bool, mask: Mask,
                 out: TextIO = sys.stdout) -> None:
    if as_json:
        document = {"groups": [mask(group_json(group)) for group in groups.groups]}
        print(json.dumps(document, indent=2, ensure_ascii=False, default=str), file=out)
        return
    if not groups.groups:
        print("no errors", file=out)
        return
    print(f"{'count':>7}  {'category':<15} {'last seen':<16}  signature", file=out)
    for group in groups.groups:
        print_group(mask(group_json(group)), group, out)
    if groups.total > len(groups.groups):
        print(f"\n… and {groups.total - len(groups.groups):,} more groups", file=out)


def print_group(shown: dict[str, Any], group: ErrorGroup, out: TextIO) -> None:
    """One group as a header line and indented details; ``shown`` is its masked JSON."""
    last = group.last_seen.strftime("%Y-%m-%d %H:%M") if isinstance(group.last_seen, datetime) \
        else "-"
    print(f"{group.count:>7,}  {group.category:<15} {last:<16}  "
          f"{visible(shown['signature'])[:120]}", file=out)
    indent = " " * 9
    if shown["models"]:
        print(f"{indent}models: {visible(', '.join(shown['models']))[:100]}", file=out)
    for line in textwrap.wrap(visible(shown["suggestion"]), 90):
        print(f"{indent}{line}", file=out)
    if shown["doc_url"]:
        print(f"{indent}docs: {visible(shown['doc_url'])}", file=out)
    if shown["example_request_id"]:
        print(f"{indent}example: {visible(shown['example_request_id'])}", file=out)
