"""The façade over core: open an index over paths, keep it current, and answer the questions the
UI and the CLI ask (pages of calls, one call in full, totals). Nothing outside core writes SQL."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Collection, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .query import Compiled, compile_query
from .sources import discover, read_range
from .store import (
    Opened,
    Store,
    StoreError,
    is_damage,
    is_out_of_memory,
    open_index,
    out_of_memory_error,
    replace_damaged,
)

if TYPE_CHECKING:
    from .ingest import Indexer, Progress, RefreshResult

CALL_LIST_COLUMNS = (
    "key", "ts", "model", "provider", "status", "latency_ms", "input_tokens", "output_tokens",
    "total_tokens", "cost_usd", "preview", "error_type", "trace_id", "session", "app",
)

# The columns an exported call carries, in order.
EXPORT_COLUMNS = (
    "key AS id", "request_id", "ts", "app", "user_id", "session", "model", "provider", "operation",
    "status", "finish_reason", "input_tokens", "output_tokens", "total_tokens", "latency_ms",
    "ttft_ms", "cost_usd", "temperature", "top_p", "max_tokens", "seed", "messages", "output",
    "tool_calls", "error_type", "error_message AS error", "http_status", "trace_id", "span_id",
    "dialect",
)
# Orders a list of calls can be sorted by: name -> SQL expression (never user text).
CALL_SORTS = {
    "time": "ts",
    "latency": "latency_ms",
    "tokens": "coalesce(total_tokens, input_tokens + output_tokens)",
    "cost": "cost_usd",
    "model": "model",
    "status": "status",
}
JSON_COLUMNS = {"messages", "tool_calls", "tools", "params", "tags", "parsed_output"}


def default_index_path(paths: list[str]) -> Path:
    """One index per set of watched paths, in the user cache directory."""
    from platformdirs import user_cache_dir

    key = "\n".join(sorted(str(Path(p).expanduser().resolve()) for p in paths))
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(user_cache_dir("llmview")) / "indexes" / f"{digest}.duckdb"


class Index:
    """An index over log paths. Safe to query from several threads (a cursor per thread) while
    one thread refreshes it.

    The index is a cache of the logs: when DuckDB finds the file damaged, in a pass or in a
    query, it is replaced by a fresh one, filled again from the logs, and the query retried;
    ``on_notice`` hears of it (and of any fallback when opening) in one line."""

    def __init__(self, opened: Opened, paths: list[str], *, tz: tzinfo | None = None,
                 on_notice: Callable[[str], None] | None = None) -> None:
        self.opened = opened
        self.paths = paths
        self._indexer: Indexer | None = None
        self.tz = tz
        self.on_notice = on_notice
        self.generation = 0  # a new connection's: what was built on an older one is gone
        self._local = threading.local()
        self._cursors: list[Any] = []
        self._write_lock = threading.Lock()
        self._final = False  # the last pass's, repeated when a damaged index is filled again
        if opened.notice and on_notice is not None:
            on_notice(opened.notice)
        try:
            self.store = Store(opened.con)  # reads the tables: damage can show here already
        except Exception as exc:
            if not is_damage(exc):
                raise
            self._replace_damaged(exc, self.generation)

    @classmethod
    def open(cls, paths: list[str], *, index_path: str | None | bool = True,
             tz: tzinfo | None = None,
             on_notice: Callable[[str], None] | None = None) -> Index:
        """``index_path`` True: the default cache location; None/False: in memory; a string:
        that file. Raises ``SourceError`` for a path that does not exist."""
        discover(paths)  # fail early, with a clear message, on a missing path
        if index_path is True:
            target: str | None = str(default_index_path(paths))
        else:
            target = index_path or None
        return cls(open_index(target), paths, tz=tz, on_notice=on_notice)

    @property
    def notice(self) -> str | None:
        return self.opened.notice

    @property
    def location(self) -> str:
        return self.opened.path

    def close(self) -> None:
        self.opened.con.close()

    # --- keeping current ------------------------------------------------------------------

    @property
    def indexer(self) -> Indexer:
        """Built on first use: the dialect registry it loads is not needed to show what is
        already indexed, so the first screen does not wait for it."""
        if self._indexer is None:
            from .ingest import Indexer

            self._indexer = Indexer(self.store, self.paths, tz=self.tz)
        return self._indexer

    def refresh(self, *, changed: Collection[str] | None = None, final: bool = False,
                on_batch: Callable[[Progress], None] | None = None) -> RefreshResult:
        """Read what is new (``changed``: in those paths only, see ``Indexer.refresh``)."""
        with self._write_lock:
            self._final = final
            generation = self.generation
            try:
                return self.indexer.refresh(changed=changed, final=final, on_batch=on_batch)
            except Exception as exc:
                if is_out_of_memory(exc):
                    raise out_of_memory_error(exc, indexing=True) from exc
                if not is_damage(exc):
                    raise
                self._replace_damaged(exc, generation)
            return self.indexer.refresh(final=final, on_batch=on_batch)

    def watch(self, on_change: Callable[[RefreshResult], None], stop: threading.Event, *,
              poll: bool = False, on_error: Callable[[StoreError], None] | None = None) -> None:
        """Tail the paths until ``stop`` is set (blocking: run it on a thread of its own);
        ``on_change`` and ``on_error`` are called on that thread (see ``ingest.watch``)."""
        from .ingest import watch

        watch(self.paths, self.refresh, on_change, stop, poll=poll, idle=self.checkpoint,
              on_error=on_error)

    def checkpoint(self) -> None:
        """Fold what the write-ahead log holds into the index file. DuckDB does it inside
        the commit that takes the log past 16 MiB, and that pass's lines wait: 0.2 to 2.6 s
        each, every ~45 passes at 1,000 lines/s. The tailing loop calls this when the logs
        have gone quiet instead, so a burst shorter than that never waits for one (replaying
        a soak's logs in bursts of 40 passes: 2 checkpoints inside passes instead of 44).
        DuckDB's threshold is left as it is: at 64 MiB the same replay spent 9.5 s in 10
        checkpoints instead of 17.7 s in 44, but each held its pass up for 1 s instead of
        0.4, and a 5-minute soak showed no lower lag."""
        if self.opened.path == ":memory:" or self.opened.read_only:
            return
        with self._write_lock:
            try:
                if os.path.getsize(self.opened.path + ".wal") == 0:
                    return
            except OSError:
                return  # no log: nothing written since the last checkpoint
            self.store.checkpoint()

    def _replace_damaged(self, exc: Exception, generation: int) -> bool:
        """Swap the damaged index for a fresh one, unless another thread already did since
        ``generation``; True if this call did, and then the caller fills it again. Called
        with the write lock held."""
        if generation != self.generation:
            return False
        for cur in [*self._cursors, self.opened.con]:  # all of them, or DuckDB keeps the file
            with contextlib.suppress(Exception):
                cur.close()
        self._cursors.clear()
        self.opened = replace_damaged(self.opened, exc)
        self.store = Store(self.opened.con)
        if self._indexer is not None:
            self._indexer.store = self.store
        self._local = threading.local()
        self.generation += 1
        if self.opened.notice and self.on_notice is not None:
            self.on_notice(self.opened.notice)
        return True

    # --- reading --------------------------------------------------------------------------

    def cursor(self) -> Any:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.opened.con.cursor()
            self._local.cursor = cur
            self._cursors.append(cur)
        return cur

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        generation = self.generation
        try:
            return self._fetch(sql, params)
        except Exception as exc:
            if is_out_of_memory(exc):
                return self._fetch_alone(sql, params)
            if not is_damage(exc):
                raise
            self._rebuild_damaged(exc, generation)
        return self._fetch(sql, params)

    def stream(self, sql: str, params: list[Any] | None = None, *,
               page: int = 5000) -> Iterator[dict[str, Any]]:
        """Every row of a query, fetched a page at a time on a cursor of its own (an export
        of millions of rows). An ordered query reads every block it needs before its first
        row, so damage found there is handled as in ``rows``: rebuilt, then run again."""
        generation = self.generation
        try:
            result = self.opened.con.cursor().execute(sql, params or [])
        except Exception as exc:
            if not is_damage(exc):
                raise
            self._rebuild_damaged(exc, generation)
            result = self.opened.con.cursor().execute(sql, params or [])
        names = [d[0] for d in result.description]
        while batch := result.fetchmany(page):
            for row in batch:
                yield dict(zip(names, row, strict=True))

    def _rebuild_damaged(self, exc: Exception, generation: int) -> None:
        """A read found the index damaged: replace it and fill it again from the logs, unless
        another thread already did since ``generation``."""
        with self._write_lock:
            if self._replace_damaged(exc, generation):
                self.indexer.refresh(final=self._final)

    def _fetch_alone(self, sql: str, params: list[Any] | None) -> list[dict[str, Any]]:
        """Run a query that found DuckDB's memory (``FILE_CONFIG``'s limit) full again, with
        no pass or checkpoint beside it holding memory of its own (a 20-minute soak's header
        count failed so while tailing). Still too big: a ``StoreError``."""
        with self._write_lock:
            try:
                return self._fetch(sql, params)
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                raise out_of_memory_error(exc) from exc

    def _fetch(self, sql: str, params: list[Any] | None) -> list[dict[str, Any]]:
        result = self.cursor().execute(sql, params or [])
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def compile(self, query: str, target: str = "calls") -> Compiled:
        return compile_query(query, target, tz=self.tz)

    def search(self, query: str = "", *, limit: int = 100, offset: int = 0,
               sort: str = "time", descending: bool = True,
               columns: tuple[str, ...] = CALL_LIST_COLUMNS) -> list[dict[str, Any]]:
        """A page of calls matching ``query``, newest first unless sorted otherwise."""
        compiled = self.compile(query)
        order = f"ORDER BY {CALL_SORTS[sort]} {'DESC' if descending else 'ASC'} NULLS LAST, " \
                f"seq {'DESC' if descending else 'ASC'}"
        # Sorting only the narrow (sort key, seq) pairs and then fetching the page's rows is
        # ten times faster than sorting whole rows: the page's wide columns are read once.
        return self.rows(
            f"WITH page AS (SELECT seq FROM llm_calls WHERE {compiled.where} {order} "
            f"LIMIT ? OFFSET ?) SELECT {', '.join(columns)} FROM calls "
            f"WHERE seq IN (SELECT seq FROM page) {order}",
            [*compiled.params, limit, offset],
        )

    def count(self, query: str = "") -> int:
        compiled = self.compile(query)
        rows = self.rows(f"SELECT count(*) AS n FROM llm_calls WHERE {compiled.where}",
                         compiled.params)
        return int(rows[0]["n"])

    def iter_calls(self, query: str = "", *, columns: tuple[str, ...] = EXPORT_COLUMNS,
                   page: int = 5000) -> Iterator[dict[str, Any]]:
        """Every matching call, oldest first, fetched a page at a time."""
        compiled = self.compile(query)
        yield from self.stream(
            f"SELECT {', '.join(columns)} FROM llm_calls WHERE {compiled.where} "
            "ORDER BY ts NULLS LAST, seq", compiled.params, page=page)

    def call(self, key: str) -> dict[str, Any] | None:
        """One call with every field and the raw log lines it came from."""
        call = self.call_row(key)
        if call is not None:
            call["raw"] = self.raw_lines("call", key)
        return call

    def call_row(self, key: str) -> dict[str, Any] | None:
        """One call's row as stored, without reading its log lines back from the files."""
        rows = self.rows("SELECT * FROM calls WHERE key = ?", [key])
        return rows[0] if rows else None

    def raw_lines(self, kind: str, key: str) -> list[dict[str, Any]]:
        """The log lines behind a call or span, read back from their files."""
        sources = self.rows(
            'SELECT s.line_no, s."offset", s.length, f.path, f.kind FROM sources s '
            "JOIN files f USING (file_id) WHERE s.kind = ? AND s.key = ? ORDER BY s.file_id, "
            's."offset"', [kind, key])
        lines = []
        for src in sources:
            try:
                data = read_range(Path(src["path"]), src["offset"], src["length"],
                                  gzipped=src["kind"].startswith("gzip"))
                text = data.decode("utf-8", errors="replace")
            except OSError as exc:
                text = None
                src["error"] = f"cannot read back: {exc.strerror or exc}"
            lines.append({**src, "text": text})
        return lines

    def problems(self, *, limit: int = 100, offset: int = 0,
                 severity: str | None = "error") -> list[dict[str, Any]]:
        where = "p.severity = ?" if severity else "TRUE"
        params: list[Any] = [severity] if severity else []
        return self.rows(
            "SELECT p.seq, f.path, p.line_no, p.severity, p.reason, p.raw, p.truncated "
            f"FROM problems p LEFT JOIN files f USING (file_id) WHERE {where} "
            "ORDER BY p.seq LIMIT ? OFFSET ?", [*params, limit, offset])

    def problem_count(self, severity: str | None = "error") -> int:
        where, params = ("severity = ?", [severity]) if severity else ("TRUE", [])
        return int(self.rows(f"SELECT count(*) AS n FROM problems WHERE {where}", params)[0]["n"])

    def counts(self) -> dict[str, int]:
        """The few numbers a status line shows, in one cheap query."""
        return self.rows(
            "SELECT (SELECT count(*) FROM llm_calls) AS calls, "
            "(SELECT count(*) FROM llm_calls WHERE status = 'error') AS errors, "
            "(SELECT count(*) FROM problems WHERE severity = 'error') AS problems")[0]

    @property
    def traces(self) -> Any:
        """The trace list, one trace's spans, trace-id lookup (a ``traces.Traces``)."""
        from .traces import Traces

        return Traces(self)

    @property
    def sessions(self) -> Any:
        """Calls grouped into conversations: the list and each one's thread (the index's one
        ``sessions.Sessions``, which keeps the list built between calls)."""
        from .sessions import Sessions

        return Sessions.of(self)

    def stats(self) -> dict[str, Any]:
        from .metrics import summary

        return summary(self)

    def error_groups(self, *, since: Any = None, sort: str = "count") -> Any:
        """Failed calls and error spans grouped by category and signature, each with a trend,
        an example and a suggestion (an ``errors.ErrorGroups``)."""
        from .errors import error_groups

        return error_groups(self, since=since, sort=sort)

    def metrics(self, query: str = "", window: str = "all", group: str = "model",
                *, prices: Any = None) -> Any:
        """Latency, token and cost figures per group, over time, and as Prometheus counters
        (a ``metrics.MetricsView``; ``prices`` a ``pricing.PriceBook``, default: config's)."""
        from .metrics import MetricsView

        return MetricsView(self, query, window, group, prices=prices)
