"""What every dialect module shares: the parsing context and the field coercions.

Log fields arrive with any type (``"input_tokens": "lots"``, NaN latencies, timestamps as epoch
floats, ISO strings with or without a zone, OTLP nanosecond strings). Every dialect coerces through
these helpers so that a wrong type drops one field with a warning instead of losing the record.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from ..records import Record


@dataclass
class Context:
    """Per-record facts a normalizer may need: where the record came from and how to read times."""

    path: str = ""  # file name as discovered, for dialects recognised by file name
    tz: tzinfo | None = None  # zone for naive timestamps; None = the machine's local zone
    warnings: list[str] = field(default_factory=list)

    def warn(self, reason: str) -> None:
        self.warnings.append(reason)


@dataclass(frozen=True)
class Dialect:
    """A log dialect: a cheap check on the decoded object and a mapping to records."""

    name: str
    claims: Callable[[dict[str, Any]], bool]
    normalize: Callable[[dict[str, Any], Context], Iterable[Record]]


def get_path(obj: Any, *keys: str) -> Any:
    """Follow nested dict keys, returning None as soon as one is missing or not a dict."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def first(obj: Mapping[str, Any], *aliases: str) -> Any:
    """The first alias present with a non-null value; dotted aliases walk nested dicts."""
    for alias in aliases:
        value = obj.get(alias)
        if value is None and "." in alias and alias not in obj:
            value = get_path(obj, *alias.split("."))
        if value is not None:
            return value
    return None


