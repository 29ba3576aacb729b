"""Dialect registry: decoded JSON object -> normalized records.

Dialects are tried in order with cheap key checks; the first that claims an object maps it. An
object no dialect claims becomes an ``Event``, so nothing is ever dropped. A normalizer that fails
on odd input costs that record its dialect mapping, never the record itself.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ..records import Problem, Record
from . import generic_event
from .base import Context, Dialect

# Modules of this package, each exporting ``DIALECT``, in the order they are tried: specific key
# checks first, the alias heuristics last.
_MODULES: tuple[str, ...] = (
    # --- trace dialects ---
    "otlp_json",
    "otel_console",
    "otel_js",
    "seed_span",
    # --- platform exports ---
    "langsmith",
    "langfuse",
    "litellm",
    "openai_batch",
    # --- log-line dialects ---
    "seed_interaction",
    "structlog_entry",
    "seed_request_log",
    "audit",
    "debug_conversation",
    "loguru_record",
    "raw_response",
    "json_logger",
    # --- heuristics (last) ---
    "heuristic",
)

DIALECTS: list[Dialect] = [import_module(f"{__name__}.{name}").DIALECT for name in _MODULES]


def normalize(obj: Any, ctx: Context) -> list[Record]:
    """Records for one decoded JSON value, plus a warning ``Problem`` per dropped field."""
    if not isinstance(obj, dict):
        return [Problem(reason=f"JSON {type(obj).__name__}, not an object")]
    records: list[Record] = []
    for dialect in DIALECTS:
        if not _claims(dialect, obj):
            continue
        try:
            records = list(dialect.normalize(obj, ctx))
        except Exception as exc:  # noqa: BLE001 - a normalizer bug must not lose the line
            ctx.warn(f"{dialect.name}: could not map this record ({type(exc).__name__}: {exc})")
            records = []
        if records:
            break
    if not records:
        records = [generic_event.to_event(obj, ctx)]
    records.extend(Problem(reason=reason, severity="warning") for reason in ctx.warnings)
    return records


def _claims(dialect: Dialect, obj: dict[str, Any]) -> bool:
    try:
        return bool(dialect.claims(obj))
    except Exception:  # noqa: BLE001 - a check on odd input is a "no"
        return False
