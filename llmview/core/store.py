"""The DuckDB index: opening it safely, and writing batches of records with their file offsets
in one transaction, so that a crash or restart never loses or duplicates a call."""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .first_seqs import FirstSeqs, hashed, hashes_of
from .records import Call, Event, Problem, Span
from .schema import DDL, SCHEMA_VERSION
from .sources import MAX_LINE, FileState
from .touched_traces import (
    TraceCall,
    TraceSpan,
    shadow_changes,
    span_requests,
    trace_rows,
)

DUCKDB_CONFIG = {"autoinstall_known_extensions": False}
# An index on disk can spill and re-read; without a limit DuckDB caches up to 80% of the
# machine's memory, so a viewer left tailing grew by hundreds of MB (bench/soak.py). The rest
# of the app holds 300-350 MB while tailing a 1M-line index, and DuckDB fills its limit: 128
# MB kept a 5-minute soak on that index at 476 MB at most, where 160 MB reached 514. Searches
# and metrics on 1M lines are no slower with 128 MB than with 256 (bench/scale.py's queries).
FILE_CONFIG = {**DUCKDB_CONFIG, "memory_limit": "128MB"}
PREVIEW_CHARS = 160
CLUSTER_GAP = 65_536  # seqs between two keys' rows read apart rather than in one range
IN_LIST_MAX = 2048  # values in one IN list of parameters; a longer list is one array parameter
# The columns whose rows the store looks up, by table (first_seqs.py says how).
LOOKED_UP = {"calls": ("key", "trace_id", "request_id"), "spans": ("span_id", "trace_id")}


class StoreError(Exception):
    """The index cannot be used; the message says what to do."""


# DuckDB's words for a write the file system refused, ending with the system's reason.
# Another process holds the file ("Could not set lock on file ...: Conflicting lock is held").
# A word, not a substring: DuckDB 1.x reports a damaged file as an IOException naming the
# "block" whose checksum failed, and that index must be rebuilt, not left for an in-memory one.
_LOCKED = re.compile(r"\block\b", re.IGNORECASE)
_REFUSED_WRITE = re.compile(r'Could not (?:write|fsync|truncate) file "[^"]*": [^"\n.]+')


# --- opening ----------------------------------------------------------------------------------


@dataclass
class Opened:
    con: Any  # duckdb.DuckDBPyConnection
    path: str  # ":memory:" for an in-memory index
    notice: str | None = None  # one line for the user when we fell back or rebuilt
    read_only: bool = False


def open_index(path: str | None) -> Opened:
    """Open (or create) the index. A locked index falls back to an in-memory one, a corrupt one
    or one of another schema version is rebuilt from the logs; either way with a notice."""
    import duckdb

    if path is None or path == ":memory:":
        return Opened(_prepare(duckdb.connect(":memory:", config=DUCKDB_CONFIG)), ":memory:")
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        return _in_memory(f"index directory {target.parent} is not writable ({exc.strerror})")
    if not os.access(target.parent, os.W_OK):
        return _in_memory(f"index directory {target.parent} is not writable")
    fresh = not target.exists()
    try:
        con = duckdb.connect(str(target), config=FILE_CONFIG)
    except duckdb.IOException as exc:
        if _LOCKED.search(str(exc)):
            return _in_memory(f"index {target} is in use by another llmview")
        return _rebuild(target, f"index {target} could not be opened ({first_line(exc)})")
    except duckdb.Error as exc:
        return _rebuild(target, f"index {target} was unreadable ({first_line(exc)})")
    if fresh:
        with contextlib.suppress(OSError):
            os.chmod(target, 0o600)
    try:
        version = _schema_version(con)
    except duckdb.Error as exc:
        con.close()
        return _rebuild(target, f"index {target} was damaged ({first_line(exc)})")
    if version is not None and version != SCHEMA_VERSION:
        con.close()
        return _rebuild(target, f"index {target} was from another llmview version")
    return Opened(_prepare(con), str(target))


def _schema_version(con: Any) -> int | None:
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "meta" not in tables:
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else None


def _prepare(con: Any) -> Any:
    con.execute(DDL)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO NOTHING",
        [str(SCHEMA_VERSION)],
    )
    return con


def _in_memory(reason: str) -> Opened:
    import duckdb

    con = _prepare(duckdb.connect(":memory:", config=DUCKDB_CONFIG))
    return Opened(con, ":memory:", notice=f"{reason}; using a temporary in-memory index")


