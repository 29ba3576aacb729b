"""The store's in-memory answer to "from which row on may this value be stored?" must never
be past a stored row holding it (a merge would be missed and the call doubled, or a trace's
span left out of its row); an earlier answer, or a yes to a new value, only costs a longer
read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from llmview.core import first_seqs
from llmview.core.first_seqs import FirstSeqs, hashed, hashes_of
from llmview.core.store import CLUSTER_GAP, _clustered


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "keys.duckdb"))
    con.execute("CREATE TABLE t (k VARCHAR, seq BIGINT)")
    # seqs 0..4999, 'stored:i' at seq i, and again at 10000 + i for every tenth
    con.execute("INSERT INTO t SELECT 'stored:' || i, i FROM range(5000) r(i)")
    con.execute("INSERT INTO t SELECT 'stored:' || i, 10000 + i FROM range(0, 5000, 10) r(i)")
    con.execute("INSERT INTO t VALUES (NULL, 20000)")
    return con


def find(firsts: FirstSeqs, con: duckdb.DuckDBPyConnection,
         values: list[str]) -> tuple[list[str], int | None]:
    """The values that may be stored, and the least first seq among them."""
    found = firsts.find(con, values, hashes_of(con, [values])[0])
    return [value for value, _, _ in found], min((f for _, f, _ in found), default=None)


def test_stored_values_are_found_from_their_first_row(con: duckdb.DuckDBPyConnection) -> None:
    firsts = FirstSeqs("t", "k")
    stored = [f"stored:{i}" for i in range(700, 5000, 7)]
    new = [f"new:{i}" for i in range(1000)]
    assert find(firsts, con, stored + new) == (stored, 700)
    assert find(firsts, con, ["stored:4990"]) == (["stored:4990"], 4990)
    assert find(firsts, con, new) == ([], None)


def test_rows_noted_are_found_from_then_on(con: duckdb.DuckDBPyConnection) -> None:
    firsts = FirstSeqs("t", "k")
    assert find(firsts, con, ["new:1"]) == ([], None)
    values = ["new:1", "new:2", "stored:3"]
    firsts.note(hashes_of(con, [values])[0], [30001, 30002, 30003])
    firsts.note([None], [30004])  # a NULL is not a value
    assert find(firsts, con, ["new:2", "new:3"]) == (["new:2"], 30002)
    assert find(firsts, con, ["stored:3"]) == (["stored:3"], 3)  # the earlier row still counts


def test_rows_noted_before_the_table_is_read_are_found_by_the_read(
        con: duckdb.DuckDBPyConnection) -> None:
    firsts = FirstSeqs("t", "k")
    values = ["late:1", "late:2"]
    firsts.note(hashes_of(con, [values])[0], [30001, 30002])  # stored, not yet read
    con.execute("INSERT INTO t VALUES ('late:1', 30001)")  # the second rolled back, say
    assert find(firsts, con, values) == (["late:1"], 30001)


def test_an_empty_table_holds_nothing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM t")
    assert find(FirstSeqs("t", "k"), con, ["stored:1", "x"]) == ([], None)


def test_the_table_is_read_once_and_noted_values_folded_in_memory(
        con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    # A fold sorts the noted hashes into the loaded ones without reading the table: a read
    # grew with the table (0.2 s for calls' keys at 620k calls) and left DuckDB's allocator
    # holding its high-water mark. Values noted (stored by the caller) are found after it.
    monkeypatch.setattr(first_seqs, "FOLD_AT", 100)
    monkeypatch.setattr(first_seqs, "FOLD_FRACTION", 1000)  # not a 32nd of the 5,500 loaded
    counting = Counting(con)
    firsts = FirstSeqs("t", "k")
    added = [f"added:{i}" for i in range(1100)]
    assert firsts.find(counting, ["stored:1"], hashes_of(con, [["stored:1"]])[0]) == [
        ("stored:1", 1, 1)]
    read = counting.statements
    for start in range(0, 1100, 110):  # ten notes, each more than FOLD_AT, no lookup between
        chunk = added[start:start + 110]
        firsts.note(hashes_of(con, [chunk])[0], range(40000 + start, 40000 + start + 110))
        assert len(firsts._noted) <= 100  # folded as noted, not at the next lookup
    assert counting.statements == read
    assert find(firsts, con, ["stored:3", *added]) == (["stored:3", *added], 3)
    assert firsts.find(con, ["added:7"], hashes_of(con, [["added:7"]])[0]) == [
        ("added:7", 40007, 40007)]


def test_ranges_match_the_rows_noted_through_many_folds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Against a plain dict of every hash's first and last seq: hashes from a small space,
    # noted again and again in and out of order, folded every few notes.
    import random

    monkeypatch.setattr(first_seqs, "FOLD_AT", 7)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k VARCHAR, seq BIGINT)")
    rng = random.Random(9)
    firsts, expected = FirstSeqs("t", "k"), {}
    firsts.find(con, [], [])  # reads the (empty) table: what is noted from here on is kept
    for step in range(300):
        hashes = [rng.randrange(200) for _ in range(rng.randrange(1, 12))]
        seqs = [rng.randrange(100_000) for _ in hashes]
        firsts.note(hashes, seqs)
        for h, seq in zip(hashes, seqs, strict=True):
            low, high = expected.get(h, (seq, seq))
            expected[h] = (min(low, seq), max(high, seq))
        if step % 5 == 0:
            wanted = list(range(-5, 205))
            assert {h: (f, last) for h, f, last in firsts.find(con, wanted, wanted)} == expected


def test_hashes_match_those_of_the_stored_rows(con: duckdb.DuckDBPyConnection) -> None:
    # The store notes what comes back from its inserts (SQL) and looks up hashes of Python
    # strings: both must be the same function, NULL having none.
    values = ["stored:1", "ünïcode", ""]
    from_sql = con.execute(f"SELECT list({hashed('v')}) FROM unnest(?::VARCHAR[]) u(v)",
                           [values]).fetchone()[0]
    assert hashes_of(con, [values, [], ["x"]])[:2] == [from_sql, []]
    assert con.execute(f"SELECT {hashed('NULL::VARCHAR')}").fetchone()[0] is None


def test_a_value_stored_twice_is_found_between_its_first_and_last_rows(
        con: duckdb.DuckDBPyConnection) -> None:
    # Every tenth value has a second row at 10000 + i; a rolled-back note only widens.
    firsts = FirstSeqs("t", "k")
    values = ["stored:20", "stored:21"]
    assert firsts.find(con, values, hashes_of(con, [values])[0]) == [
        ("stored:20", 20, 10020), ("stored:21", 21, 21)]
    firsts.note(hashes_of(con, [["stored:21"]])[0], [30000])
    assert firsts.find(con, ["stored:21"], hashes_of(con, [["stored:21"]])[0]) == [
        ("stored:21", 21, 30000)]


class Counting:
    """A connection that counts the statements run through it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.statements = con, 0

    def execute(self, *args: object) -> duckdb.DuckDBPyConnection:
        self.statements += 1
        return self.con.execute(*args)

    def sql(self, query: str) -> duckdb.DuckDBPyRelation:
        self.statements += 1
        return self.con.sql(query)


