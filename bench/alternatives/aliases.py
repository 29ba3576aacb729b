"""One declarative table per simple dialect, compiled two ways.

This is the prototype of "one place per dialect's field mapping": each ``Dialect`` below says how
to recognise a record (``claims``) and which JSON paths feed each output column, first non-null
wins (``fields``). From that one table this module generates

* ``from_json_spec()``   the structure for DuckDB's ``from_json(line, spec)`` / ``read_json(columns=)``
                         (one parse per line, only the fields any dialect uses, nested parts typed);
* ``normalize_sql()``    one SELECT that classifies every line and COALESCEs the aliases into
                         calls / spans / events / problems columns, plus ``python`` for lines a
                         complex dialect must handle in Python (OTLP, Langfuse, LangSmith, ...);
* ``PyNormalizer``       the same mapping as Python closures over an ``orjson.loads`` dict, for
                         lines that reach Python anyway (fallbacks, records inside documents).

The few derived rules (merge key, status, "tokens of a failed call are unknown", start = end -
latency, provider from the model name, search text) are written twice, side by side, in
``_SQL_REPLACED``/``_SQL_ADDED`` and ``PyNormalizer._derive``; ``python aliases.py`` checks that both compilations
agree on the bench file and on edge cases.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson

# --- shared alias lists (llmview keeps these in formats/logfields.py) ----------------------------

TS = ("timestamp", "time", "ts", "@timestamp", "created_at", "asctime")
IN_TOK = ("prompt_tokens", "input_tokens", "usage.prompt_tokens", "usage.input_tokens")
OUT_TOK = ("completion_tokens", "output_tokens", "usage.completion_tokens", "usage.output_tokens")
TOT_TOK = ("total_tokens", "usage.total_tokens")
ERROR = ("error", "error_message", "exception", "error_str")


def _under(prefix: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"{prefix}.{p}" for p in paths)


# Output columns of each normalized table and their type (text, json, int, float, ts).
CALL_COLUMNS = {
    "ts": "ts", "request_id": "text", "model": "text", "provider": "text",
    "finish_reason": "text", "input_tokens": "int", "output_tokens": "int",
    "total_tokens": "int", "latency_ms": "float", "messages": "json", "output": "text",
    "error": "text", "level": "text",
}
SPAN_COLUMNS = {
    "trace_id": "text", "span_id": "text", "parent_id": "text", "name": "text", "start_ts": "ts",
    "end_ts": "ts", "duration_ms": "float", "status": "text", "error": "text",
    "attributes": "json", "events": "json",
}
EVENT_COLUMNS = {"ts": "ts", "level": "text", "message": "text", "app": "text"}
TABLE_COLUMNS = {"calls": CALL_COLUMNS, "spans": SPAN_COLUMNS, "events": EVENT_COLUMNS}

# A condition is (op, path[, values]): "in" (text value among values), "has" (non-null), "lacks".
Cond = tuple


@dataclass(frozen=True)
class Dialect:
    name: str
    table: str  # calls | spans | events | python
    claims: tuple[tuple[Cond, ...], ...]  # any of (all of conditions)
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ts_is_end: bool = False  # the line was written when the call ended: start = ts - latency


DIALECTS: list[Dialect] = [
    # Complex dialects stay in Python (they explode arrays, decode attribute lists, ...).
    Dialect("python", "python", (
        (("has", "resourceSpans"),), (("has", "observations"),), (("has", "run_type"),),
        (("has", "custom_id"),), (("has", "call_type"), ("has", "startTime")),
        (("has", "record"),), (("has", "spanContext"),), (("has", "context"),),
        (("has", "choices"),), (("has", "span_id"), ("has", "trace_id"), ("has", "attributes"),
                                ("llm_attr", "attributes")),
    )),
    Dialect("seed_interaction", "calls",
            ((("in", "event", ("llm_interaction", "llm_interaction_full")),),),
            {
                "request_id": ("request_id",),
                "ts": ("timestamp",),
                "model": ("llm_raw_response.model", "model", "llm_config.model_name",
                          "llm_config.model"),
                "messages": ("prompt_messages",),
                "output": ("llm_raw_response.choices.0.message.content",
                           "llm_raw_response.content.0.text", "parsed_output"),
                "finish_reason": ("llm_raw_response.choices.0.finish_reason",
                                  "llm_raw_response.stop_reason"),
                "input_tokens": _under("llm_raw_response", IN_TOK),
                "output_tokens": _under("llm_raw_response", OUT_TOK),
                "total_tokens": _under("llm_raw_response", TOT_TOK),
                "error": ERROR,
            }),
    Dialect("structlog_entry", "calls", (
        (("in", "event", ("llm_request",)), ("has", "model")),
        (("has", "request_id"), ("has", "timestamp"), ("has", "model"), ("has", "provider"),
         ("has", "operation")),
    ), {
        "request_id": ("request_id",), "ts": ("timestamp",), "model": ("model",),
        "provider": ("provider",), "messages": ("messages",), "finish_reason": ("finish_reason",),
        "input_tokens": IN_TOK, "output_tokens": OUT_TOK, "total_tokens": TOT_TOK,
        "latency_ms": ("latency_ms",), "error": ERROR, "level": ("level",),
    }, ts_is_end=True),
    Dialect("seed_request_log", "calls", (
        (("in", "message", ("LLM_REQUEST", "LLM_RESPONSE")), ("has", "llm_log")),
        (("lacks", "event"), ("has", "request_id"), ("has", "timestamp"), ("has", "model"),
         ("has", "messages")),
        (("lacks", "event"), ("has", "request_id"), ("has", "timestamp"), ("has", "content"),
         ("has", "finish_reason")),
    ), {
        "request_id": ("request_id", "llm_log.request_id"),
        "ts": ("timestamp", "llm_log.timestamp", "asctime"),
        "model": ("model", "llm_log.model"),
        "messages": ("messages", "llm_log.messages"),
        "output": ("content", "llm_log.content"),
        "finish_reason": ("finish_reason", "llm_log.finish_reason"),
        "input_tokens": IN_TOK + _under("llm_log", IN_TOK),
        "output_tokens": OUT_TOK + _under("llm_log", OUT_TOK),
        "total_tokens": TOT_TOK + _under("llm_log", TOT_TOK),
        "latency_ms": ("latency_ms", "llm_log.latency_ms"),
        "error": ERROR + _under("llm_log", ERROR),
    }, ts_is_end=True),
    Dialect("seed_span", "spans", ((("has", "span_id"), ("has", "trace_id")),), {
        "trace_id": ("trace_id",), "span_id": ("span_id",),
        "parent_id": ("parent_id", "parent_span_id"), "name": ("name",),
        "start_ts": ("start_time", "startTime"), "end_ts": ("end_time", "endTime"),
        "duration_ms": ("duration_ms",), "status": ("status",), "error": ("error",),
        "attributes": ("attributes",), "events": ("events",),
    }),
    # Anything else is an event (never dropped).
    Dialect("event", "events", ((),), {
        "ts": TS, "level": ("level", "levelname", "severity"),
        "message": ("message", "msg", "event"), "app": ("service", "app", "logger", "name"),
    }),
]

PROVIDERS = (  # model-name prefix -> provider, when the log does not say
    (("gpt-", "o1", "o3", "o4", "text-embedding", "davinci", "chatgpt"), "openai"),
    (("claude",), "anthropic"),
    (("gemini", "palm"), "google"),
    (("mistral", "mixtral", "codestral"), "mistral"),
    (("command",), "cohere"),
    (("deepseek",), "deepseek"),
    (("llama", "qwen", "phi", "gemma"), "local"),
)


def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in path.split("."))


# --- the spec tree ---------------------------------------------------------------------------------


def _field_paths() -> dict[str, str]:
    """Every path a field reads, with its leaf type: JSON for nested parts, BIGINT / DOUBLE when
    every column reading the path is int / float (from_json then converts while parsing, which
    is much cheaper than text and a cast afterwards), else VARCHAR."""
    kinds: dict[str, set[str]] = {}
    for d in DIALECTS:
        for col, paths in d.fields.items():
            for p in paths:
                kinds.setdefault(p, set()).add(TABLE_COLUMNS[d.table][col])
    leaf = {"json": "JSON", "int": "BIGINT", "float": "DOUBLE"}
    return {p: leaf.get(next(iter(k)), "VARCHAR") if len(k) == 1 else "VARCHAR"
            for p, k in kinds.items()}


def _tree() -> dict:
    """Nested dict: key -> subtree | leaf type. A path under a leaf is read from the leaf text.
    Paths only named by claims are VARCHAR leaves unless fields already made them a struct
    (then "has" tests the struct)."""
    tree: dict = {}
    claim_paths = {c[1]: "VARCHAR" for d in DIALECTS for g in d.claims for c in g}
    items = sorted(_field_paths().items(), key=lambda kv: len(kv[0]))
    items += sorted(claim_paths.items(), key=lambda kv: len(kv[0]))
    for path, leaf in items:
        node = tree
        steps = _steps(path)
        for i, step in enumerate(steps):
            key = "[]" if isinstance(step, int) else step
            last = i == len(steps) - 1
            if isinstance(node.get(key), str):
                break  # an ancestor is a leaf: extracted from its text at query time
            if last:
                if key not in node:
                    node[key] = leaf
            else:
                node = node.setdefault(key, {})
    return tree


def _spec_json(node: dict) -> Any:
    out: dict[str, Any] = {}
    for key, sub in node.items():
        if key == "[]":
            continue
        if isinstance(sub, str):
            out[key] = sub
        elif "[]" in sub:  # a list: [element structure]
            elem = sub["[]"]
            out[key] = [elem if isinstance(elem, str) else _spec_json(elem)]
        else:
            out[key] = _spec_json(sub)
    return out


def from_json_spec() -> str:
    return json.dumps(_spec_json(_tree()))


def _duck_type(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return _duck_type(node[0]) + "[]"
    return "STRUCT(" + ", ".join(f'"{k}" {_duck_type(v)}' for k, v in node.items()) + ")"


def read_json_columns() -> dict[str, str]:
    """The same structure as an explicit ``read_json(columns=...)`` map of DuckDB types."""
    return {k: _duck_type(v) for k, v in _spec_json(_tree()).items()}


# --- SQL ---------------------------------------------------------------------------------------------


def _sql_path(path: str, root: str = "p") -> str:
    """Access expression for a path in the parsed struct (1-based list indexes)."""
    tree = _tree()
    node: Any = tree
    expr = root
    steps = _steps(path)
    for i, step in enumerate(steps):
        key = "[]" if isinstance(step, int) else step
        sub = node.get(key) if isinstance(node, dict) else None
        expr = f"{expr}[{step + 1}]" if isinstance(step, int) else f'{expr}."{step}"'
        if isinstance(sub, str) and i < len(steps) - 1:  # read the rest from the leaf's text
            rest = "".join(f"[{s}]" if isinstance(s, int) else f'."{s}"' for s in steps[i + 1:])
            return f"try(json_extract_string({expr}, '${rest}'))"
        node = sub
    return expr


def _cond_sql(cond: Cond) -> str:
    op, path = cond[0], cond[1]
    x = _sql_path(path)
    if op == "in":
        return f"{x} IN ({', '.join(repr(v) for v in cond[2])})"
    if op == "has":
        return f"{x} IS NOT NULL"
    if op == "lacks":
        return f"{x} IS NULL"
    if op == "llm_attr":  # attributes naming an LLM call (gen_ai.*, llm.*, openinference)
        return (f"regexp_matches({x}, '\"(gen_ai\\.|llm\\.|openinference\\.)')")
    raise ValueError(op)


def _claims_sql(d: Dialect) -> str:
    groups = [" AND ".join(_cond_sql(c) for c in g) or "true" for g in d.claims]
    return " OR ".join(f"({g})" for g in groups)


_CAST = {
    "text": "{x}",
    "json": "{x}",
    "int": "TRY_CAST({x} AS BIGINT)",
    "float": "TRY_CAST({x} AS DOUBLE)",
    # epoch seconds (or ms) as a number, or ISO text (naive = session TimeZone), to a UTC TIMESTAMP
    "ts": "CASE WHEN TRY_CAST({x} AS DOUBLE) IS NOT NULL THEN make_timestamp(CAST("
          "TRY_CAST({x} AS DOUBLE) * CASE WHEN TRY_CAST({x} AS DOUBLE) > 1e11 THEN 1e3 ELSE 1e6 "
          "END AS BIGINT)) ELSE make_timestamp(epoch_us(TRY_CAST({x} AS TIMESTAMPTZ))) END",
}


def _column_sql(table: str, col: str, kind: str) -> str:
    """CASE over the dialects of ``table``: COALESCE of that dialect's aliases, typed."""
    by_paths: dict[tuple[str, ...], list[str]] = {}
    for d in DIALECTS:
        if d.table == table and col in d.fields:
            by_paths.setdefault(d.fields[col], []).append(d.name)
    if not by_paths:
        return f"NULL::{_SQL_TYPE[kind]}"
    whens = []
    for paths, names in by_paths.items():
        raw = ", ".join(_sql_path(p) for p in paths)
        raw = f"coalesce({raw})" if len(paths) > 1 else raw
        whens.append(f"WHEN dialect IN ({', '.join(repr(n) for n in names)}) THEN "
                     + _CAST[kind].format(x=raw))
    return f"CASE {' '.join(whens)} END"


