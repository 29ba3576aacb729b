"""Calls grouped into sessions (conversations), listed with their totals, and reassembled.

A call belongs to the session its log names: a conversation id, else a session id, else one of
those in its tags (``gen_ai.conversation.id``, ``session.id``, ``application.session_id``, LangSmith
thread ids and the like are mapped onto these columns by the dialects; a debug-mode conversation
file is a session of its own, named after the file). A call that names none but has a user is
grouped with that user's calls of the same app, a new session starting after a pause of more
than 30 minutes, the way web analytics counts visits. Placeholder ids a logger writes when it
has none (``"unknown"``, ``""``) count as none, or every anonymous call would be one session.

Grouping and totals are one DuckDB query (window functions for the pauses) whose result is kept
in a table of an in-memory database attached to the index, so paging and searching the list is a
scan of one row per session however many calls there are. The table is rebuilt when the calls
changed (:meth:`Sessions.refresh`; the UI calls it when new rows land), never per page.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from .pricing import COST_SQL, PRICE_JOIN, PriceBook, default_price_book
from .thread import Thread, build_thread

if TYPE_CHECKING:
    from .index import Index

GAP_MINUTES = 30
PLACEHOLDERS = ("", "unknown", "none", "null", "nil", "undefined", "n/a", "-")
# Where a call names its session, most specific first (SQL over ``llm_calls``; fixed text).
ID_COLUMNS = ("conversation", "session", "tags->>'conversation_id'", "tags->>'session_id'",
              "tags->>'thread_id'")
CATALOG = "llmview_sessions"
TABLE = f"{CATALOG}.sessions"
# Orders the list can be sorted by: name -> SQL expression (never user text).
SORTS = {
    "time": "-pos",  # pos numbers the sessions most recently active first
    "turns": "turns",
    "tokens": "tokens",
    "cost": "cost",
    "errors": "errors",
    "user": "user_id",
}


def _usable(column: str) -> str:
    placeholders = ", ".join(f"'{p}'" for p in PLACEHOLDERS)
    return f"CASE WHEN lower(trim({column})) IN ({placeholders}) THEN NULL ELSE {column} END"


# The session id a call names, NULL when it names none.
SESSION_ID_SQL = "coalesce(" + ", ".join(_usable(column) for column in ID_COLUMNS) + ")"

# The calls of ``{{calls}}`` (a relation over llm_calls) with their cost and session id: each
# call is a usage row ``u`` of its own for pricing.py's SQL, which the ``prices`` CTE (first in
# the query) and the ``{{floor}}`` expression complete.
_COSTED = f"""
c AS (
    SELECT u.*, {COST_SQL} AS cost, {SESSION_ID_SQL} AS explicit
    FROM (SELECT *, cost_usd AS logged, status = 'error' AS failed, {{floor}} AS tier_floor
          FROM {{calls}}) u {PRICE_JOIN}
)"""

# One row per session, numbered (``pos``) and stored most recently active first, so the default
# order pages by a range of ``pos`` instead of a sort. Calls without an id are numbered into
# visits per (user, app): a call more than GAP_MINUTES after the previous one starts a new
# visit, keyed by its start time.
_BUILD = f"""
CREATE OR REPLACE TABLE {TABLE} AS
WITH prices AS ({{prices}}), {_COSTED},
gaps AS (
    SELECT *, ts - lag(ts) OVER (PARTITION BY user_id, app ORDER BY ts, seq) AS gap
    FROM c WHERE explicit IS NULL AND user_id IS NOT NULL AND ts IS NOT NULL
),
visits AS (
    SELECT *, max(CASE WHEN gap IS NULL OR gap > INTERVAL {GAP_MINUTES} MINUTE THEN ts END)
        OVER (PARTITION BY user_id, app ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) AS started
    FROM gaps
),
grouped AS (
    SELECT ts, app, user_id, model, status, input_tokens, output_tokens, total_tokens,
           preview, cost, explicit AS session, 'id' AS kind
    FROM c WHERE explicit IS NOT NULL
    UNION ALL
    SELECT ts, app, user_id, model, status, input_tokens, output_tokens, total_tokens,
           preview, cost,
           user_id || '/' || coalesce(app, '-') || '/' || strftime(started, '%Y%m%dT%H%M%SZ'),
           'visit'
    FROM visits
),
sessions AS (
    SELECT
        session,
        any_value(kind)                                         AS kind,
        min(ts)                                                 AS first_ts,
        max(ts)                                                 AS last_ts,
        min(user_id)                                            AS user_id,
        min(app)                                                AS app,
        count(*)                                                AS turns,
        array_to_string(list_sort(list_distinct(list(model))), ', ') AS models,
        sum(coalesce(total_tokens, input_tokens + output_tokens)) AS tokens,
        sum(cost)                                               AS cost,
        count(*) - count(cost)                                  AS unpriced,
        count(*) FILTER (WHERE status = 'error')                AS errors,
        arg_min(preview, ts) FILTER (WHERE preview IS NOT NULL) AS first_message,
        lower(first_message)                                    AS search_text
    FROM grouped GROUP BY session
)
SELECT *, row_number() OVER (ORDER BY last_ts DESC NULLS LAST, session) AS pos
FROM sessions ORDER BY pos
"""

# What the thread view needs of each call (messages, parameters and figures), oldest first.
THREAD_COLUMNS = (
    "key", "seq", "ts", "app", "user_id", "provider", "model", "operation", "status",
    "latency_ms", "ttft_ms", "input_tokens", "output_tokens", "total_tokens", "cost",
    "temperature", "top_p", "max_tokens", "seed", "params", "tools", "messages", "output",
    "tool_calls", "finish_reason", "error_type", "error_message", "http_status", "trace_id",
    "dialect",
)
_SELECT = ", ".join(THREAD_COLUMNS)
# A session's calls. Its id is looked for in the plain columns (and the tags' text) first,
# which is cheap, and only those calls are priced and checked against the full rule; calls
# before the session's first are skipped by the zonemaps on ts.
_EXPLICIT_CALLS = f"""
WITH prices AS ({{prices}}),
picked AS (
    SELECT * FROM llm_calls WHERE (ts >= ? OR ts IS NULL)
    AND (conversation = ? OR session = ? OR contains(tags::VARCHAR, ?))
), {_COSTED}
SELECT {_SELECT} FROM c WHERE explicit = ? ORDER BY ts, seq
"""
_VISIT_CALLS = f"""
WITH prices AS ({{prices}}),
picked AS (SELECT * FROM llm_calls WHERE ts >= ? AND user_id = ? AND app IS NOT DISTINCT FROM ?),
{_COSTED},
gaps AS (SELECT *, ts - lag(ts) OVER (ORDER BY ts, seq) AS gap FROM c WHERE explicit IS NULL)
SELECT {_SELECT} FROM gaps
QUALIFY count(*) FILTER (WHERE gap > INTERVAL {GAP_MINUTES} MINUTE)
    OVER (ORDER BY ts, seq ROWS UNBOUNDED PRECEDING) = 0
