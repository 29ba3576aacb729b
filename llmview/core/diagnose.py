"""What went wrong with a failed LLM call, and what to do about it.

Every failure (a failed call, or an error span that is not a call) falls into exactly one
category of :data:`CATEGORIES`. The signals a log can carry are read in a fixed order, most
precise first, and the first one that names a category wins:

1. a provider error code anywhere in the message (``context_length_exceeded``,
   ``rate_limit_error``, ``RESOURCE_EXHAUSTED``, Azure's ``content_filter`` ...);
2. the SDK exception class or OTel ``error.type`` (``RateLimitError``, ``APITimeoutError`` ...),
   an HTTP status that means one thing (429, 401/403, 408/504, 5xx incl. 529) and the finish
   reason (``content_filter``, ``length``);
3. words of the message (``prompt is too long``, ``timed out``) -- the last resort, read from
   the normalized signature so that quoted values (a parameter named ``'timeout'``) cannot
   mislead them;
4. what only says "the request was wrong": ``BadRequestError``, ``invalid_request_error``, any
   other 4xx -- so Anthropic's "prompt is too long" (a plain 400) is still a context error.

The rules are data (:data:`RULES`) rendered to one DuckDB expression, so grouping millions of
failures, the ``category:``/``group:`` search fields and :func:`diagnose` for one call all
classify with the same SQL. Suggestions and documentation links are plain Python, run once per
group on its example message, and quote the numbers the message carries.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .advice import doc_url, suggestion

CATEGORIES = ("rate_limit", "context_length", "auth", "content_filter", "timeout", "server",
              "invalid_request", "connection", "other")


@dataclass(frozen=True)
class Signals:
    """What marks one category. ``codes`` are provider error codes (matched as whole words in
    the lower-cased message, or as the error type); ``types`` exception class names or OTel
    ``error.type`` values, lower case, without their module; ``text`` RE2 patterns over the
    normalized signature, tried only when nothing more precise answered."""

    codes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    statuses: tuple[int, ...] = ()
    finish: tuple[str, ...] = ()
    text: tuple[str, ...] = ()


# In order: the text patterns of an earlier category win over a later one's.
RULES: dict[str, Signals] = {
    "rate_limit": Signals(
        codes=("rate_limit_exceeded", "rate_limit_error", "resource_exhausted",
               "insufficient_quota", "too_many_requests", "throttlingexception",
               "billing_hard_limit_reached"),
        types=("ratelimiterror", "resourceexhausted", "toomanyrequests", "throttlingexception",
               "paymentrequirederror"),
        statuses=(429, 402),
        text=(r"rate.?limit", r"too many requests", r"\bquota", r"resource has been exhausted",
              r"throttl", r"credit balance", r"per min(ute)?\b")),
    "context_length": Signals(
        codes=("context_length_exceeded", "context_window_exceeded",
               "model_context_window_exceeded"),
        types=("contextwindowexceedederror", "lengthfinishreasonerror"),
        finish=("length", "max_tokens", "model_context_window_exceeded"),
        text=(r"context (length|window)", r"prompt is too long", r"input is too long",
              r"too many (input )?tokens", r"reduce the length of the messages",
              r"token limit", r"exceeds the maximum number of tokens", r"input token count")),
    "content_filter": Signals(
        codes=("content_filter", "content_policy_violation", "responsibleaipolicyviolation",
               "prohibited_content", "safety"),
        types=("contentpolicyviolationerror", "contentfilterfinishreasonerror"),
        finish=("content_filter", "safety", "prohibited_content", "blocklist", "spii",
                "recitation", "refusal"),
        text=(r"content.?filter", r"content management policy", r"content policy",
              r"usage polic(y|ies)", r"safety system", r"\bflagged\b", r"responsible ?ai")),
    "auth": Signals(
        codes=("invalid_api_key", "authentication_error", "permission_error", "unauthenticated",
               "permission_denied", "api_key_invalid", "invalid_authentication",
               "account_deactivated", "unsupported_country_region_territory"),
        types=("authenticationerror", "permissiondeniederror", "permissiondenied",
               "unauthenticated", "unauthorizederror", "forbiddenerror"),
        statuses=(401, 403),
        text=(r"api.?key", r"unauthori[sz]ed", r"authenticat", r"permission denied",
              r"not authori[sz]ed", r"access denied", r"\bforbidden\b")),
    "timeout": Signals(
        codes=("deadline_exceeded", "timeout_error"),
        types=("apitimeouterror", "timeout", "timeouterror", "readtimeout", "writetimeout",
               "connecttimeout", "pooltimeout", "timeoutexception", "requesttimeouterror",
               "gatewaytimeouterror", "deadlineexceeded", "deadlineexceedederror",
               "readtimeouterror", "servertimeouterror"),
        statuses=(408, 504, 524),
        text=(r"timed? ?out\b", r"timeout", r"deadline exceeded")),
    "connection": Signals(
        types=("apiconnectionerror", "connectionerror", "connecterror", "connectionrefusederror",
               "connectionreseterror", "connectionabortederror", "remotedisconnected",
               "remoteprotocolerror", "networkerror", "protocolerror", "sslerror", "gaierror",
               "clientconnectorerror", "serverdisconnectederror", "newconnectionerror",
               "maxretryerror"),
        text=(r"connection (error|refused|reset|aborted|closed)", r"failed to establish",
              r"name or service not known", r"name resolution", r"nodename nor servname",
              r"network is unreachable", r"no route to host", r"remote end closed",
              r"server disconnected", r"\bssl\b", r"could ?n.?t connect", r"cannot connect",
              r"connect call failed", r"max retries exceeded with url", r"econnrefused",
              r"econnreset", r"socket hang up", r"fetch failed")),
    "server": Signals(
        codes=("overloaded_error", "api_error", "server_error", "service_unavailable",
               "internal_server_error", "engine_overloaded"),
        types=("internalservererror", "overloadederror", "serviceunavailableerror",
               "serviceunavailable", "servererror", "badgatewayerror", "httpnotimplementederror",
               "internalerror"),
        text=(r"overloaded", r"internal (server )?error", r"server error", r"service unavailable",
              r"bad gateway", r"server had an error", r"temporarily unavailable")),
    "invalid_request": Signals(
        codes=("unsupported_parameter", "unsupported_value", "invalid_value", "model_not_found",
               "invalid_type", "invalid_prompt"),
        text=(r"invalid request", r"unsupported parameter", r"roles must alternate",
              r"is not supported", r"does not exist", r"invalid value")),
}

# Step 4: what says only that the request was malformed.
GENERIC_INVALID = Signals(
    codes=("invalid_request_error", "invalid_argument", "not_found_error", "request_too_large",
           "failed_precondition"),
    types=("badrequesterror", "unprocessableentityerror", "notfounderror", "conflicterror",
           "contenttoolargeerror", "requesttoolargeerror", "invalidrequesterror",
           "invalidargument", "clienterror", "validationexception"),
)
SERVER_STATUSES = (500, 599)  # any 5xx not named above (529 is Anthropic's "overloaded")
CLIENT_STATUSES = (400, 499)  # any 4xx not named above: the request itself

# How much of a message is read: codes and type names sit near the start (or at the end of a
# traceback, which ingest already reduced to its last line).
MESSAGE_HEAD = 4000
SIGNATURE_LENGTH = 200
GROUP_HASH_LENGTH = 8


# ------------------------------------------------------------------------------------------ SQL


def _lit(text: str) -> str:
    """A SQL string literal of fixed text from this module (never text from a log)."""
    return "'" + text.replace("'", "''") + "'"


def _map(pairs: dict[Any, str]) -> str:
    body = ", ".join(f"{_lit(k) if isinstance(k, str) else k}: {_lit(v)}"
                     for k, v in pairs.items())
    return "MAP {" + body + "}"


def _words(words: tuple[str, ...] | list[str]) -> str:
    return r"\b(" + "|".join(re.escape(w) for w in words) + r")\b"


# The provider's own message inside an SDK's "Error code: 429 - {'error': {'message': ...}}"
# (a Python repr, single- or double-quoted) or a JSON body.
_INNER_SINGLE = r"""['"]message['"]:\s*'([^']*)'"""
_INNER_DOUBLE = r"""['"]message['"]:\s*"((?:[^"\\]|\\.)*)\""""
# "RateLimitError: ", "Error code: 429 - " in front of the message.
_PREFIX = r"^\s*(?:[\w.]+(?:Error|Exception)\s*[:(]\s*)?(?:Error code:\s*\d+\s*-\s*)?"
# Normalization, in order: what varies between two occurrences of one failure.
_NORMALIZE = (
    (r"https?://[^\s'\"<>]+", "<url>"),
    (r"\b(?:sk|pk|rk)-[a-z0-9_*.-]{4,}|\*{4,}[a-z0-9]*", "<key>"),
    (r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", "<email>"),
    (r"(^|[^a-z0-9])'[^']*'", r"\1<q>"),
    (r'"[^"]*"|`[^`]*`', "<q>"),
    # ids: uuids, long hex, and tokens mixing letters and digits with 8+ characters on one
    # side of a digit (org-…, req_…, chatcmpl-…) -- not gpt-4o or o3-mini
    (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b(?:0x)?[0-9a-f]{12,}\b"
     r"|\b[a-z0-9_-]*(?:[a-z0-9_-]{8}[0-9]|[0-9][a-z0-9_-]{8})[a-z0-9_-]*", "<id>"),
    # numbers, with a unit when they have one: 1.4s, 900ms, 6m0s, 50,000, 12kb
    (r"\b\d+(?:[.,]\d+)*(?:ms|[smhdk]|kb|mb|%)?(?:\d+(?:\.\d+)?(?:ms|[smh]))*\b", "<n>"),
    (r"\s+", " "),
)
# The status an SDK writes into its message when the log kept no separate field:
# "Error code: 429 - ...", google-genai's "429 RESOURCE_EXHAUSTED. {...}".
_STATUS_IN_TEXT = r"(?i)(?:error code|status code|http)\W{0,3}([45]\d\d)\b"
_STATUS_LEADING = r"^([45]\d\d) [A-Z_]{3,}\b"
_TYPE_LEADING = r"^\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Timeout|Exceeded))\b"

# Failed calls, in the columns :func:`classified_sql` reads.
FAILED_CALLS = ("SELECT key, error_message, error_type, http_status, finish_reason, model "
                "FROM llm_calls WHERE status = 'error'")


def _derived() -> str:
    """The values a category is decided on, from a failure's columns (error_message,
    error_type, http_status, finish_reason, model): ``e_type`` the lower-case exception or type
    name, ``e_status`` the HTTP status, ``e_text`` the lower-cased message head, ``e_finish``
    the finish reason, ``e_normalized`` the normalized message."""
    message = f"left(error_message, {MESSAGE_HEAD})"
    named = "regexp_extract(coalesce(error_type, ''), '([A-Za-z0-9_]+)\\W*$', 1)"
    leading = f"regexp_extract(coalesce({message}, ''), {_lit(_TYPE_LEADING)}, 1)"
    status = (
        "coalesce(http_status, "
        "TRY_CAST(regexp_extract(error_type, '^([45][0-9][0-9])$', 1) AS INTEGER), "
        f"TRY_CAST(regexp_extract(left(error_message, 300), {_lit(_STATUS_IN_TEXT)}, 1) "
        "AS INTEGER), "
        f"TRY_CAST(regexp_extract(error_message, {_lit(_STATUS_LEADING)}, 1) AS INTEGER))"
    )
    return (f"lower(coalesce(nullif({named}, ''), {leading})) AS e_type, {status} AS e_status, "
            f"lower({message}) AS e_text, lower(finish_reason) AS e_finish, "
            f"{_normalized()} AS e_normalized")


def _normalized() -> str:
    """The message with what varies between two occurrences of one failure (numbers, ids, keys,
    quoted values, the model's name) replaced by placeholders."""
    message = f"left(error_message, {MESSAGE_HEAD})"
    inner = (f"coalesce(nullif(regexp_extract({message}, {_lit(_INNER_SINGLE)}, 1), ''), "
             f"nullif(regexp_extract({message}, {_lit(_INNER_DOUBLE)}, 1), ''), "
             f"regexp_replace({message}, {_lit(_PREFIX)}, ''))")
    # The call's own model name reads "<model>", so one failure on two models is one group.
    text = ("replace(lower(left(" + inner + ", 1000)), coalesce(CASE WHEN length(model) >= 4 "
            "THEN lower(model) END, chr(0)), '<model>')")
    for pattern, replacement in _NORMALIZE:
        text = f"regexp_replace({text}, {_lit(pattern)}, {_lit(replacement)}, 'g')"
    return f"left(trim({text}), {SIGNATURE_LENGTH})"


def _signature() -> str:
    """The group key of a failure: its normalized message; when that is nothing but
    placeholders (``KeyError: 'choices'``), the type and message as logged; without a message,
    the error type, else the HTTP status."""
    as_logged = (f"lower(left(coalesce(error_type || ': ', '') || nullif(trim(error_message), "
                 f"''), {SIGNATURE_LENGTH}))")
    return ("CASE WHEN regexp_matches(regexp_replace(e_normalized, '<[a-z]+>', '', 'g'), "
            f"'[a-z]') THEN e_normalized ELSE coalesce({as_logged}, lower(error_type), "
            "'http ' || http_status, '(no message)') END")


def _category() -> str:
    """The category from the derived columns; COALESCE stops at the first step that answers,
    so the text patterns run only for the few failures nothing else explains."""
    codes = {code: category for category, s in RULES.items() for code in s.codes}
    types = {name: category for category, s in RULES.items() for name in (*s.types, *s.codes)}
    statuses = {code: category for category, s in RULES.items() for code in s.statuses}
    finish = {reason: category for category, s in RULES.items() for reason in s.finish}
    text = " ".join(f"WHEN regexp_matches(signature, {_lit('|'.join(s.text))}) THEN {_lit(c)}"
                    for c, s in RULES.items() if s.text)
    generic_types = (*GENERIC_INVALID.types, *GENERIC_INVALID.codes)
    return (
        "coalesce("
        f"{_map(codes)}[regexp_extract(e_text, {_lit(_words(list(codes)))}, 1)], "
        f"{_map(types)}[e_type], "
        f"{_map(statuses)}[e_status], "
        f"CASE WHEN e_status BETWEEN {SERVER_STATUSES[0]} AND {SERVER_STATUSES[1]} "
        "THEN 'server' END, "
        f"{_map(finish)}[e_finish], "
        f"CASE {text} END, "
        f"CASE WHEN e_type IN ({', '.join(map(_lit, generic_types))}) "
        f"OR regexp_matches(e_text, {_lit(_words(GENERIC_INVALID.codes))}) "
        f"OR e_status BETWEEN {CLIENT_STATUSES[0]} AND {CLIENT_STATUSES[1]} "
        "THEN 'invalid_request' END, "
        "'other')"
    )


@lru_cache(maxsize=16)
def classified_sql(relation: str) -> str:
    """``relation`` (failures with the columns error_message, error_type, http_status,
    finish_reason and model) with ``category``, ``signature`` and ``group_id`` added. Each step
    is its own projection so that every expression is computed once per failure."""
    return (f"SELECT *, category || '-' || left(md5(signature), {GROUP_HASH_LENGTH}) AS group_id "
            f"FROM (SELECT *, {_category()} AS category "
            f"FROM (SELECT *, {_signature()} AS signature "
            f"FROM (SELECT *, {_derived()} FROM ({relation}))))")


def failed_call_sql(column: str) -> str:
    """The ``category`` or ``group_id`` of the current row of ``llm_calls`` (NULL unless it
    failed), for a search field: a subquery DuckDB runs once over all failures and joins."""
    renamed = FAILED_CALLS.replace("SELECT key,", "SELECT key AS failure_key,", 1)
    return (f"(SELECT f.{column} FROM ({classified_sql(renamed)}) f "
            "WHERE f.failure_key = key)")


# ------------------------------------------------------------------------------- one failure


@dataclass(frozen=True)
class Diagnosis:
    """One failure explained: its category and signature (the group it belongs to), the
    message as logged, what to change, and where the provider documents it."""

    category: str
    signature: str
    group: str
    message: str
    suggestion: str
    doc_url: str | None


_ONE_FAILURE = (
    "SELECT ?::VARCHAR AS error_message, ?::VARCHAR AS error_type, "
    "TRY_CAST(? AS INTEGER) AS http_status, ?::VARCHAR AS finish_reason, ?::VARCHAR AS model"
)
_lock = threading.Lock()
_connection: Any = None


def classify(message: str | None, error_type: str | None = None, http_status: Any = None,
             finish_reason: str | None = None, model: str | None = None) -> tuple[str, str, str]:
    """(category, signature, group_id) of one failure, by the SQL that groups the index's."""
    global _connection
    with _lock:
        if _connection is None:
            import duckdb

            _connection = duckdb.connect(":memory:")
        row = _connection.execute(
            f"SELECT category, signature, group_id FROM ({classified_sql(_ONE_FAILURE)})",
            [message, error_type, http_status, finish_reason, model]).fetchone()
    return row[0], row[1], row[2]


def diagnose(call: dict[str, Any]) -> Diagnosis | None:
    """The diagnosis of a failed call (a row of ``calls``); None when it did not fail."""
    if call.get("status") != "error":
        return None
    message = call.get("error_message") or ""
    category, signature, group = classify(message, call.get("error_type"),
                                          call.get("http_status"), call.get("finish_reason"),
                                          call.get("model"))
    return Diagnosis(
        category=category, signature=signature, group=group,
        message=message or call.get("error_type") or "",
        suggestion=suggestion(category, call, message),
        doc_url=doc_url(category, call.get("provider"), message),
    )
