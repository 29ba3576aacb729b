"""Finding log files and reading what is new in them, exactly once.

A file is known by (device, inode) plus a hash of its head, so a renamed (rotated) file is
recognised under its new name and not re-read, and a file re-created under an old name or
truncated in place (copytruncate) is read again from the start. Only complete records are
consumed: a half-written last line waits for its newline, or for the file to go quiet.
"""

from __future__ import annotations

import fnmatch
import glob
import gzip
import hashlib
import json
import os
import re
import time
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

HEAD_BYTES = 4096
READ_CHUNK = 8 * 1024 * 1024
MAX_LINE = 1024 * 1024  # longer records are indexed, their stored text clipped and flagged
QUIET_SECONDS = 2.0  # a partial last line older than this is a line of its own

PATTERNS = ("*.jsonl", "*.ndjson", "*.json", "*.log", "*.jsonl.*", "*.ndjson.*", "*.json.*",
            "*.log.*", "*.gz")
_LOG_NAME = re.compile("|".join(fnmatch.translate(pattern) for pattern in PATTERNS))
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".mypy_cache",
             ".pytest_cache", ".ruff_cache"}


class SourceError(Exception):
    """A path the user named cannot be used; the message says what to do."""


@dataclass
class FileState:
    """What the index remembers of one file between reads."""

    file_id: int
    path: str
    dev: int
    inode: int
    head_hash: str
    head_len: int
    kind: str  # lines | concat | gzip-lines | gzip-concat
    offset: int = 0
    line_no: int = 0
    size: int = 0
    mtime: float = 0.0
    gone: bool = False
    error: str | None = None  # why it could not be read: reported once, not at every pass

    @property
    def gzipped(self) -> bool:
        return self.kind.startswith("gzip")


@dataclass(frozen=True)
class Item:
    """One record's worth of bytes: a decoded value, or why there is none."""

    line_no: int
    offset: int
    length: int
    value: object = None
    problem: str | None = None
    raw: bytes = b""  # kept for problems only


# --- discovery --------------------------------------------------------------------------------


def discover(paths: list[str], text_files: Collection[str] = ()) -> list[Path]:
    """Log files under each path. Named files are taken whatever their name; directories are
    walked for log-like names; globs are expanded. Missing paths raise ``SourceError``.
    ``text_files`` are paths already known to be text, whose heads need no second look (a live
    directory of a thousand files would otherwise be opened a thousand times a pass)."""
    found: dict[str, Path] = {}
    for spec in paths:
        for path in _expand(spec):
            if path.is_dir():
                for file in _walk(path):
                    found.setdefault(str(file), file)
            elif path.is_file():
                found.setdefault(str(path.resolve()), path.resolve())
    return _text_only(found, text_files)


def discover_changed(paths: list[str], changed: Collection[str],
                     text_files: Collection[str] = ()) -> list[Path] | None:
    """Those of ``changed`` (files a watcher reported) that ``discover`` would list, found
    without walking: a pass that lists and stats every file costs about 15 µs a file, which a
    directory of thousands of finished documents turns into most of a live pass. None when a
    glob is among ``paths`` or a path is missing: only a full ``discover`` decides those."""
    named: set[str] = set()
    roots: list[str] = []
    for spec in paths:
        path = Path(os.path.expanduser(spec))
        if is_glob(spec) or not path.exists():
            return None
        if path.is_dir():
            roots.append(os.path.realpath(path))
        else:
            named.add(str(path.resolve()))
    found: dict[str, Path] = {}
    for text in changed:
        if text not in named and not any(_listed_under(root, text) for root in roots):
            continue
        path = _path(os.path.realpath(text))
        if path.is_file():
            found.setdefault(str(path), path)
    return _text_only(found, text_files)


def _text_only(found: dict[str, Path], text_files: Collection[str]) -> list[Path]:
    """The files found, sorted, less those a look at the head shows binary (``text_files``
    are known to be text already)."""
    return [path for key, path in sorted(found.items())
            if key in text_files or not _is_binary(path)]


def is_glob(spec: str) -> bool:
    return any(ch in spec for ch in "*?[")


def _listed_under(root: str, text: str) -> bool:
    """``_walk(root)`` lists the file ``text``: a log name, in no skipped or hidden directory."""
    if not text.startswith(root + os.sep):
        return False
    *folders, name = text[len(root) + 1:].split(os.sep)
    return is_log_name(name) and not any(
        folder in SKIP_DIRS or folder.startswith(".") for folder in folders)


def _expand(spec: str) -> list[Path]:
    if is_glob(spec):
        matches = [Path(p) for p in glob.glob(os.path.expanduser(spec), recursive=True)]
        return matches
    path = Path(os.path.expanduser(spec))
    if not path.exists():
        raise SourceError(f"{spec}: no such file or directory — check the path")
    if not os.access(path, os.R_OK):
        raise SourceError(f"{spec}: permission denied — run as a user who can read it")
    return [path]


