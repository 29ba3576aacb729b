"""Aggregates over the index, computed in DuckDB (never by looping over rows in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import category_counts
from .pricing import (
    COST_SQL,
    LIST_COST_SQL,
    PRICE_JOIN,
    UNPRICED_REASON_SQL,
    PriceBook,
    PriceTable,
    default_price_book,
)

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
    priced = MetricsView(index, group="model").rows()  # totals first, then per model
    return {
        "requests": totals["requests"],
        "errors": totals["errors"],
        "error_categories": category_counts(index),
        "input_tokens": int(totals["input_tokens"]),
        "output_tokens": int(totals["output_tokens"]),
        **_priced_totals(priced),
        "models": _priced_models(
            {name: {k: int(v) for k, v in row.items()} for name, row in models.items()}, priced),
        "traces": counts["traces"],
        "spans": counts["spans"],
        "error_spans": counts["error_spans"],
        "events": counts["events"],
        "files": counts["files"],
        "malformed_lines": counts["malformed_lines"],
        "field_warnings": counts["field_warnings"],
        "dialects": {r["dialect"] or "": int(r["n"]) for r in index.rows(_DIALECTS_SQL)},
    }


def _priced_totals(priced: list[dict[str, Any]]) -> dict[str, Any]:
    """``cost_usd`` (None when no call could be priced) and the calls that could not be."""
    total = priced[0] if priced else {"cost_usd": None, "unpriced": 0}
    return {
        "cost_usd": _usd(total["cost_usd"]),
        "unpriced_requests": total["unpriced"],
        "unpriced_models": {_model_name(r): r["unpriced"] for r in priced[1:] if r["unpriced"]},
    }


def _priced_models(models: dict[str, dict[str, Any]],
                   priced: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each model's counts plus its cost and latency percentiles (ms, None when not logged)."""
    for row in priced[1:]:
        models.get(_model_name(row), {}).update(
            cost_usd=_usd(row["cost_usd"]), unpriced_requests=row["unpriced"],
            **{key: _ms(row[key]) for key in ("latency_ms_p50", "latency_ms_p95",
                                                "latency_ms_p99")})
    return models


def _model_name(row: dict[str, Any]) -> str:
    return "(unknown)" if row["name"] is None else row["name"]


def _usd(value: float | None) -> float | None:
    return None if value is None else round(value, 8)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- the Metrics view: per-group figures, series over time, Prometheus counters ---------------

# Windows end at the newest call, so an old log shows its last hour and a live one the hour up
# to now; "all" is every call.
WINDOWS: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7), "all": None,
}


@dataclass(frozen=True)
class Grouping:
    """What calls can be grouped by: a column of ``llm_calls`` and the search field that
    selects one group (to list its calls)."""

    column: str
    field: str


GROUPS: dict[str, Grouping] = {
    "model": Grouping("model", "model"),
    "provider": Grouping("provider", "provider"),
    "app": Grouping("app", "app"),
    "user": Grouping("user_id", "user"),
    "session": Grouping("session", "session"),
    "operation": Grouping("operation", "operation"),
}
# Chart buckets are a whole number of these, the smallest giving no more buckets than asked.
_STEPS = [timedelta(seconds=s) for s in (
    1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    2 * 86400, 7 * 86400, 14 * 86400, 30 * 86400)]
# Upper bounds (seconds) of the Prometheus latency histogram: the client library's defaults
# stretched to the minute-long calls LLMs make.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

# The figures of a group come from two aggregates over its calls: ``figures`` (counts,
# percentiles, tokens) and ``usage``, the calls summed by provider, model, tier floor and which
# counts are known, which is small enough to join to the prices table and cost
# (pricing.COST_SQL) before summing per group. The totals row is a second aggregate in
# ``figures`` (a grouping set would make DuckDB fan every call out to both sets, three times
# the cost for percentiles) and a grouping set of the small ``usage``. With many groups, a page
# first picks its groups by a cheap count (``page_groups``) so the percentiles of 100k sessions
# are computed for the 100 on screen only.
_PAGED_ABOVE = 1000  # groups; up to this many a page computes them all and slices