ORDER BY ts, seq
"""
# Changes when calls are added, merged (a response completing a request), shadowed or
# re-linked: counting values is a cheap scan, and a rebuild is not.
_VERSION = """
SELECT count(*), max(seq), count(status), count(output_tokens), count(latency_ms),
       count(messages), count(session), count(conversation), count(user_id), count(cost_usd)
FROM llm_calls
"""

_ATTRIBUTE = "_llmview_sessions"
_registry_lock = threading.Lock()


class Sessions:
    """The sessions of one index: a searchable, sortable list, and each one's thread.

    Safe to use from several threads: a rebuild holds a lock, readers use the index's cursor
    for their thread and see the previous list until the new one is in place.
    """

    def __init__(self, index: Index, *, prices: PriceBook | None = None) -> None:
        self.index = index
        self._prices = prices
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        # The prices CTE and tier floor SQL of the last build, and the parameters of each.
        self._pricing: tuple[dict[str, str], list[Any], list[Any]] = ({}, [], [])

    @classmethod
    def of(cls, index: Index) -> Sessions:
        """The one ``Sessions`` of ``index``, so the list is built once however many views
        and commands ask for it. Kept on the index itself: it lives and dies with it."""
        with _registry_lock:
            found = getattr(index, _ATTRIBUTE, None)
            if found is None:
                found = cls(index)
                setattr(index, _ATTRIBUTE, found)
            return found

    # --- the list -----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Rebuild the list if the calls changed since it was built; True when rebuilt."""
        with self._lock:
            # A replaced (damaged) index is a new connection without the list built on it.
            version = (self.index.generation, *self.index.rows(_VERSION)[0].values())
            if version == self._version:
                return False
            cursor = self.index.cursor()
            cursor.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {CATALOG} (READ_WRITE)")
            pairs = self.index.rows("SELECT DISTINCT provider, model FROM llm_calls")
            table = self.prices.table((row["provider"], row["model"]) for row in pairs)
            floor, floor_params = table.tier_floor("input_tokens")
            self._pricing = {"prices": table.sql, "floor": floor}, table.params, floor_params
            cursor.execute(_BUILD.format(calls="llm_calls", **self._pricing[0]),
                           [*table.params, *floor_params])
            self._version = version
            return True

    def count(self, query: str = "") -> int:
        compiled = self._compiled(query)
        return int(self.index.rows(f"SELECT count(*) AS n FROM {TABLE} WHERE {compiled.where}",
                                   compiled.params)[0]["n"])

    def page(self, query: str = "", *, offset: int = 0, limit: int = 100, sort: str = "time",
             descending: bool = True) -> list[dict[str, Any]]:
        """A page of the sessions ``query`` matches (the ``sessions`` search target: session,
        user, app, model, turns, tokens, cost, errors, since/until, words of the first message),
        most recently active first unless sorted otherwise."""
        compiled = self._compiled(query)
        columns = f"SELECT * EXCLUDE (search_text, pos) FROM {TABLE}"
        if sort == "time" and descending and not compiled.params and compiled.where == "TRUE":
            return self.index.rows(f"{columns} WHERE pos > ? AND pos <= ? ORDER BY pos",
                                   [offset, offset + limit])
        order = "DESC" if descending else "ASC"
        return self.index.rows(
            f"{columns} WHERE {compiled.where} "
            f"ORDER BY {SORTS[sort]} {order} NULLS LAST, pos LIMIT ? OFFSET ?",
            [*compiled.params, limit, offset])

    def get(self, session: str) -> dict[str, Any] | None:
        """The list row of ``session``: its exact id, else an id it is the only prefix of."""
        self._ensure()
        columns = f"SELECT * EXCLUDE (search_text, pos) FROM {TABLE}"
        rows = self.index.rows(f"{columns} WHERE session = ?", [session])
        if not rows and session:
            rows = self.index.rows(f"{columns} WHERE starts_with(session, ?) LIMIT 2", [session])
        return rows[0] if len(rows) == 1 else None

    # --- one session --------------------------------------------------------------------------

    def thread(self, session: str | dict[str, Any]) -> Thread | None:
        """The conversation of ``session`` (an id or a list row), reassembled from its calls as
        they are now (calls that arrived since the list was built included)."""
        row = self.get(session) if isinstance(session, str) else session
        if row is None:
            return None
        return build_thread(row, self.calls(row))

    def calls(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        """The calls of the session ``row`` describes, oldest first, with their cost."""
        self._ensure()
        sql, price_params, floor_params = self._pricing
        if row["kind"] == "visit":
            return self.index.rows(_VISIT_CALLS.format(calls="picked", **sql), [
                *price_params, row["first_ts"], row["user_id"], row["app"], *floor_params])
        session = row["session"]
        return self.index.rows(_EXPLICIT_CALLS.format(calls="picked", **sql), [
            *price_params, row["first_ts"], session, session, session, *floor_params, session])

    # --- helpers ------------------------------------------------------------------------------

    @property
    def prices(self) -> PriceBook:
        if self._prices is None:
            self._prices = default_price_book()
        return self._prices

    def _ensure(self) -> None:
        if self._version is None:
            self.refresh()

    def _compiled(self, query: str) -> Any:
        compiled = self.index.compile(query, "sessions")  # a bad query fails before building
        self._ensure()
        return compiled
