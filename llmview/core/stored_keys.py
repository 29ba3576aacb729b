"""Which of a batch's keys a table may already hold, answered in memory.

A live pass's rows are mostly new (``bench/soak.py``: 90% of its calls and 96% of its spans),
yet looking a key up in DuckDB's index costs about 20 µs whether it is there or not, and the
merge's lookup was the largest statement of a pass. So the store keeps a 32-bit hash of every
stored key and asks DuckDB only about keys whose hash it holds.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from typing import Any

REBUILD_MIN = 65_536  # hashes added since the last load; beyond max(this, a quarter of the
# loaded ones), they are loaded again from the table, so the set of added ones stays small

_HASH = "(hash({column}) >> 32)::UINTEGER"


class StoredKeys:
    """The hashes of a table's lookup column: sorted as loaded from the table, plus those of
    keys stored since. A key whose hash is absent is not stored; one whose hash is present may
    be (a false match is about one in a thousand at four million keys, and costs a lookup).

    The hashes are a superset of the stored keys' as long as every row reaches the table
    through the store: a rolled-back batch or a deleted row leaves hashes that only cost a
    lookup."""

    def __init__(self, table: str, column: str) -> None:
        self.table, self.column = table, column
        self._loaded: array[int] | None = None
        self._added: set[int] = set()

    def check_in(self, con: Any, keys: list[str]) -> list[str]:
        """The keys that may be stored already. All of ``keys`` count as stored from now on:
        the caller is about to store them."""
        return check_all(con, [(self, keys)])[0]

    def _ready(self, con: Any) -> None:
        if self._loaded is None or len(self._added) > max(REBUILD_MIN, len(self._loaded) // 4):
            self._load(con)

    def _take(self, keys: list[str], hashes: list[int]) -> list[str]:
        maybe = [key for key, h in zip(keys, hashes, strict=True) if self._holds(h)]
        self._added.update(hashes)
        return maybe

    def _holds(self, h: int) -> bool:
        loaded = self._loaded
        assert loaded is not None
        i = bisect_left(loaded, h)
        return (i < len(loaded) and loaded[i] == h) or h in self._added

    def _load(self, con: Any) -> None:
        """Every stored key's hash, sorted by DuckDB and copied out of Arrow's buffer: at a
        million rows a list of Python ints would cost 30 MB and a second."""
        column = con.sql(f"SELECT {_HASH.format(column=self.column)} AS h FROM {self.table}"
                         " ORDER BY h").to_arrow_table().column("h").combine_chunks()
        loaded = array("I")  # 32 bits wide wherever CPython runs on 64-bit Linux, macOS, Windows
        if len(column):
            width = loaded.itemsize
            start = column.offset * width
            loaded.frombytes(memoryview(column.buffers()[1])[start:start + len(column) * width])
        self._loaded, self._added = loaded, set()


def check_all(con: Any, checks: list[tuple[StoredKeys, list[str]]]) -> list[list[str]]:
    """``StoredKeys.check_in`` for several tables, their keys hashed by DuckDB in one
    statement: a statement costs about a millisecond however few keys it hashes, and a live
    pass checks both calls and spans."""
    wanted = [(stored, keys) for stored, keys in checks if keys]
    for stored, _ in wanted:
        stored._ready(con)
    hashed = iter(con.execute(
        "SELECT " + ", ".join(f"[{_HASH.format(column='k')} for k in ?::VARCHAR[]]"
                              for _ in wanted), [keys for _, keys in wanted]).fetchone()
                  if wanted else ())
    return [stored._take(keys, next(hashed)) if keys else [] for stored, keys in checks]
