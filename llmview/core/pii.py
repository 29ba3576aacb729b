"""Find personal data and secrets in log text and replace them with stable pseudonyms.

LLM logs are full of numbers and ids that merely look like personal data (trace ids, epoch
timestamps, token counts, model snapshots, version strings). A mask that eats those makes the
viewer useless, so every detector is anchored on token boundaries and validated (Luhn, issuer
ranges, mod-97, SSN ranges, ``ipaddress``) instead of matching loose shapes.

Speed comes from what CPython's regex engine is good at: skipping to a literal or to a single
character class. Rare kinds (secrets, emails, IPv6) sit behind a literal gate and only run on
text that contains their marker. Digit-shaped kinds (cards, phones, SSNs, IPv4, IBAN) cannot be
gated (logs always contain digits), and trying a pattern at every digit is what costs time, so
they share one scanner that pays that price once and then branches on the token's shape; each
branch is still validated by its own kind's rules.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class _Detector:
    """``scan`` appends its spans to a list; it only runs when ``gate`` finds its marker."""

    gate: Callable[[str], object] | None
    scan: Scanner


def _gate(*needles: str) -> Callable[[str], bool]:
    """Substring tests are the cheapest check there is, and most text fails all of them."""
    if len(needles) == 1:
        needle = needles[0]
        return lambda text: needle in text

    return lambda text: any(map(text.__contains__, needles))


def _regex_detector(
    kind: str,
    pattern: str,
    *,
    gate: Callable[[str], object] | None = None,
    validate: Validator | None = None,
    flags: int = 0,
) -> _Detector:
    regex = re.compile(pattern, flags)

    def scan(text: str, out: list[Found]) -> None:
        for match in regex.finditer(text):
            span = match.span() if validate is None else validate(text, match)
            if span is not None and span[1] > span[0]:
                out.append((span[0], span[1], kind))

    return _Detector(gate, scan)


def _whole(text: str, match: re.Match[str]) -> Span | None:
    return match.span()


# --- email -----------------------------------------------------------------------------------

_EMAIL_DOMAIN = re.compile(r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+([^\W\d_]{2,24})(?![\w-])")
_EMAIL_LOCAL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}\Z")
# Asset names such as logo@2x.png look like addresses but name files.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js"})


def _scan_emails(text: str, out: list[Found]) -> None:
    """Anchor on each '@' and grow outwards: far cheaper than a pattern tried at every letter."""
    at = text.find("@")
    while at != -1:
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        local = _EMAIL_LOCAL.search(text, max(0, at - 64), at) if domain else None
        if domain and local and domain.group(1).lower() not in _FILE_SUFFIXES:
            start = local.start()
            while start < at and text[start] == ".":
                start += 1
            if start < at:
                out.append((start, domain.end(), EMAIL))
        at = text.find("@", at + 1)


# --- the shared scanner for digit-shaped kinds -------------------------------------------------

_NUMERIC = re.compile(
    r"""
    [0-9A-Z(]                                   # a token's first character, which must not
    (?<![\w.][0-9A-Z(]) (?<!\w-[0-9A-Z(])       # continue a word, a number or a word-dash id
    (?:
        (?<=[A-Z]) (?P<IBAN> [A-Z][0-9]{2} (?:\ ?[A-Z0-9]{4}){2,7} (?:\ ?[A-Z0-9]{1,3})? )
      | (?<=[0-9]) (?P<SSN> [0-9]{2}-[0-9]{2}-[0-9]{4} ) (?!\w|[.-]\w)
      | (?<=[0-9]) (?P<IP> [0-9]{0,2} (?:\.[0-9]{1,3}){3} ) (?!\w|\.[0-9]|-\w)
      | (?<=[2-6]) (?P<CARD>                        # 4-digit head, then groups or a bare run
            [0-9]{3} (?: (?:[ -][0-9]{3,6}){2,5} (?:\ [0-9]{1,4})? | [0-9]{9,15} )
        ) (?!\w|[.-]\w)
      | (?P<PHONE>                                  # North American, with separators
            (?: (?<=1) [ .-]? (?:\([2-9][0-9]{2}\)\ ?|[2-9][0-9]{2}[ .-])   # 1-800-..
              | (?<=\() [2-9][0-9]{2}\)\ ?                                   # (415) 555-..
              | (?<=[2-9]) [0-9]{2}[ .-] )                                   # 415-555-..
            [2-9][0-9]{2} [ .-] [0-9]{4}
        ) (?!\w|[.-]\w)
    )
    """,
    re.VERBOSE,
)


def _scan_numeric(text: str, out: list[Found]) -> None:
    search = _NUMERIC.search
    match = search(text)
    while match is not None:
        kind = match.lastgroup
        assert kind is not None
        span = _NUMERIC_CHECKS[kind](text, match)
        position = match.end()
        if span is not None:
            out.append((span[0], span[1], kind))
            position = span[1]
        match = search(text, position)


# --- payment cards ---------------------------------------------------------------------------


_LUHN_DOUBLED = {str(d): (d * 2 - 9 if d > 4 else d * 2) for d in range(10)}


def _luhn_ok(digits: str) -> bool:
    kept = sum(map(int, digits[-1::-2]))
    doubled = sum(map(_LUHN_DOUBLED.__getitem__, digits[-2::-2]))
    return (kept + doubled) % 10 == 0


def _issuer_ok(digits: str) -> bool:
    """Luhn alone passes one random number in ten; real issuer ranges and lengths rule out
    epoch-ms timestamps and snowflake ids (which start with 1) and most order numbers."""
    n = len(digits)
    two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if four == 6011 or two == 65 or 644 <= three <= 649 or 3528 <= four <= 3589 or two == 62:
        return 16 <= n <= 19
    if 300 <= three <= 305 or two in (36, 38):
        return 14 <= n <= 19
    return False


def _card_number_ok(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and _issuer_ok(digits) and _luhn_ok(digits)


# Digit groups right after another short group ("PL46 2566 5649 ...") belong to some longer
# grouped number (an IBAN, a reference); one in ten such runs would pass Luhn by chance.
_GROUP_BEFORE = re.compile(r"(?<![\w.-])(?=[A-Za-z]*[0-9])[A-Za-z0-9]{1,6}[ -]\Z")


def _valid_card(text: str, match: re.Match[str]) -> Span | None:
    """The whole run, or the run without a short last group (a CVV or year may follow)."""
    start, candidate = match.span()[0], match.group()
    grouped = not candidate.isdigit()
    if grouped and start and _GROUP_BEFORE.search(text, max(0, start - 8), start):
        return None
    if _card_number_ok(candidate.replace(" ", "").replace("-", "")):
        return match.span()
    cut = candidate.rfind(" ")
    if cut > 0 and _card_number_ok(candidate[:cut].replace(" ", "").replace("-", "")):
        return start, start + cut
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
_ALNUM36 = {char: str(int(char, 36)) for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def _position_after(candidate: str, count: int) -> int | None:
    """Index just past the ``count``-th non-space character, if there are that many."""
    seen = 0
    for index, char in enumerate(candidate):
        if char != " ":
            seen += 1
            if seen == count:
                return index + 1
    return None


def _valid_iban(text: str, match: re.Match[str]) -> Span | None:
    """Cut the candidate at the country's registered length, then check mod 97."""
    candidate = match.group()
    length = _IBAN_LENGTHS.get(candidate[:2])
    cut = None if length is None else _position_after(candidate, length)
    if cut is None:
        return None
    end = match.start() + cut
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return None
    compact = candidate[:cut].replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    if int("".join(_ALNUM36[char] for char in rearranged)) % 97 != 1:
        return None
    return match.start(), end


# --- US social security numbers ----------------------------------------------------------------


def _ssn_ok(digits: str) -> bool:
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _valid_dashed_ssn(text: str, match: re.Match[str]) -> Span | None:
    return match.span() if _ssn_ok(match.group().replace("-", "")) else None


def _valid_labelled_ssn(text: str, match: re.Match[str]) -> Span | None:
    start = match.start()
    if start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
        return None
    return match.span(1) if _ssn_ok(match.group(1)) else None


# Bare nine digits only count when the text says it is an SSN.
_SSN_LABELLED = _regex_detector(
    SSN,
    r"(?:SSN|ssn|Ssn|Social [Ss]ecurity|social security|SOCIAL SECURITY)"
    r"(?:[ -](?:[Nn]umber|NUMBER|[Nn]o\.?))?[\"']?\s*(?:is|[:=#])?\s*[\"']?([0-9]{9})(?![0-9])",
    gate=_gate("SSN", "ssn", "Ssn", "ecurity", "ECURITY"),
    validate=_valid_labelled_ssn,
)


# --- phone numbers ---------------------------------------------------------------------------


def _valid_intl_phone(text: str, match: re.Match[str]) -> Span | None:
    digits = sum(char.isdigit() for char in match.group())
    return match.span() if 8 <= digits <= 15 else None


# A leading + is what makes an unformatted run of digits a phone number.
_PHONE_INTL = _regex_detector(
    PHONE,
    r"\+(?<![\w+]\+)[1-9][0-9]*(?:[ .-]?\([0-9]+\)|[ .-][0-9]+)*(?![0-9A-Za-z_]|[.-][0-9])",
    gate=_gate("+"),
    validate=_valid_intl_phone,
)


# --- IP addresses ----------------------------------------------------------------------------

# A dotted quad right after "v", "version" or a pinned requirement is a version number.
_VERSION_BEFORE = re.compile(
    r"(?:\b(?:v|ver|version)[\"']?\s*[:=]?\s*[\"']?\s*|[=<>~!]=\s*)\Z", re.IGNORECASE
)


def _valid_ipv4(text: str, match: re.Match[str]) -> Span | None:
    start = match.start()
    if _VERSION_BEFORE.search(text, max(0, start - 16), start):
        return None
    try:
        ipaddress.IPv4Address(match.group())
    except ValueError:
        return None
    return match.span()


_IPV6_HINT = re.compile(r"::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
_IPV6_BODY = re.compile(r"[0-9A-Fa-f:.]*")
_HEX_OR_COLON = frozenset("0123456789abcdefABCDEF:")


def _scan_ipv6(text: str, out: list[Found]) -> None:
    """Anchor on '::' or a ':x:y:' run and grow outwards, then let ``ipaddress`` decide."""
    hint = _IPV6_HINT.search(text)
    while hint is not None:
        start = hint.start()
        while start > max(0, hint.start() - 40) and text[start - 1] in _HEX_OR_COLON:
            start -= 1
        end = _IPV6_BODY.match(text, hint.start()).end()
        while end > start and text[end - 1] in ".:" and text[end - 2 : end] != "::":
            end -= 1
        end = _ipv6_end(text, start, end)
        if end is not None:
            out.append((start, end, IP))
        hint = _IPV6_HINT.search(text, max(end or 0, hint.end()))


def _ipv6_end(text: str, start: int, end: int) -> int | None:
    """Where the address ends, allowing for a sloppy ':port' written without brackets."""
    if start and (text[start - 1].isalnum() or text[start - 1] in "_."):
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


_NUMERIC_CHECKS: dict[str, Validator] = {
    IBAN: _valid_iban,
    SSN: _valid_dashed_ssn,
    IP: _valid_ipv4,
    CARD: _valid_card,
    PHONE: _whole,
}


# --- secrets and tokens ----------------------------------------------------------------------


def _valid_random_body(text: str, match: re.Match[str]) -> Span | None:
    """Real keys are random, so they contain a digit; kebab-case words after 'sk-' do not."""
    return match.span() if any(char.isdigit() for char in match.group()) else None


def _valid_bearer(text: str, match: re.Match[str]) -> Span | None:
    token = match.group(1).rstrip(".")
    if len(token) < 16:
        return None
    has_digit = any(char.isdigit() for char in token)
    mixed_case = any(char.isupper() for char in token[1:]) and any(c.islower() for c in token)
    if not (has_digit or mixed_case):
        return None
    return match.start(1), match.start(1) + len(token)


# Each vendor prefix is a literal the engine can jump to; the lookbehind after it keeps
# "risk-..." or "ghost_..." from counting.
_SECRETS: tuple[_Detector, ...] = (
    _regex_detector(
        SECRET,
        r"sk-(?<![\w-]sk-)(?:(?:proj|svcacct|admin|ant(?:-api[0-9]{2}|-admin[0-9]{2})?)-)?"
        r"[A-Za-z0-9_-]{20,}",
        gate=_gate("sk-"),
        validate=_valid_random_body,
    ),
    _regex_detector(
        SECRET,
        r"[rs]k_(?<![\w-][rs]k_)(?:live|test)_[A-Za-z0-9]{16,}",
        gate=_gate("k_live_", "k_test_"),
    ),
    _regex_detector(
        SECRET,
        r"A(?<![A-Za-z0-9]A)(?:KIA|SIA)[A-Z0-9]{16}(?![A-Za-z0-9])",
        gate=_gate("AKIA", "ASIA"),
    ),
    _regex_detector(
        SECRET,
        r"gh[pousr]_(?<![\w-]gh[pousr]_)[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}",
        gate=_gate("gho_", "ghp_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _regex_detector(
        SECRET, r"AIza(?<![\w-]AIza)[0-9A-Za-z_-]{35}(?![\w-])", gate=_gate("AIza")
    ),
    _regex_detector(
        SECRET, r"xox[baprs]-(?<![\w-]xox[baprs]-)[A-Za-z0-9-]{10,}", gate=_gate("xox")
    ),
    _regex_detector(SECRET, r"hf_(?<![\w-]hf_)[A-Za-z0-9]{30,}", gate=_gate("hf_")),
    _regex_detector(
        SECRET,
        r"eyJ(?<![\w-]eyJ)[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        gate=_gate("eyJ"),
    ),
    _regex_detector(
        SECRET,
        r"(?:Bearer|bearer|BEARER)(?<![\w-]......)\s+([A-Za-z0-9._~+/=-]+)",
        gate=_gate("earer", "EARER"),
        validate=_valid_bearer,
    ),
    _regex_detector(
        SECRET,
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----",
        gate=_gate("PRIVATE KEY-----"),
        flags=re.DOTALL,
    ),
)

# Checked first so that text without any vendor marker skips all the per-vendor patterns. Each
# marker starts at its rarest character (checking the rest behind it), so the engine has few
# places to stop at: that is several times faster than a dozen substring tests.
_SECRET_MARKERS = re.compile(
    r"-(?<=sk-)|_(?<=[kf]_)|_(?<=gh[pousr]_)|_(?<=github_)|AKIA|ASIA|AIza|xox|J(?<=eyJ)"
    r"|Bearer|bearer|BEARER|PRIVATE"
).search


def _scan_secrets(text: str, out: list[Found]) -> None:
    _scan(_SECRETS, text, out)


_BUILTIN: tuple[_Detector, ...] = (
    _Detector(_SECRET_MARKERS, _scan_secrets),
    _Detector(_gate("@"), _scan_emails),
    _Detector(None, _scan_numeric),
    _PHONE_INTL,
    _SSN_LABELLED,
    _Detector(_IPV6_HINT.search, _scan_ipv6),
)


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
    return tuple(PiiSpan(start, end, kind) for start, end, kind in found)


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


def _scan(detectors: tuple[_Detector, ...], text: str, found: list[Found]) -> list[Found]:
    for detector in detectors:
        if detector.gate is None or detector.gate(text):
            detector.scan(text, found)
    return found


@functools.lru_cache(maxsize=_CACHE_SIZE)
def detect(text: str) -> tuple[PiiSpan, ...]:
    """Spans of personal data and secrets in ``text`` (built-in detectors, no config)."""
    if len(text) < 3:
        return ()
    return _resolve(_scan(_BUILTIN, text, []))


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
        return "".join(char for char in value if char.isdigit())
    if kind == PHONE:
        digits = "".join(char for char in value if char.isdigit())
        return digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if kind == IBAN:
        return value.replace(" ", "").upper()
    if kind == IP:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            return value
    return value


# --- config ----------------------------------------------------------------------------------


def _user_detectors(patterns: Any) -> tuple[_Detector, ...]:
    if not isinstance(patterns, dict):
        raise ConfigError("[pii.patterns] must be a table of KIND = \"regex\"")
    detectors = []
    for name, pattern in patterns.items():
        if not isinstance(pattern, str):
            raise ConfigError(f"[pii.patterns] {name}: the pattern must be a string")
        try:
            detectors.append(_regex_detector(_kind_name(name), pattern))
        except re.error as exc:
            raise ConfigError(f"[pii.patterns] {name}: invalid regex: {exc}") from exc
    return tuple(detectors)


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
        self._key = secrets.token_bytes(32) if key is None else bytes(key)
        section = (config or {}).get("pii", {})
        if not isinstance(section, dict):
            raise ConfigError("[pii] must be a table")
        self._allow = _allowlist(section.get("allow", []))
        self._extra = _user_detectors(section.get("patterns", {}))
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
        found = _scan(self._extra, text, [])
        if len(text) >= 3:
            _scan(_BUILTIN, text, found)
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
        with self._lock:
            tag = self._by_canonical.get(canonical)
            if tag is None:
                digest = hmac.new(
                    self._key, canonical[1].encode("utf-8", "surrogatepass"), hashlib.sha256
                ).hexdigest()
                width = 4
                while f"‹{name}-{digest[:width]}›" in self._taken and width < len(digest):
                    width += 1
                tag = f"‹{name}-{digest[:width]}›"
                if len(self._by_canonical) < _TAG_MEMO_LIMIT:
                    self._by_canonical[canonical] = tag
                    self._taken.add(tag)
            if len(self._by_value) < _TAG_MEMO_LIMIT:
                self._by_value[(kind, value)] = tag
            return tag

    def mask_text(self, text: str) -> str:
        """``text`` with every detected span replaced by its tag."""
        if not self.enabled or not text:
            return text
        spans = self._detect(text)
        if not spans:
            return text
        parts: list[str] = []
        position = 0
        for span in spans:
            parts.append(text[position : span.start])
            parts.append(self.tag(span.kind, text[span.start : span.end]))
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