def as_str(value: Any, ctx: Context, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and not math.isfinite(value) else str(value)
    ctx.warn(f"{name}: expected a string, got {type(value).__name__}")
    return None


def as_float(value: Any, ctx: Context, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        ctx.warn(f"{name}: expected a number, got a boolean")
        return None
    if isinstance(value, (int, float)):
        try:
            result = float(value)
        except OverflowError:  # JSON integers have no size limit
            ctx.warn(f"{name}: an integer out of range")
            return None
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            ctx.warn(f"{name}: expected a number, got {_short(value)!r}")
            return None
    else:
        ctx.warn(f"{name}: expected a number, got {type(value).__name__}")
        return None
    if not math.isfinite(result):
        ctx.warn(f"{name}: {result} is not a finite number")
        return None
    return result


def as_int(value: Any, ctx: Context, name: str) -> int | None:
    number = as_float(value, ctx, name)
    if number is None:
        return None
    if not number.is_integer() or number < 0 or number >= 2**63:
        ctx.warn(f"{name}: {value!r} is not a count")
        return None
    return int(number)


def as_dict(value: Any, ctx: Context, name: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    ctx.warn(f"{name}: expected an object, got {type(value).__name__}")
    return None


def as_list(value: Any, ctx: Context, name: str) -> list[Any] | None:
    if value is None or isinstance(value, list):
        return value
    ctx.warn(f"{name}: expected a list, got {type(value).__name__}")
    return None


# Seconds since the epoch fall in this window for any real log (2001 .. 2286); larger numbers
# are milliseconds, microseconds or nanoseconds.
_EPOCH_S_MAX = 1e10


def epoch_number(number: float) -> float:
    """Epoch seconds from a number in s, ms, us or ns, judged by magnitude."""
    while abs(number) >= _EPOCH_S_MAX:
        number /= 1000.0
    return number


def epoch_int(number: int) -> float:
    """``epoch_number`` for an integer, divided exactly: nanoseconds (~1.8e18) have more digits
    than a float holds, and converting first would leave rounding noise in every OTLP time
    (``…00.0099998`` for ``…00.01``). Any size of integer works."""
    scale = 1
    while abs(number) >= 10**10 * scale:
        scale *= 1000
    return number / scale


_DIGITS = re.compile(r"^\d+(\.\d+)?$")


def as_ts(value: Any, ctx: Context, name: str = "timestamp") -> float | None:
    """Epoch seconds (UTC) from the many ways logs write a time.

    Naive ISO strings are read in ``ctx.tz`` (default: the machine's local zone) because that is
    what ``datetime.now().isoformat()`` in the user's app wrote.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        ctx.warn(f"{name}: a boolean is not a time")
        return None
    if isinstance(value, int):
        return epoch_int(value)
    if isinstance(value, float):
        number = as_float(value, ctx, name)
        return None if number is None else epoch_number(number)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        seconds, nanos = (as_float(v, ctx, name) for v in value)
        if seconds is None or nanos is None:
            return None
        return seconds + nanos / 1e9  # OpenTelemetry-JS HrTime [seconds, nanos]
    if isinstance(value, dict):
        inner = value.get("timestamp")  # loguru's record.time
        if inner is not None:
            return as_ts(inner, ctx, name)
    if isinstance(value, str):
        text = value.strip()
        if _DIGITS.match(text) and "." not in text and len(text) <= 40:
            return epoch_int(int(text))
        if _DIGITS.match(text):
            # OTLP writes uint64 nanoseconds as strings; they may exceed float precision, which
            # only costs sub-microsecond digits. Hundreds of digits overflow to inf.
            number = float(text)
            if math.isfinite(number):
                return epoch_number(number)
            ctx.warn(f"{name}: {_short(text)!r} is not a time")
            return None
        parsed = _parse_iso(text, ctx.tz)
        if parsed is not None:
            return parsed
        ctx.warn(f"{name}: cannot read {_short(text)!r} as a time")
        return None
    ctx.warn(f"{name}: expected a time, got {type(value).__name__}")
    return None


def _parse_iso(text: str, tz: tzinfo | None) -> float | None:
    try:
        moment = datetime.fromisoformat(text)  # the common case, in C
    except ValueError:
        moment = _parse_iso_variants(text)
        if moment is None:
            return None
    if moment.tzinfo is not None:
        return moment.timestamp()
    if tz is not None:
        return moment.replace(tzinfo=tz).timestamp()
    naive_seconds = (moment - _NAIVE_EPOCH).total_seconds()
    return naive_seconds - _local_offset(moment.replace(minute=0, second=0, microsecond=0))


def _parse_iso_variants(text: str) -> datetime | None:
    """What ``fromisoformat`` of older Pythons refuses: ``Z``, a space separator, nine fraction
    digits, a comma before milliseconds."""
    candidate = text.replace(" ", "T", 1) if len(text) > 10 and text[10] == " " else text
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(_trim_fraction(candidate))
    except ValueError:
        return None


_NAIVE_EPOCH = datetime(1970, 1, 1)


@functools.lru_cache(maxsize=4096)
def _local_offset(hour: datetime) -> float:
    """Seconds the machine's local zone is ahead of UTC at that (naive, local) hour; cached per
    hour because ``astimezone`` consults the zone database on every call."""
    aware = hour.astimezone()
    offset = aware.utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


_FRACTION = re.compile(r"(\.\d{6})\d+")
_COMMA_FRACTION = re.compile(r"(T\d\d:\d\d:\d\d),(\d+)")


def _trim_fraction(text: str) -> str:
    """Python < 3.11 reads at most six fraction digits; OTel and Go write nine; logging writes a
    comma before milliseconds."""
    text = _COMMA_FRACTION.sub(r"\1.\2", text)
    return _FRACTION.sub(r"\1", text)


UTC = timezone.utc

_HEX = re.compile(r"^(?:0x)?([0-9a-fA-F]+)$")
_B64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


def norm_id(value: Any) -> str | None:
    """One spelling per trace/span id: lower-case hex without ``0x``; base64 ids (protobuf JSON)
    decoded to hex; anything else (UUIDs, custom ids) kept, lower-cased if hex-like."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return format(value, "x")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    match = _HEX.match(text)
    if match:
        return match.group(1).lower()
    if len(text) in (12, 16, 22, 24) and _B64.match(text):
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=False)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) in (8, 16):
            return raw.hex()
    if len(text) == 36 and text.count("-") == 4:
        return text.lower()
    return text


_EXCEPTION = re.compile(
    r"^\s*((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Timeout|Exceeded))\b"
)


def exception_name(text: Any) -> str | None:
    """The exception class a logged error text starts with: ``"RateLimitError: …"``,
    ``"ValueError('…')\\n\\nTraceback …"`` (LangChain's repr-plus-traceback),
    ``"openai.APITimeoutError …"``. Only names that look like exception classes, so free text
    such as ``"Timeout waiting"`` is not mistaken for one."""
    if not isinstance(text, str):
        return None
    match = _EXCEPTION.match(text[:200])
    return match.group(1).rsplit(".", 1)[-1] if match else None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
