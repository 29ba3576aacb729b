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
before). This costs 12 bytes a distinct hash (20 past four billion rows), in this process's memory.

The table is read once, at the first lookup; from then on the store notes what it inserts. A
hash held is a value that may be stored (a false match is about one in a thousand at four
million values and costs a longer read); one not held is not stored, as long as every row
reaches the table through the store. A rolled-back batch or a deleted row leaves hashes and
ranges that are only wider than needed: a longer read, never a missed row.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

Value = TypeVar("Value")

# New hashes are kept in a dict until there are this many, or a 32nd of those in the arrays,
# then sorted into the arrays. A dict entry costs about 160 bytes against 12 in the arrays;
# a fold sorts the arrays again (126 ms at 2.5M hashes, 78k of them new), so folding at a
# fraction of their length keeps the work per hash inserted the same as the index grows.
FOLD_AT = 8192
FOLD_FRACTION = 32
# Seqs are kept 32 bits wide while they fit: 12 bytes a hash instead of 20. A 5M-line cold
# index (2.5M calls, 4.2M hashes) peaked at 490 MB so, 540 MB with 64-bit seqs.
NARROW_MAX = 0xFFFF_FFFF


def hashed(column: str) -> str:
    """SQL for the hash this module keeps of ``column``'s value (NULL for NULL)."""
    return f"CASE WHEN {column} IS NOT NULL THEN (hash({column}) >> 32)::UINTEGER END"


class FirstSeqs:
    """The hashes of a table column's values, sorted, each with the first and last ``seq`` of
    the rows holding it, plus hashes noted since the last fold."""

    def __init__(self, table: str, column: str) -> None:
        self.table, self.column = table, column
        self._hashes: array[int] | None = None  # None: the table is not read yet
        self._seqs: array[int] = array("I")  # the first seq of each hash
        self._lasts: array[int] = array("I")  # and the last ("q" once a seq needs it)
        self._noted: dict[int, tuple[int, int]] = {}  # hashes not in the arrays

    def find(self, con: Any, values: Sequence[Value], hashes: Sequence[int]
             ) -> list[tuple[Value, int, int]]:
        """The values that may be stored, each with the first and last seq of the rows that
        may hold it."""
        if self._hashes is None:
            self._load(con)
        return [(value, *seqs) for value, h in zip(values, hashes, strict=True)
                if (seqs := self._range(h)) is not None]

    def note(self, hashes: Sequence[int | None], seqs: Sequence[int]) -> None:
        """Rows just stored: their column's hashes (None for NULL) and seqs. A hash in the
        arrays widens its range there; a new one waits in a dict for the next fold. Before
        the table is first read there is nothing to note: the read will find these rows (or
        none, if their transaction rolls back)."""
        if self._hashes is None:
            return
        if self._seqs.typecode == "I" and max(seqs, default=0) > NARROW_MAX:
            self._seqs, self._lasts = array("q", self._seqs), array("q", self._lasts)
        noted = self._noted
        for h, seq in zip(hashes, seqs, strict=True):
            if h is None:
                continue
            i = self._at(h)
            if i is not None:
                self._seqs[i] = min(self._seqs[i], seq)
                self._lasts[i] = max(self._lasts[i], seq)
            elif (held := noted.get(h)) is None:
                noted[h] = (seq, seq)
            elif not held[0] <= seq <= held[1]:
                noted[h] = (min(held[0], seq), max(held[1], seq))
        # Here, not at the next lookup: a column can be noted many times between lookups
        # (calls' request ids are looked up only for calls of spans).
        if len(noted) > max(FOLD_AT, len(self._hashes) // FOLD_FRACTION):
            self._fold()

    @property
    def nbytes(self) -> int:
        """The arrays' bytes: what this costs in memory that grows with the table (the dict of
        noted hashes is folded before it grows past ``FOLD_AT`` or a 32nd of them)."""
        if self._hashes is None:
            return 0
        return sum(len(a) * a.itemsize for a in (self._hashes, self._seqs, self._lasts))

    def _at(self, h: int) -> int | None:
        hashes = self._hashes
        assert hashes is not None
        i = bisect_left(hashes, h)
        return i if i < len(hashes) and hashes[i] == h else None

    def _range(self, h: int) -> tuple[int, int] | None:
        i = self._at(h)
        return (self._seqs[i], self._lasts[i]) if i is not None else self._noted.get(h)

    def _load(self, con: Any) -> None:
        """Every stored hash with its first and last seq, grouped and sorted by DuckDB and
        copied out of Arrow's buffers: at a million rows lists of Python ints would cost 60 MB
        and seconds."""
        import pyarrow as pa
        import pyarrow.compute as pc

        table = con.sql(
            f"SELECT {hashed(self.column)} AS h, min(seq) AS s, max(seq) AS l FROM {self.table}"
            f" WHERE {self.column} IS NOT NULL GROUP BY h ORDER BY h").to_arrow_table()
        lasts = table.column("l").combine_chunks()
        narrow = (pc.max(lasts).as_py() or 0) <= NARROW_MAX
        # 32 and 64 bits wide wherever CPython runs on 64-bit Linux, macOS and Windows
        seq_type, seq_code = (pa.uint32(), "I") if narrow else (pa.int64(), "q")
        self._hashes = _copied("I", table.column("h").combine_chunks())
        self._seqs = _copied(seq_code, table.column("s").combine_chunks().cast(seq_type))
        self._lasts = _copied(seq_code, lasts.cast(seq_type))
        self._noted = {}

    def _fold(self) -> None:
        """The noted hashes sorted into the arrays, in Arrow: no read of the table. One array
        at a time, each copy dropped before the next is made, in the system allocator (which
        gives large blocks back at once): at 2.5M hashes all three at once peaked ~60 MB higher
        (``bench/scale.py --lines 5000000``)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        assert self._hashes is not None
        pool = pa.system_memory_pool()
        noted = self._noted

        def taken(joined: array[int]) -> array[int]:
            return _copied(joined.typecode, pc.take(_arrow(joined), order, memory_pool=pool))

        hashes = _joined(self._hashes, noted.keys())
        order = pc.sort_indices(_arrow(hashes), memory_pool=pool)
        self._hashes = taken(hashes)
        del hashes
        self._seqs = taken(_joined(self._seqs, (first for first, _ in noted.values())))
        self._lasts = taken(_joined(self._lasts, (last for _, last in noted.values())))
        self._noted = {}


def _joined(kept: array[int], added: Iterable[int]) -> array[int]:
    """A copy of ``kept`` with ``added`` after it, of the same width."""
    joined = array(kept.typecode, kept)
    joined.extend(added)
    return joined


def _arrow(values: array[int]) -> Any:
    """An ``array`` as an Arrow array over the same memory."""
    import pyarrow as pa

    kind = {"I": pa.uint32(), "q": pa.int64()}[values.typecode]
    return pa.Array.from_buffers(kind, len(values), [None, pa.py_buffer(values)])


def _copied(typecode: str, values: Any) -> array[int]:
    """An Arrow array without nulls as an ``array`` of the same width."""
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
