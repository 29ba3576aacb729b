"""Aggregates over the index, computed in DuckDB (never by looping over rows in Python)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .index import Index

_TOTALS_SQL = """
SELECT
    count(*)                                          AS requests,
    count(*) FILTER (WHERE status = 'error')          AS errors,
    coalesce(sum(input_tokens), 0)                    AS input_tokens,
    coalesce(sum(output_tokens), 0)                   AS output_tokens
FROM llm_calls
"""

_MODELS_SQL = """
SELECT
    coalesce(model, '(unknown)')                      AS model,
    count(*)                                          AS requests,
    count(*) FILTER (WHERE status = 'error')          AS errors,
    coalesce(sum(input_tokens), 0)                    AS input_tokens,
    coalesce(sum(output_tokens), 0)                   AS output_tokens
FROM llm_calls GROUP BY ALL ORDER BY requests DESC, model
"""

_COUNTS_SQL = """
SELECT
    (SELECT count(DISTINCT trace_id) FROM spans)                          AS traces,
    (SELECT count(*) FROM spans)                                          AS spans,
    (SELECT count(*) FROM spans WHERE status = 'error')                   AS error_spans,
    (SELECT count(*) FROM events)                                         AS events,
    (SELECT count(*) FROM files WHERE NOT gone)                           AS files,
    (SELECT count(*) FROM problems WHERE severity = 'error')              AS malformed_lines,
    (SELECT count(*) FROM problems WHERE severity = 'warning')            AS field_warnings
"""

_ERROR_TYPES_SQL = """
SELECT coalesce(error_type, 'unknown') AS error_type, count(*) AS n
FROM llm_calls WHERE status = 'error' GROUP BY ALL ORDER BY n DESC, error_type
"""

_DIALECTS_SQL = """
SELECT dialect, sum(n) AS n FROM (
    SELECT dialect, count(*) AS n FROM llm_calls GROUP BY ALL
    UNION ALL SELECT dialect, count(*) FROM spans GROUP BY ALL
    UNION ALL SELECT dialect, count(*) FROM events GROUP BY ALL
) GROUP BY ALL ORDER BY dialect
"""


def summary(index: Index) -> dict[str, Any]:
    """The figures ``llmview stats`` prints; the keys are a stable interface for scripts."""
    totals = index.rows(_TOTALS_SQL)[0]
    counts = index.rows(_COUNTS_SQL)[0]
    models = {
        row.pop("model"): row for row in index.rows(_MODELS_SQL)
    }
    return {
        "requests": totals["requests"],
        "errors": totals["errors"],
        "error_categories": {r["error_type"]: r["n"] for r in index.rows(_ERROR_TYPES_SQL)},
        "input_tokens": int(totals["input_tokens"]),
        "output_tokens": int(totals["output_tokens"]),
        "models": {name: {k: int(v) for k, v in row.items()} for name, row in models.items()},
        "traces": counts["traces"],
        "spans": counts["spans"],
        "error_spans": counts["error_spans"],
        "events": counts["events"],
        "files": counts["files"],
        "malformed_lines": counts["malformed_lines"],
        "field_warnings": counts["field_warnings"],
        "dialects": {r["dialect"] or "": int(r["n"]) for r in index.rows(_DIALECTS_SQL)},
    }