_PAGE_GROUPS = """
page_groups AS (
    SELECT {key} AS grp FROM llm_calls c WHERE {where}
    GROUP BY 1 ORDER BY count(*) DESC, 1 NULLS LAST LIMIT ? OFFSET ?
),"""

_USAGE = """
usage AS (
    SELECT {key} AS grp, c.provider, c.model, {floor} AS tier_floor,
           coalesce(c.status = 'error', false) AS failed,
           c.input_tokens IS NULL AS no_input, c.output_tokens IS NULL AS no_output,
           c.cost_usd IS NULL AS no_logged,
           count(*) AS calls, sum(c.input_tokens) AS input_tokens,
           sum(c.output_tokens) AS output_tokens, sum(c.cost_usd) AS logged
    FROM {calls} WHERE {where}
    GROUP BY ALL
)"""

_FIGURES_AND_COSTS = """,
figures AS (
    SELECT grp, false AS is_total, {figures} FROM ({calls}) GROUP BY grp
    {totals}
),
costs AS (
    SELECT u.grp, grouping(u.grp) = 1 AS is_total,
           sum({cost})                                         AS cost_usd,
           sum(u.calls) FILTER (WHERE {cost} IS NULL)          AS unpriced,
           sum(u.logged) FILTER (WHERE {list_cost} IS NOT NULL) AS logged_usd,
           sum({list_cost}) FILTER (WHERE u.logged IS NOT NULL) AS listed_usd
    FROM usage u {join}
    GROUP BY {cost_groups}
)
SELECT f.*, k.cost_usd, coalesce(k.unpriced, 0)::BIGINT AS unpriced, k.logged_usd, k.listed_usd
FROM figures f JOIN costs k ON f.grp IS NOT DISTINCT FROM k.grp AND f.is_total = k.is_total
ORDER BY f.is_total DESC, f.calls DESC, f.grp NULLS LAST
"""

_GROUP_FIGURES = """
    count(*)                                                   AS calls,
    count(*) FILTER (WHERE status = 'error')                   AS errors,
    quantile_cont(latency_ms, [0.5, 0.95, 0.99])               AS latency,
    quantile_cont(ttft_ms, [0.5, 0.95])                        AS ttft,
    sum(input_tokens)                                          AS input_tokens,
    sum(output_tokens)                                         AS output_tokens,
    sum(output_tokens) FILTER (WHERE latency_ms > 0)
        / (sum(latency_ms) FILTER (WHERE output_tokens IS NOT NULL AND latency_ms > 0) / 1e3)
                                                               AS output_tokens_per_s
"""

_SERIES_FIGURES = """
    count(*)                                                   AS calls,
    count(*) FILTER (WHERE status = 'error')                   AS errors,
    quantile_cont(latency_ms, 0.95)                            AS latency_p95,
    sum(input_tokens)                                          AS input_tokens,
    sum(output_tokens)                                         AS output_tokens
"""

_UNPRICED = """
SELECT u.provider, u.model, {reason} AS reason, sum(u.calls)::BIGINT AS calls
FROM usage u {join} WHERE {cost} IS NULL
GROUP BY ALL ORDER BY calls DESC, u.model NULLS LAST, u.provider NULLS LAST LIMIT ?
"""

_REQUESTS = """
SELECT model, provider, status, count(*) AS calls FROM llm_calls WHERE {where}
GROUP BY ALL ORDER BY model NULLS LAST, provider NULLS LAST, status NULLS LAST
"""


@dataclass(frozen=True)
class TimeRange:
    """The calls a view covers in time: ``since <= ts < until`` (naive UTC); None when there
    are no calls at all. ``source`` says where the range came from: a window name or "query"."""

    since: datetime | None
    until: datetime | None
    source: str


@dataclass(frozen=True)
class Series:
    """Figures per time bucket, every bucket present (a quiet one has 0 calls and None where a
    figure is unknown): what the charts draw."""

    start: datetime
    step: timedelta
    buckets: list[dict[str, Any]]