def _rebuild(target: Path, reason: str) -> Opened:
    import duckdb

    for leftover in (target, target.with_name(target.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    try:
        con = duckdb.connect(str(target), config=FILE_CONFIG)
    except duckdb.Error:
        return _in_memory(reason)
    with contextlib.suppress(OSError):
        os.chmod(target, 0o600)
    return Opened(_prepare(con), str(target), notice=f"{reason}; rebuilt it from the logs")


def is_damage(exc: BaseException) -> bool:
    """DuckDB found the index file damaged: a block failed its checksum. Only the blocks a
    query reads are checked, so this can surface long after the index opened cleanly."""
    import duckdb

    return isinstance(exc, duckdb.Error) and "corrupt database file" in str(exc).lower()


def is_out_of_memory(exc: BaseException) -> bool:
    """DuckDB could not get memory within its limit for a query or a write (a COMMIT that
    could not reports it as a failed commit)."""
    import duckdb

    return isinstance(exc, duckdb.OutOfMemoryException) or (
        isinstance(exc, duckdb.TransactionException) and "could not allocate" in str(exc))


def out_of_memory_error(exc: BaseException, *, indexing: bool = False) -> StoreError:
    """What to tell the user when DuckDB had no memory left within its limit for a query, or
    for a pass over the logs (nothing of which was stored: it is read again next time)."""
    if indexing:
        return StoreError(f"the index ran out of memory storing new lines ({first_line(exc)}); "
                          "nothing was lost: they are read again on the next pass")
    return StoreError(f"the index ran out of memory for a query ({first_line(exc)}); "
                      "narrow it and try again")


def replace_damaged(opened: Opened, exc: BaseException) -> Opened:
    """A fresh, empty index in place of a damaged one, whose connections the caller closed."""
    return _rebuild(Path(opened.path), f"index {opened.path} was damaged ({first_line(exc)})")


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- batches ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """The file position a record came from."""

    file_id: int
    line_no: int
    offset: int
    length: int


@dataclass
class Batch:
    """Records of one or more files, pre-merged by key, committed with the files' new offsets."""

    calls: dict[str, Call] = field(default_factory=dict)
    spans: dict[tuple[str, str], Span] = field(default_factory=dict)
    events: list[tuple[Event, Where]] = field(default_factory=list)
    problems: list[tuple[Problem, Where, bytes]] = field(default_factory=list)
    sources: list[tuple[str, str, Where]] = field(default_factory=list)
    files: dict[int, FileState] = field(default_factory=dict)
    lines: int = 0

    def add(self, record: Any, where: Where, raw: bytes = b"") -> None:
        if isinstance(record, Call):
            if not record.key:
                record.key = f"src:{where.file_id}:{where.offset}"
            known = self.calls.get(record.key)
            self.calls[record.key] = record if known is None else merge(known, record)
            self.sources.append(("call", record.key, where))
        elif isinstance(record, Span):
            span_key = (record.trace_id, record.span_id)
            known_span = self.spans.get(span_key)
            self.spans[span_key] = record if known_span is None else merge(known_span, record)
            self.sources.append(("span", f"{record.trace_id}:{record.span_id}", where))
        elif isinstance(record, Event):
            self.events.append((record, where))
        elif isinstance(record, Problem):
            self.problems.append((record, where, raw))

    def __len__(self) -> int:
        return len(self.calls) + len(self.spans) + len(self.events) + len(self.problems)


_EARLIEST = {"ts", "start"}
_LATEST = {"end"}


def merge(first: Any, second: Any) -> Any:
    """Two parts of one record: each field keeps the first known value; start times keep the
    earliest and end times the latest; a log origin beats a span origin."""
    values = {}
    for name in first.__struct_fields__:
        a, b = getattr(first, name), getattr(second, name)
        if a is None or a == "":
            values[name] = b
        elif b is None or b == "":
            values[name] = a
        elif name in _EARLIEST:
            values[name] = min(a, b)
        elif name in _LATEST:
            values[name] = max(a, b)
        elif name == "origin":
            values[name] = "log" if "log" in (a, b) else a
        else:
            values[name] = a
    return type(first)(**values)


# --- writing ----------------------------------------------------------------------------------


def _raise_refused_write(exc: BaseException) -> None:
    """A write the file system refused (disk full, quota, file size limit) becomes a
    ``StoreError`` that says so in one line; anything else is left to the caller."""
    refused = _REFUSED_WRITE.search(str(exc))
    if refused is not None:
        raise StoreError(f"the index could not be written ({refused.group(0)}); free some "
                         "disk space, or run with --no-index") from exc


class Store:
    """Writes batches. Used from one thread (the indexer); readers use their own cursors."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self._seq = self._max_seq()
        self._firsts = {(table, column): FirstSeqs(table, column)
                        for table, columns in LOOKED_UP.items() for column in columns}
        self._files: dict[int, FileState] | None = None  # as committed; None: read them
        self._saving: list[FileState] = []  # saved by the open transaction

    def lookup_bytes(self) -> int:
        """Memory held by the maps of where keys lie (``FirstSeqs``), which grows with the
        index by design: a soak tells it apart from a leak by this."""
        return sum(firsts.nbytes for firsts in self._firsts.values())

    def _max_seq(self) -> int:
        """Fetched to the end: DuckDB 2 refuses ``con.sql`` (``FirstSeqs`` loads with it) on
        a connection whose last result was left unfinished, as ``fetchone`` leaves it."""
        [(seq,)] = self.con.execute(
            "SELECT max(s) FROM (SELECT max(seq) s FROM calls UNION ALL SELECT max(seq) FROM spans"
            " UNION ALL SELECT max(seq) FROM events UNION ALL SELECT max(seq) FROM problems)"
        ).fetchall()
        return int(seq or 0)

    def file_states(self) -> list[FileState]:
        """Every file's state as committed, in file id order.

        The store keeps them between passes rather than reading them each time (4 ms a pass
        at 1,000 files, and directories of debug dumps hold many more). They are its own
        objects: change one only to save it (in a ``Batch``'s files). A state saved is
        the committed one once its transaction commits, and a failed transaction makes the
        store read them all again."""
        return list(self._committed_files().values())

    def forget_files(self) -> None:
        """States were changed and not saved (a failed pass): read them all again. Files
        first saved in a failed transaction have no row, and are inserted next time."""
        self._files, self._saving = None, []

    def _committed_files(self) -> dict[int, FileState]:
        if self._files is None:
            rows = self.con.execute(
                'SELECT file_id, path, dev, inode, head_hash, kind, "offset", line_no, size,'
                " mtime, gone, error FROM files ORDER BY file_id"
            ).fetchall()
            self._files = {}
            for (fid, path, dev, inode, head, kind, offset, line_no, size, mtime, gone,
                 error) in rows:
                head_hash, _, head_len = (head or ":0").rpartition(":")
                self._files[fid] = FileState(
                    fid, path, dev or 0, inode or 0, head_hash, int(head_len), kind or "lines",
                    offset or 0, line_no or 0, size or 0, mtime or 0.0, bool(gone), error)
        return self._files

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """All of it or none of it. A write the file system refuses (disk full, quota, file
        size limit) becomes a ``StoreError`` that says so in one line."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
            if self._saving:  # _save_files read the committed states already
                committed = self._committed_files()
                for state in self._saving:
                    committed[state.file_id] = state
                self._saving = []
        except BaseException as exc:
            with contextlib.suppress(Exception):  # a failed COMMIT has ended it already
                self.con.execute("ROLLBACK")
            self.forget_files()  # its states were changed but not saved
            _raise_refused_write(exc)
            raise

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the index file now, rather than inside the commit
        that takes the log past ``checkpoint_threshold``. A checkpoint that fails leaves the
        log whole: nothing committed is lost."""
        try:
            self.con.execute("CHECKPOINT")
        except Exception as exc:
            _raise_refused_write(exc)
            raise

    def commit(self, batch: Batch) -> None:
        """Rows and offsets together, or neither."""
        with self._transaction():
            if batch.files:
                self._save_files(list(batch.files.values()))
            touched = self._upsert_merged(batch) if batch.calls or batch.spans else {}
            if batch.events:
                self._insert_events(batch.events)
            if batch.problems:
                self._insert_problems(batch.problems)
            if batch.sources:
                self._insert_sources(batch.sources)
            if touched:
                self._reconcile(touched)

    def _save_files(self, states: list[FileState]) -> None:
        """The states in a statement or two: one statement per file cost about 5 ms, and a
        live pass can touch dozens of files. Rows known to be stored are updated in place (a
        replace deletes and inserts them, through the primary key: 8-10 ms against 4 ms a pass
        in ``bench/soak.py``)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        table = pa.table({
            "file_id": [s.file_id for s in states], "path": [s.path for s in states],
            "dev": [s.dev for s in states], "inode": [s.inode for s in states],
            "head_hash": [f"{s.head_hash}:{s.head_len}" for s in states],
            "kind": [s.kind for s in states], "size": [s.size for s in states],
            "mtime": [s.mtime for s in states], "offset": [s.offset for s in states],
            "line_no": [s.line_no for s in states], "gone": [s.gone for s in states],
            "error": [s.error for s in states],
        }, schema=arrow_schema("files"))
        committed = self._committed_files()
        stored = pa.array([s.file_id in committed for s in states], pa.bool_())
        if stored.true_count:
            sets = ", ".join(f'"{c}" = b."{c}"' for c in table.schema.names[1:])
            arrow_rows = table.filter(stored)  # noqa: F841 - read by name (see _insert)
            self.con.execute(f"UPDATE files SET {sets} FROM arrow_rows b"
                             " WHERE files.file_id = b.file_id")
        if stored.false_count:
            self._insert("files", table.filter(pc.invert(stored)), replace=True)
        self._saving.extend(states)

    def _next_seqs(self, count: int) -> range:
        start = self._seq + 1
        self._seq += count
        return range(start, start + count)

    def _upsert_merged(self, batch: Batch) -> dict[str, int]:
        """Calls and spans; which of their keys may be stored already is asked for both at
        once. Returns the trace ids of the rows stored, with their hashes."""
        import pyarrow as pa

        calls, spans = list(batch.calls.values()), list(batch.spans.values())
        tables = [(CALL_MERGE, pa.table(call_columns(calls, self._next_seqs(len(calls))),
                                        schema=arrow_schema("calls"))),
                  (SPAN_MERGE, pa.table(span_columns(spans, self._next_seqs(len(spans))),
                                        schema=arrow_schema("spans")))]
        keys = [sorted({key for key in table.column(merge.lookup).to_pylist()
                        if not key.startswith(merge.never_stored)}) for merge, table in tables]
        traces: dict[str, int] = {}
        for (merge, table), values, hashes in zip(tables, keys, hashes_of(self.con, keys),
                                                  strict=True):
            if table.num_rows:
                maybe = self._firsts[merge.table, merge.lookup].find(self.con, values, hashes)
                stored = [row for cluster, first, last in _clustered(maybe)
                          for row in self._take_stored(merge, table, cluster, first, last)]
                traces |= self._insert_noted(merge.table,
                                             merge.into(stored, table) if stored else table)
        return traces

    def _take_stored(self, merge: Merge, batch: Any, values: list[str], first: int,
                     last: int) -> list[dict[str, Any]]:
        """The stored rows that share a key with the batch, deleted from the table (the
        caller inserts them again, merged) in one statement. ``values``: lookup keys of the
        batch that may be stored, between seqs ``first`` and ``last`` (``FirstSeqs``).

        A tail pass brings mostly new keys, and a stored row it does bring is usually recent,
        so the read skips all but the last row groups. An UPDATE joined to the batch, or any
        anti-join, reads the whole table, and so a pass grew with the index (``bench/soak.py``:
        23 ms at 40k calls, 33 ms at 80k; 350 ms for 100 rows spread over 90k calls)."""
        where, params = _in_list(merge.lookup, values)
        bounds = [first, last, *params]
        if merge.keys == (merge.lookup,):
            return self._rows(self.con.execute(
                f"DELETE FROM {merge.table} WHERE seq BETWEEN ? AND ? AND {where} RETURNING *",
                bounds))
        keys = ", ".join(merge.keys)
        arrow_rows = batch.select(list(merge.keys))  # noqa: F841 - read by name (see _insert)
        return self._rows(self.con.execute(
            f"DELETE FROM {merge.table} WHERE seq BETWEEN ? AND ? AND {where} AND ({keys}) IN"
            f" (SELECT ({keys}) FROM arrow_rows) RETURNING *", bounds))

    def _insert_noted(self, name: str, table: Any) -> dict[str, int]:
        """``_insert`` for a table whose rows are looked up: the hashes of the looked-up
        columns come back from the insert and are noted with the rows' seqs. Returns the
        rows' trace ids with their hashes."""
        arrow_rows = table  # noqa: F841 - read by name in the statement below
        columns = LOOKED_UP[name]
        returned = self.con.execute(
            f"INSERT INTO {name} BY NAME SELECT * FROM arrow_rows RETURNING seq, trace_id, "
            + ", ".join(hashed(column) for column in columns)).fetchall()
        if not returned:
            return {}
        seqs, trace_ids, *hashes = zip(*returned, strict=True)
        for column, column_hashes in zip(columns, hashes, strict=True):
            self._firsts[name, column].note(column_hashes, seqs)
        trace_hashes = hashes[columns.index("trace_id")]
        return {trace: h for trace, h in zip(trace_ids, trace_hashes, strict=True) if trace}

    @staticmethod
    def _rows(cursor: Any) -> list[dict[str, Any]]:
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _insert_events(self, events: list[tuple[Event, Where]]) -> None:
        import pyarrow as pa

        seqs = self._next_seqs(len(events))
        cols = empty_columns("events")
        for seq, (event, where) in zip(seqs, events, strict=True):
            cols["seq"].append(seq)
            cols["ts"].append(_micros(event.ts))
            for name in ("level", "message", "app", "session", "trace_id", "span_id",
                         "content_hash", "dialect"):
                cols[name].append(_clip_text(getattr(event, name)))
            cols["user_id"].append(event.user)
            _append_where(cols, where)
            cols["search_text"].append(_lower(event.message))
        self._insert("events", pa.table(cols, schema=arrow_schema("events")))

    def _insert_problems(self, problems: list[tuple[Problem, Where, bytes]]) -> None:
        import pyarrow as pa

        seqs = self._next_seqs(len(problems))
        cols = empty_columns("problems")
        for seq, (problem, where, raw) in zip(seqs, problems, strict=True):
            cols["seq"].append(seq)
            _append_where(cols, where)
            cols["severity"].append(problem.severity)
            cols["reason"].append(problem.reason)
            text = problem.raw if problem.raw is not None else raw.decode("utf-8", "replace")
            cols["raw"].append(text[:MAX_LINE] if text else None)
            cols["truncated"].append(bool(text) and len(text) > MAX_LINE)
        self._insert("problems", pa.table(cols, schema=arrow_schema("problems")))

    def _insert_sources(self, sources: list[tuple[str, str, Where]]) -> None:
        import pyarrow as pa

        cols = empty_columns("sources")
        for kind, key, where in sources:
            cols["kind"].append(kind)
            cols["key"].append(key)
            _append_where(cols, where)
        self._insert("sources", pa.table(cols, schema=arrow_schema("sources")))

    def _insert(self, name: str, table: Any, *, replace: bool = False) -> None:
        """An Arrow table's rows into ``name``; ``replace``: rows whose key is stored replace
        them.

        DuckDB reads the table from this frame's local ``arrow_rows`` (a replacement scan).
        Registering it as a view and dropping the view again cost about 1.4 ms a table, some
        10 ms of a live pass's 85."""
        arrow_rows = table  # noqa: F841 - read by name in the statement below
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        self.con.execute(f"{verb} INTO {name} BY NAME SELECT * FROM arrow_rows")

    def _reconcile(self, touched: dict[str, int]) -> None:
        """Summarize the traces a batch stored rows of (id: hash), reading their calls and
        spans between the first and last rows that may hold them, traces far apart in reads
        of their own (as ``_take_stored`` reads keys)."""
        ids, hashes = list(touched), list(touched.values())
        ranges: dict[str, tuple[int, int]] = {}
        for table in LOOKED_UP:
            for trace, first, last in self._firsts[table, "trace_id"].find(self.con, ids, hashes):
                low, high = ranges.get(trace, (first, last))
                ranges[trace] = (min(low, first), max(high, last))
        for traces, first, last in _clustered([(t, *seqs) for t, seqs in ranges.items()]):
            self.summarize_traces(sorted(traces), seqs=(first, last))

    def summarize_traces(self, trace_ids: list[str] | None = None, *,
                         seqs: tuple[int, int] | None = None) -> None:
        """Bring the traces ``trace_ids`` (None: every trace) up to date with their spans and
        calls: which span-derived calls stand down, and their rows of the traces list. Called
        inside a batch's transaction; also by whatever fills ``spans`` in SQL. ``seqs``: no
        row of these traces, nor their row of the list (``first_seq``), lies outside this
        first and last seq (None: anywhere)."""
        if trace_ids is None:
            trace_ids = [row[0] for row in self.con.execute(
                "SELECT DISTINCT trace_id FROM spans ORDER BY trace_id").fetchall()]
        first, last = seqs if seqs is not None else (0, self._seq)
        for start in range(0, len(trace_ids), IN_LIST_MAX):
            self._summarize(trace_ids[start:start + IN_LIST_MAX], first, last)

    def _summarize(self, trace_ids: list[str], first: int, last: int) -> None:
        """Every read is of the rows between two seqs (a pass must not grow with the
        tables): the traces' calls, spans and rows of the list between ``first`` and
        ``last``, the logged calls of their requests between those that may hold one."""
        import pyarrow as pa

        where, params = _in_list("trace_id", trace_ids)
        between = [first, last, *params]
        calls = [TraceCall(*row) for row in self.con.execute(
            f"SELECT {', '.join(TraceCall._fields)} FROM calls WHERE seq BETWEEN ? AND ?"
            f" AND {where}", between).fetchall()]
        spans = [TraceSpan(*row) for row in self.con.execute(
            f"SELECT {', '.join(TraceSpan._fields)} FROM spans WHERE seq BETWEEN ? AND ?"
            f" AND {where}", between).fetchall()]
        changed = shadow_changes(calls, spans, self._logged(span_requests(calls)))
        changed_seqs = [c.seq for c in calls if c.key in changed]
        for shadowed in (True, False):
            keys = [key for key, now in changed.items() if now is shadowed]
            if keys:
                in_keys, key_params = _in_list("key", keys)
                self.con.execute(
                    f"UPDATE calls SET shadowed = ? WHERE seq BETWEEN ? AND ? AND {in_keys}",
                    [shadowed, min(changed_seqs), max(changed_seqs), *key_params])
        rows = trace_rows(spans, calls, changed)
        if rows:
            listed, list_params = _in_list("trace_id", [row[0] for row in rows])
            self.con.execute(f"DELETE FROM traces WHERE first_seq BETWEEN ? AND ? AND {listed}",
                             [first, last, *list_params])
            columns = [list(column) for column in zip(*rows, strict=True)]
            self._insert("traces", pa.table(columns, schema=arrow_schema("traces")))

    def _logged(self, requested: list[str]) -> set[str]:
        """Which of these request ids a log line recorded a call of."""
        if not requested:
            return set()
        maybe = self._firsts["calls", "request_id"].find(
            self.con, requested, hashes_of(self.con, [requested])[0])
        logged: set[str] = set()
        for ids, first, last in _clustered(maybe):
            in_requested, params = _in_list("request_id", ids)
            logged.update(row[0] for row in self.con.execute(
                f"WITH r AS MATERIALIZED (SELECT origin, request_id FROM calls WHERE seq BETWEEN"
                f" ? AND ? AND {in_requested}) SELECT DISTINCT request_id FROM r"
                f" WHERE origin = 'log'", [first, last, *params]).fetchall())
        return logged


def _clustered(ranges: list[tuple[str, int, int]]) -> list[tuple[list[str], int, int]]:
    """Keys with the seqs their rows may lie between, grouped into reads: keys whose ranges
    lie within ``CLUSTER_GAP`` of each other are read together, keys far apart separately. A
    pass's old keys (a batch's results merged into requests written long before) would
    otherwise make the read of its recent ones start back there too."""
    clusters: list[tuple[list[str], int, int]] = []
    for key, first, last in sorted(ranges, key=lambda r: r[1]):
        if clusters and first <= clusters[-1][2] + CLUSTER_GAP:
            keys, low, high = clusters[-1]
            keys.append(key)
            clusters[-1] = (keys, low, max(high, last))
        else:
            clusters.append(([key], first, last))
    return clusters


def _in_list(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``column IN (...)`` and its parameters: a list of constants up to ``IN_LIST_MAX``,
    pushed into the scan as a filter; a longer one is a join to one array parameter."""
    if not values:
        return "FALSE", []
    if len(values) <= IN_LIST_MAX:
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [list(values)]


# --- arrow conversion -------------------------------------------------------------------------


CALL_TEXT = [
    "request_id", "app", "session", "conversation", "trace_id", "span_id", "provider", "model",
    "operation", "finish_reason", "status", "error_type", "error_message", "dialect", "origin",
]
CALL_JSON = ["params", "messages", "tools", "tool_calls", "parsed_output", "tags"]
CALL_FLOAT = ["temperature", "top_p", "latency_ms", "ttft_ms", "cost_usd"]
CALL_INT = ["max_tokens", "seed", "input_tokens", "output_tokens", "total_tokens"]

# Column name:type of each batch table (s string, i int64, i32, u64 uint64, f float64,
# t timestamp, b bool). Typed, so that pyarrow infers no type: its inference tries to import
# pandas and dateutil on every column, a failed import each time where they are not installed.
ARROW_SPECS = {
    "files": "file_id:i32 path:s dev:u64 inode:u64 head_hash:s kind:s size:i mtime:f offset:i"
    " line_no:i gone:b error:s",
    "calls": "key:s seq:i ts:t user_id:s "
    + " ".join(f"{n}:s" for n in CALL_TEXT + CALL_JSON + ["output", "preview", "search_text"])
    + " " + " ".join(f"{n}:f" for n in CALL_FLOAT)
    + " " + " ".join(f"{n}:i" for n in CALL_INT)
    + " http_status:i32 truncated:b",
    "spans": "trace_id:s span_id:s seq:i parent_id:s name:s kind:s service:s start_ts:t end_ts:t "
    "duration_ms:f status:s error:s attributes:s events:s dialect:s",
    "events": "seq:i ts:t level:s message:s app:s user_id:s session:s trace_id:s span_id:s "
    "content_hash:s dialect:s file_id:i32 line_no:i offset:i length:i search_text:s",
    "problems": "seq:i file_id:i32 line_no:i offset:i length:i severity:s reason:s raw:s "
    "truncated:b",
    "sources": "kind:s key:s file_id:i32 line_no:i offset:i length:i",
    "traces": "trace_id:s start_ts:t duration_ms:f spans:i errors:i root_name:s service:s"
    " calls:i tokens:f cost:f first_seq:i",
}


@functools.cache
def arrow_schema(table: str) -> Any:
    """Built on first use, so that importing the store does not import pyarrow."""
    import pyarrow as pa

    kinds = {"s": pa.string(), "i": pa.int64(), "f": pa.float64(), "t": pa.timestamp("us"),
             "b": pa.bool_(), "i32": pa.int32(), "u64": pa.uint64()}
    return pa.schema(
        [pa.field(name, kinds[kind]) for name, kind in
         (item.split(":") for item in ARROW_SPECS[table].split())]
    )


def empty_columns(table: str) -> dict[str, list[Any]]:
    return {name: [] for name in arrow_schema(table).names}


_KEEP_FIRST = [n for n in CALL_TEXT + CALL_JSON + CALL_FLOAT + CALL_INT
               if n not in ("origin",)] + ["user_id", "output", "preview", "http_status"]


def _stored(stored: Any, _incoming: Any) -> Any:
    return stored


def _first(stored: Any, incoming: Any) -> Any:
    return incoming if stored is None else stored


def _earliest(stored: Any, incoming: Any) -> Any:
    """The smaller known value ('log' < 'span' for an origin); as DuckDB's ``least``."""
    return incoming if stored is None else stored if incoming is None else min(stored, incoming)


def _latest(stored: Any, incoming: Any) -> Any:
    return incoming if stored is None else stored if incoming is None else max(stored, incoming)


def _either(stored: Any, incoming: Any) -> bool:
    return bool(stored) or bool(incoming)


def _more_text(stored: str | None, incoming: str | None) -> str | None:
    """Search text the stored row does not hold yet is added to it, once."""
    if incoming is None or incoming in (stored or ""):
        return stored
    return incoming if stored is None else f"{stored}\n{incoming}"


def _patched(stored: str | None, incoming: str | None) -> str | None:
    """A run's create and its update each carry part of the attributes (inputs, outputs):
    the stored ones patched over the incoming ones (RFC 7396, as DuckDB's json_merge_patch)."""
    import orjson

    if stored is None or incoming is None:
        return _first(stored, incoming)
    return orjson.dumps(_merge_patch(orjson.loads(incoming), orjson.loads(stored))).decode()


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = _merge_patch(merged.get(name), value)
    return merged


@dataclass(frozen=True)
class Merge:
    """How a batch's row joins the stored row with the same key: ``rules`` give a column's
    merged value from the stored and the incoming one; other columns keep the stored value.
    The rules run in Python on the few rows a pass merges: the same rules as SQL expressions
    cost DuckDB about 10 ms of planning per pass."""

    table: str
    keys: tuple[str, ...]  # what makes a row the same row
    lookup: str  # the key column whose first seqs the store keeps (first_seqs.py)
    rules: dict[str, Callable[[Any, Any], Any]]
    never_stored: tuple[str, ...] = ()  # key prefixes that only a new line's records get

    def into(self, stored: list[dict[str, Any]], batch: Any) -> Any:
        """The batch with each row that has a stored twin replaced by the two merged."""
        import pyarrow as pa

        names = batch.schema.names
        keys = zip(*(batch.column(k).to_pylist() for k in self.keys), strict=True)
        position = {key: i for i, key in enumerate(keys)}
        twins = [position[tuple(row[k] for k in self.keys)] for row in stored]
        merged = [{name: self.rules.get(name, _stored)(old[name], new[name])
                   for name in names}
                  for old, new in zip(stored, batch.take(pa.array(twins, pa.int64())).to_pylist(),
                                      strict=True)]
        taken = set(twins)
        fresh = pa.array([i not in taken for i in range(batch.num_rows)], pa.bool_())
        return pa.concat_tables([pa.Table.from_pylist(merged, schema=batch.schema),
                                 batch.filter(fresh)])


CALL_MERGE = Merge(
    "calls", ("key",), "key",
    dict.fromkeys(_KEEP_FIRST, _first) | {
        "ts": _earliest, "origin": _earliest, "truncated": _either, "search_text": _more_text,
    },
    never_stored=("src:",),  # Batch.add: the file and offset of a line read only once
)
SPAN_MERGE = Merge(
    "spans", ("trace_id", "span_id"), "span_id",  # by trace_id: every span of the trace
    dict.fromkeys(("parent_id", "name", "kind", "service", "duration_ms", "status", "error",
                   "events", "dialect"), _first) | {
        "attributes": _patched, "start_ts": _earliest, "end_ts": _latest,
    },
)
def call_columns(calls: list[Call], seqs: range) -> dict[str, list[Any]]:
    import orjson

    cols = empty_columns("calls")
    for seq, call in zip(seqs, calls, strict=True):
        truncated = False
        cols["key"].append(call.key)
        cols["seq"].append(seq)
        cols["ts"].append(_micros(call.ts))
        cols["user_id"].append(call.user)
        for name in CALL_TEXT:
            cols[name].append(getattr(call, name))
        for name in CALL_JSON:
            value = getattr(call, name)
            if value is None:
                cols[name].append(None)
                continue
            text = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
            if len(text) > MAX_LINE:
                text = orjson.dumps(clip_strings(value, MAX_LINE // 8), default=str,
                                    option=orjson.OPT_NON_STR_KEYS).decode()
                truncated = True
            cols[name].append(text)
        output = call.output
        if output is not None and len(output) > MAX_LINE:
            output, truncated = output[:MAX_LINE], True
        cols["output"].append(output)
        cols["preview"].append(preview_of(call.messages))
        cols["search_text"].append(search_text_of(call))
        for name in CALL_FLOAT + CALL_INT:
            cols[name].append(getattr(call, name))
        cols["http_status"].append(call.http_status)
        cols["truncated"].append(truncated)
    return cols


def span_columns(spans: list[Span], seqs: range) -> dict[str, list[Any]]:
    import orjson

    cols = empty_columns("spans")
    for seq, span in zip(seqs, spans, strict=True):
        cols["seq"].append(seq)
        for name in ("trace_id", "span_id", "parent_id", "name", "kind", "service", "status",
                     "dialect"):
            cols[name].append(getattr(span, name))
        cols["error"].append(_clip_text(span.error))
        cols["start_ts"].append(_micros(span.start))
        cols["end_ts"].append(_micros(span.end))
        duration = span.duration_ms
        if duration is None and span.start is not None and span.end is not None:
            duration = (span.end - span.start) * 1000.0
        cols["duration_ms"].append(duration)
        for name in ("attributes", "events"):
            value = getattr(span, name)
            text = None if value is None else orjson.dumps(
                clip_strings(value, MAX_LINE // 8), default=str,
                option=orjson.OPT_NON_STR_KEYS).decode()
            cols[name].append(text)
    return cols


def preview_of(messages: list[dict[str, Any]] | None) -> str | None:
    """The first words of the last user message: what a person scans a list of calls by."""
    if not messages:
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str) and content.strip():
                return " ".join(content.split())[:PREVIEW_CHARS]
    return None


def search_text_of(call: Call) -> str | None:
    parts: list[str] = []
    for message in call.messages or ():
        if isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str):
                parts.append(content)
            for tool_call in message.get("tool_calls") or ():
                if isinstance(tool_call, dict):
                    parts.append(f"{tool_call.get('name', '')} {tool_call.get('arguments', '')}")
    for tool_call in call.tool_calls or ():
        if isinstance(tool_call, dict):
            parts.append(f"{tool_call.get('name', '')} {tool_call.get('arguments', '')}")
    for text in (call.output, call.error_type, call.error_message):
        if text:
            parts.append(text)
    if not parts:
        return None
    return "\n".join(parts)[: MAX_LINE * 2].lower()


def clip_strings(value: Any, limit: int) -> Any:
    """The same JSON value with every string cut to ``limit`` characters (still valid JSON)."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, list):
        return [clip_strings(item, limit) for item in value]
    if isinstance(value, dict):
        return {key: clip_strings(item, limit) for key, item in value.items()}
    return value


def _clip_text(value: str | None) -> str | None:
    return value[:MAX_LINE] if isinstance(value, str) and len(value) > MAX_LINE else value


def _lower(value: str | None) -> str | None:
    return value[:MAX_LINE].lower() if isinstance(value, str) else None


def _micros(ts: float | None) -> int | None:
    if ts is None:
        return None
    micros = int(ts * 1_000_000)
    # Outside what a TIMESTAMP holds: unknown rather than an insert error.
    return micros if -(2**62) < micros < 2**62 else None


def _append_where(cols: dict[str, list[Any]], where: Where) -> None:
    cols["file_id"].append(where.file_id)
    cols["line_no"].append(where.line_no)
    cols["offset"].append(where.offset)
    cols["length"].append(where.length)

