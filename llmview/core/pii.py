"""Find personal data and secrets in log text and replace them with stable pseudonyms.

LLM logs are full of numbers and ids that merely look like personal data (trace ids, epoch
timestamps, token counts, model snapshots, version strings). A mask that eats those makes the
viewer useless, so every detector is anchored on token boundaries and validated (Luhn, issuer
ranges, mod-97, SSN ranges, IPv4 octet ranges, ``ipaddress`` for IPv6) instead of matching
loose shapes.

Speed comes from what CPython's regex engine is good at: skipping to a literal or to a single
character class. Rare kinds run only where a cheap marker is found: '@' for emails, '::' or
':x:y:' for IPv6, '+' for international phones, and one search for all the vendor prefixes of
secrets. Digit-shaped kinds (cards, phones, SSNs, IPv4, IBAN) cannot be gated that way (logs
always contain digits) and stopping at every candidate position is what costs time, so they
share one scanner that stops once per token and branches on its shape; each branch is then
validated by its own kind's rules. Results are cached per string, since a viewer re-renders
the same cells over and over.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import ipaddress
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from itertools import starmap
from typing import Any

from llmview.core.config import ConfigError, load_config

EMAIL = "EMAIL"
PHONE = "PHONE"
CARD = "CARD"
IBAN = "IBAN"
SSN = "SSN"
IP = "IP"
SECRET = "SECRET"

_CACHE_SIZE = 65536
_TAG_MEMO_LIMIT = 1_000_000  # distinct values remembered for collision-free tags


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """A half-open ``[start, end)`` range of ``text`` holding one value of ``kind``."""

    start: int
    end: int
    kind: str


Span = tuple[int, int]
Found = tuple[int, int, str]  # (start, end, kind): cheap to build and sorts by position
Validator = Callable[[str, re.Match[str]], Span | None]
Scanner = Callable[[str, list[Found]], None]


def _regex_scanner(kind: str, pattern: str, validate: Validator | None = None) -> Scanner:
    regex = re.compile(pattern)

    def scan(text: str, out: list[Found]) -> None:
        for match in regex.finditer(text):
            span = match.span() if validate is None else validate(text, match)
            if span is not None and span[1] > span[0]:
                out.append((span[0], span[1], kind))

    return scan


# --- email -----------------------------------------------------------------------------------

_EMAIL_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+([^\W\d_]{2,24})(?![\w-])")
_EMAIL_LOCAL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}\Z")
# Asset names such as logo@2x.png look like addresses but name files.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js"})
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def _scan_emails(text: str, out: list[Found]) -> None:
    """Anchor on each '@' and grow outwards: far cheaper than a pattern tried at every letter."""
    at = text.find("@")
    while at != -1:
        # "@timestamp", "-d @body.json": nothing that could be a mailbox right before the '@'
        plausible = at > 0 and (text[at - 1] in _LOCAL_CHARS or text[at - 1].isalnum())
        domain = _EMAIL_DOMAIN.match(text, at + 1) if plausible else None
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at) if domain else None
        if domain and local and domain.group(1).lower() not in _FILE_SUFFIXES:
            start = local.start()
            while start < at and text[start] == ".":
                start += 1
            if start < at:
                out.append((start, domain.end(), EMAIL))
        at = text.find("@", at + 1)


# --- the shared scanner for digit-shaped kinds -------------------------------------------------

# One branch per kind, each for a token that starts where the match starts. Lookaheads keep a
# token from continuing into a word, a decimal or a dash-joined id.
_NUMERIC_BODY = r"""
    (?P<IBAN> [A-Z]{2}[0-9]{2} (?:\ ?[A-Z0-9]{4}){2,7} (?:\ ?[A-Z0-9]{1,3})? )
  | (?P<SSN> [0-9]{3}-[0-9]{2}-[0-9]{4} ) (?!\w|[.-]\w)
  | (?P<IP> (?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}
            (?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]) ) (?!\w|\.[0-9]|-\w)
  | (?P<CARD>                                   # 4-digit head, then groups or a bare run
        [2-6][0-9]{3} (?: (?:[ -][0-9]{3,6}){2,5} (?:\ [0-9]{1,4})? | [0-9]{9,15} )
    ) (?!\w|[.-]\w)
  | (?P<PHONE>                                  # North American, with separators
        (?: 1[ .-]? (?:\([2-9][0-9]{2}\)\ ?|[2-9][0-9]{2}[ .-])   # 1-800-.., 1 (415) ..
          | \([2-9][0-9]{2}\)\ ?                                 # (415) 555-..
          | [2-9][0-9]{2}[ .-] )                                 # 415-555-..
        [2-9][0-9]{2} [ .-] [0-9]{4}
    ) (?!\w|[.-]\w)
