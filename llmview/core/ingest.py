"""The indexer: find what is new in the watched files, normalize it, and commit it with the
files' offsets. One pass is ``Indexer.refresh``; ``watch`` repeats a pass when watchfiles says
something changed, and on a timer, because file events are only hints (NFS, editors,
rotations)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from .formats import normalize
from .formats.base import Context
from .records import Problem
from .sources import (
    HEAD_BYTES,
    Chunk,
    FileState,
    Item,
    Moved,
    SourceError,
    discover,
    discover_changed,
    hash_bytes,
    head_of,
    is_glob,
    is_gzip,
    open_as,
    read_new,
    sniff_kind,
)
from .store import Batch, Store, StoreError, Where

BATCH_LINES = 20_000
RESCAN_SECONDS = 2.0
# watchfiles reports once no new path changed for a step, or after the debounce at most
WATCH_STEP_MS = 20
WATCH_DEBOUNCE_MS = 200
COPY_GRACE_SECONDS = 5.0  # how long a file holding what another still holds may be a copy


@dataclass
class Progress:
    """How far the current pass has got, for a progress bar."""

    bytes_done: int = 0
    bytes_total: int = 0
    lines: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def lines_per_second(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.lines / elapsed if elapsed > 0 else 0.0


@dataclass
class RefreshResult:
    lines: int = 0
    files: int = 0

    @property
    def changed(self) -> bool:
        return self.lines > 0


class Indexer:
    """Reads the files under ``paths`` into ``store``, each record exactly once."""

    def __init__(self, store: Store, paths: list[str], *, tz: tzinfo | None = None) -> None:
        self.store = store
        self.paths = paths
        self.tz = tz
        self.progress = Progress()
        self._pending_copies: dict[tuple[int, int], float] = {}  # inode -> first seen pending

    # --- one pass -------------------------------------------------------------------------

    def refresh(self, *, changed: Collection[str] | None = None, final: bool = False,
                on_batch: Callable[[Progress], None] | None = None) -> RefreshResult:
        """Read everything new; with ``changed``, only in those paths (a watcher's report),
        when they can be told apart without listing every file. ``final`` also takes a
        half-written last line as complete."""
        try:
            return self._refresh(changed, final, on_batch)
        except BaseException:
            self.store.forget_files()  # the store's states, changed here and not all saved
            raise

    def _refresh(self, changed: Collection[str] | None, final: bool,
                 on_batch: Callable[[Progress], None] | None) -> RefreshResult:
        states = self.store.file_states()
        known = {state.path for state in states if not state.gone}
        scope: set[str] | None = None
        paths = None if changed is None else discover_changed(self.paths, changed, known)
        if paths is None:
            paths = discover(self.paths, known)
        else:
            scope = set(changed or ())  # changed is set whenever paths is
        batch = Batch()  # its first commit also saves what _match changed: one per pass
        plan = self._match(states, paths, batch.files, final=final, scope=scope)
        self.progress = Progress(bytes_total=sum(max(0, s.size - s.offset) for s, _ in plan))
        result = RefreshResult(files=len(plan))
        for state, path in plan:
            batch.files[state.file_id] = state  # changed by _match: saved, read or not
            for chunk in self._chunks(state, path, final=final):
                result.lines += chunk.line_no - state.line_no
                self._add_chunk(batch, state, chunk)
                if batch.lines >= BATCH_LINES:
                    self._commit(batch, on_batch)
                    batch = Batch()
        if batch.files or len(batch):
            self._commit(batch, on_batch)
        return result

    def _commit(self, batch: Batch, on_batch: Callable[[Progress], None] | None) -> None:
        self.store.commit(batch)
        self.progress.lines += batch.lines
        if on_batch is not None:
            on_batch(self.progress)

    def _match(self, states: list[FileState], paths: list[Path], changed: dict[int, FileState],
               *, final: bool = False,
               scope: set[str] | None = None) -> list[tuple[FileState, Path]]:
        """Pair each present file with what the index knows of it, deciding new, renamed,
        truncated, re-created or back after a moment away. Files that vanished are marked gone.
        The states it changes go into ``changed``, to be saved with the pass's first batch.
        ``scope``: ``paths`` are only the files at these paths (a watcher's report), so only
        a file last seen at one of them can have vanished, and a copy's original is looked
        for where it was last seen."""
        by_inode: dict[tuple[int, int], FileState] = {}
        for state in states:  # a live state speaks for its inode, else the latest gone one
            known = by_inode.get((state.dev, state.inode))
            if known is None or known.gone or not state.gone:
                by_inode[(state.dev, state.inode)] = state
        present: dict[tuple[int, int], tuple[Path, os.stat_result]] = {}
        for path in paths:
            _stat_into(present, path)
        next_id = max((state.file_id for state in states), default=0) + 1  # states: every row
        plan: list[tuple[FileState, Path]] = []
        for inode_key, (path, st) in list(present.items()):
            state = by_inode.get(inode_key)
            try:
                if state is not None and not _same_content(state, path, st):
                    if not state.gone:  # truncated or re-created: what it holds now is new
                        state.gone = True
                        changed[state.file_id] = state
                    state = None
                if state is None:
                    original = _copied_from(states, path, st)
                    if original is not None and scope is not None:
                        _stat_into(present, Path(original.path))
                    if original is not None and not original.gone and (
                            (original.dev, original.inode) in present):
                        source = present[(original.dev, original.inode)][0]
                        if _copy_pending(original, source, path, st) and \
                                not self._copy_overdue(inode_key, st, final=final):
                            continue  # see _copy_pending
                        original = None  # begins like a file still being read, or overdue
                    state = _new_state(next_id, path, st, original)
                    next_id += 1
                    changed[state.file_id] = state
                elif state.gone or state.path != str(path):
                    # Back after a rotation hid it from one pass, or renamed (app.log.1).
                    state.gone, state.path = False, str(path)
                    changed[state.file_id] = state
            except Moved:
                continue  # renamed between stat and open: the next pass finds its new name
            if state.gzipped and state.size == st.st_size and state.line_no > 0:
                continue  # a compressed file is read once
            if st.st_size > state.offset or state.gzipped or _partial_pending(state, st):
                state.size, state.mtime = st.st_size, st.st_mtime
                plan.append((state, path))
        for state in states:
            if not state.gone and (state.dev, state.inode) not in present and (
                    scope is None or state.path in scope):
                state.gone = True
                changed[state.file_id] = state
        return plan

    def _copy_overdue(self, inode_key: tuple[int, int], st: os.stat_result, *,
                      final: bool) -> bool:
        """A copy still pending when neither it nor the pass is new is a file of its own that
        holds the same bytes: copytruncate truncates, a compressor deletes, a writer renames
        within moments, but two debug documents of identical calls stay side by side."""
        first_seen = self._pending_copies.setdefault(inode_key, time.monotonic())
        quiet = time.time() - st.st_mtime > COPY_GRACE_SECONDS
        # A one-shot pass cannot wait: the file's age must tell.
        overdue = quiet and (final or time.monotonic() - first_seen > COPY_GRACE_SECONDS)
        if overdue:
            del self._pending_copies[inode_key]  # read from now on: no longer pending
        return overdue

    def _chunks(self, state: FileState, path: Path, *, final: bool) -> Iterator[Chunk]:
        """The new records of one file, a chunk at a time, all read through one handle on the
        file's own inode. A file that cannot be read yields one problem, and no other while it
        keeps failing the same way; each pass tries again, so a fixed permission is noticed."""
        try:
            with open_as(path, (state.dev, state.inode)) as handle:
                state.error = None
                head = head_of(handle)
                if not _starts_with(state, head):
                    return  # rewritten since it was matched: the next pass sees it as new
                if state.head_len < HEAD_BYTES:
                    if state.offset == 0:
                        state.kind = sniff_kind(path.name, head, gzipped=is_gzip(handle))
                    state.head_hash, state.head_len = hash_bytes(head), len(head)
                while True:
                    start = state.offset
                    chunk = read_new(state, handle, final=final)
                    if not _starts_with(state, head_of(handle, state.head_len)):
                        # Truncated (copytruncate) while being read: the chunk may hold bytes
                        # of the new content, read at the old content's offset.
                        return
                    yield chunk  # the caller moves state.offset to chunk.offset
                    if chunk.offset == start or state.gzipped or state.kind == "concat":
                        return
        except Moved:
            return  # rotated away since the stat: read under its new name next pass
        except OSError as exc:
            reason = f"cannot read file: {exc.strerror or exc}"
            if reason != state.error:
                state.error = reason
                problem = Item(state.line_no, state.offset, 0, problem=reason)
                yield Chunk([problem], state.offset, state.line_no)

    def _add_chunk(self, batch: Batch, state: FileState, chunk: Chunk) -> None:
        """Records and the offset they bring the file to go into the same batch."""
        self._add_items(chunk.items, state, batch)
        batch.lines += chunk.line_no - state.line_no
        self.progress.bytes_done += chunk.offset - state.offset
        state.offset, state.line_no = chunk.offset, chunk.line_no
        batch.files[state.file_id] = state

    def _add_items(self, items: list[Item], state: FileState, batch: Batch) -> None:
        name = Path(state.path).name
        for item in items:
            where = Where(state.file_id, item.line_no, item.offset, item.length)
            if item.problem is not None:
                batch.add(Problem(reason=item.problem), where, item.raw)
                continue
            values = item.value if _is_record_list(item.value) else [item.value]
            for value in values:
                for record in normalize(value, Context(path=name, tz=self.tz)):
                    batch.add(record, where)



def watch(paths: list[str], refresh: Callable[..., RefreshResult],
          on_change: Callable[[RefreshResult], None], stop: threading.Event, *,
          poll: bool = False, idle: Callable[[], None] | None = None,
          on_error: Callable[[StoreError], None] | None = None) -> None:
    """Run ``refresh`` whenever watchfiles reports a change under ``paths``, on the changed
    paths, until ``stop`` is set; a full pass at least every ``RESCAN_SECONDS`` finds what a
    report missed (a file quiet with a half-written last line, a copy past its grace, a file
    in a directory made since) and runs when nothing changed. Call ``on_change`` (on this
    thread) after passes that added lines, and ``idle`` after a pass that found nothing new
    when nothing had changed for ``RESCAN_SECONDS`` (the logs went quiet). The pass is the
    caller's, so that the façade's locking and recovery apply to it. A pass the index could
    not store (out of memory, disk full: a ``StoreError``; its transaction rolled back, so
    nothing is lost) goes to ``on_error`` and tailing goes on: the next change or rescan
    reads the same lines again. Without ``on_error`` it ends the watch.

    Blocking, for a thread of its own: an event loop between the watcher and the pass (as
    with ``awatch``) made every pass wait for the loop's turn, behind whatever the UI was
    drawing; the gap from one pass's end to the next one's start was 70 ms of a 180 ms
    cycle at 1,000 lines/s (bench/soak.py)."""
    from watchfiles import watch as changes_under

    roots = sorted(watch_roots(paths))
    changes = changes_under(*roots, debounce=WATCH_DEBOUNCE_MS, step=WATCH_STEP_MS,
                            stop_event=stop, rust_timeout=int(RESCAN_SECONDS * 1000),
                            yield_on_timeout=True, force_polling=poll, recursive=True)
    last_full = time.monotonic()
    for reported in changes:
        changed = None
        if reported and time.monotonic() - last_full < RESCAN_SECONDS:
            changed = {path for _, path in reported}
        else:
            last_full = time.monotonic()
        try:
            result = refresh(changed=changed)
        except SourceError:
            continue  # a path vanished for a moment (rotation); the next pass sees it
        except StoreError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        if result.changed:
            on_change(result)
        elif not reported and idle is not None:
            idle()


def watch_roots(paths: list[str]) -> set[str]:
    """Directories to watch: named directories, the parents of named files and glob roots."""
    roots: set[str] = set()
    for spec in paths:
        if is_glob(spec):
            prefix = spec.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
            root = Path(prefix if prefix.endswith(os.sep) else os.path.dirname(prefix) or ".")
        else:
            root = Path(spec)
            root = root if root.is_dir() else root.parent
        roots.add(str(root.resolve()))
    return roots


def _stat_into(present: dict[tuple[int, int], tuple[Path, os.stat_result]],
               path: Path) -> None:
    try:
        st = path.stat()
    except OSError:
        return
    present[(st.st_dev, st.st_ino)] = (path, st)


def _same_content(state: FileState, path: Path, st: os.stat_result) -> bool:
    """The inode still holds what we read: its head is unchanged and it did not shrink."""
    if not state.gzipped and st.st_size < state.offset:
        return False
    if st.st_size == state.size and st.st_mtime == state.mtime:
        return True  # untouched since the last read: no need to read its head again
    if not state.head_len:
        return True
    try:
        with open_as(path, (st.st_dev, st.st_ino)) as handle:
            return hash_bytes(head_of(handle, state.head_len)) == state.head_hash
    except OSError:
        return True


def _starts_with(state: FileState, head: bytes) -> bool:
    """The file still begins with the head read before, so it holds the content the state's
    offset counts bytes of."""
    return not state.head_len or hash_bytes(head[:state.head_len]) == state.head_hash


MIN_COPY_HEAD = 256  # shorter heads are too likely to be shared by unrelated files


def _copied_from(known: list[FileState], path: Path, st: os.stat_result) -> FileState | None:
    """The file a new inode is a copy of (made by copytruncate, a move across file systems, a
    rotated file compressed to ``.gz``): the one with the same head read furthest, since all
    of them hold the same records and that much of them is indexed."""
    gz = path.name.endswith(".gz")
    best: FileState | None = None
    heads: dict[int, str] = {}
    try:
        with open_as(path, (st.st_dev, st.st_ino)) as handle:
            for old in known:
                if old.head_len < MIN_COPY_HEAD or (not gz and st.st_size < old.offset) or (
                        best is not None and old.offset <= best.offset):
                    continue
                if old.head_len not in heads:
                    heads[old.head_len] = hash_bytes(head_of(handle, old.head_len))
                if heads[old.head_len] == old.head_hash:
                    best = old
    except OSError:
        return None
    return best


def _copy_pending(original: FileState, source: Path, path: Path, st: os.stat_result) -> bool:
    """Whether a new file that begins like a file still here and still being read holds what
    was indexed of it (a copy by copytruncate before the truncation, a rotated file being
    compressed, a rewritten version about to be renamed over it) rather than being a file of
    its own that starts the same way. Such a copy brings nothing new yet: it waits until the
    original is truncated or gone, then continues where the original's reading stopped. It
    holds what was indexed if the bytes before the original's offset are the same in both, or
    if the original was truncated meanwhile (or, unreadable for now, until the next pass)."""
    start = max(0, original.offset - HEAD_BYTES)
    try:
        with open_as(source, (original.dev, original.inode)) as was, \
                open_as(path, (st.st_dev, st.st_ino)) as new:
            if not _starts_with(original, head_of(was)) or is_gzip(new):
                return True  # truncated since; or compressed, its bytes not comparable
            was.seek(start)
            new.seek(start)
            length = original.offset - start
            return was.read(length) == new.read(length)
    except OSError:
        return True


def _partial_pending(state: FileState, st: os.stat_result) -> bool:
    """A half-written last line is left unread; once the file is quiet it counts as a line."""
    return st.st_size == state.size and state.offset < st.st_size


def _new_state(file_id: int, path: Path, st: os.stat_result,
               original: FileState | None = None) -> FileState:
    """What the index knows of a file seen for the first time: nothing, or for a copy, what it
    knew of the original (so the copy's records are not indexed twice)."""
    state = FileState(file_id=file_id, path=str(path), dev=st.st_dev, inode=st.st_ino,
                      head_hash="", head_len=0, kind="lines", mtime=st.st_mtime)
    if original is not None:
        state.offset, state.line_no = original.offset, original.line_no
        state.head_hash, state.head_len = original.head_hash, original.head_len
        kind = original.kind.removeprefix("gzip-")
        state.kind = f"gzip-{kind}" if path.name.endswith(".gz") else kind
    return state


def _is_record_list(value: object) -> bool:
    """A JSON document that is an array of records: each element is a record of its own."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
