"""Approach 3: DuckDB reads the file itself; ONE SQL normalization pass generated from the alias
tables (COALESCE over aliases) fills calls/spans/events; parts merged with GROUP BY key.

  rj-columns          read_json(columns={explicit map from aliases.py}, ignore_errors) -- fastest
                      reader, but no line numbers or byte offsets and bad lines vanish silently
  rjobjects+from_json read_json_objects then from_json(json, spec): one parse, still no offsets
  csv-lines+from_json read_csv with one VARCHAR column (delimiter chr(1), no quote/escape):
                      row_number() as line number, a running sum of strlen(line)+1 as byte
                      offset; from_json(line, spec) -- caveat: CRLF is folded, order relies on
                      insertion order being kept
  text-split+from_json read_text + string_split + generate_subscripts: exact line numbers and
                      offsets (window sum), but the whole file is one value in memory
  rjobjects+->>       read_json_objects and one ->> per alias path (the DESIGN's 3.5 s method)
"""

from __future__ import annotations

import common
from aliases import from_json_spec, read_json_columns
from common import ddl
from sqlside import PARTS_DDL, merge_parts, parse_lines_sql, python_route, store

OFFSETS = """
SELECT line_no, line, strlen(line) AS length,
       sum(strlen(line) + 1) OVER (ORDER BY line_no ROWS UNBOUNDED PRECEDING)
           - strlen(line) - 1 AS "offset"
FROM ({src})
"""


def _open(db: str, threads: int | None = None):
    import duckdb

    con = duckdb.connect(db)
    con.execute("SET TimeZone = 'UTC'")
    if threads:
        con.execute(f"SET threads = {threads}")
    con.execute(ddl(pk=False))
    con.execute(PARTS_DDL)
    con.execute("INSERT INTO files VALUES (1, 'f', 0, 0)")
    return con


def _finish(con, norm_sql: str) -> None:
    con.execute(f"CREATE TEMP TABLE norm AS {norm_sql}")
    con.execute("BEGIN")
    store(con, "norm", calls="parts")
    python_route(con, "norm")
    merge_parts(con)
    con.execute("COMMIT")
    con.close()


def _parsed_norm_sql(parsed_from: str) -> str:
    """normalize_sql with its ``parsed`` CTE replaced by rows that are already parsed."""
    sql = parse_lines_sql("__src__")
    head, rest = sql.split("), classified AS (", 1)
    return (f"WITH parsed AS ({parsed_from}), classified AS (" + rest)


def rj_columns(db: str, path: str, threads: int | None = None) -> None:
    con = _open(db, threads)
    cols = read_json_columns()
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in cols.items()) + "}"
    parsed = (f"SELECT 1 AS file_id, row_number() OVER () AS line_no, NULL::BIGINT AS \"offset\","
              f" NULL::BIGINT AS length, NULL::VARCHAR AS line, t AS p FROM read_json('{path}', "
              f"format='newline_delimited', columns={spec}, ignore_errors=true, "
              f"maximum_object_size=16777216) t")
    _finish(con, _parsed_norm_sql(parsed))


def rjobjects_from_json(db: str, path: str) -> None:
    con = _open(db)
    spec = from_json_spec().replace("'", "''")
    parsed = (f"SELECT 1 AS file_id, row_number() OVER () AS line_no, NULL::BIGINT AS \"offset\","
              f" NULL::BIGINT AS length, json::VARCHAR AS line, from_json(json, '{spec}') AS p "
              f"FROM read_json_objects('{path}', format='newline_delimited', ignore_errors=true,"
              f" maximum_object_size=16777216)")
    _finish(con, _parsed_norm_sql(parsed))


CSV = ("read_csv('{path}', columns={{'line': 'VARCHAR'}}, delim=chr(1), quote='', escape='', "
       "header=false, auto_detect=false, strict_mode=false, new_line='\\n', "
       "max_line_size=16777216)")


def csv_lines(db: str, path: str, threads: int | None = None) -> None:
    con = _open(db, threads)
    src = f"SELECT row_number() OVER () AS line_no, coalesce(line, '') AS line FROM {CSV.format(path=path)}"
    con.execute(f"CREATE TEMP VIEW lines AS {OFFSETS.format(src=src)}")
    _finish(con, parse_lines_sql("lines"))


def text_split(db: str, path: str) -> None:
    con = _open(db)
    src = (f"SELECT unnest(l) AS line, generate_subscripts(l, 1) AS line_no FROM "
           f"(SELECT string_split(content, chr(10)) AS l FROM read_text('{path}'))")
    # the empty string after the last newline is not a line
    con.execute(f"CREATE TEMP VIEW lines AS {OFFSETS.format(src=src)}")
    _finish(con, parse_lines_sql("lines"))


def rjobjects_arrows(db: str, path: str) -> None:
    """One ->> per alias path on the JSON text: each is its own parse."""
    import aliases

    con = _open(db)
    # the same struct shape as from_json gives, but one ->> (a parse) per leaf path
    def struct(node, prefix) -> str:
        parts = []
        for k, v in node.items():
            if k == "[]":
                continue
            jp = f"{prefix}.{k}"
            if isinstance(v, str):
                fn = "->" if v == "JSON" else "->>"
                parts.append(f"\"{k}\" := (json {fn} '{jp}')")
            elif "[]" in v:
                elem = v["[]"]
                parts.append(f"\"{k}\" := [{struct(elem, jp + '[0]') if isinstance(elem, dict) else 'NULL'}]")
            else:
                parts.append(f"\"{k}\" := {struct(v, jp)}")
        return "struct_pack(" + ", ".join(parts) + ")"

    parsed = (f"SELECT 1 AS file_id, row_number() OVER () AS line_no, NULL::BIGINT AS \"offset\","
              f" NULL::BIGINT AS length, json::VARCHAR AS line, {struct(aliases._tree(), '$')} AS p "
              f"FROM read_json_objects('{path}', format='newline_delimited', ignore_errors=true,"
              f" maximum_object_size=16777216)")
    _finish(con, _parsed_norm_sql(parsed))


VARIANTS = {
    "rj-columns + SQL normalize": rj_columns,
    "rjobjects + from_json": rjobjects_from_json,
    "csv-lines + offsets + from_json": csv_lines,
    "text-split + offsets + from_json": text_split,
    "rjobjects + ->> per alias": rjobjects_arrows,
    "rj-columns, threads=1": lambda db, p: rj_columns(db, p, threads=1),
    "csv-lines, threads=1": lambda db, p: csv_lines(db, p, threads=1),
}

if __name__ == "__main__":
    common.main(VARIANTS, __doc__.split("\n")[0])