"""
# A token can only start after a separator: any character but a letter, digit, '_', '.' or
# '-' (so uuid pieces, decimals and model snapshots such as gpt-4o-2024-08-06 are out). Putting
# that separator first, as a plain character set, lets the engine skip from separator to
# separator; trying every digit behind a lookbehind instead costs half again as much.
_NUMERIC = re.compile(r"[^0-9A-Za-z_.\-] (?=[0-9A-Z(]) (?:" + _NUMERIC_BODY + ")", re.VERBOSE)
_NUMERIC_AT_START = re.compile(_NUMERIC_BODY, re.VERBOSE)
_TOKEN_FIRST = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ(")

NumericCheck = Callable[[str, int, int], int | None]  # the token's end, or None to reject


def _scan_numeric(text: str, out: list[Found]) -> None:
    if text[:1] in _TOKEN_FIRST:
        first = _NUMERIC_AT_START.match(text)
        if first is not None:
            _check_numeric(text, first, out)
    for match in _NUMERIC.finditer(text):
        _check_numeric(text, match, out)


def _check_numeric(text: str, match: re.Match[str], out: list[Found]) -> None:
    kind = match.lastgroup
    assert kind is not None
    start, end = match.span(kind)
    checked = _NUMERIC_CHECKS[kind](text, start, end)
    if checked is not None:
        out.append((start, checked, kind))


# --- payment cards ---------------------------------------------------------------------------


_LUHN_DOUBLED = {str(d): (d * 2 - 9 if d > 4 else d * 2) for d in range(10)}


def _luhn_ok(digits: str) -> bool:
    kept = sum(map(int, digits[-1::-2]))
    doubled = sum(map(_LUHN_DOUBLED.__getitem__, digits[-2::-2]))
    return (kept + doubled) % 10 == 0


def _issuer_ok(digits: str) -> bool:
    """Luhn alone passes one random number in ten; real issuer ranges and lengths rule out
    epoch-ms timestamps and snowflake ids (which start with 1) and most order numbers.
    Prefixes are compared as strings: equal-length digit strings sort like numbers."""
    n = len(digits)
    two, three, four = digits[:2], digits[:3], digits[:4]
    if digits[0] == "4":  # Visa
        return n in (13, 16, 19)
    if "51" <= two <= "55" or "2221" <= four <= "2720":  # Mastercard
        return n == 16
    if two in ("34", "37"):  # Amex
        return n == 15
    if (
        four == "6011" or two in ("62", "65") or "644" <= three <= "649"  # Discover, UnionPay
        or "3528" <= four <= "3589"  # JCB
    ):  # fmt: skip
        return 16 <= n <= 19
    if "300" <= three <= "305" or two in ("36", "38"):  # Diners
        return 14 <= n <= 19
    return False


def _card_number_ok(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _issuer_ok(digits) and _luhn_ok(digits)


# Digit groups right after another short group ("PL46 2566 5649 ...") belong to some longer
# grouped number (an IBAN, a reference); one in ten such runs would pass Luhn by chance.
_GROUP_BEFORE = re.compile(r"(?<![\w.-])(?=[A-Za-z]*[0-9])[A-Za-z0-9]{1,6}[ -]\Z")


def _valid_card(text: str, start: int, end: int) -> int | None:
    """The whole run, or the run without a short last group (a CVV or year may follow)."""
    candidate = text[start:end]
    grouped = not candidate.isdigit()
    if grouped and start and _GROUP_BEFORE.search(text, max(0, start - 8), start):
        return None
    if _card_number_ok(candidate.replace(" ", "").replace("-", "")):
        return end
    cut = candidate.rfind(" ")
    if cut > 0 and _card_number_ok(candidate[:cut].replace(" ", "").replace("-", "")):
        return start + cut
    return None


# --- IBAN ------------------------------------------------------------------------------------

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
# mod-97 works on the number spelled with A=10 .. Z=35.
_LETTER_VALUES = {ord(char): str(int(char, 36)) for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def _valid_iban(text: str, start: int, end: int) -> int | None:
    """Cut the candidate at the country's registered length, then check mod 97."""
    candidate = text[start:end]
    cut = _IBAN_LENGTHS.get(candidate[:2])
    if cut is None:
        return None
    space = candidate.find(" ")
    while space != -1 and space < cut:  # every space before the cut moves it one further
        cut += 1
        space = candidate.find(" ", space + 1)
    end = start + cut
    if cut > len(candidate) or end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return None
    compact = candidate[:cut].replace(" ", "")
    return end if int((compact[4:] + compact[:4]).translate(_LETTER_VALUES)) % 97 == 1 else None


