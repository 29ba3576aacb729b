"""Where in a table the rows holding a value can be: the smallest and largest ``seq`` of the rows
whose column holds a value with the same hash, kept in memory, so that a lookup reads only the
rows between (``seq BETWEEN first AND last``) and not the whole table.

Why not DuckDB's indexes: an ART stays in memory whole once used, outside what DuckDB's
``memory_limit`` can evict, and random ids (request ids, trace ids) touch all of it. With ARTs
on calls' key, trace id and request id and on spans', a 20-minute soak (``bench/soak.py``) ran
out of the index's 160 MB at 650k calls, its ART memory growing by 0.28 MB every thousand
calls; DuckDB alone did the same at 700k rows with three VARCHAR ARTs. Rows are appended in
``seq`` order and DuckDB keeps each row group's least and greatest ``seq``, so a range on
``seq`` skips the row groups stored before the first row with the value, and with the last
seq too, those after. The store reads keys far apart in ranges of their own: with a lower
bound alone, replaying a soak's logs (``bench/passes.py``, 151k calls), a pass's calls merges
reached back a median 74k seqs (p90 203k: a batch's results merged into requests written long
before). This costs 20 bytes a distinct hash, in this process's memory.

A hash held is a value that may be stored (a false match is about one in a thousand at four
million values and costs a longer read); one not held is not stored, as long as every row
reaches the table through the store, which notes what it inserts. A rolled-back batch or a
deleted row leaves hashes and ranges that are only wider than needed: a longer read, never a
missed row.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

Value = TypeVar("Value")

# Hashes noted since the last load; beyond this many, all are loaded again from the table. A
# fixed number: a dict entry of two Python ints costs about 100 bytes, and a quarter of the
# loaded ones (the rule before) grew with the index, to some 45 MB over five columns at 620k
# calls. A load reads the whole column: 0.2 s for calls' keys at 620k calls (bench/soak.py).
REBUILD_AT = 65_536


def hashed(column: str) -> str:
    """SQL for the hash this module keeps of ``column``'s value (NULL for NULL)."""
    return f"CASE WHEN {column} IS NOT NULL THEN (hash({column}) >> 32)::UINTEGER END"


class FirstSeqs:
    """The hashes of a table column's values, sorted as loaded from the table, each with the
    first ``seq`` holding it, plus those noted since."""

    def __init__(self, table: str, column: str) -> None:
        self.table, self.column = table, column
        self._hashes: array[int] | None = None
        self._seqs: array[int] = array("q")  # the first seq of each hash
        self._lasts: array[int] = array("q")  # and the last
        self._noted: dict[int, tuple[int, int]] = {}

    def find(self, con: Any, values: Sequence[Value], hashes: Sequence[int]
             ) -> list[tuple[Value, int, int]]:
        """The values that may be stored, each with the first and last seq of the rows that
        may hold it."""
        self._ready(con)
        return [(value, *seqs) for value, h in zip(values, hashes, strict=True)
                if (seqs := self._range(h)) is not None]

    def since(self, con: Any, hashes: Iterable[int]) -> int | None:
        """The least seq at which a row may hold a value of one of ``hashes``."""
        held = list(hashes)
        return min((first for _, first, _ in self.find(con, held, held)), default=None)

    def note(self, hashes: Sequence[int | None], seqs: Sequence[int]) -> None:
        """Rows just stored: their column's hashes (None for NULL) and seqs."""
        noted = self._noted
        for h, seq in zip(hashes, seqs, strict=True):
            if h is None:
                continue
            held = self._range(h) if self._hashes is not None else noted.get(h)
            if held is None:
                noted[h] = (seq, seq)
            elif not held[0] <= seq <= held[1]:
                noted[h] = (min(held[0], seq), max(held[1], seq))

    def _range(self, h: int) -> tuple[int, int] | None:
        hashes = self._hashes
        assert hashes is not None
        i = bisect_left(hashes, h)
        noted = self._noted.get(h)
        if not (i < len(hashes) and hashes[i] == h):
            return noted
        if noted is None:
            return self._seqs[i], self._lasts[i]
        return min(self._seqs[i], noted[0]), max(self._lasts[i], noted[1])

    def _ready(self, con: Any) -> None:
        if self._hashes is None or len(self._noted) > REBUILD_AT:
            self._load(con)

    def _load(self, con: Any) -> None:
        """Every stored hash with its first and last seq, grouped and sorted by DuckDB and
        copied out of Arrow's buffers: at a million rows lists of Python ints would cost 60 MB
        and seconds."""
        table = con.sql(
            f"SELECT {hashed(self.column)} AS h, min(seq) AS s, max(seq) AS l FROM {self.table}"
            f" WHERE {self.column} IS NOT NULL GROUP BY h ORDER BY h").to_arrow_table()
        # 32 and 64 bits wide wherever CPython runs on 64-bit Linux, macOS and Windows
        self._hashes = _copied("I", table.column("h"))
        self._seqs = _copied("q", table.column("s"))
        self._lasts = _copied("q", table.column("l"))
        self._noted = {}


def _copied(typecode: str, column: Any) -> array[int]:
    """An Arrow column without nulls as an ``array`` of the same width."""
    values = column.combine_chunks()
    copied = array(typecode)
    if len(values):
        width = copied.itemsize
        start = values.offset * width
        copied.frombytes(memoryview(values.buffers()[1])[start:start + len(values) * width])
    return copied


def hashes_of(con: Any, lists: list[list[str]]) -> list[list[int]]:
    """DuckDB's hashes of several lists of values in one statement: a statement costs about a
    millisecond however few values it hashes, and a live pass looks up calls and spans."""
    wanted = [values for values in lists if values]
    hashed_lists = iter(con.execute(
        "SELECT " + ", ".join(f"[{hashed('v')} for v in ?::VARCHAR[]]" for _ in wanted),
        wanted).fetchall()[0] if wanted else ())
    return [next(hashed_lists) if values else [] for values in lists]