def _walk(root: Path) -> Iterator[Path]:
    """Log-named files below ``root``, as real paths: the root is resolved once and only a
    symlinked file on its own (resolving every file cost a few ms a pass on a busy directory).
    Like ``os.walk``, symlinked directories are not entered."""
    stack = [os.path.realpath(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if not entry.is_symlink() and entry.name not in SKIP_DIRS and \
                        not entry.name.startswith("."):
                    stack.append(entry.path)
            elif is_log_name(entry.name):
                yield _path(os.path.realpath(entry.path) if entry.is_symlink() else entry.path)


_PATHS: dict[str, Path] = {}  # every pass walks the same files: parsing each again cost ms


def _path(text: str) -> Path:
    path = _PATHS.get(text)
    if path is None:
        if len(_PATHS) > 100_000:  # a directory that churns names: start over, not grow
            _PATHS.clear()
        path = _PATHS[text] = Path(text)
    return path


def is_log_name(name: str) -> bool:
    return _LOG_NAME.match(name) is not None


def _is_binary(path: Path) -> bool:
    """A NUL byte in the head marks a binary file (gzip is recognised by its magic number)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return False  # unreadable: kept, so that reading it reports a problem
    if head[:2] == b"\x1f\x8b":
        return False
    return b"\x00" in head


# --- identity ---------------------------------------------------------------------------------


class Moved(Exception):
    """The name now belongs to another file than the one examined: a rotation renamed or replaced
    it in between. The caller leaves it for the next pass, which finds it under its new name."""


def open_as(path: Path, identity: tuple[int, int]) -> BinaryIO:
    """``path`` opened for reading, if it is still the file ``identity`` (device, inode) names.
    Everything read from a tailed file goes through one such handle: between a ``stat`` and an
    ``open`` by name, a rotation can put another file under the name, whose bytes would then be
    read at this file's offset, or take the name away. Unbuffered, so that reading the head
    again after a read sees the file as it is now, not a buffered copy."""
    try:
        handle = path.open("rb", buffering=0)
    except FileNotFoundError:
        raise Moved(str(path)) from None
    st = os.fstat(handle.fileno())
    if (st.st_dev, st.st_ino) != identity:
        handle.close()
        raise Moved(str(path))
    return handle


def head_of(handle: BinaryIO, length: int = HEAD_BYTES) -> bytes:
    """The first ``length`` bytes of the content (decompressed for gzip)."""
    if is_gzip(handle):
        handle.seek(0)
        with gzip.GzipFile(fileobj=handle) as unzipped:
            try:
                return unzipped.read(length)
            except (OSError, EOFError, zlib.error):
                return b""
    handle.seek(0)
    return handle.read(length)


def is_gzip(handle: BinaryIO) -> bool:
    handle.seek(0)
    return handle.read(2) == b"\x1f\x8b"


def hash_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def sniff_kind(name: str, head: bytes, *, gzipped: bool) -> str:
    """Line-delimited JSON, or concatenated/pretty-printed JSON documents (OpenTelemetry's
    console exporter, ``debug_conversation_*.json``, exported traces)."""
    gz = name.endswith(".gz") or gzipped
    text = head.lstrip()
    first_line = text.split(b"\n", 1)[0].strip()
    concat = False
    if first_line[:1] in (b"{", b"["):
        try:
            json.loads(first_line)
        except (ValueError, RecursionError):
            # A first line that is not a whole value: pretty-printed, unless it is only cut
            # off by the end of the head.
            concat = b"\n" in text or len(head) < HEAD_BYTES
    kind = "concat" if concat else "lines"
    return f"gzip-{kind}" if gz else kind


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Chunk:
    """New complete records of one file and where reading stopped."""

    items: list[Item]
    offset: int
    line_no: int


def read_new(state: FileState, handle: BinaryIO, *, final: bool = False) -> Chunk:
    """Records after ``state.offset`` of the file open as ``handle``. ``final`` consumes a
    trailing partial record (the file has gone quiet); otherwise it is left for the next read."""
    data, at_eof = _read_from(handle, state)
    quiet = at_eof and (final or (time.time() - state.mtime) > QUIET_SECONDS)
    if state.kind.endswith("concat"):
        return split_concat(data, state.offset, state.line_no, final=quiet or state.gzipped)
    return split_lines(data, state.offset, state.line_no, final=quiet or state.gzipped)


def _read_from(handle: BinaryIO, state: FileState) -> tuple[bytes, bool]:
    """Up to READ_CHUNK bytes (more if one line is longer), and whether the end was reached."""
    if state.gzipped:
        handle.seek(0)
        with gzip.GzipFile(fileobj=handle) as unzipped:
            unzipped.seek(state.offset)
            return unzipped.read(), True
    handle.seek(state.offset)
    if state.kind == "concat":  # a document may be larger than a chunk: read it whole
        return handle.read(), True
    data = handle.read(READ_CHUNK)
    while len(data) >= READ_CHUNK and b"\n" not in data[-READ_CHUNK:]:
        more = handle.read(READ_CHUNK)
        if not more:
            return data, True
        data += more
    return data, len(data) < READ_CHUNK or not handle.read(1)


def read_range(path: Path, offset: int, length: int, *, gzipped: bool = False) -> bytes:
    """The raw bytes of one record, read back from its file for the detail view."""
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)


def split_lines(data: bytes, offset: int, line_no: int, *, final: bool) -> Chunk:
    items: list[Item] = []
    pos = 0
    end = len(data)
    while pos < end:
        newline = data.find(b"\n", pos)
        if newline < 0:
            if not final:
                break
            newline = end
        line_no += 1
        raw = data[pos:newline]
        item = decode_line(raw, line_no, offset + pos)
        if item is not None:
            items.append(item)
        pos = min(newline + 1, end)
    return Chunk(items, offset + pos, line_no)


def decode_line(raw: bytes, line_no: int, offset: int) -> Item | None:
    """A decoded line, a problem, or None for a blank line (nothing to record)."""
    text = raw.rstrip(b"\r")
    stripped = text.strip()
    if not stripped:
        return None
    length = len(raw)
    start = 0
    if stripped[:1] not in (b"{", b"["):
        # A logging prefix before the JSON ("2026-11-20 10:00:00,123 - app - INFO - {...}").
        brace = text.find(b"{")
        if brace < 0 or not stripped.endswith(b"}"):
            return Item(line_no, offset, length, problem="not JSON", raw=text)
        start = brace
    value, problem = parse_json(text[start:])
    if problem is not None and start:
        problem = "not JSON"
    if problem is not None:
        return Item(line_no, offset, length, problem=problem, raw=text)
    return Item(line_no, offset, length, value=value)


def parse_json(data: bytes) -> tuple[object, str | None]:
    """orjson first; the standard library for what Python's own json module writes and orjson
    refuses (NaN, Infinity) and for invalid UTF-8 (read with replacement characters)."""
    import orjson

    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        first_error = str(exc)
    if "recursion" in first_error.lower():
        return None, "nesting too deep to read"
    try:
        return json.loads(data.decode("utf-8", errors="replace")), None
    except RecursionError:
        return None, "nesting too deep to read"
    except ValueError:
        return None, f"invalid JSON: {first_error}"


def split_concat(data: bytes, offset: int, line_no: int, *, final: bool) -> Chunk:
    """Concatenated JSON values, each possibly spanning many lines. Boundaries are found with the
    C-accelerated ``raw_decode`` on a latin-1 view (one char per byte, so positions are byte
    offsets); each value is then decoded properly from its bytes."""
    text = data.decode("latin-1")
    decoder = json.JSONDecoder()
    items: list[Item] = []
    pos = 0
    end = len(text)
    while True:
        start = _skip_space(text, pos)
        if start >= end:
            pos = end
            break
        lines_before = text.count("\n", pos, start)
        try:
            _, stop = decoder.raw_decode(text, start)
        except (ValueError, RecursionError) as exc:
            stop = _resync(text, start + 1)
            if stop == end and not final and isinstance(exc, ValueError):
                break  # the last value, still being written
            raw = data[start:stop].rstrip()
            reason = "nesting too deep to read" if isinstance(exc, RecursionError) else (
                f"invalid JSON: {exc}")
            items.append(Item(line_no + lines_before + 1, offset + start, stop - start,
                              problem=reason, raw=raw))
        else:
            value, problem = parse_json(data[start:stop])
            items.append(Item(line_no + lines_before + 1, offset + start, stop - start,
                              value=value, problem=problem, raw=data[start:stop] if problem
                              else b""))
        line_no += lines_before + text.count("\n", start, stop)
        pos = stop
    if pos == end:
        line_no += text.count("\n", pos, end)
    return Chunk(items, offset + pos, line_no)


def _skip_space(text: str, pos: int) -> int:
    end = len(text)
    while pos < end and text[pos] in " \t\r\n,":
        pos += 1
    return pos


def _resync(text: str, pos: int) -> int:
    """After a broken value, continue at the next line that opens a new top-level value."""
    for marker in ("\n{", "\n["):
        found = text.find(marker, pos)
        if found >= 0:
            return found + 1
    return len(text)