_SQL_TYPE = {"text": "VARCHAR", "json": "JSON", "int": "BIGINT", "float": "DOUBLE",
             "ts": "TIMESTAMP"}

_PROVIDER_SQL = "CASE " + " ".join(
    "WHEN " + " OR ".join(f"starts_with(lower(c_model), '{p}')" for p in prefixes)
    + f" THEN '{provider}'" for prefixes, provider in PROVIDERS) + " END"

_TS_END = [d.name for d in DIALECTS if d.ts_is_end]

# Derived call columns, SQL side (the Python side is PyNormalizer._derive).
_SQL_REPLACED = f"""
    CASE WHEN dialect IN ({', '.join(repr(n) for n in _TS_END)}) AND c_latency_ms IS NOT NULL
         THEN c_ts - to_microseconds(CAST(c_latency_ms * 1000 AS BIGINT)) ELSE c_ts END AS c_ts,
    coalesce(c_provider, {_PROVIDER_SQL}) AS c_provider"""
_SQL_ADDED = """
    CASE WHEN kind = 'calls' THEN coalesce('req:' || c_request_id,
         'src:' || file_id || ':' || "offset") END AS c_key,
    CASE WHEN kind <> 'calls' THEN NULL
         WHEN c_error IS NOT NULL OR c_finish_reason = 'error' OR c_level = 'error' THEN 'error'
         WHEN c_output IS NOT NULL OR c_finish_reason IS NOT NULL OR c_output_tokens IS NOT NULL
         THEN 'ok' END AS c_status"""


