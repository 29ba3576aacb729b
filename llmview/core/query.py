"""The search language, compiled to a parameterized DuckDB ``WHERE`` expression.

``model:gpt-4o status:error latency>2s tokens>1.5k user:alice since:1h -has:tools "exact phrase"``

Terms AND together; ``a OR b`` binds tighter than the implicit AND (``AND`` may be written out).
Safety rests on two rules: every value the user typed becomes a bound ``?`` parameter, and every
piece of SQL text comes from the fixed field tables below. A query either compiles to SQL that
DuckDB accepts or raises :class:`QueryError` saying where and what was expected, so the UI can
underline the mistake instead of showing a database error.

Matching rules, per field kind:

- free words, ``"phrases"`` and ``text`` fields: case-insensitive substring, ``contains`` on a
  lower-cased column (1.5-3x faster than ``LIKE ? ESCAPE`` on 1M rows, see bench/search.py);
- ``enum``: case-insensitive equality, ``value*`` for a prefix; fields with a closed set of values
  (``status``, ``has``) check the value and use a fixed predicate per value;
- ``id``: equality as typed, and a hex-looking value (``0x`` optional, any case, dashes allowed)
  also in the lower-case form ingest stores ids in; trace/span/request ids of 4+ characters match
  as prefixes, like an abbreviated commit hash; ``value*`` forces a prefix;
- numbers: ``> >= < <= =`` or ``:`` with units (``2s``, ``1.5k``, ``$0.01``); a missing value
  never matches a comparison, and ``-field...`` keeps rows whose value is missing;
- ``since:``/``until:``: relative (``15m``, ``2d``) or absolute (``2026-11-20T10:00+02:00``) times,
  compared to the bare timestamp column so DuckDB can skip row groups by their zonemaps; an
  absolute date without a time in ``until:`` includes that whole day.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, NoReturn

from .diagnose import CATEGORIES, failed_call_sql

__all__ = [
    "Compiled",
    "Field",
    "QueryError",
    "TARGETS",
    "Term",
    "Value",
    "compile_query",
    "parse",
]


class QueryError(ValueError):
    """A query that cannot be compiled: what was expected and where, for inline display."""

    def __init__(self, message: str, position: int, length: int = 1) -> None:
        super().__init__(message, position, length)
        self.message = message
        self.position = position  # 0-based offset into the query text
        self.length = length  # characters to underline (0: a point, e.g. a missing value)

    def __str__(self) -> str:
        return f"{self.message} (at column {self.position + 1})"


# --------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Value:
    """One value as typed: ``text`` is unquoted and unescaped; ``start``/``end`` span the source
    text including any quotes."""

    text: str
    start: int
    end: int
    quoted: bool = False


@dataclass(frozen=True)
class Term:
    """One term of a query, with source offsets for highlighting.

    ``kind`` is ``"word"``, ``"phrase"``, ``"field"`` or one of the connectives ``"or"``/``"and"``.
    For a field term the name starts at ``start + negated`` and the operator follows it.
    """

    kind: str
    start: int
    end: int
    negated: bool = False
    field: str = ""
    op: str = ""
    values: tuple[Value, ...] = ()


_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(>=|<=|[:=<>])")
_BARE_VALUE = re.compile(r"[^\s,]*")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_UNESCAPE = re.compile(r'\\(["\\])')
_CONNECTIVES = {"OR": "or", "AND": "and"}


def parse(text: str) -> list[Term]:
    """Split a query into terms; raises QueryError for what no target could accept (an unclosed
    quote, a missing value). Field names are checked later, by :func:`compile_query`."""
    terms: list[Term] = []
    pos = 0
    while True:
        space = _SPACE.match(text, pos)
        if space:
            pos = space.end()
        if pos >= len(text):
            return terms
        term = _term(text, pos)
        terms.append(term)
        pos = term.end


def _term(text: str, start: int) -> Term:
    pos = start
    negated = text[pos] == "-"
    if negated:
        pos += 1
        if pos == len(text) or text[pos].isspace():
            raise QueryError("-: expected a word, \"phrase\" or field:value after '-'", start)
    if text[pos] == '"':
        phrase = _quoted(text, pos)
        if not phrase.text:
            raise QueryError('"": empty phrase', pos, phrase.end - pos)
        return Term("phrase", start, phrase.end, negated, values=(phrase,))
    field = _FIELD.match(text, pos)
    if field:
        values, end = _values(text, field.end(), field.group(0))
        return Term("field", start, end, negated, field.group(1), field.group(2), values)
    end = _WORD.match(text, pos).end()  # type: ignore[union-attr]  # text[pos] is not a space
    word = text[pos:end]
    if not negated and word in _CONNECTIVES:
        return Term(_CONNECTIVES[word], start, end)
    return Term("word", start, end, negated, values=(Value(word, pos, end),))


def _quoted(text: str, start: int) -> Value:
    match = _QUOTED.match(text, start)
    if not match:
        raise QueryError('unclosed quote: expected a closing "', start, len(text) - start)
    return Value(_UNESCAPE.sub(r"\1", match.group(1)), start, match.end(), True)


def _values(text: str, pos: int, prefix: str) -> tuple[tuple[Value, ...], int]:
    """The comma-separated values after ``field:``; each may be quoted."""
    values: list[Value] = []
    while True:
        if pos < len(text) and text[pos] == '"':
            value = _quoted(text, pos)
        else:
            end = _BARE_VALUE.match(text, pos).end()  # type: ignore[union-attr]  # matches ""
            value = Value(text[pos:end], pos, end)
        if not value.text:
            raise QueryError(f"{prefix} expected a value", pos, value.end - pos)
        values.append(value)
        pos = value.end
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        return tuple(values), pos


# ---------------------------------------------------------------------------------- field tables


@dataclass(frozen=True)
class Field:
    """One searchable field of a target.

    ``column`` is an SQL expression over the target's relation; it comes from this fixed table,
    never from a query. For "text" and "enum" fields it yields lower-case text, so matching is
    case-insensitive without lower-casing columns that ingest already stores lower-cased; fields
    with ``choices`` use only their predicates (``has`` has no column).
    ``also`` lists more columns of which any may match (``session`` or ``conversation``);
    ``choices`` makes the value set closed, each value mapping to a fixed predicate (``status``,
    ``has``); ``prefix`` lets id values of 4+ characters match as prefixes.
    """

    name: str
    column: str
    kind: str  # text | enum | id | number | duration_ms | tokens | cost | time | has
    aliases: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    choices: tuple[tuple[str, str], ...] = ()
    prefix: bool = False


def _ids(*columns: str, prefix: bool = True) -> list[Field]:
    """The id fields named after their columns: ``trace`` is ``trace_id``, and so on."""
    return [Field(c.removesuffix("_id"), c, "id", (c,), prefix=prefix) for c in columns]


def _time(column: str) -> list[Field]:
    return [Field("since", column, "time", ("after", "from")),
            Field("until", column, "time", ("before", "to"))]


def _filled(column: str) -> str:
    """A JSON list column holding something. Ingest writes lists with orjson (an empty one is
    exactly ``[]``, a missing one NULL), so a text comparison does: it costs what ``IS NOT NULL``
    costs, a third of ``json_array_length``, and cannot fail on a malformed value."""
    return f"{column} <> '[]'"


def _enum(name: str, column: str, *aliases: str) -> Field:
    return Field(name, f"lower({column})", "enum", aliases)


_CALLS = [
    _enum("model", "model"),
    _enum("provider", "provider", "system"),
    Field("status", "status", "enum", choices=(
        ("ok", "status = 'ok'"), ("error", "status = 'error'"), ("pending", "status IS NULL"))),
    _enum("app", "app", "application"),
    Field("user", "user_id", "id", ("user_id",)),
    Field("session", "session", "id", ("conversation",), also=("conversation",)),
    *_ids("trace_id", "span_id"),
    Field("id", "request_id", "id", ("request_id", "key"), also=("key",), prefix=True),
    _enum("operation", "operation", "op"),
    _enum("finish", "finish_reason", "finish_reason"),
    Field("error", "lower(error_type)", "text", ("err",), also=("lower(error_message)",)),
    # The Errors view's groups (core/diagnose.py): category:rate_limit, group:rate_limit-3fa9c1d2
    Field("category", "", "enum", ("error_category",), choices=tuple(
        (name, f"{failed_call_sql('category')} = '{name}'") for name in CATEGORIES)),
    Field("group", failed_call_sql("group_id"), "id", ("error_group",)),
    _enum("dialect", "dialect", "format"),
    Field("latency", "latency_ms", "duration_ms", ("latency_ms",)),
    Field("ttft", "ttft_ms", "duration_ms", ("ttft_ms",)),
    # DOUBLE so that a sum of absurd logged counts cannot overflow BIGINT at query time.
    Field("tokens", "COALESCE(total_tokens, input_tokens::DOUBLE + output_tokens)", "tokens",
          ("total_tokens",)),
    Field("input", "input_tokens", "tokens", ("input_tokens", "prompt_tokens")),
    Field("output", "output_tokens", "tokens", ("output_tokens", "completion_tokens")),
    Field("cost", "cost_usd", "cost", ("cost_usd",)),
    Field("temperature", "temperature", "number", ("temp",)),
    *_time("ts"),
    Field("has", "", "has", choices=(
        ("tools", _filled("tools")),
        ("tool_calls", _filled("tool_calls")),
        ("error", "(status = 'error' OR error_type IS NOT NULL OR error_message IS NOT NULL)"),
        ("messages", _filled("messages")),
        ("output", "(coalesce(output, '') <> '' OR parsed_output IS NOT NULL)"),
        ("cost", "cost_usd IS NOT NULL"),
        ("trace", "trace_id IS NOT NULL"),
    )),
    Field("text", "search_text", "text"),
]

_SPANS = [
    *_ids("trace_id", "span_id", "parent_id"),
    Field("name", "lower(name)", "text"),
    _enum("kind", "kind"),
    _enum("service", "service", "app"),
    Field("status", "status", "enum", choices=(
        ("ok", "status = 'ok'"), ("error", "status = 'error'"),
        ("unset", "(status IS NULL OR status = 'unset')"))),
    Field("error", "lower(error)", "text", ("err",)),
    _enum("dialect", "dialect", "format"),
    Field("duration", "duration_ms", "duration_ms", ("duration_ms", "latency")),
    *_time("start_ts"),
    Field("has", "", "has", choices=(
        ("error", "(status = 'error' OR error IS NOT NULL)"),
        ("parent", "parent_id IS NOT NULL"),
    )),
    Field("text", "lower(name)", "text", also=("lower(error)",)),
]

_TRACES = [
    *_ids("trace_id"),
    Field("name", "lower(root_name)", "text", ("root_name",)),
    _enum("service", "service", "app"),
    Field("status", "errors", "enum", choices=(
        ("ok", "coalesce(errors, 0) = 0"), ("error", "errors > 0"))),
    Field("duration", "duration_ms", "duration_ms", ("duration_ms", "latency")),
    Field("spans", "spans", "number"),
    Field("errors", "errors", "number"),
    Field("calls", "calls", "number"),
    Field("tokens", "tokens", "tokens"),
    Field("cost", "cost", "cost"),
    *_time("start_ts"),
    Field("has", "", "has", choices=(
        ("error", "errors > 0"), ("calls", "calls > 0"), ("cost", "cost IS NOT NULL"))),
    Field("text", "lower(root_name)", "text"),
]

_EVENTS = [
    _enum("level", "level"),
    _enum("app", "app", "application"),
    Field("user", "user_id", "id", ("user_id",)),
    Field("session", "session", "id"),
    *_ids("trace_id", "span_id"),
    _enum("dialect", "dialect", "format"),
    *_time("ts"),
    Field("has", "", "has", choices=(("trace", "trace_id IS NOT NULL"),)),
    Field("text", "search_text", "text"),
]

_PROBLEMS = [
    _enum("severity", "severity", "level"),
    Field("reason", "lower(reason)", "text"),
    Field("line", "line_no", "number", ("line_no",)),
    Field("text", "lower(reason)", "text", also=("lower(raw)",)),
]

# The sessions list (core/sessions.py): one row per conversation. A session overlaps the time
# range asked for: it was active after since: and had started before until:.
_SESSIONS = [
    Field("session", "session", "id", ("conversation", "id"), prefix=True),
    Field("user", "user_id", "id", ("user_id",)),
    _enum("app", "app", "application"),
    Field("model", "lower(models)", "text", ("models",)),
    Field("turns", "turns", "number", ("calls",)),
    Field("errors", "errors", "number"),
    Field("tokens", "tokens", "tokens"),
    Field("cost", "cost", "cost"),
    Field("since", "last_ts", "time", ("after", "from")),
    Field("until", "first_ts", "time", ("before", "to")),
    Field("has", "", "has", choices=(("error", "errors > 0"), ("cost", "cost IS NOT NULL"))),
    Field("text", "search_text", "text"),
]

TARGETS: dict[str, dict[str, Field]] = {
    target: {f.name: f for f in fields}
    for target, fields in (("calls", _CALLS), ("spans", _SPANS), ("traces", _TRACES),
                           ("events", _EVENTS), ("problems", _PROBLEMS),
                           ("sessions", _SESSIONS))
}

# Lower-cased names and aliases -> field, so lookups are one dict access per term.
_LOOKUP: dict[str, dict[str, Field]] = {
    target: {name.lower(): f for f in fields.values() for name in (f.name, *f.aliases)}
    for target, fields in TARGETS.items()
}

# --------------------------------------------------------------------------------------- values

_NUM = r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_UNITS: dict[str, tuple[re.Pattern[str], dict[str, float], str]] = {
    "number": (re.compile(_NUM + "()"), {"": 1.0}, "a number like 0.7 or 12"),
    "duration_ms": (re.compile(_NUM + "(ms|s|m|h|)"),
                    {"": 1.0, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3},
                    "a duration like 2s or 500ms"),
    "tokens": (re.compile(_NUM + "([kKmM]?)"), {"": 1.0, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6},
               "a token count like 1000 or 1.5k"),
    "cost": (re.compile(r"\$?" + _NUM + "()"), {"": 1.0}, "a cost in dollars like 0.01 or $0.01"),
}
_AGO = re.compile(_NUM + "(s|m|h|d|w)")
_AGO_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?)?"
    r"(Z|z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_HEXISH = re.compile(r"(?:0[xX])?([0-9a-fA-F-]+)")
_ID_PREFIX_MIN = 4
_EXPECT_TIME = "a time like 15m, 2d, 2026-11-20 or 2026-11-20T10:00"


@dataclass(frozen=True)
class Compiled:
    """A compiled query: ``where`` goes after ``WHERE`` with ``params`` bound in order."""

    where: str
    params: list[Any]
    since: datetime | None = None  # the time range asked for, naive UTC, for charts
    until: datetime | None = None


@dataclass(frozen=True)
class _Context:
    """What compiling one query needs besides the term at hand."""

    text: str
    now: datetime  # naive UTC
    tz: tzinfo | None

    def fail(self, term: Term, message: str, where: Value | None = None) -> NoReturn:
        """Raise an error quoting the term, pointing at ``where`` (default: the whole term)."""
        start, end = (where.start, where.end) if where else (term.start, term.end)
        raise QueryError(f"{self.text[term.start:term.end]}: {message}", start, end - start)


def compile_query(text: str, target: str = "calls", *, now: datetime | None = None,
                  tz: tzinfo | None = None) -> Compiled:
    """Compile a search for one target (a key of ``TARGETS``) to a WHERE expression.

    ``now`` anchors relative times (aware, or naive UTC; default: the clock); ``tz`` is the zone of
    absolute times written without one (default: the local zone).
    """
    if target not in _LOOKUP:
        raise ValueError(f"unknown search target {target!r}; expected one of {sorted(TARGETS)}")
    ctx = _Context(text, _naive_utc(now or datetime.now(timezone.utc)), tz)
    where: list[str] = []
    params: list[Any] = []
    since: datetime | None = None
    until: datetime | None = None
    for group in _groups(parse(text), text):
        bound = _time_bound(group, target, ctx)
        if bound is not None:
            field, moment = bound
            if field.name == "since":
                since = moment if since is None else max(since, moment)
                where.append(f"{field.column} >= ?")
            else:
                until = moment if until is None else min(until, moment)
                where.append(f"{field.column} < ?")
            params.append(moment)
            continue
        parts = [_term_sql(term, target, ctx) for term in group]
        where.append(_any([sql for sql, _ in parts]))
        params.extend(p for _, term_params in parts for p in term_params)
    return Compiled(" AND ".join(where) or "TRUE", params, since, until)


def _groups(terms: list[Term], text: str) -> list[list[Term]]:
    """Terms joined by OR form one group; groups AND together."""
    groups: list[list[Term]] = []
    joiner: Term | None = None
    for term in terms:
        if term.kind in ("or", "and"):
            if joiner is not None or not groups:
                raise QueryError(f"{text[term.start:term.end]}: expected a term before it",
                                 term.start, term.end - term.start)
            joiner = term
        elif joiner is not None and joiner.kind == "or":
            groups[-1].append(term)
            joiner = None
        else:
            groups.append([term])
            joiner = None
    if joiner is not None:
        raise QueryError(f"{text[joiner.start:joiner.end]}: expected a term after it",
                         joiner.start, joiner.end - joiner.start)
    return groups


def _any(sqls: list[str]) -> str:
    return sqls[0] if len(sqls) == 1 else "(" + " OR ".join(sqls) + ")"


def _field(term: Term, target: str, ctx: _Context) -> Field:
    field = _LOOKUP[target].get(term.field.lower())
    if field is None:
        name_start = term.start + term.negated
        known = sorted(TARGETS[target])
        close = difflib.get_close_matches(term.field.lower(), _LOOKUP[target], n=1)
        hint = f"did you mean {_LOOKUP[target][close[0]].name}? " if close else ""
        raise QueryError(
            f"{ctx.text[term.start:term.end]}: unknown field '{term.field}'; {hint}"
            f"fields: {', '.join(known)} (quote text to search for it)",
            name_start, len(term.field))
    return field


def _time_bound(group: list[Term], target: str, ctx: _Context) -> tuple[Field, datetime] | None:
    """``since:``/``until:`` set the time range: they stand alone, never negated or OR-ed."""
    times = [t for t in group if t.kind == "field" and _field(t, target, ctx).kind == "time"]
    if not times:
        return None
    term = times[0]
    if len(group) > 1 or term.negated:
        ctx.fail(term, "a time range cannot be negated or joined with OR")
    if term.op not in (":", "=") or len(term.values) > 1:
        where = term.values[1] if len(term.values) > 1 else None
        ctx.fail(term, f"expected one time after ':', like {term.field}:1h", where)
    field = _field(term, target, ctx)
    return field, _moment(term, term.values[0], field.name == "until", ctx)


def _term_sql(term: Term, target: str, ctx: _Context) -> tuple[str, list[Any]]:
    if term.kind == "field":
        field = _field(term, target, ctx)
        sql, params = _field_sql(term, field, ctx)
    else:
        text = TARGETS[target]["text"]
        sql, params = _text_sql(term, text, term.values[0], ctx)
    return (f"({sql}) IS NOT TRUE" if term.negated else sql), params


def _field_sql(term: Term, field: Field, ctx: _Context) -> tuple[str, list[Any]]:
    numeric = field.kind in _UNITS
    if term.op not in (":", "=") and not numeric:
        op_start = term.start + term.negated + len(term.field)
        raise QueryError(
            f"{ctx.text[term.start:term.end]}: '{term.op}' compares numbers; "
            f"{field.name} is not a number (use {field.name}:VALUE)",
            op_start, len(term.op))
    if term.op not in (":", "=") and len(term.values) > 1:
        ctx.fail(term, f"a list of values needs ':' ({field.name}:a,b)", term.values[1])
    compile_value = _number_sql if numeric else _VALUE_SQL[field.kind]
    sqls: list[str] = []
    params: list[Any] = []
    for value in term.values:
        sql, value_params = compile_value(term, field, value, ctx)
        sqls.append(sql)
        params.extend(value_params)
    return _any(sqls), params


def _columns(field: Field) -> tuple[str, ...]:
    return (field.column, *field.also)


def _text_sql(term: Term, field: Field, value: Value, ctx: _Context) -> tuple[str, list[Any]]:
    needle = value.text.lower()
    if term.kind == "field":
        needle = needle.removesuffix("*")  # a substring match is already a prefix match
    if not needle:
        ctx.fail(term, "expected some text to search for", value)
    columns = _columns(field)
    return _any([f"contains({c}, ?)" for c in columns]), [needle] * len(columns)


def _choice_sql(term: Term, field: Field, value: Value, ctx: _Context) -> tuple[str, list[Any]]:
    choices = dict(field.choices)
    key = value.text.lower()
    if key not in choices:
        close = difflib.get_close_matches(key, choices, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        ctx.fail(term, f"expected one of {', '.join(choices)}{hint}", value)
    return choices[key], []


def _enum_sql(term: Term, field: Field, value: Value, ctx: _Context) -> tuple[str, list[Any]]:
    if field.choices:
        return _choice_sql(term, field, value, ctx)
    wanted = value.text.lower()
    if wanted.endswith("*"):
        wanted = _prefix_of(term, value, ctx)
        return f"starts_with({field.column}, ?)", [wanted.lower()]
    return f"{field.column} = ?", [wanted]


def _id_sql(term: Term, field: Field, value: Value, ctx: _Context) -> tuple[str, list[Any]]:
    """Ids as typed and, when hex-like, in ingest's spelling (lower case, no ``0x``)."""
    explicit = value.text.endswith("*")
    typed = _prefix_of(term, value, ctx) if explicit else value.text
    forms = [typed]
    hexish = _HEXISH.fullmatch(typed)
    if hexish and hexish.group(1).lower() not in forms:
        forms.append(hexish.group(1).lower())
    prefix = explicit or (field.prefix and len(forms[-1]) >= _ID_PREFIX_MIN)
    template = "starts_with({}, ?)" if prefix else "{} = ?"
    sqls = [template.format(column) for column in _columns(field) for _ in forms]
    return _any(sqls), forms * len(_columns(field))


