"""The store's in-memory answer to "may this key be stored?" must never say no to a stored
key (a merge would be missed and the call doubled); saying yes to a new one only costs a
lookup."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from llmview.core import stored_keys
from llmview.core.stored_keys import StoredKeys


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "keys.duckdb"))
    con.execute("CREATE TABLE t (k VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO t SELECT 'stored:' || i FROM range(5000) r(i)")
    return con


def test_stored_keys_are_found_and_new_ones_are_not(con: duckdb.DuckDBPyConnection) -> None:
    keys = StoredKeys("t", "k")
    stored = [f"stored:{i}" for i in range(0, 5000, 7)]
    new = [f"new:{i}" for i in range(1000)]
    assert keys.check_in(con, stored + new) == stored


def test_keys_checked_in_count_as_stored_from_then_on(con: duckdb.DuckDBPyConnection) -> None:
    keys = StoredKeys("t", "k")
    assert keys.check_in(con, ["new:1", "new:2"]) == []
    assert keys.check_in(con, ["new:2", "new:3"]) == ["new:2"]


def test_an_empty_table_holds_nothing(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM t")
    assert StoredKeys("t", "k").check_in(con, ["stored:1", "x"]) == []


def test_many_keys_added_are_loaded_again_from_the_table(
        con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    # The added hashes are folded into the loaded ones by reading the table again; rows the
    # caller stored meanwhile are found as before, rows it did not store are not.
    monkeypatch.setattr(stored_keys, "REBUILD_MIN", 100)
    keys = StoredKeys("t", "k")
    added = [f"added:{i}" for i in range(2000)]
    keys.check_in(con, added)
    con.execute("INSERT INTO t SELECT unnest(?::VARCHAR[])", [added[:1500]])
    assert keys.check_in(con, ["stored:3"]) == ["stored:3"]  # loads again: 2000 > 5000 / 4
    assert keys.check_in(con, added) == added[:1500]


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


def test_two_tables_are_checked_in_one_statement(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE u (s VARCHAR PRIMARY KEY)")
    con.execute("INSERT INTO u VALUES ('span:1'), ('span:2')")
    calls, spans = StoredKeys("t", "k"), StoredKeys("u", "s")
    counting = Counting(con)
    stored_keys.check_all(counting, [(calls, ["stored:1"]), (spans, ["span:9"])])  # loads both
    counting.statements = 0
    found = stored_keys.check_all(counting, [(calls, ["stored:2", "new:1"]),
                                             (spans, ["span:2", "span:3"])])
    assert found == [["stored:2"], ["span:2"]]
    assert counting.statements == 1
    assert stored_keys.check_all(counting, [(calls, []), (spans, ["span:1"])]) == [[], ["span:1"]]