def _extract_struct_sql() -> str:
    """The from_json struct rebuilt from two multi-path extractions (one parse each):
    ``json_extract_string(line, [text paths])`` and ``json_extract(line, [JSON paths])``."""
    text_paths: list[str] = []
    json_paths: list[str] = []

    def jp(prefix: str, key: str) -> str:
        return f'{prefix}."{key}"' if not key.isidentifier() else f"{prefix}.{key}"

    def build(node: dict, prefix: str) -> str:
        parts = []
        for key, sub in node.items():
            if key == "[]":
                continue
            path = jp(prefix, key)
            if sub == "JSON":
                json_paths.append(path)
                parts.append(f'"{key}" := __j[{len(json_paths)}]')
            elif isinstance(sub, str):
                text_paths.append(path)
                parts.append(f'"{key}" := __v[{len(text_paths)}]')
            elif "[]" in sub:
                elem = sub["[]"]
                inner = build(elem, path + "[0]") if isinstance(elem, dict) else "NULL"
                parts.append(f'"{key}" := [{inner}]')
            else:
                parts.append(f'"{key}" := {build(sub, path)}')
        return "struct_pack(" + ", ".join(parts) + ")"

    struct = build(_tree(), "$")
    tp = ", ".join("'" + p.replace("'", "''") + "'" for p in text_paths)
    jps = ", ".join("'" + p.replace("'", "''") + "'" for p in json_paths)
    return (f"(SELECT CASE WHEN __v IS NOT NULL THEN {struct} END FROM (SELECT "
            f"try(json_extract_string(line, [{tp}])) AS __v, "
            f"try(json_extract(line, [{jps}])) AS __j))")