def _has_sql(term: Term, field: Field, value: Value, ctx: _Context) -> tuple[str, list[Any]]:
    return _choice_sql(term, field, value, ctx)


def _prefix_of(term: Term, value: Value, ctx: _Context) -> str:
    prefix = value.text[:-1]
    if not prefix:
        ctx.fail(term, "expected some characters before '*'", value)
    return prefix


def _number_sql(term: Term, field: Field, value: Value, ctx: _Context) -> tuple[str, list[Any]]:
    pattern, scale, expected = _UNITS[field.kind]
    match = pattern.fullmatch(value.text)
    if not match:
        ctx.fail(term, f"expected {expected}", value)
    number = float(match.group(1)) * scale[match.group(2)]
    if not math.isfinite(number):
        ctx.fail(term, "number too large", value)
    op = "=" if term.op == ":" else term.op
    return f"{field.column} {op} ?", [number]


_VALUE_SQL: dict[str, Callable[[Term, Field, Value, _Context], tuple[str, list[Any]]]] = {
    "text": _text_sql,
    "enum": _enum_sql,
    "id": _id_sql,
    "has": _has_sql,
}


# ---------------------------------------------------------------------------------------- times


def _naive_utc(moment: datetime) -> datetime:
    """Timestamps in the index are naive UTC; comparing with the same type keeps zonemaps usable."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _moment(term: Term, value: Value, is_until: bool, ctx: _Context) -> datetime:
    """The instant a since:/until: value names, naive UTC."""
    try:
        ago = _AGO.fullmatch(value.text)
        if ago:
            return ctx.now - timedelta(**{_AGO_UNITS[ago.group(2)]: float(ago.group(1))})
        date = _DATE.fullmatch(value.text)
        if date:
            return _absolute(date, is_until, ctx.tz)
    except (ValueError, OverflowError, OSError) as exc:
        ctx.fail(term, f"not a usable time ({exc})", value)
    ctx.fail(term, f"expected {_EXPECT_TIME}", value)


def _absolute(match: re.Match[str], is_until: bool, tz: tzinfo | None) -> datetime:
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                      int(second or 0), int((fraction or "0").ljust(6, "0")))
    if is_until and hour is None:
        moment += timedelta(days=1)  # until:2026-11-20 includes the 20th
    if zone:
        return _naive_utc(moment.replace(tzinfo=_zone(zone)))
    if tz is not None:
        return _naive_utc(moment.replace(tzinfo=tz))
    return _naive_utc(moment.astimezone())  # naive: the local zone


def _zone(text: str) -> timezone:
    if text in ("Z", "z"):
        return timezone.utc
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(-offset if text[0] == "-" else offset)