def test_lists_are_hashed_in_one_statement(con: duckdb.DuckDBPyConnection) -> None:
    counting = Counting(con)
    assert [len(h) for h in hashes_of(counting, [["a", "b"], [], ["c"]])] == [2, 0, 1]
    assert counting.statements == 1
    assert hashes_of(counting, [[], []]) == [[], []]
    assert counting.statements == 1


def test_keys_far_apart_are_read_in_ranges_of_their_own() -> None:
    # A batch's results merged into requests written long before, beside recent keys: two
    # short reads, not one from the oldest row to the last.
    far = 12 + CLUSTER_GAP + 1  # past the old key's last row by more than the gap
    assert _clustered([("new", far, far + 5), ("old", 10, 12), ("newer", far + 3, far + 9)]) == [
        (["old"], 10, 12), (["new", "newer"], far, far + 9)]
    assert _clustered([]) == []


def test_seqs_past_32_bits_are_kept_64_bits_wide(con: duckdb.DuckDBPyConnection) -> None:
    # Seqs are kept in 32 bits while they fit (12 bytes a hash, not 20); one past that
    # widens the arrays, whether it is noted or read from the table.
    far = 2**32 + 5
    firsts = FirstSeqs("t", "k")
    values = ["stored:20", "far:1"]
    firsts.find(con, [], [])
    firsts.note(hashes_of(con, [values])[0], [far, far + 1])
    assert firsts.find(con, values, hashes_of(con, [values])[0]) == [
        ("stored:20", 20, far), ("far:1", far + 1, far + 1)]
    firsts._fold()
    assert firsts.find(con, values, hashes_of(con, [values])[0]) == [
        ("stored:20", 20, far), ("far:1", far + 1, far + 1)]

    con.execute("INSERT INTO t VALUES ('far:1', ?)", [far + 1])
    read = FirstSeqs("t", "k")
    assert read.find(con, ["far:1", "stored:4"], hashes_of(con, [["far:1", "stored:4"]])[0]) == [
        ("far:1", far + 1, far + 1), ("stored:4", 4, 4)]


def test_nbytes_counts_12_bytes_a_hash_and_20_once_seqs_are_wide(
        con: duckdb.DuckDBPyConnection) -> None:
    firsts = FirstSeqs("t", "k")
    assert firsts.nbytes == 0  # not read yet
    firsts.find(con, [], [])
    assert firsts.nbytes == 5000 * 12  # 5,000 distinct values
    firsts.note(hashes_of(con, [["far:1"]])[0], [2**32 + 1])
    firsts._fold()
    assert firsts.nbytes == 5001 * 20