def normalize_sql(source: str, *, file_id: str = "file_id", parser: str = "from_json") -> str:
    """One SELECT over ``source`` (columns line_no, offset, length, line) giving a wide row per
    line: ``kind`` (calls/spans/events/python/problem/blank), ``dialect`` and every output
    column prefixed c_/s_/e_. ``parser``: from_json (one parse into the spec's struct) or
    extract (json_extract_string with a list of paths)."""
    dialect_case = "CASE WHEN p IS NULL THEN 'problem' " + " ".join(
        f"WHEN {_claims_sql(d)} THEN '{d.name}'" for d in DIALECTS) + " END"
    kind_case = "CASE dialect WHEN 'problem' THEN 'problem' " + " ".join(
        f"WHEN '{d.name}' THEN '{d.table}'" for d in DIALECTS) + " END"
    cols = []
    for table, prefix in (("calls", "c_"), ("spans", "s_"), ("events", "e_")):
        for col, kind in TABLE_COLUMNS[table].items():
            cols.append(f"{_column_sql(table, col, kind)} AS {prefix}{col}")
    spec = from_json_spec().replace("'", "''")
    parse = (f"try(from_json(line, '{spec}'))" if parser == "from_json"
             else _extract_struct_sql())
    return f"""
WITH parsed AS (
    SELECT {file_id} AS file_id, line_no, "offset", length, line,
           CASE WHEN starts_with(line, '{{') OR ltrim(line, ' \t') LIKE '{{%' THEN {parse} END AS p
    FROM {source}
    -- blank lines are no records (CASE, so the slow trim only runs on the rare non-'{{' lines)
    WHERE CASE WHEN starts_with(line, '{{') THEN true ELSE trim(line, ' \t\r\n') <> '' END
), classified AS (
    SELECT *, {dialect_case} AS dialect FROM parsed
), mapped AS (
    SELECT file_id, line_no, "offset", length, dialect, {kind_case} AS kind,
           CASE WHEN dialect IN ('problem', 'python') THEN line END AS raw,
           {', '.join(cols)}
    FROM classified
), derived AS (
    SELECT * REPLACE ({_SQL_REPLACED}), {_SQL_ADDED}
    FROM mapped
)
SELECT * REPLACE (
    CASE WHEN c_status = 'error' AND c_input_tokens = 0 THEN NULL ELSE c_input_tokens END
        AS c_input_tokens,
    CASE WHEN c_status = 'error' AND c_output_tokens = 0 THEN NULL ELSE c_output_tokens END
        AS c_output_tokens,
    CASE WHEN c_status = 'error' AND coalesce(c_total_tokens, 0) = 0 THEN NULL
         ELSE coalesce(c_total_tokens, c_input_tokens + c_output_tokens) END AS c_total_tokens,
    nullif(c_finish_reason, 'error') AS c_finish_reason,
    coalesce(s_duration_ms, date_diff('microsecond', s_start_ts, s_end_ts) / 1000.0)
        AS s_duration_ms),
    CASE WHEN kind = 'calls' THEN lower(concat_ws(chr(10),
        nullif(array_to_string(try(json_extract_string(c_messages, '$[*].content')), chr(10)), ''),
        c_output, c_error)) END AS c_search_text,
    CASE WHEN kind = 'events' THEN lower(e_message) END AS e_search_text
FROM derived
"""


