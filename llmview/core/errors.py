"""Failures grouped by category and signature, counted in DuckDB.

A failure is a failed LLM call, or an error span that is not an LLM call. An error propagates up
a trace (the agent span fails because its chat span failed), so a span whose child span also
failed is left out: each failure is counted once, where it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .advice import doc_url, suggestion
from .diagnose import FAILED_CALLS, classified_sql

if TYPE_CHECKING:
    from .index import Index

TREND_BUCKETS = 16
MAX_GROUPS = 5000
SORTS = {
    "count": "count DESC, last_seen DESC NULLS LAST, signature",
    "recent": "last_seen DESC NULLS LAST, count DESC, signature",
}

# Both kinds of failure in the columns of a call, so one set of expressions classifies them.
_CALL_FAILURES = """
SELECT 'call' AS kind, key AS ref, coalesce(request_id, key) AS request_id, trace_id, ts,
       model, provider, error_message, error_type, http_status, finish_reason, latency_ms,
       max_tokens
FROM llm_calls WHERE status = 'error' AND {since}
"""
_SPAN_FAILURES = """
SELECT 'span' AS kind, s.trace_id || ':' || s.span_id AS ref, NULL AS request_id, s.trace_id,
       s.start_ts AS ts, NULL AS model, NULL AS provider, s.error AS error_message,
       coalesce(s.attributes->>'$."error.type"', list_aggregate(
           json_extract_string(s.events, '$[*].attributes."exception.type"'), 'any_value'))
           AS error_type,
       -- a server span's status is the app's own answer, not what a provider said
       CASE WHEN coalesce(s.attributes->>'$."span.kind"', '') <> 'server' THEN TRY_CAST(
           coalesce(s.attributes->>'$."http.response.status_code"',
                    s.attributes->>'$."http.status_code"') AS INTEGER) END AS http_status,
       NULL AS finish_reason, s.duration_ms AS latency_ms, NULL AS max_tokens
FROM spans s
WHERE s.status = 'error' AND {since}
  AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.trace_id = s.trace_id AND c.span_id = s.span_id)
  AND NOT EXISTS (SELECT 1 FROM spans child WHERE child.trace_id = s.trace_id
                  AND child.parent_id = s.span_id AND child.status = 'error')
"""


def _failures_sql(since: datetime | None) -> tuple[str, list[Any]]:
    """Every failure with its category, signature and group id; params for the since bounds."""
    call_since, span_since = ("ts >= ?", "s.start_ts >= ?") if since else ("TRUE", "TRUE")
    union = (_CALL_FAILURES.format(since=call_since) + " UNION ALL "
             + _SPAN_FAILURES.format(since=span_since))
    return classified_sql(union), [since, since] if since else []


_GROUPS_SQL = """
WITH failures AS MATERIALIZED ({failures}),
bounds AS (SELECT min(ts) AS t0, max(ts) AS t1 FROM failures),
buckets AS (
    SELECT category, signature,
           CASE WHEN t1 > t0 THEN least({n} - 1, floor({n} * (epoch(ts) - epoch(t0))
                                                  / (epoch(t1) - epoch(t0))))::INTEGER
                ELSE {n} - 1 END AS bucket,
           count(*) AS n
    FROM failures, bounds WHERE ts IS NOT NULL GROUP BY ALL
),
trends AS (
    SELECT category, signature, list(struct_pack(bucket := bucket, n := n)) AS trend
    FROM buckets GROUP BY ALL
),
groups AS (
    SELECT category, signature, any_value(group_id) AS group_id,
           count(*) AS count, count(*) FILTER (WHERE kind = 'call') AS calls,
           min(ts) AS first_seen, max(ts) AS last_seen,
           list_sort(list(DISTINCT model) FILTER (WHERE model IS NOT NULL)) AS models,
           list_sort(list(DISTINCT provider) FILTER (WHERE provider IS NOT NULL)) AS providers,
           arg_max(struct_pack(kind := kind, ref := ref, request_id := request_id,
                               trace_id := trace_id, ts := ts, model := model,
                               provider := provider, error_message := error_message,
                               error_type := error_type, http_status := http_status,
                               finish_reason := finish_reason, latency_ms := latency_ms,
                               max_tokens := max_tokens),
                   (kind = 'call', ts IS NOT NULL, ts)) AS example
    FROM failures GROUP BY category, signature
)
SELECT groups.*, trends.trend, count(*) OVER () AS total, bounds.t0, bounds.t1
FROM groups LEFT JOIN trends USING (category, signature), bounds
ORDER BY {order} LIMIT {limit}
"""


@dataclass
class ErrorGroup:
    """One kind of failure: how often, since when, where, an example, and what to do."""

    category: str
    signature: str
    group_id: str  # "rate_limit-3fa9c1d2": what ``group:`` searches for
    count: int
    calls: int  # how many of them are LLM calls (the rest are error spans)
    first_seen: datetime | None
    last_seen: datetime | None
    models: list[str]
    providers: list[str]
    trend: list[int]  # failures per time bucket, oldest first, over the window of all groups
    example: dict[str, Any]  # the latest failure, a call when there is one
    suggestion: str
    doc_url: str | None

    @property
    def query(self) -> str:
        """The search that lists exactly this group's calls."""
        return f"group:{self.group_id}"


@dataclass
class ErrorGroups:
    groups: list[ErrorGroup] = field(default_factory=list)
    total: int = 0  # groups in all (``groups`` stops at MAX_GROUPS)
    window: tuple[datetime | None, datetime | None] = (None, None)  # the trends' time axis


def error_groups(index: Index, *, since: datetime | None = None, sort: str = "count",
                 limit: int = MAX_GROUPS) -> ErrorGroups:
    """The failures since ``since`` (naive UTC), grouped, ordered by ``sort`` (a key of
    :data:`SORTS`)."""
    failures, params = _failures_sql(since)
    sql = _GROUPS_SQL.format(failures=failures, n=TREND_BUCKETS, order=SORTS[sort],
                             limit=int(limit))
    rows = index.rows(sql, params)
    if not rows:
        return ErrorGroups()
    return ErrorGroups([_group(row) for row in rows], int(rows[0]["total"]),
                       (rows[0]["t0"], rows[0]["t1"]))


def _group(row: dict[str, Any]) -> ErrorGroup:
    trend = [0] * TREND_BUCKETS
    for point in row["trend"] or []:
        trend[point["bucket"]] += int(point["n"])
    example = dict(row["example"])
    message = example.get("error_message") or ""
    return ErrorGroup(
        category=row["category"], signature=row["signature"], group_id=row["group_id"],
        count=int(row["count"]), calls=int(row["calls"]), first_seen=row["first_seen"],
        last_seen=row["last_seen"], models=list(row["models"] or []),
        providers=list(row["providers"] or []), trend=trend, example=example,
        suggestion=suggestion(row["category"], example, message),
        doc_url=doc_url(row["category"], example.get("provider"), message),
    )


def category_counts(index: Index) -> dict[str, int]:
    """Failed calls per category, most first (what ``stats`` reports)."""
    sql = (f"SELECT category, count(*) AS n FROM ({classified_sql(FAILED_CALLS)}) "
           "GROUP BY ALL ORDER BY n DESC, category")
    return {row["category"]: int(row["n"]) for row in index.rows(sql)}