class MetricsView:
    """The figures for one search query, window and grouping, computed in DuckDB.

    Also a ``PageSource`` (``count``/``page``) so a paged table can show any number of groups;
    the totals row comes first. The query is compiled up front: a bad one raises QueryError.
    """

    def __init__(self, index: Index, query: str = "", window: str = "all",
                 group: str = "model", *, prices: PriceBook | None = None) -> None:
        if window not in WINDOWS:
            raise ValueError(f"unknown window {window!r}; expected one of {list(WINDOWS)}")
        if group not in GROUPS:
            raise ValueError(f"unknown grouping {group!r}; expected one of {list(GROUPS)}")
        self.index = index
        self.query = query
        self.window = window
        self.group = group
        self.compiled = index.compile(query)
        self._book = prices
        self._range: TimeRange | None = None
        self._prices: PriceTable | None = None
        self._groups: int | None = None  # known once count() ran

    # --- the calls covered --------------------------------------------------------------------

    @property
    def range(self) -> TimeRange:
        """A since:/until: in the query wins over the window; a window ends just after the
        newest call."""
        if self._range is None:
            self._range = self._resolve_range()
        return self._range

    def _resolve_range(self) -> TimeRange:
        bounds = self.index.rows("SELECT min(ts) AS first, max(ts) AS last FROM llm_calls")[0]
        first, last = bounds["first"], bounds["last"]
        # the whole second after the newest call, so the search a row opens reads well
        end = None if last is None else last.replace(microsecond=0) + timedelta(seconds=1)
        if self.compiled.since is not None or self.compiled.until is not None:
            return TimeRange(self.compiled.since or first, self.compiled.until or end, "query")
        span = WINDOWS[self.window]
        if span is None or end is None:
            return TimeRange(first, end, self.window)
        return TimeRange(end - span, end, self.window)

    @property
    def _windowed(self) -> bool:
        return self.range.source not in ("query", "all") and self.range.until is not None

    def _scope(self, where: str = "", where_params: tuple[Any, ...] = (),
               ) -> tuple[str, list[Any]]:
        """WHERE text and parameters selecting the calls in scope (query and window) that
        also match ``where``."""
        terms, params = [f"({self.compiled.where})"], list(self.compiled.params)
        if self._windowed:
            terms.append("ts >= ? AND ts < ?")
            params += [self.range.since, self.range.until]
        if where:
            terms.append(where)
            params += where_params
        return " AND ".join(terms), params

    def _price_table(self) -> PriceTable:
        """Rates for every (provider, model) in the index, looked up once per view."""
        if self._prices is None:
            book = self._book or default_price_book()
            pairs = self.index.rows("SELECT DISTINCT provider, model FROM llm_calls")
            self._prices = book.table((r["provider"], r["model"]) for r in pairs)
        return self._prices

    def _usage(self, key: str, key_params: list[Any], where: str = "",
               where_params: tuple[Any, ...] = (), page: tuple[int, int] | None = None,
               ) -> tuple[str, list[Any], str]:
        """``WITH prices AS (...), [page_groups AS (...),] usage AS (...)`` over the calls in
        scope that also match ``where``, grouped by ``key`` (an SQL expression over ``c``):
        SQL, parameters, and the FROM clause of those calls for later CTEs. ``page`` (limit,
        offset) keeps the groups of one page, for keys without parameters."""
        scope, params = self._scope(where, where_params)
        prices = self._price_table()
        floor, floor_params = prices.tier_floor("c.input_tokens")
        sql, sql_params = f"WITH prices AS ({prices.sql}),", list(prices.params)
        calls = "llm_calls c"
        if page is not None:
            sql += _PAGE_GROUPS.format(key=key, where=scope)
            sql_params += [*params, *page]
            calls = f"llm_calls c SEMI JOIN page_groups g ON ({key}) IS NOT DISTINCT FROM g.grp"
        sql += _USAGE.format(key=key, floor=floor, calls=calls, where=scope)
        return sql, [*sql_params, *key_params, *floor_params, *params], calls

    def _by_key(self, key: str, key_params: list[Any], figures: str, *, where: str = "",
                where_params: tuple[Any, ...] = (), totals: bool = False,
                page: tuple[int, int] | None = None, sliced: tuple[int, int] | None = None,
                ) -> list[dict[str, Any]]:
        """The ``figures`` (aggregates over the calls' status, latency_ms, ttft_ms and token
        columns) and the costs per value of ``key``, by calls (most first): rows with grp,
        is_total, the figures, cost_usd, unpriced, logged_usd and listed_usd. ``totals`` adds
        the totals row (first); ``page`` (limit, offset) computes only one page's groups;
        ``sliced`` (limit, offset) computes all and returns a slice, cheaper for few groups."""
        sql, params, calls = self._usage(key, key_params, where, where_params, page)
        scope, scope_params = self._scope(where, where_params)
        source = (f"SELECT {key} AS grp, status, latency_ms, ttft_ms, input_tokens, "
                  f"output_tokens FROM {calls} WHERE {scope}")
        sql += _FIGURES_AND_COSTS.format(
            figures=figures, calls=source, cost=COST_SQL, list_cost=LIST_COST_SQL,
            join=PRICE_JOIN,
            totals=f"UNION ALL SELECT NULL, true, {figures} FROM ({source})" if totals else "",
            cost_groups="GROUPING SETS ((u.grp), ())" if totals else "u.grp")
        params += [*key_params, *scope_params] * (2 if totals else 1)
        if sliced is not None:
            sql += " LIMIT ? OFFSET ?"
            params += sliced
        return self.index.rows(sql, params)

    # --- per group ----------------------------------------------------------------------------

    def count(self) -> int:
        """Rows of the group table: the groups plus the totals row (0 without calls)."""
        where, params = self._scope()
        column = GROUPS[self.group].column
        groups = self.index.rows(
            f"SELECT count(DISTINCT {column}) + (count(*) FILTER (WHERE {column} IS NULL) > 0)"
            f"::INT AS n FROM llm_calls WHERE {where}", params)[0]["n"]
        self._groups = int(groups)
        return self._groups + 1 if groups else 0

    def page(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Group rows, totals first, then by calls: name (None for calls without a value),
        is_total, calls, errors, error_rate, latency_ms_p50/p95/p99, ttft_ms_p50/p95,
        input/output tokens (None when no call logged them), output_tokens_per_s, cost_usd
        (priced calls only), unpriced, and logged_usd/listed_usd over the calls that have
        both costs."""
        column = f"c.{GROUPS[self.group].column}"
        if self._groups is None or self._groups <= _PAGED_ABOVE:
            rows = self._by_key(column, [], _GROUP_FIGURES, totals=offset == 0,
                                sliced=(limit, max(0, offset - 1)))
            return [_group_row(row) for row in rows]
        rows = []
        if offset == 0:
            rows = [{**row, "is_total": True}
                    for row in self._by_key("NULL", [], _GROUP_FIGURES)]
            limit -= 1
        if limit > 0:
            rows += self._by_key(column, [], _GROUP_FIGURES,
                                 page=(limit, max(0, offset - 1)))
        return [_group_row(row) for row in rows]

    def rows(self) -> list[dict[str, Any]]:
        """Every group row, totals first (for scripts; the UI pages)."""
        return self.page(0, 1 << 62)

    def search_for(self, row: dict[str, Any]) -> str | None:
        """The search that lists the calls behind a row of :meth:`page` in the Requests view,
        or None for the calls without a value (the search language cannot name those)."""
        terms = [self.query.strip()] if self.query.strip() else []
        if self._windowed:
            terms += [f"since:{_moment(self.range.since)}", f"until:{_moment(self.range.until)}"]
        if not row["is_total"]:
            if row["name"] is None:
                return None
            terms.append(f"{GROUPS[self.group].field}:{quote(str(row['name']))}")
        return " ".join(terms)

    # --- over time ----------------------------------------------------------------------------

    def series(self, buckets: int = 60) -> Series | None:
        """The calls in scope in at most ``buckets`` equal time buckets; None without calls."""
        since, until = self.range.since, self.range.until
        if since is None or until is None or until <= since:
            return None
        # aligning the first bucket to a whole step can add one bucket: ask for one fewer
        step = bucket_step(until - since, max(1, buckets - 1))
        start = datetime.min + ((since - datetime.min) // step) * step
        found = {row["grp"]: row for row in self._by_key(
            "time_bucket(?::INTERVAL, c.ts, ?::TIMESTAMP)", [step, start], _SERIES_FIGURES,
            where="ts >= ? AND ts < ?", where_params=(since, until))}
        filled = []
        moment = start
        while moment < until:
            row = found.get(moment) or {"calls": 0, "errors": 0}
            filled.append({"start": moment, **{k: row.get(k) for k in _SERIES_KEYS}})
            moment += step
        return Series(start, step, filled)

    # --- pricing gaps ---------------------------------------------------------------------

    def unpriced(self, limit: int = 20) -> list[dict[str, Any]]:
        """The (provider, model) pairs of unpriced calls, most calls first, with the reason."""
        usage, params, _ = self._usage("NULL", [])
        return self.index.rows(
            usage + _UNPRICED.format(reason=UNPRICED_REASON_SQL, join=PRICE_JOIN,
                                     cost=COST_SQL), [*params, limit])

    # --- Prometheus ---------------------------------------------------------------------------

    def prometheus(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Counts per (model, provider, status), and per model: tokens, cumulative latency
        histogram counts (one per :data:`LATENCY_BUCKETS` bound), latency sum and count in
        seconds, cost and unpriced calls."""
        where, params = self._scope()
        requests = self.index.rows(_REQUESTS.format(where=where), params)
        buckets = ", ".join(f"count(*) FILTER (WHERE latency_ms <= {bound * 1e3!r})"
                            for bound in LATENCY_BUCKETS)
        figures = (f"count(*) AS calls, sum(input_tokens) AS input_tokens, "
                   f"sum(output_tokens) AS output_tokens, "
                   f"[{buckets}] AS latency_buckets, sum(latency_ms) / 1e3 AS latency_sum_s, "
                   f"count(latency_ms) AS latency_count")
        models = sorted(self._by_key("c.model", [], figures),
                        key=lambda row: (row["grp"] is None, row["grp"] or ""))
        return requests, models


_SERIES_KEYS = ("calls", "errors", "latency_p95", "input_tokens", "output_tokens", "cost_usd")


def bucket_step(span: timedelta, buckets: int) -> timedelta:
    """The smallest round step that covers ``span`` in at most ``buckets`` buckets."""
    for step in _STEPS:
        if span / step <= buckets:
            return step
    days = -(-span // (timedelta(days=1) * buckets))  # ceiling division
    return timedelta(days=days)


def discrepancy(row: dict[str, Any]) -> bool:
    """Whether a row's logged cost differs from the list price by more than 1% (and a hundredth
    of a cent) over the calls that have both."""
    logged, listed = row.get("logged_usd"), row.get("listed_usd")
    if logged is None or listed is None:
        return False
    return abs(logged - listed) > max(0.01 * max(abs(listed), abs(logged)), 1e-4)


def quote(value: str) -> str:
    """``value`` as a quoted search-language value (backslash escapes ``"`` and ``\\``)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _moment(ts: datetime | None) -> str:
    """A naive-UTC timestamp as the search language writes an absolute UTC time."""
    assert ts is not None
    return ts.isoformat(timespec="microseconds" if ts.microsecond else "seconds") + "Z"


def _group_row(row: dict[str, Any]) -> dict[str, Any]:
    latency = row.pop("latency") or [None, None, None]
    ttft = row.pop("ttft") or [None, None]
    calls = row["calls"]
    grp = row.pop("grp")
    return {
        **row,
        "name": None if row["is_total"] else grp,
        "error_rate": row["errors"] / calls if calls else None,
        "latency_ms_p50": latency[0], "latency_ms_p95": latency[1], "latency_ms_p99": latency[2],
        "ttft_ms_p50": ttft[0], "ttft_ms_p95": ttft[1],
        "input_tokens": _int(row["input_tokens"]), "output_tokens": _int(row["output_tokens"]),
    }


def _int(value: Any) -> int | None:
    return None if value is None else int(value)