# --- Python ------------------------------------------------------------------------------------------


def _getter(path: str):
    steps = _steps(path)

    def get(obj: Any) -> Any:
        for step in steps:
            if isinstance(step, int):
                if not isinstance(obj, list) or len(obj) <= step:
                    return None
            elif not isinstance(obj, dict):
                return None
            obj = obj[step] if isinstance(step, int) else obj.get(step)
            if obj is None:
                return None
        return obj

    if len(steps) == 1:  # the common case, one dict lookup
        key = steps[0]
        return lambda obj: obj.get(key)
    return get


def _coalesce(paths: tuple[str, ...]):
    getters = [_getter(p) for p in paths]
    if len(getters) == 1:
        return getters[0]

    def first(obj: Any) -> Any:
        for g in getters:
            v = g(obj)
            if v is not None:
                return v
        return None

    return first


def _as_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return _dumps(v)


def _dumps(v: Any) -> str:
    try:
        return orjson.dumps(v).decode()
    except TypeError:  # ints beyond 64 bits
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _as_json(v: Any) -> str | None:
    return None if v is None else _dumps(v)


def _as_float(v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, (int, float)):  # bool too: true is 1.0, as from_json(..., DOUBLE)
        return float(v)
    try:
        return float(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _as_int(v: Any) -> int | None:
    """As from_json(..., BIGINT) converts: numbers round half to even, numeric text rounds half
    up, true is 1, out of range is unknown."""
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v if -(2**63) <= v < 2**63 else None
    if isinstance(v, float):
        return round(v) if v == v and abs(v) < 2**63 else None
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            pass
        try:
            f = float(v)
        except ValueError:
            return None
        if f != f or abs(f) >= 2**63:
            return None
        return int(math.floor(f + 0.5)) if f >= 0 else -int(math.floor(-f + 0.5))
    return None


def _as_ts(v: Any, tz=timezone.utc) -> int | None:
    """Epoch microseconds (UTC), as the SQL side computes it."""
    if isinstance(v, bool):
        return None
    f = _as_float(v)
    if f is not None:
        return int(f * (1e3 if f > 1e11 else 1e6))
    if isinstance(v, str):
        try:
            d = datetime.fromisoformat(v.strip())
        except ValueError:
            return None
        if d.tzinfo is None:
            d = d.replace(tzinfo=tz)
        return int((d - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1e6)
    return None


_PY_CAST = {"text": _as_text, "json": _as_json, "int": _as_int, "float": _as_float, "ts": _as_ts}


def _py_cond(cond: Cond):
    op, get = cond[0], _getter(cond[1])
    if op == "in":
        values = set(cond[2])
        return lambda o: _as_text(get(o)) in values
    if op == "has":
        return lambda o: get(o) is not None
    if op == "lacks":
        return lambda o: get(o) is None
    if op == "llm_attr":
        return lambda o: isinstance(get(o), dict) and any(
            k.startswith(("gen_ai.", "llm.", "openinference.")) for k in get(o))
    raise ValueError(op)


def provider_of(model: str | None) -> str | None:
    if not model:
        return None
    low = model.lower()
    for prefixes, provider in PROVIDERS:
        if low.startswith(prefixes):
            return provider
    return None


class PyNormalizer:
    """The same mapping over a decoded dict: ``(kind, dialect, row)``."""

    def __init__(self) -> None:
        self.dialects = []
        for d in DIALECTS:
            groups = [[_py_cond(c) for c in g] for g in d.claims]
            cols = TABLE_COLUMNS.get(d.table, {})
            fields = [(col, _coalesce(paths), _PY_CAST[cols[col]])
                      for col, paths in d.fields.items()]
            self.dialects.append((d, groups, fields))

    def classify(self, obj: dict) -> tuple[Dialect, list]:
        for d, groups, fields in self.dialects:
            if any(all(c(obj) for c in g) for g in groups):
                return d, fields
        raise AssertionError("the event dialect claims everything")

    def normalize(self, obj: Any, file_id: int, offset: int) -> tuple[str, str, dict]:
        if not isinstance(obj, dict):
            return "problem", "problem", {}
        d, fields = self.classify(obj)
        row = {col: cast(get(obj)) for col, get, cast in fields}
        if d.table == "calls":
            self._derive(d, row, file_id, offset)
        elif d.table == "spans":
            if row.get("duration_ms") is None and row.get("start_ts") is not None \
                    and row.get("end_ts") is not None:
                row["duration_ms"] = (row["end_ts"] - row["start_ts"]) / 1000.0
        elif d.table == "events":
            msg = row.get("message")
            row["search_text"] = msg.lower() if msg is not None else None
        return d.table, d.name, row

    @staticmethod
    def _derive(d: Dialect, row: dict, file_id: int, offset: int) -> None:
        rid = row.get("request_id")
        row["key"] = f"req:{rid}" if rid is not None else f"src:{file_id}:{offset}"
        if d.ts_is_end and row.get("ts") is not None and row.get("latency_ms") is not None:
            row["ts"] -= round(row["latency_ms"] * 1000)
        row["provider"] = row.get("provider") or provider_of(row.get("model"))
        fr = row.get("finish_reason")
        if row.get("error") is not None or fr == "error" or row.get("level") == "error":
            status = "error"
        elif row.get("output") is not None or fr is not None or \
                row.get("output_tokens") is not None:
            status = "ok"
        else:
            status = None
        row["status"] = status
        tin, tout, ttot = row.get("input_tokens"), row.get("output_tokens"), row.get("total_tokens")
        if status == "error":
            tin = None if tin == 0 else tin
            tout = None if tout == 0 else tout
            ttot = None if not ttot else ttot
        elif ttot is None and tin is not None and tout is not None:
            ttot = tin + tout
        row["input_tokens"], row["output_tokens"], row["total_tokens"] = tin, tout, ttot
        row["finish_reason"] = None if fr == "error" else fr
        parts = []
        decoded = row.get("messages")
        if isinstance(decoded, str):
            try:
                decoded = json.loads(decoded)
            except ValueError:
                decoded = None
        if decoded is not None:
            if isinstance(decoded, list):
                for m in decoded:
                    c = m.get("content") if isinstance(m, dict) else None
                    if c is not None:
                        parts.append(_as_text(c))
        text = "\n".join(parts) if parts else None
        pieces = [x for x in (text, row.get("output"), row.get("error")) if x is not None]
        row["search_text"] = "\n".join(pieces).lower()


def _p(obj: Any, steps: tuple) -> Any:
    for step in steps:
        if type(step) is int:
            if type(obj) is not list or len(obj) <= step:
                return None
            obj = obj[step]
        elif type(obj) is dict:
            obj = obj.get(step)
        else:
            return None
        if obj is None:
            return None
    return obj


def _llm_attr(v: Any) -> bool:
    return isinstance(v, dict) and any(
        k.startswith(("gen_ai.", "llm.", "openinference.")) for k in v)


def _get_src(path: str) -> str:
    steps = _steps(path)
    return f"g({steps[0]!r})" if len(steps) == 1 else f"_p(o, {steps!r})"


_CAST_SRC = {  # skip the call when the value already has the type
    "text": "v if v is None or type(v) is str else _as_text(v)",
    "json": "v",  # kept raw until after _derive, then serialized
    "int": "v if type(v) is int and -9223372036854775808 <= v <= 9223372036854775807 "
           "else _as_int(v)",
    "float": "float(v) if type(v) is int or type(v) is float else _as_float(v)",
    "ts": "_as_ts(v)",
}


def _cond_src(cond: Cond) -> str:
    op, x = cond[0], _get_src(cond[1])
    if op == "in":
        return f"{x} in {frozenset(cond[2])!r}"
    return {"has": f"{x} is not None", "lacks": f"{x} is None",
            "llm_attr": f"_llm_attr({x})"}[op]


def compile_python_source() -> str:
    """Straight-line Python generated from DIALECTS: ``classify(o) -> index`` and one
    ``map_<i>(o) -> row`` per dialect (the alias COALESCE as ``if v is None`` chains)."""
    out = ["def classify(o):", "    g = o.get"]
    for i, d in enumerate(DIALECTS):
        groups = [" and ".join(_cond_src(c) for c in g) or "True" for g in d.claims]
        out.append(f"    if {' or '.join(f'({g})' for g in groups)}: return {i}")
    out.append(f"    return {len(DIALECTS) - 1}")
    for i, d in enumerate(DIALECTS):
        out += ["", f"def map_{i}(o):", "    g = o.get", "    r = {}"]
        cols = TABLE_COLUMNS.get(d.table, {})
        for col, paths in d.fields.items():
            out.append(f"    v = {_get_src(paths[0])}")
            for p in paths[1:]:
                out.append(f"    if v is None: v = {_get_src(p)}")
            out.append(f"    r[{col!r}] = {_CAST_SRC[cols[col]]}")
        out.append("    return r")
    return "\n".join(out) + "\n"


class PyCompiled(PyNormalizer):
    """PyNormalizer with the mapping compiled to Python source (as fast as hand-written)."""

    def __init__(self) -> None:
        super().__init__()
        scope = {"_p": _p, "_as_text": _as_text, "_as_int": _as_int, "_as_float": _as_float,
                 "_as_ts": _as_ts, "_llm_attr": _llm_attr}
        exec(compile(compile_python_source(), "<aliases>", "exec"), scope)  # noqa: S102
        self._classify = scope["classify"]
        self._maps = [scope[f"map_{i}"] for i in range(len(DIALECTS))]
        self._json_cols = [[c for c in d.fields if TABLE_COLUMNS.get(d.table, {}).get(c) == "json"]
                           for d in DIALECTS]

    def normalize(self, obj: Any, file_id: int, offset: int) -> tuple[str, str, dict]:
        if type(obj) is not dict:
            return "problem", "problem", {}
        i = self._classify(obj)
        d = DIALECTS[i]
        row = self._maps[i](obj)
        table = d.table
        if table == "calls":
            self._derive(d, row, file_id, offset)
        elif table == "spans":
            if row.get("duration_ms") is None and row.get("start_ts") is not None \
                    and row.get("end_ts") is not None:
                row["duration_ms"] = (row["end_ts"] - row["start_ts"]) / 1000.0
        elif table == "events":
            msg = row.get("message")
            row["search_text"] = msg.lower() if msg is not None else None
        for col in self._json_cols[i]:
            v = row[col]
            if v is not None:
                row[col] = _dumps(v)
        return table, d.name, row


# --- self-test: both compilations agree -------------------------------------------------------------

EDGE_LINES = [
    '{"event": "llm_interaction", "request_id": "e1", "timestamp": 1763600000, '
    '"llm_config": {"model_name": "claude-3-5"}, "prompt_messages": [{"role": "user", '
    '"content": "Hi"}], "llm_raw_response": "just text", "parsed_output": {"a": 1}}',
    '{"message": "LLM_RESPONSE", "llm_log": {"request_id": "e2", "timestamp": '
    '"2026-11-20T10:00:01+02:00", "content": "x", "finish_reason": "error", "latency_ms": 100, '
    '"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "error": "boom"}}',
    '{"event": "llm_request", "model": "gpt-4o", "request_id": "e3", "level": "error", '
    '"timestamp": "2026-11-20T10:00:02Z", "prompt_tokens": "12", "latency_ms": "5"}',
    '{"resourceSpans": [{"scopeSpans": []}]}',
    '{"span_id": "a", "trace_id": "b", "attributes": {"gen_ai.system": "openai"}}',
    '{"span_id": "a", "trace_id": "b", "start_time": 1763600000.5, "end_time": 1763600001}',
    '{"msg": "plain", "levelname": "WARNING", "time": "2026-11-20 10:00:00"}',
    '{"model": 5, "request_id": 7, "timestamp": "yesterday", "messages": "not a list", '
    '"content": ["a"], "finish_reason": "stop"}',
    '{"event": "llm_request", "model": "m", "request_id": "e9", "timestamp": true, '
    '"prompt_tokens": 40.5, "completion_tokens": "12.5", "total_tokens": true, '
    '"latency_ms": "abc"}',
    '{"event": "llm_request", "model": "m", "request_id": "e10", "timestamp": "1763600000123", '
    '"prompt_tokens": 41.5, "completion_tokens": -3.5, "total_tokens": 12345678901234567890, '
    '"latency_ms": true}',
    'not json at all', '[1, 2]', '   ', '2026-11-20 10:00:00,123 - app - INFO - {"msg": "x"}',
]


def selftest(path: str, lines: int = 3000) -> None:
    import duckdb
    import pyarrow as pa

    with open(path, "rb") as f:
        raw = [f.readline().rstrip(b"\n").decode() for _ in range(lines)]
    raw += EDGE_LINES
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    src = pa.table({"line_no": list(range(1, len(raw) + 1)), "offset": list(range(len(raw))),
                    "length": [len(x) for x in raw], "line": raw})
    con.register("src", src)
    sql_rows = con.sql(f"SELECT * REPLACE (epoch_us(c_ts) AS c_ts, epoch_us(s_start_ts) AS "
                           f"s_start_ts, epoch_us(s_end_ts) AS s_end_ts, epoch_us(e_ts) AS e_ts) "
                           f"FROM ({normalize_sql('src', file_id='1')}) ORDER BY line_no"
                           ).to_arrow_table().to_pylist()
    for norm in (PyNormalizer(), PyCompiled()):
        _compare(norm, raw, sql_rows)


def _compare(norm: PyNormalizer, raw: list[str], sql_rows: list[dict]) -> None:
    import orjson

    by_line = {r["line_no"]: r for r in sql_rows}
    bad = 0
    for i, text in enumerate(raw, 1):
        if not text.strip():
            assert i not in by_line
            continue
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            obj = None
        kind, dialect, row = norm.normalize(obj, 1, i - 1) if obj is not None else (
            "problem", "problem", {})
        s = by_line[i]
        if not isinstance(obj, dict) and s["kind"] != "problem":
            # DuckDB parses a non-object into an all-NULL struct; it is still not a record
            s["kind"] = "problem" if text.lstrip()[:1] != "{" else s["kind"]
        diffs = []
        if (s["kind"], s["dialect"]) != (kind, dialect):
            diffs.append(f"kind {s['kind']}/{s['dialect']} vs {kind}/{dialect}")
        prefix = {"calls": "c_", "spans": "s_", "events": "e_"}.get(kind)
        for col, val in row.items() if prefix else ():
            sv = s.get(prefix + col)
            if col in ("messages", "attributes", "events") and sv is not None:
                sv = json.dumps(json.loads(sv), separators=(",", ":"), ensure_ascii=False)
            if isinstance(val, float) and isinstance(sv, float) and abs(val - sv) < 1e-6:
                continue
            if sv != val:
                diffs.append(f"{col}: sql={sv!r} py={val!r}")
        if diffs:
            bad += 1
            if bad <= 12:
                print(f"line {i} {text[:70]!r}\n   " + "\n   ".join(diffs))
    print(f"selftest {type(norm).__name__}: {len(raw)} lines, {bad} differ from SQL")


if __name__ == "__main__":
    import sys

    if "--spec" in sys.argv:
        sys.argv.remove("--spec")
        print(from_json_spec())
        print(read_json_columns())
        print(compile_python_source())
    selftest(sys.argv[1] if len(sys.argv) > 1 else "/tmp/ingest-bench/mixed.jsonl")
