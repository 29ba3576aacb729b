"""The SQL side shared by approaches 3, 4 and 5: from a relation of raw lines (or of rows
``read_json`` already parsed) to the calls / spans / events / problems / sources tables, with
every mapping generated from ``aliases.py``."""

from __future__ import annotations

from typing import Any

from aliases import normalize_sql
from common import CALL_NAMES, MERGE_SELECT, SPAN_NAMES, SPAN_UPSERT_SET, UPSERT_SET

PARTS_DDL = ("CREATE TABLE IF NOT EXISTS call_parts AS SELECT * FROM calls LIMIT 0;"
             " ALTER TABLE call_parts ADD COLUMN seq BIGINT;"
             " ALTER TABLE call_parts ADD COLUMN file_id INTEGER;"
             " ALTER TABLE call_parts ADD COLUMN line_no BIGINT;"
             ' ALTER TABLE call_parts ADD COLUMN "offset" BIGINT;'
             " ALTER TABLE call_parts ADD COLUMN length BIGINT;")

_CALL_SELECT = ", ".join(
    f"c_{c} AS {c}" if c not in ("dialect",) else "dialect" for c in CALL_NAMES
).replace("c_key AS key", "c_key AS key")
_SPAN_SELECT = ", ".join(f"s_{c} AS {c}" if c != "dialect" else "dialect" for c in SPAN_NAMES)
_SPAN_MERGE = (
    "SELECT trace_id, span_id, min(start_ts) AS start_ts, max(end_ts) AS end_ts, "
    + ", ".join(f"arg_min({c}, seq) AS {c}" for c in SPAN_NAMES
                if c not in ("trace_id", "span_id", "start_ts", "end_ts"))
    + " FROM ({src}) GROUP BY trace_id, span_id")


def parse_lines_sql(source: str, file_id: int | str = 1) -> str:
    """Normalize a relation with columns line_no, offset, length, line."""
    return normalize_sql(source, file_id=str(file_id))


def merged_calls_sql(parts: str) -> str:
    """Calls of ``parts`` (rows with CALL_NAMES + seq), one per key. Most keys have one part:
    those pass straight through; only keys with several parts go through the GROUP BY
    (arg_min per column), which is the expensive part of a merge."""
    names = ", ".join(CALL_NAMES)
    return f"""
        WITH __w AS (SELECT *, count(*) OVER (PARTITION BY key) AS __n FROM {parts})
        SELECT {names} FROM __w WHERE __n = 1
        UNION ALL
        SELECT {names} FROM ({MERGE_SELECT.format(parts='(SELECT * FROM __w WHERE __n > 1)')})"""


def store(con: Any, norm: str, *, calls: str = "parts", messages: bool = True) -> None:
    """Write the normalized wide rows of relation ``norm`` into the tables.

    calls="parts":    append each part to call_parts (merged later by ``merge_parts``)
    calls="upsert":   merge the parts of this batch, INSERT ... ON CONFLICT into calls (PK)
    calls="antijoin": merge the parts of this batch; no PK: UPDATE the calls whose key is
                      already there (coalesce per column), INSERT the others (ANTI JOIN)
    calls="insert":   merge the parts of this batch and plain-insert (no PK; pairs split across
                      batches stay split -- the floor, not correct)
    messages=False:   leave calls.messages NULL (the detail view re-reads the source lines)
    """
    names = ", ".join(CALL_NAMES)
    call_select = _CALL_SELECT if messages else _CALL_SELECT.replace(
        "c_messages AS messages", "NULL::JSON AS messages")  # read back from the file instead
    chunk_parts = f"(SELECT {call_select}, line_no AS seq FROM {norm} WHERE kind = 'calls')"
    if calls == "parts":
        con.execute(f'INSERT INTO call_parts SELECT {call_select}, line_no AS seq, file_id, '
                    f'line_no, "offset", length FROM {norm} WHERE kind = \'calls\'')
    elif calls == "antijoin":
        con.execute(f"CREATE OR REPLACE TEMP TABLE incoming AS {merged_calls_sql(chunk_parts)}")
        sets = UPSERT_SET.replace("EXCLUDED.", "incoming.")
        con.execute(f"UPDATE calls SET {sets} FROM incoming WHERE calls.key = incoming.key")
        con.execute(f"INSERT INTO calls ({names}) SELECT {names} FROM incoming "
                    f"ANTI JOIN calls USING (key)")
    else:
        sql = f"INSERT INTO calls ({names}) SELECT {names} FROM ({merged_calls_sql(chunk_parts)})"
        if calls == "upsert":
            sql += f" ON CONFLICT (key) DO UPDATE SET {UPSERT_SET}"
        con.execute(sql)
    spans = _SPAN_MERGE.format(
        src=f"SELECT {_SPAN_SELECT}, line_no AS seq FROM {norm} WHERE kind = 'spans'")
    span_names = ", ".join(SPAN_NAMES)
    sql = f"INSERT INTO spans ({span_names}) SELECT {span_names} FROM ({spans})"
    if calls == "upsert":
        sql += f" ON CONFLICT (trace_id, span_id) DO UPDATE SET {SPAN_UPSERT_SET}"
    con.execute(sql)
    con.execute(f'INSERT INTO events SELECT e_ts, e_level, e_message, e_app, e_search_text, '
                f'dialect, file_id, line_no, "offset", length FROM {norm} '
                f"WHERE kind = 'events'")
    con.execute(f'INSERT INTO problems SELECT file_id, line_no, "offset", length, '
                f"'not a JSON object', raw FROM {norm} WHERE kind = 'problem'")
    con.execute(f'INSERT INTO sources SELECT \'call\', c_key, file_id, line_no, "offset", '
                f"length FROM {norm} WHERE kind = 'calls' UNION ALL "
                f"SELECT 'span', s_trace_id || ':' || s_span_id, file_id, line_no, \"offset\", "
                f"length FROM {norm} WHERE kind = 'spans'")


def merge_parts(con: Any) -> None:
    """Cold index: every call once, from all its parts."""
    names = ", ".join(CALL_NAMES)
    con.execute(f"INSERT INTO calls ({names}) SELECT {names} FROM "
                f"({merged_calls_sql('call_parts')})")


def python_route(con: Any, norm: str) -> int:
    """Lines SQL flagged for a complex dialect: fetched back (rare) for the Python normalizers.
    The bench file has none; llmview would call formats.normalize here and insert the records
    through the same Arrow path."""
    rows = con.execute(f'SELECT line_no, "offset", length, raw FROM {norm} '
                       f"WHERE kind = 'python'").fetchall()
    return len(rows)