# --- US social security numbers ----------------------------------------------------------------


def _ssn_ok(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _valid_dashed_ssn(text: str, start: int, end: int) -> int | None:
    return end if _ssn_ok(text[start:end].replace("-", "")) else None


def _valid_labelled_ssn(text: str, match: re.Match[str]) -> Span | None:
    start = match.start()
    if start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
        return None
    return match.span(1) if _ssn_ok(match.group(1)) else None


def _mentions_ssn(text: str) -> bool:
    lowered = text.lower()  # one copy beats five substring tests
    return "ssn" in lowered or "security" in lowered


# Bare nine digits only count when the text says it is an SSN.
_scan_labelled_ssn = _regex_scanner(
    SSN,
    r"(?:SSN|ssn|Ssn|Social [Ss]ecurity|social security|SOCIAL SECURITY)"
    r"(?:[ -](?:[Nn]umber|NUMBER|[Nn]o\.?))?[\"']?\s*(?:is|[:=#])?\s*[\"']?([0-9]{9})(?![0-9])",
    _valid_labelled_ssn,
)


# --- phone numbers ---------------------------------------------------------------------------


def _valid_intl_phone(text: str, match: re.Match[str]) -> Span | None:
    digits = sum(char.isdigit() for char in match.group())
    return match.span() if 8 <= digits <= 15 else None


# A leading + is what makes an unformatted run of digits a phone number.
_scan_intl_phone = _regex_scanner(
    PHONE,
    r"\+(?<![\w+]\+)[1-9][0-9]*(?:[ .-]?\([0-9]+\)|[ .-][0-9]+)*(?![0-9A-Za-z_]|[.-][0-9])",
    _valid_intl_phone,
)


# --- IP addresses ----------------------------------------------------------------------------

# A dotted quad right after "v", "version" or a pinned requirement is a version number.
_VERSION_BEFORE = re.compile(
    r"(?:\b(?:v|ver|version)[\"']?\s*[:=]?\s*[\"']?\s*|[=<>~!]=\s*)\Z", re.IGNORECASE
)


def _valid_ipv4(text: str, start: int, end: int) -> int | None:
    """Octet ranges are already checked by the pattern (``ipaddress`` would cost more than
    the whole scan); what is left is telling an address from a four-part version."""
    window = max(0, start - 16)
    before = text[window:start]
    if "v" in before or "V" in before or "=" in before:  # cheap test before the regex
        return None if _VERSION_BEFORE.search(text, window, start) else end
    return end


_IPV6_HINT = re.compile(r"::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
_IPV6_BODY = re.compile(r"[0-9A-Fa-f:.]*")
_HEX_OR_COLON = frozenset("0123456789abcdefABCDEF:")
_IPV6_MAX = 45  # the longest textual form, with an embedded IPv4 address


def _scan_ipv6(text: str, out: list[Found]) -> None:
    """Anchor on '::' or a ':x:y:' run and grow outwards, then let ``ipaddress`` decide.

    Each run of hex digits, colons and dots is looked at once, so text made of colons stays
    linear."""
    hint = _IPV6_HINT.search(text)
    while hint is not None:
        start = hint.start()
        while start > max(0, hint.start() - _IPV6_MAX) and text[start - 1] in _HEX_OR_COLON:
            start -= 1
        run_end = _IPV6_BODY.match(text, hint.start()).end()
        end = run_end
        while end > start and text[end - 1] in ".:" and text[end - 2 : end] != "::":
            end -= 1
        if end - start <= _IPV6_MAX + 6:  # room for a sloppy ':port'
            found = _ipv6_end(text, start, end)
            if found is not None:
                out.append((start, found, IP))
        hint = _IPV6_HINT.search(text, max(run_end, hint.end()))


def _ipv6_end(text: str, start: int, end: int) -> int | None:
    """Where the address ends, allowing for a sloppy ':port' written without brackets."""
    if start and (text[start - 1].isalnum() or text[start - 1] in "_.:"):
        return None
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return None
    candidate = text[start:end]
    if _ipv6_ok(candidate):
        return end
    port = candidate.rfind(":")
    if port > 0 and candidate[port + 1 :].isdigit() and _ipv6_ok(candidate[:port]):
        return start + port
    return None


def _ipv6_ok(candidate: str) -> bool:
    if "::" not in candidate and candidate.count(":") != 7:
        return False
    if not any(char not in ":." for char in candidate):
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


_NUMERIC_CHECKS: dict[str, NumericCheck] = {
    IBAN: _valid_iban,
    SSN: _valid_dashed_ssn,
    IP: _valid_ipv4,
    CARD: _valid_card,
    PHONE: lambda text, start, end: end,
}


# --- secrets and tokens ----------------------------------------------------------------------


def _whole(text: str, match: re.Match[str]) -> Span | None:
    return match.span()


_HAS_DIGIT = re.compile(r"[0-9]").search
_HAS_INNER_UPPER = re.compile(r".[A-Z]").search
_HAS_LOWER = re.compile(r"[a-z]").search


def _valid_random_body(text: str, match: re.Match[str]) -> Span | None:
    """Real keys are random, so they contain a digit; kebab-case words after 'sk-' do not."""
    return match.span() if _HAS_DIGIT(match.group()) else None


def _valid_bearer(text: str, match: re.Match[str]) -> Span | None:
    """'Bearer' is also an English word: the token must look random (a digit, or upper and
    lower case mixed beyond a capital first letter) and be long enough for a credential."""
    token = match.group(1).rstrip(".")
    if len(token) < 16:
        return None
    if not (_HAS_DIGIT(token) or (_HAS_INNER_UPPER(token) and _HAS_LOWER(token))):
        return None
    return match.start(1), match.start(1) + len(token)


@dataclass(frozen=True, slots=True)
class _Vendor:
    """One secret format. The shared search stops at one of its ``marks`` (rare literal
    text) when the text before it matches ``behind``; the token then starts ``back``
    characters (the width of ``behind``) before the mark, and ``pattern`` must match there."""

    marks: tuple[str, ...]
    behind: str
    back: int
    pattern: re.Pattern[str]
    validate: Validator | None = None

    def marker(self) -> str:
        behind = self.behind
        return "|".join(
            re.escape(mark) + (f"(?<={behind}{re.escape(mark)})" if behind else "")
            for mark in self.marks
        )


# Each mark is the rarest character of a vendor prefix, so one search over the text has few
# places to stop at: several times faster than a search per vendor. The lookbehinds in the
# patterns keep "risk-..." or "ghost_..." from counting.
_VENDORS: tuple[_Vendor, ...] = (
    _Vendor(
        ("-",),
        "sk",
        2,
        re.compile(
            r"sk-(?<![\w-]sk-)(?:(?:proj|svcacct|admin|ant(?:-api[0-9]{2}|-admin[0-9]{2})?)-)?"
            r"[A-Za-z0-9_-]{20,}"
        ),
        _valid_random_body,
    ),
    _Vendor(("_",), "[rs]k", 2, re.compile(r"[rs]k_(?<![\w-]...)(?:live|test)_[A-Za-z0-9]{16,}")),
    _Vendor(
        ("AKIA", "ASIA"),
        "",
        0,
        re.compile(r"A[KS]IA(?<![A-Za-z0-9]....)[A-Z0-9]{16}(?![A-Za-z0-9])"),
    ),
    _Vendor(("_",), "gh[pousr]", 3, re.compile(r"gh[pousr]_(?<![\w-]....)[A-Za-z0-9]{36,}")),
    _Vendor(("_",), "github", 6, re.compile(r"github_pat_(?<![\w-].{11})[A-Za-z0-9_]{22,}")),
    _Vendor(("AIza",), "", 0, re.compile(r"AIza(?<![\w-]....)[0-9A-Za-z_-]{35}(?![\w-])")),
    _Vendor(("xox",), "", 0, re.compile(r"xox[baprs]-(?<![\w-].....)[A-Za-z0-9-]{10,}")),
    _Vendor(("_",), "hf", 2, re.compile(r"hf_(?<![\w-]...)[A-Za-z0-9]{30,}")),
    _Vendor(
        ("J",),
        "ey",
        2,
        re.compile(r"eyJ(?<![\w-]...)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    ),
    _Vendor(
        ("Bearer", "bearer", "BEARER"),
        "",
        0,
        re.compile(r"(?:Bearer|bearer|BEARER)(?<![\w-]......)\s+([A-Za-z0-9._~+/=-]+)"),
        _valid_bearer,
    ),
    _Vendor(
        ("N",),
        "-----BEGI",
        9,
        # the body cannot contain "-----", so a BEGIN without its END costs one short look
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----"
            r"(?:[^-]|-(?!----))*"
            r"-----END [A-Z ]*PRIVATE KEY-----"
        ),
    ),
)
_SECRET_MARKERS = re.compile("|".join(vendor.marker() for vendor in _VENDORS))
_VENDORS_BY_MARK: dict[str, list[_Vendor]] = {}
for _vendor in _VENDORS:
    for _mark in _vendor.marks:
        _VENDORS_BY_MARK.setdefault(_mark, []).append(_vendor)


def _scan_secrets(text: str, out: list[Found]) -> None:
    marker = _SECRET_MARKERS.search(text)
    while marker is not None:
        resume = marker.end()
        for vendor in _VENDORS_BY_MARK[marker.group()]:
            start = marker.start() - vendor.back
            match = vendor.pattern.match(text, start) if start >= 0 else None
            span = None if match is None else (vendor.validate or _whole)(text, match)
            if span is not None:
                out.append((span[0], span[1], SECRET))
                resume = span[1]  # markers inside the token (a JWT's payload) are not new ones
                break
        marker = _SECRET_MARKERS.search(text, resume)


def _scan_builtin(text: str, out: list[Found]) -> list[Found]:
    """Every built-in detector, the rare ones behind a substring test (spelled out rather
    than looped over: this runs once per distinct string)."""
    _scan_secrets(text, out)
    if "@" in text:
        _scan_emails(text, out)
    _scan_numeric(text, out)
    if "+" in text:
        _scan_intl_phone(text, out)
    if _mentions_ssn(text):
        _scan_labelled_ssn(text, out)
    _scan_ipv6(text, out)
    return out


# --- span resolution -------------------------------------------------------------------------


def _priority(span: Found) -> tuple[bool, int, int]:
    """Secrets first (a key may contain digit runs), then the longest, then the earliest."""
    return span[2] != SECRET, span[0] - span[1], span[0]


def _resolve(found: list[Found]) -> tuple[PiiSpan, ...]:
    if not found:
        return ()
    if len(found) > 1:
        found.sort()
        if any(found[i][1] > found[i + 1][0] for i in range(len(found) - 1)):
            found = _drop_overlaps(found)
    return tuple(starmap(PiiSpan, found))


def _drop_overlaps(found: list[Found]) -> list[Found]:
    starts: list[int] = []
    kept: list[Found] = []
    for span in sorted(found, key=_priority):
        index = bisect.bisect_right(starts, span[0])
        if index and kept[index - 1][1] > span[0]:
            continue
        if index < len(kept) and kept[index][0] < span[1]:
            continue
        starts.insert(index, span[0])
        kept.insert(index, span)
    return kept


@functools.lru_cache(maxsize=_CACHE_SIZE)
def detect(text: str) -> tuple[PiiSpan, ...]:
    """Spans of personal data and secrets in ``text`` (built-in detectors, no config)."""
    if len(text) < 3:
        return ()
    return _resolve(_scan_builtin(text, []))


# --- pseudonyms ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _kind_name(kind: str) -> str:
    """Tags end up in CSV and JSON, so kind names are reduced to [A-Z0-9_]."""
    return re.sub(r"[^A-Z0-9_]+", "_", kind.upper()).strip("_") or "CUSTOM"


def _canonical(kind: str, value: str) -> str:
    """Different spellings of one value (spaces in a card, +1 on a phone) share a tag."""
    if kind == EMAIL:
        return value.lower()
    if kind in (CARD, SSN):
        return "".join(filter(str.isdigit, value))
    if kind == PHONE:
        digits = "".join(filter(str.isdigit, value))
        return digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if kind == IBAN:
        return value.replace(" ", "").upper()
    if kind == IP and ":" in value:  # IPv6 has many spellings; IPv4 matches only one way
        try:
            return str(ipaddress.IPv6Address(value))
        except ValueError:
            return value
    return value


class _HmacSha256:
    """HMAC-SHA256 (RFC 2104) with the keyed inner and outer states computed once: the same
    bytes as ``hmac.new(key, message, "sha256")``, at half the cost per message of the
    ``hmac`` module's Python wrapper. Every value seen for the first time needs one."""

    def __init__(self, key: bytes) -> None:
        block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))

    def hexdigest(self, message: bytes) -> str:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


# --- config ----------------------------------------------------------------------------------


def _user_scanners(patterns: Any) -> tuple[Scanner, ...]:
    if not isinstance(patterns, dict):
        raise ConfigError('[pii.patterns] must be a table of KIND = "regex"')
    scanners = []
    for name, pattern in patterns.items():
        if not isinstance(pattern, str):
            raise ConfigError(f"[pii.patterns] {name}: the pattern must be a string")
        try:
            scanners.append(_regex_scanner(_kind_name(name), pattern))
        except re.error as exc:
            raise ConfigError(f"[pii.patterns] {name}: invalid regex: {exc}") from exc
    return tuple(scanners)


def _allowlist(allow: Any) -> frozenset[str]:
    if not isinstance(allow, list) or not all(isinstance(item, str) for item in allow):
        raise ConfigError("[pii] allow must be a list of strings")
    return frozenset(allow)


# --- masker ----------------------------------------------------------------------------------


class Masker:
    """Replaces personal data with per-run pseudonyms such as ``‹EMAIL-2c07›``.

    The HMAC key is random per run, so a tag cannot be reversed by hashing guesses and tags
    from different runs cannot be correlated; within a run one value always gets one tag.
    """

    def __init__(
        self, key: bytes | None = None, *, enabled: bool = True, config: dict | None = None
    ) -> None:
        self.enabled = enabled
        key = secrets.token_bytes(32) if key is None else bytes(key)
        self._mac = _HmacSha256(key)
        section = (config or {}).get("pii", {})
        if not isinstance(section, dict):
            raise ConfigError("[pii] must be a table")
        self._allow = _allowlist(section.get("allow", []))
        self._extra = _user_scanners(section.get("patterns", {}))
        self._detect: Callable[[str], tuple[PiiSpan, ...]] = (
            functools.lru_cache(maxsize=_CACHE_SIZE)(self._detect_configured)
            if self._allow or self._extra
            else detect
        )
        self._by_value: dict[tuple[str, str], str] = {}  # as written in the text
        self._by_canonical: dict[tuple[str, str], str] = {}  # one tag per normalised value
        self._taken: set[str] = set()
        self._lock = threading.Lock()

    def detect(self, text: str) -> tuple[PiiSpan, ...]:
        """Spans to mask: built-ins plus config patterns, minus allowlisted values.

        Detection ignores ``enabled`` so a caller can still tell that a row holds PII.
        """
        return self._detect(text)

    def _detect_configured(self, text: str) -> tuple[PiiSpan, ...]:
        found: list[Found] = []
        for scan in self._extra:
            scan(text, found)
        if len(text) >= 3:
            _scan_builtin(text, found)
        spans = _resolve(found)
        if self._allow:
            spans = tuple(s for s in spans if text[s.start : s.end] not in self._allow)
        return spans

    def tag(self, kind: str, value: str) -> str:
        """The pseudonym for ``value``; stable for the lifetime of this Masker."""
        found = self._by_value.get((kind, value))
        return found if found is not None else self._new_tag(kind, value)

    def _new_tag(self, kind: str, value: str) -> str:
        """Four hex digits read well but collide after a few hundred values, so a value whose
        short tag is already taken by another value gets more digits."""
        name = _kind_name(kind)
        canonical = (name, _canonical(name, value))
        tag = self._by_canonical.get(canonical)
        if tag is None:
            digest = self._mac.hexdigest(canonical[1].encode("utf-8", "surrogatepass"))
            tag = self._claim(name, canonical, digest)
        if len(self._by_value) < _TAG_MEMO_LIMIT:
            self._by_value[(kind, value)] = tag
        return tag

    def _claim(self, name: str, canonical: tuple[str, str], digest: str) -> str:
        with self._lock:  # two threads must not both take one short tag for different values
            tag = self._by_canonical.get(canonical)
            if tag is not None:
                return tag
            width = 4
            tag = f"‹{name}-{digest[:width]}›"
            while tag in self._taken and width < len(digest):
                width += 1
                tag = f"‹{name}-{digest[:width]}›"
            if len(self._by_canonical) < _TAG_MEMO_LIMIT:
                self._by_canonical[canonical] = tag
                self._taken.add(tag)
            return tag

    def mask_text(self, text: str) -> str:
        """``text`` with every detected span replaced by its tag."""
        if not self.enabled or not text:
            return text
        spans = self._detect(text)
        if not spans:
            return text
        known = self._by_value  # tag() inlined: this loop runs for every masked span
        parts: list[str] = []
        position = 0
        for span in spans:
            value = text[span.start : span.end]
            parts.append(text[position : span.start])
            parts.append(known.get((span.kind, value)) or self._new_tag(span.kind, value))
            position = span.end
        parts.append(text[position:])
        return "".join(parts)

    def mask_json(self, value: Any) -> Any:
        """A masked deep copy: every string (dict keys too) masked, shape and numbers kept.

        When disabled the value itself is returned.
        """
        if not self.enabled:
            return value
        return self._mask_value(value)

    def _mask_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask_text(value)
        if isinstance(value, dict):
            masked: dict[Any, Any] = {}
            for key, item in value.items():
                new_key = self.mask_text(key) if isinstance(key, str) else key
                while new_key in masked:  # two keys masked alike: keep both entries
                    new_key = f"{new_key}~"
                masked[new_key] = self._mask_value(item)
            return masked
        if isinstance(value, list):
            return [self._mask_value(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self._mask_value(item) for item in value)
        return value

    def mask_json_text(self, text: str) -> str:
        """Mask a JSON document through its parsed form, so tags land only inside strings and
        the result is still valid JSON; anything that is not an object or array is text."""
        if not self.enabled:
            return text
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return self.mask_text(text)
        if not isinstance(value, (dict, list)):
            return self.mask_text(text)
        return json.dumps(self._mask_value(value), ensure_ascii=False)


_default: Masker | None = None
_default_lock = threading.Lock()


def default_masker() -> Masker:
    """The process-wide Masker (one key, so tags agree across views), built on first use.

    Raises ConfigError when config.toml is invalid; the next call tries again.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Masker(config=load_config())
    return _default
