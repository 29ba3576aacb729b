"""Realistic, growing sample logs for ``llmview demo``.

A viewer is judged on real logs, so the demo writes what real applications write: the seeds'
own records, the SDKs' response objects and error texts, OpenTelemetry spans, LiteLLM, Langfuse
and LangSmith payloads -- over a day of traffic, with sessions, traces, failures, personal data
and a few broken lines, and then keeps appending while the viewer is open.

How it is built, so that one dialect is one small function:

- the *world* (models, error catalogue, apps, people, conversation content) is data;
- a :class:`Planner` draws *scenarios* from one ``random.Random``: a :class:`Call` (app, user,
  session, model, messages, outcome, timing), a :class:`Trace` of steps around calls, a
  :class:`Batch` of calls;
- one ``render_*`` function per dialect turns a scenario into the lines that dialect's library
  would write, each stamped with the moment it is written (:class:`Line`); the
  :data:`WRITERS` table says which app writes which dialect, and how often;
- :func:`write_demo` writes a day of lines at once; :func:`append_live` writes new ones as their
  moment comes (a request line now, its response when the call "returns").

Only the standard library is used: the demo must run on a bare install.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import math
import os
import random
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

DAY = 24 * 3600.0

# --- the world: models ------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A model as an app asks for it, with what drives its latency and price."""

    name: str
    provider: str  # openai | anthropic | google | ollama
    served_as: str  # the name the API answers with
    ttft_ms: float  # median time to first token
    tokens_per_s: float  # median decoding speed
    usd_in: float  # price per million input tokens
    usd_out: float  # price per million output tokens
    reasoning: bool = False  # spends hidden reasoning tokens before answering

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return round((input_tokens * self.usd_in + output_tokens * self.usd_out) / 1e6, 8)


MODELS = {model.name: model for model in (
    Model("gpt-4o", "openai", "gpt-4o-2024-08-06", 480, 85, 2.50, 10.00),
    Model("gpt-4o-mini", "openai", "gpt-4o-mini-2024-07-18", 330, 110, 0.15, 0.60),
    Model("o3-mini", "openai", "o3-mini-2025-01-31", 2400, 150, 1.10, 4.40, reasoning=True),
    Model("claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-20250514", 950, 62, 3.0, 15.0),
    Model("claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku-20241022", 520, 95, 0.8, 4.0),
    Model("gemini-2.0-flash", "google", "gemini-2.0-flash", 340, 190, 0.10, 0.40),
    Model("llama3:8b-instruct", "ollama", "llama3:8b-instruct", 650, 28, 0.0, 0.0),
)}

API_HOSTS = {
    "openai": "api.openai.com",
    "anthropic": "api.anthropic.com",
    "google": "generativelanguage.googleapis.com",
    "ollama": "localhost",
}
# Python module that raises each provider's errors (the Ollama apps use the OpenAI SDK).
SDK_MODULES = {"openai": "openai", "ollama": "openai", "anthropic": "anthropic",
               "google": "google.genai.errors"}

# --- the world: errors, as the SDKs word them --------------------------------------------------


@dataclass(frozen=True)
class ErrorKind:
    """One way a call fails, with the provider's own error object and the SDK exception."""

    category: str  # what the Errors view groups it under
    exception: str  # the SDK exception class
    status: int | None  # HTTP status; None when no response came back
    detail: dict[str, Any]  # the provider's error object; "message" may name {model}, {org}, {key}
    providers: tuple[str, ...]
    latency_ms: tuple[float, float]  # how long the call took to fail
    litellm_class: str  # the exception LiteLLM maps it to
    models: tuple[str, ...] = ()  # only these models (empty: any model of the providers)

    def applies_to(self, model: Model) -> bool:
        return model.provider in self.providers and (not self.models or model.name in self.models)


def _openai_error(message: str, kind: str | None, code: str | None,
                  param: str | None = None) -> dict[str, Any]:
    return {"message": message, "type": kind, "param": param, "code": code}


ERRORS: tuple[ErrorKind, ...] = (
    ErrorKind("rate_limit", "RateLimitError", 429, _openai_error(
        "Rate limit reached for {model} in organization {org} on tokens per min (TPM): "
        "Limit 30000, Used 29500, Requested 1200. Please try again in 1.4s. Visit "
        "https://platform.openai.com/account/rate-limits to learn more.",
        "tokens", "rate_limit_exceeded"), ("openai",), (90, 450), "RateLimitError",
        ("gpt-4o", "gpt-4o-mini")),
    ErrorKind("rate_limit", "RateLimitError", 429, {
        "type": "rate_limit_error",
        "message": "This request would exceed the rate limit for your organization ({org}) of "
                   "50,000 input tokens per minute. For details, refer to: "
                   "https://docs.anthropic.com/en/api/rate-limits. You can see the response "
                   "headers for current usage. Please reduce the prompt length or the maximum "
                   "tokens requested, or try again later."},
        ("anthropic",), (120, 500), "RateLimitError"),
    ErrorKind("rate_limit", "ClientError", 429, {
        "code": 429, "message": "Resource has been exhausted (e.g. check quota).",
        "status": "RESOURCE_EXHAUSTED"}, ("google",), (80, 300), "RateLimitError"),
    ErrorKind("context_length", "BadRequestError", 400, _openai_error(
        "This model's maximum context length is 128000 tokens. However, your messages resulted "
        "in 131072 tokens. Please reduce the length of the messages.",
        "invalid_request_error", "context_length_exceeded", "messages"),
        ("openai",), (300, 900), "ContextWindowExceededError", ("gpt-4o", "gpt-4o-mini")),
    ErrorKind("auth", "AuthenticationError", 401, _openai_error(
        "Incorrect API key provided: {key}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error", "invalid_api_key"), ("openai",), (60, 250),
        "AuthenticationError"),
    ErrorKind("overloaded", "OverloadedError", 529, {
        "type": "overloaded_error", "message": "Overloaded"}, ("anthropic",), (300, 1800),
        "InternalServerError"),
    ErrorKind("content_filter", "BadRequestError", 400, {
        **_openai_error(
            "The response was filtered due to the prompt triggering Azure OpenAI's content "
            "management policy. Please modify your prompt and retry. To learn more about our "
            "content filtering policies please read our documentation: "
            "https://go.microsoft.com/fwlink/?linkid=2198766", None, "content_filter", "prompt"),
        "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
            "hate": {"filtered": False, "severity": "safe"},
            "jailbreak": {"filtered": True, "detected": True},
            "self_harm": {"filtered": False, "severity": "safe"},
            "sexual": {"filtered": False, "severity": "safe"},
            "violence": {"filtered": False, "severity": "safe"}}}},
        ("openai",), (200, 700), "ContentPolicyViolationError", ("gpt-4o", "gpt-4o-mini")),
    ErrorKind("timeout", "APITimeoutError", None, {"message": "Request timed out."},
              ("openai", "ollama"), (30000, 30400), "Timeout"),
    ErrorKind("server_error", "InternalServerError", 500, _openai_error(
        "The server had an error while processing your request. Sorry about that!",
        "server_error", None), ("openai",), (400, 9000), "InternalServerError"),
    ErrorKind("connection", "APIConnectionError", None, {"message": "Connection error."},
              ("ollama", "openai"), (3, 1800), "APIConnectionError"),
    ErrorKind("invalid_request", "BadRequestError", 400, _openai_error(
        "Unsupported parameter: 'temperature' is not supported with this model.",
        "invalid_request_error", "unsupported_parameter", "temperature"),
        ("openai",), (70, 300), "BadRequestError", ("o3-mini",)),
    ErrorKind("invalid_request", "BadRequestError", 400, {
        "type": "invalid_request_error",
        "message": 'messages: roles must alternate between "user" and "assistant", but found '
                   'multiple "user" roles in a row'}, ("anthropic",), (80, 300),
        "BadRequestError"),
)


@dataclass(frozen=True)
class Failure:
    """An error as it happened to one call: the kind plus the filled-in texts."""

    kind: ErrorKind
    provider: str
    message: str  # the provider's message
    body: dict[str, Any] | None  # the HTTP error body

    @property
    def exception(self) -> str:
        return self.kind.exception

    @property
    def qualified(self) -> str:
        """``openai.RateLimitError``: how tracebacks and OTel ``exception.type`` name it."""
        return f"{SDK_MODULES[self.provider]}.{self.kind.exception}"

    @property
    def text(self) -> str:
        """``str(exc)`` exactly as the SDK formats it."""
        if self.body is None:
            return self.message
        if self.provider == "google":
            return f"{self.kind.status} {self.kind.detail['status']}. {self.body!r}"
        return f"Error code: {self.kind.status} - {self.body!r}"

    def traceback(self, app: str) -> str:
        """The traceback an app logs for it (``logger.exception``, LangChain's run error)."""
        sdk_file = SDK_MODULES[self.provider].replace(".errors", "").replace(".", "/") \
            + ("/_api_client.py" if self.provider == "google" else "/_base_client.py")
        raised = "self._make_status_error_from_response(err.response) from None" \
            if self.kind.status else f"{self.kind.exception}(request=request) from err"
        return (
            "Traceback (most recent call last):\n"
            f'  File "/srv/{app}/{app.replace("-", "_")}/llm.py", line 88, in complete\n'
            "    response = await self.client.chat.completions.create(\n"
            f'  File "/usr/local/lib/python3.12/site-packages/{sdk_file}", line 1634, in '
            f"request\n    raise {raised}\n"
            f"{self.qualified}: {self.text}"
        )


# --- the world: apps, people, content ---------------------------------------------------------


@dataclass(frozen=True)
class ToolUse:
    """A tool the model called: what it asked for and what came back."""

    name: str
    description: str
    question: str
    arguments: dict[str, Any]
    result: Any
    answer: str
    call_id: str = ""

    def schema(self) -> dict[str, Any]:
        """The OpenAI tool definition the app offered."""
        properties = {name: {"type": "string"} for name in self.arguments}
        return {"type": "function", "function": {
            "name": self.name, "description": self.description,
            "parameters": {"type": "object", "properties": properties,
                           "required": list(self.arguments)}}}


@dataclass(frozen=True)
class Domain:
    """What an app talks about: its system prompt and question/answer pairs."""

    system: str
    exchanges: tuple[tuple[str, str], ...]
    tools: tuple[ToolUse, ...] = ()
    followups: tuple[str, ...] = ()  # what the model often adds after the answer


DOC_CHUNKS = (
    ("docs/api-keys.md#rotation", "Rotating keys. Create a second key in Settings > API keys, "
     "deploy it alongside the old one, then revoke the old key. Both keys work until one is "
     "revoked, so rotation needs no downtime. Keys are shown once; store them in a secret "
     "manager. Revoked keys fail with HTTP 401 within 60 seconds."),
    ("docs/rate-limits.md#search", "Rate limits. The /v2/search endpoint allows 600 requests per "
     "minute per project and 20 concurrent requests; /v2/documents allows 1,200. Responses over "
     "the limit return HTTP 429 with a Retry-After header in seconds. Limits are per project, "
     "not per key, and can be raised on the Business plan."),
    ("docs/webhooks.md#signatures", "Verifying webhooks. Each delivery carries an Acme-Signature "
     "header: the hex HMAC-SHA256 of the raw request body, keyed with the endpoint's signing "
     "secret. Compute it over the bytes you received (not re-serialized JSON) and compare with "
     "hmac.compare_digest, never ==. Reject deliveries older than 5 minutes (Acme-Timestamp)."),
    ("docs/pagination.md#cursors", "Pagination. List endpoints return at most 100 items and a "
     "next_cursor. Pass it as ?cursor= to get the next page; a null next_cursor means the last "
     "page. Cursors expire after 24 hours and are tied to the filters of the first request; "
     "changing a filter mid-way returns HTTP 400 invalid_cursor."),
    ("docs/regions.md#residency", "Data residency. Projects can be created in us-east-1 "
     "(default), eu-west-1 (Dublin) or eu-central-1 (Frankfurt). All data, backups and logs stay "
     "in the project's region. The region is chosen at creation and cannot change; to move, "
     "export and re-import into a new project."),
    ("docs/sdk.md#install", "Python SDK. Install with pip install acme-sdk (Python 3.9+). The "
     "client reads ACME_API_KEY from the environment unless api_key= is passed, retries 429 and "
     "5xx responses twice with exponential backoff, and times out after 60 seconds "
     "(timeout= to change)."),
)

DOMAINS: dict[str, Domain] = {
    "support": Domain(
        "You are Ava, the customer support assistant of Acme Cloud (storage and billing for "
        "small teams).\n\nRules:\n- Be concise, friendly and specific; answer in the "
        "customer's language.\n- Look up orders before answering questions about them.\n- "
        "Never promise a refund above $500 without escalating to a human agent.\n- Never ask "
        "for full card numbers, passwords or API keys; if a customer shares one, tell them to "
        "rotate or block it.\n- Plans: Free, Team ($49/month) and Business ($199/month), "
        "billed monthly or yearly (two months free).\n- If you are not sure, say so and offer "
        "to open a ticket.",
        (
            ("Where is my order #{order}? It was supposed to arrive yesterday.",
             "I checked order #{order}: it left our warehouse on Tuesday and is with UPS "
             "(tracking 1Z999AA10123456784). The latest scan shows it in Denver, so delivery is "
             "expected tomorrow before 8 pm. I'm sorry for the delay!"),
            ("I was charged twice for my March invoice.",
             "Sorry about that! I can see two charges of $49.00 on March 3. The second one is a "
             "pre-authorization that drops off within 3-5 business days. If it is still there "
             "after that, reply here and I will open a billing ticket for you."),
            ("How do I cancel my subscription?",
             "You can cancel any time under Settings > Billing > Cancel plan. Your plan stays "
             "active until the end of the current billing period and you will not be charged "
             "again. Would you like me to send you the direct link?"),
            ("Can I change the shipping address on an order that already shipped?",
             "Once an order has shipped we can't change the address ourselves, but UPS My Choice "
             "lets you redirect the parcel to another address or an Access Point for free."),
            ("My account is locked after too many login attempts.",
             "For your security the account unlocks automatically after 30 minutes. If you "
             "can't wait, use 'Forgot password' on the sign-in page: resetting the password "
             "unlocks the account immediately."),
            ("Do you offer a discount for non-profits?",
             "Yes: registered non-profits get 50% off the Team plan. Send a proof of status to "
             "nonprofit@acme.example and we will apply the discount to your next invoice."),
            ("Why was my refund only partial?",
             "The refund covers the items you returned ($86.40); the $7.99 shipping fee is only "
             "refunded when the return is due to our mistake. I've added a note so a colleague "
             "can review it if you think that applies here."),
        ),
        (
            ToolUse("lookup_order", "Look up an order by its id.",
                    "What's the status of order {order}?", {"order_id": "{order}"},
                    {"status": "in_transit", "carrier": "UPS", "eta": "2026-11-25"},
                    "Order {order} is in transit with UPS and should arrive on November 25."),
            ToolUse("lookup_order", "Look up an order by its id.",
                    "Has my order {order} been refunded yet?", {"order_id": "{order}"},
                    {"status": "refunded", "amount": "86.40", "refunded_at": "2026-11-20"},
                    "Yes, order {order} was refunded ($86.40) on November 20. It can take up to "
                    "5 business days to show on your statement."),
        ),
        (
            "Is there anything else I can help you with today?",
            "I've also sent a summary of this conversation to the email address on your "
            "account, so you have the details at hand.",
            "If you'd like, I can open a ticket so that a colleague from billing follows up "
            "within one business day. Just reply 'open a ticket'.",
        ),
    ),
    "docs": Domain(
        "You are the documentation assistant of the Acme API. Answer using only the context "
        "below. Format: the short answer first, then the steps, then the sections you used "
        "(their ids in brackets). Put code in fenced blocks. If the context does not contain "
        "the answer, say you don't know and suggest writing to support@acme.example.",
        (
            ("How do I rotate an API key without downtime?",
             "Create a second key under Settings > API keys, deploy it next to the old one, "
             "then revoke the old key (docs/api-keys.md#rotation). Both keys work until one is "
             "revoked, so there is no downtime."),
            ("What are the rate limits on /v2/search?",
             "600 requests per minute per project and 20 concurrent requests. Over the limit "
             "you get HTTP 429 with a Retry-After header (docs/rate-limits.md#search)."),
            ("How do I verify webhook signatures in Python?",
             "Compute HMAC-SHA256 of the raw request body with your signing secret and compare "
             "it to the Acme-Signature header with hmac.compare_digest "
             "(docs/webhooks.md#signatures)."),
            ("How does pagination work on list endpoints?",
             "Pass next_cursor from the previous response as ?cursor=; a null next_cursor is "
             "the last page. Cursors expire after 24 hours (docs/pagination.md#cursors)."),
            ("Can we keep our data in the EU?",
             "Yes: pick eu-west-1 (Dublin) or eu-central-1 (Frankfurt) when you create the "
             "project. The region can't be changed later (docs/regions.md#residency)."),
            ("Which Python versions does the SDK support?",
             "Python 3.9 and newer; install it with pip install acme-sdk. It reads "
             "ACME_API_KEY from the environment (docs/sdk.md#install)."),
        ),
        (
            ToolUse("search_docs", "Full-text search over the Acme documentation.",
                    "Is there a bulk import endpoint?", {"query": "bulk import endpoint"},
                    [{"title": "Bulk import (beta)", "url": "/docs/bulk-import"}],
                    "Yes, POST /v2/imports accepts up to 10,000 records per request; it is in "
                    "beta (see /docs/bulk-import)."),
            ToolUse("run_sql", "Run a read-only SQL query on the analytics warehouse.",
                    "How many projects were created last week?",
                    {"query": "SELECT count(*) FROM projects WHERE created_at >= now() - "
                              "interval '7 days'"},
                    [{"count": 1284}], "1,284 projects were created in the last 7 days."),
        ),
        (
            "Let me know if you'd like a code example in Python or TypeScript.",
            "Note: the examples assume acme-sdk 4.x; version 3 named some of these parameters "
            "differently (see the migration guide, docs/sdk.md#migrating).",
        ),
    ),
    "tickets": Domain(
        "Summarize the support ticket in one sentence and classify its sentiment as positive, "
        "neutral or negative. Answer with JSON: {\"summary\": ..., \"sentiment\": ...}.",
        (
            ("Ticket #{order}: The export has been stuck at 99% for two hours and our board "
             "meeting is tomorrow morning. This is the third time this month.",
             '{"summary": "CSV export stuck at 99% for two hours, recurring issue, urgent '
             'before a board meeting.", "sentiment": "negative"}'),
            ("Ticket #{order}: Thanks for fixing the SSO issue so quickly, everything works now!",
             '{"summary": "Customer confirms the SSO issue is fixed.", "sentiment": '
             '"positive"}'),
            ("Ticket #{order}: How do I add a second admin to our workspace?",
             '{"summary": "Asks how to add a second workspace admin.", "sentiment": '
             '"neutral"}'),
            ("Ticket #{order}: Your latest update broke the Zapier integration, all our "
             "automations fail with 'invalid token'.",
             '{"summary": "Zapier integration fails with invalid token since the latest '
             'update.", "sentiment": "negative"}'),
        ),
    ),
    "reviews": Domain(
        "Classify the product review. Answer with one word: positive, neutral or negative.",
        (
            ("Battery lasts two full days, screen is gorgeous. Best purchase this year.",
             "positive"),
            ("Arrived with a cracked corner and support took a week to answer.", "negative"),
            ("It does what it says. Nothing more, nothing less.", "neutral"),
            ("Setup took five minutes and the app is intuitive.", "positive"),
            ("Stopped charging after three weeks.", "negative"),
        ),
    ),
}


@dataclass(frozen=True)
class App:
    """An application writing logs: what it talks about and which models it uses."""

    name: str
    domain: str
    version: str
    models: tuple[str, ...]
    agent: float = 0.0  # share of its traces that are agent runs (the rest: RAG requests)


FIRST_NAMES = ("maria", "james", "aiko", "lukas", "fatima", "noah", "chloe", "ravi", "sofia",
               "daniel")
LAST_NAMES = ("gonzalez", "smith", "tanaka", "schmidt", "haddad", "johnson", "martin", "patel",
              "rossi", "kim")
MAIL_DOMAINS = ("gmail.com", "example.com", "acme-corp.io", "outlook.com")
# Test numbers that pass the checks real detectors apply (Luhn for cards, mod-97 for IBANs).
CARDS = ("4111 1111 1111 1111", "5555 5555 5555 4444", "4012 8888 8888 1881")
IBANS = ("DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32",
         "NL91 ABNA 0417 1643 00")
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
USER_AGENTS = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
               "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36",
               "AcmeMobile/4.2.1 (iPhone; iOS 18.1)")

# What users paste into prompts. The first batch uses each once, in this order, so the masking
# always has every kind to show; later prompts draw from them at random.
PII_TEMPLATES = (
    "The charge on my card 4111 1111 1111 1111 appeared twice.",
    "I'm {name}, you can reach me at {email} or {phone}.",
    "Please send the refund to my IBAN {iban}.",
    "Our key {openai_key} stopped working this morning, is it revoked?",
    "I accidentally committed {aws_key} to a public repo, what do I do?",
    "ANTHROPIC_API_KEY={anthropic_key} is set but requests still fail.",
    "My colleague {email} has the same problem.",
    "Call me back on {phone}, I'm on the road.",
    "Card {card} was declined although the bank says it's fine.",
)


# --- ids and times ----------------------------------------------------------------------------


class Ids:
    """Every identifier the demo invents, drawn from the planner's random generator so that a
    seed gives the same files."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(4 * digits):0{digits}x}"

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def text(self, length: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def response_id(self, provider: str) -> str:
        if provider == "anthropic":
            return "msg_01" + self.text(22)
        if provider == "google":
            return self.text(22)
        return "chatcmpl-" + self.text(29)

    def order(self) -> str:
        return f"A-{self.rng.randint(10000, 99999)}"

    def person(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        return f"{first.title()} {last.title()}", f"{first}.{last}@{self.rng.choice(MAIL_DOMAINS)}"

    def phone(self) -> str:
        return self.rng.choice((
            f"+1 415-555-{self.rng.randint(100, 199):04d}",
            f"(212) 555-{self.rng.randint(100, 199):04d}",
            f"+44 20 7946 {self.rng.randint(0, 999):04d}",
            f"+49 30 901820{self.rng.randint(10, 99)}",
        ))

    def openai_key(self) -> str:
        return "sk-proj-" + self.text(48)

    def anthropic_key(self) -> str:
        return "sk-ant-api03-" + self.text(86, ALNUM + "-_") + "AA"

    def aws_key(self) -> str:
        return "AKIA" + self.text(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    def personal_data(self, template: str) -> str:
        """A ``PII_TEMPLATES`` sentence with made-up but valid-looking values."""
        name, email = self.person()
        makers: dict[str, Callable[[], str]] = {
            "name": lambda: name, "email": lambda: email, "phone": self.phone,
            "iban": lambda: self.rng.choice(IBANS), "card": lambda: self.rng.choice(CARDS),
            "openai_key": self.openai_key, "anthropic_key": self.anthropic_key,
            "aws_key": self.aws_key,
        }
        return fill(template, {key: make() for key, make in makers.items()
                               if "{" + key + "}" in template})


def fill(text: str, values: dict[str, str]) -> str:
    """Placeholders by plain replacement: the texts hold JSON braces of their own."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def derived_hex(seed: str, digits: int) -> str:
    """A stable id derived from another (a hash, like the ones LiteLLM and OpenAI show), so a
    renderer needs no random state."""
    return hashlib.sha256(seed.encode()).hexdigest()[:digits]


def derived_uuid(seed: str) -> str:
    return str(uuid.UUID(hex=derived_hex(seed, 32), version=4))


def local_iso(ts: float) -> str:
    """``datetime.now().isoformat()``: local time without a zone."""
    return datetime.fromtimestamp(ts).isoformat()


def utc_naive_iso(ts: float) -> str:
    """``datetime.utcnow().isoformat()``: UTC without a zone (seed 004)."""
    return datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None).isoformat()


def utc_iso(ts: float, *, digits: int = 6, zulu: bool = True) -> str:
    moment = datetime.fromtimestamp(ts, timezone.utc)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[: 20 + digits]
    return text + ("Z" if zulu else "+00:00")


def asctime(ts: float) -> str:
    """logging's ``%(asctime)s``: local time, comma before the milliseconds."""
    moment = datetime.fromtimestamp(ts)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + f",{moment.microsecond // 1000:03d}"


def unix_nanos(ts: float) -> int:
    return int(round(ts * 1e6)) * 1000


def hr_time(ts: float) -> list[int]:
    """OpenTelemetry-JS ``HrTime``: ``[seconds, nanoseconds]``."""
    nanos = unix_nanos(ts)
    return [nanos // 1_000_000_000, nanos % 1_000_000_000]


# Text that must reach the screen as text: markup that Rich or Textual would interpret, and a
# terminal escape sequence. The first batch carries each once.
MARKUP_PROMPT = ("Why does my Textual app print [bold red]x[/] literally, and what does "
                 "[@click=app.quit]quit[/] do when a user clicks it?")
ANSI_OUTPUT = ("Here is the failing test output you pasted:\n\x1b[31mFAILED\x1b[0m "
               "tests/test_refunds.py::test_partial_refund - AssertionError: 86.4 != 94.39")


# --- scenarios --------------------------------------------------------------------------------


def user_message(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


@dataclass
class Call:
    """One LLM call as the app made it: who, which model, what was sent, what came back."""

    app: App
    user: str
    model: Model
    start: float
    messages: list[dict[str, Any]]  # OpenAI-style, as sent
    output: str  # "" when the model only called tools, or the call failed
    input_tokens: int
    output_tokens: int
    latency_ms: float
    request_id: str  # the app's UUID for the call
    response_id: str  # the provider's id of the response
    ttft_ms: float | None = None  # streamed calls only
    session: str | None = None
    temperature: float | None = 0.3
    max_tokens: int | None = 800
    tools: list[ToolUse] = field(default_factory=list)  # offered to the model
    tool_calls: list[ToolUse] = field(default_factory=list)  # the model asked for these
    reasoning_tokens: int = 0
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def end(self) -> float:
        return self.start + self.latency_ms / 1000

    @property
    def provider(self) -> str:
        return self.model.provider

    @property
    def question(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost_usd(self) -> float:
        return self.model.cost(self.input_tokens, self.output_tokens) if self.ok else 0.0

    def assistant_message(self) -> dict[str, Any]:
        """The answer as the next turn re-sends it."""
        message: dict[str, Any] = {"role": "assistant", "content": self.output or None}
        if self.tool_calls:
            message["tool_calls"] = openai_tool_calls(self)
        return message


@dataclass
class Step:
    """One span of a trace, in terms every trace dialect can name its own way."""

    kind: str  # agent | chain | retrieval | llm | tool
    start: float
    end: float
    span_id: str  # 16 hex digits (OpenTelemetry)
    uid: str  # a UUID (LangSmith, Langfuse, the seed's tracer)
    parent: Step | None = None
    call: Call | None = None
    tool: ToolUse | None = None
    query: str = ""
    documents: tuple[tuple[str, str], ...] = ()  # (id, text)
    failure: Failure | None = None

    @property
    def duration_ms(self) -> float:
        return (self.end - self.start) * 1000


@dataclass
class Trace:
    """An agent run or a RAG request: a root step and its children, in start order."""

    app: App
    trace_id: str  # 32 hex digits
    uid: str
    user: str
    session: str | None
    steps: list[Step]

    @property
    def root(self) -> Step:
        return self.steps[0]

    @property
    def calls(self) -> list[Call]:
        return [step.call for step in self.steps if step.call is not None]

    @property
    def question(self) -> str:
        return self.calls[0].question

    @property
    def answer(self) -> str:
        return self.calls[-1].output


@dataclass
class Batch:
    """An OpenAI Batch API job: requests uploaded together, results downloaded together."""

    job_id: str
    submitted: float
    completed: float
    calls: list[Call]


Unit = Call | Trace | Batch


def unit_calls(unit: Unit) -> list[Call]:
    return [unit] if isinstance(unit, Call) else unit.calls


def openai_tool_calls(call: Call) -> list[dict[str, Any]]:
    return [{"id": tool.call_id, "type": "function",
             "function": {"name": tool.name, "arguments": json.dumps(tool.arguments)}}
            for tool in call.tool_calls]


# --- the planner: drawing scenarios -----------------------------------------------------------


class Planner:
    """Draws scenarios: realistic content, token counts from the text, lognormal latencies per
    model, occasional failures (more during one incident hour), sessions and traces."""

    ERROR_RATE = 0.045
    INCIDENT_ERROR_RATE = 0.3

    def __init__(self, rng: random.Random, *, incident: tuple[float, float] = (0.0, 0.0)) -> None:
        self.rng = rng
        self.ids = Ids(rng)
        self.incident = incident
        self.pii: deque[str] = deque()
        self.specials: deque[str] = deque()

    def first_batch(self) -> None:
        """Make the next prompts carry every kind of personal data, markup and an escape."""
        self.pii.extend(PII_TEMPLATES)
        self.specials.extend(("markup", "ansi"))

    # --- content

    def exchange(self, domain: Domain, *, logged: bool = True) -> tuple[str, str]:
        """A question (sometimes with personal data pasted in) and the answer it gets.
        ``logged``: the prompt will be in the logs, so it may carry the first batch's
        must-have personal data and special characters."""
        question, answer = self.rng.choice(domain.exchanges)
        values = {"order": self.ids.order()}
        question, answer = fill(question, values), fill(answer, values)
        if domain.followups and self.rng.random() < 0.6:
            answer = f"{answer}\n\n{self.rng.choice(domain.followups)}"
        if (self.pii and logged) or self.rng.random() < 0.12:
            template = self.pii.popleft() if self.pii and logged else \
                self.rng.choice(PII_TEMPLATES)
            question = f"{question} {self.ids.personal_data(template)}"
        if self.specials and logged:
            special = self.specials.popleft()
            if special == "markup":
                question = f"{question} {MARKUP_PROMPT}"
            else:
                answer = f"{answer}\n\n{ANSI_OUTPUT}"
        return question, answer

    def tool_use(self, domain: Domain) -> ToolUse:
        tool = self.rng.choice(domain.tools)
        values = {"order": self.ids.order()}
        return ToolUse(
            tool.name, tool.description, fill(tool.question, values),
            {k: fill(v, values) for k, v in tool.arguments.items()},
            tool.result, fill(tool.answer, values), "call_" + self.ids.text(24))

    def documents(self, count: int = 4) -> tuple[tuple[str, str], ...]:
        return tuple(self.rng.sample(DOC_CHUNKS, count))

    def system_prompt(self, domain: Domain, documents: Iterable[tuple[str, str]] = ()) -> str:
        context = "\n\n".join(f"[{doc_id}]\n{text}" for doc_id, text in documents)
        return f"{domain.system}\n\nContext:\n{context}" if context else domain.system

    def user(self) -> str:
        return f"u_{self.rng.randint(1000, 1060)}"

    # --- outcomes and timing

    def outcome(self, model: Model, kinds: Sequence[ErrorKind], start: float,
                forced: ErrorKind | None = None) -> Failure | None:
        """``forced``, or now and then a failure among ``kinds`` (those the dialect can
        record), more often during the incident, when rate limits and overload dominate."""
        if forced is not None:
            return self.failure(forced, model)
        candidates = [kind for kind in kinds if kind.applies_to(model)]
        in_incident = self.incident[0] <= start <= self.incident[1]
        rate = self.INCIDENT_ERROR_RATE if in_incident else self.ERROR_RATE
        if not candidates or self.rng.random() >= rate:
            return None
        if in_incident:
            candidates = [k for k in candidates if k.category in ("rate_limit", "overloaded")] \
                or candidates
        return self.failure(self.rng.choice(candidates), model)

    def failure(self, kind: ErrorKind, model: Model) -> Failure:
        values = {"model": model.name, "org": "org-" + self.ids.text(24),
                  "key": "sk-proj-" + "*" * 44 + self.ids.text(4)}
        detail = {**kind.detail, "message": fill(kind.detail["message"], values)}
        body: dict[str, Any] | None = None
        if kind.status is not None:
            if model.provider == "anthropic":
                body = {"type": "error", "error": detail,
                        "request_id": "req_011C" + self.ids.text(20)}
            else:
                body = {"error": detail}
        return Failure(kind, model.provider, detail["message"], body)

    def call(self, app: App, model: Model, start: float, messages: list[dict[str, Any]],
             answer: str, *, failure: Failure | None = None, stream: bool = False,
             session: str | None = None, user: str | None = None,
             tools: Iterable[ToolUse] = (), tool_calls: Iterable[ToolUse] = ()) -> Call:
        """A call whose token counts follow from its text and whose latency follows the model:
        time to first token, then decoding at the model's speed, both lognormal."""
        tool_calls = list(tool_calls)
        output = "" if tool_calls or failure else answer
        input_tokens = sum(len(str(m.get("content") or "")) for m in messages) // 4 \
            + 4 * len(messages) + 3
        produced = len(output) // 4 + sum(len(json.dumps(t.arguments)) // 4 + 9
                                          for t in tool_calls) + 1
        reasoning = self.rng.randint(150, 1600) if model.reasoning else 0
        ttft = model.ttft_ms * self.rng.lognormvariate(0, 0.35) + input_tokens * 0.02 \
            + reasoning / model.tokens_per_s * 1000
        decoding = produced / (model.tokens_per_s * self.rng.lognormvariate(0, 0.25)) * 1000
        latency = self.rng.uniform(*failure.kind.latency_ms) if failure else ttft + decoding
        return Call(
            app=app, user=user or self.user(), model=model, start=start, messages=messages,
            output=output, input_tokens=input_tokens, output_tokens=produced + reasoning,
            latency_ms=round(latency, 3), request_id=self.ids.uuid(),
            response_id=self.ids.response_id(model.provider),
            ttft_ms=round(ttft, 3) if stream and not failure else None, session=session,
            temperature=None if model.reasoning else self.rng.choice((0.0, 0.2, 0.3, 0.7)),
            max_tokens=self.rng.choice((512, 800, 1024, 2048)), tools=list(tools),
            tool_calls=tool_calls, reasoning_tokens=reasoning, failure=failure)

    # --- units

    def single(self, app: App, model: Model, start: float, kinds: Sequence[ErrorKind],
               forced: ErrorKind | None = None, *, stream: bool = False) -> Call:
        domain = DOMAINS[app.domain]
        question, answer = self.exchange(domain)
        documents = self.documents() if app.domain == "docs" else ()
        messages = [{"role": "system", "content": self.system_prompt(domain, documents)},
                    user_message(question)]
        return self.call(app, model, start, messages, answer, stream=stream,
                         failure=self.outcome(model, kinds, start, forced))

    def session(self, app: App, model: Model, start: float, kinds: Sequence[ErrorKind],
                session_id: str, *, turns: int, mutate: bool = False) -> list[Call]:
        """A conversation: every turn re-sends the history so far. ``mutate`` changes the
        system prompt before the third turn, as a deploy in the middle of a chat would."""
        domain = DOMAINS[app.domain]
        user = self.user()
        history: list[dict[str, Any]] = [{"role": "system", "content": domain.system}]
        calls: list[Call] = []
        moment = start
        for turn in range(turns):
            if mutate and turn == 2:
                history[0] = {"role": "system", "content": domain.system
                              + " Keep every answer under 60 words and do not use lists."}
            question, answer = self.exchange(domain)
            messages = [*history, user_message(question)]
            call = self.call(app, model, moment, messages, answer, session=session_id,
                             user=user, failure=self.outcome(model, kinds, moment))
            calls.append(call)
            history = [*messages, call.assistant_message()] if call.ok else messages
            moment = call.end + self.rng.uniform(15, 110)  # the user reads, then types
        return calls

    def trace(self, app: App, model: Model, start: float, kinds: Sequence[ErrorKind],
              forced: ErrorKind | None = None, *, session: str | None = None,
              stream: bool = False) -> Trace:
        """An agent run (model asks for a tool, tool runs, model answers) or a RAG request
        (retrieve, then answer), in the app's proportion. A failed model call ends the run."""
        domain = DOMAINS[app.domain]
        ids = self.ids
        agent = self.rng.random() < app.agent
        root = Step("agent" if agent else "chain", start, start, ids.hex(16), ids.uuid())
        steps = [root]
        user = self.user()
        clock = start + self.rng.uniform(0.002, 0.02)

        def child(kind: str, begin: float, end: float, **facts: Any) -> Step:
            step = Step(kind, begin, end, ids.hex(16), ids.uuid(), parent=root, **facts)
            steps.append(step)
            return step

        def model_call(messages: list[dict[str, Any]], answer: str,
                       failing: ErrorKind | None = None, **extra: Any) -> Call:
            call = self.call(app, model, clock, messages, answer, user=user, session=session,
                             stream=stream, failure=self.outcome(model, kinds, clock, failing),
                             **extra)
            child("llm", call.start, call.end, call=call, failure=call.failure)
            return call

        if agent:
            tool = self.tool_use(domain)
            messages = [{"role": "system", "content": domain.system}, user_message(tool.question)]
            first = model_call(messages, "", forced, tools=[tool], tool_calls=[tool])
            if first.ok:
                clock = first.end + self.rng.uniform(0.001, 0.01)
                ran = child("tool", clock, clock + self.rng.lognormvariate(-1.6, 0.8),
                            tool=tool)
                clock = ran.end + self.rng.uniform(0.001, 0.01)
                model_call([*messages, first.assistant_message(),
                            {"role": "tool", "tool_call_id": tool.call_id,
                             "content": json.dumps(tool.result)}], tool.answer, tools=[tool])
        else:
            # Some trace dialects keep no prompts (seed 003's tracer): nothing must-have here.
            question, answer = self.exchange(domain, logged=False)
            documents = self.documents()
            found = child("retrieval", clock, clock + self.rng.lognormvariate(-2.3, 0.5),
                          query=question, documents=documents)
            clock = found.end + self.rng.uniform(0.001, 0.01)
            model_call([{"role": "system", "content": self.system_prompt(domain, documents)},
                        user_message(question)], answer, forced)
        root.end = steps[-1].end + self.rng.uniform(0.002, 0.03)
        root.failure = next((s.failure for s in steps if s.failure), None)
        return Trace(app, ids.hex(32), ids.uuid(), user, session, steps)

    def batch(self, app: App, model: Model, start: float, kinds: Sequence[ErrorKind],
              forced: ErrorKind | None = None, *, size: int = 8) -> Batch:
        """A classification job: the requests share the job's system prompt; results come back
        together when the job completes, up to half an hour later."""
        domain = DOMAINS[app.domain]
        calls = []
        for index in range(size):
            question, answer = self.rng.choice(domain.exchanges)
            messages = [{"role": "system", "content": domain.system}, user_message(question)]
            failing = forced if index == size // 2 else None
            calls.append(self.call(app, model, start, messages, answer, user="batch",
                                   failure=self.outcome(model, kinds, start, failing)))
        completed = start + self.rng.uniform(300, 1800)
        return Batch("batch_" + self.ids.hex(24), start, completed, calls)


# --- lines ------------------------------------------------------------------------------------


class Line(NamedTuple):
    """One record as a library writes it, and the moment it does."""

    at: float  # epoch seconds when the app wrote it
    path: str  # relative to the demo directory
    text: str  # the record, without its trailing newline
    kind: str = "record"  # record | event (no call in it) | malformed
    whole_file: bool = False  # a document written at once (debug conversations, exports)


# --- provider payloads shared by the renderers ------------------------------------------------


def openai_usage(call: Call) -> dict[str, Any]:
    return {
        "completion_tokens": call.output_tokens, "prompt_tokens": call.input_tokens,
        "total_tokens": call.total_tokens,
        "completion_tokens_details": {"accepted_prediction_tokens": 0, "audio_tokens": 0,
                                      "reasoning_tokens": call.reasoning_tokens,
                                      "rejected_prediction_tokens": 0},
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
    }


def openai_response(call: Call) -> dict[str, Any]:
    """``ChatCompletion.model_dump()`` (Ollama's OpenAI-compatible endpoint answers the same)."""
    local = call.provider == "ollama"
    message: dict[str, Any] = {"content": call.output or None, "refusal": None,
                               "role": "assistant", "annotations": [], "audio": None,
                               "function_call": None, "tool_calls": None}
    if call.tool_calls:
        message["tool_calls"] = openai_tool_calls(call)
    return {
        "id": call.response_id,
        "choices": [{"finish_reason": call.finish_reason, "index": 0, "logprobs": None,
                     "message": message}],
        "created": int(call.end),
        "model": call.model.served_as,
        "object": "chat.completion",
        "service_tier": None if local else "default",
        "system_fingerprint": "fp_ollama" if local else "fp_" + derived_hex(call.model.name, 10),
        "usage": openai_usage(call),
    }


def anthropic_response(call: Call) -> dict[str, Any]:
    """``Message.model_dump()``."""
    content: list[dict[str, Any]] = [{"citations": None, "text": call.output, "type": "text"}] \
        if call.output else []
    content += [{"id": "toolu_01" + derived_hex(t.call_id, 22), "input": t.arguments,
                 "name": t.name, "type": "tool_use"} for t in call.tool_calls]
    return {
        "id": call.response_id, "content": content, "model": call.model.served_as,
        "role": "assistant", "stop_reason": "tool_use" if call.tool_calls else "end_turn",
        "stop_sequence": None, "type": "message",
        "usage": {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "input_tokens": call.input_tokens, "output_tokens": call.output_tokens,
                  "server_tool_use": None, "service_tier": "standard"},
    }


def gemini_response(call: Call) -> dict[str, Any]:
    """``GenerateContentResponse`` as the REST API returns it."""
    return {
        "candidates": [{"content": {"parts": [{"text": call.output}], "role": "model"},
                        "finishReason": "STOP", "avgLogprobs": -0.21}],
        "usageMetadata": {"promptTokenCount": call.input_tokens,
                          "candidatesTokenCount": call.output_tokens,
                          "totalTokenCount": call.total_tokens,
                          "promptTokensDetails": [{"modality": "TEXT",
                                                   "tokenCount": call.input_tokens}]},
        "modelVersion": call.model.served_as,
        "responseId": call.response_id,
    }


def provider_response(call: Call) -> dict[str, Any]:
    if call.provider == "anthropic":
        return anthropic_response(call)
    if call.provider == "google":
        return gemini_response(call)
    return openai_response(call)


def output_message(call: Call) -> dict[str, Any]:
    return {"role": "assistant", "content": call.output}


# --- renderers: seeds 000 and 001 -------------------------------------------------------------


def render_seed_interaction(call: Call) -> list[Line]:
    """Seed 001's ``log_llm_interaction`` through a ``%(message)s`` handler on stdout."""
    return [Line(call.end, "faq-bot/stdout.log", json.dumps({
        "event": "llm_interaction",
        "request_id": call.request_id,
        "model": call.model.name,
        "prompt_messages": call.messages,
        "llm_raw_response": openai_response(call),
        "parsed_output": call.output,
        "timestamp": call.end,
    }))]


def render_seed_interaction_full(call: Call) -> list[Line]:
    """Seed 000's ``log_llm_interaction_with_metadata``: a local model behind Ollama."""
    return [Line(call.end, "local-rag/interactions.jsonl", json.dumps({
        "event": "llm_interaction_full",
        "request_id": call.request_id,
        "timestamp": call.end,
        "application": {
            "name": call.app.name, "version": call.app.version, "user_id": call.user,
            "session_id": call.session or f"sess_{call.request_id[24:]}",
            "request_type": "chat_response",
            "hostname": "gpu-box-01", "python_version": "3.11.9",
        },
        "llm_config": {"model_name": call.model.name, "temperature": call.temperature,
                       "top_p": 0.9, "seed": 123, "max_tokens": call.max_tokens},
        "rag_meta": {"retriever": "ChromaDB-mini-rag-docs",
                     "reranker": "cross-encoder/ms-marco-MiniLM-L-6-v2",
                     "num_retrieved_chunks": 3,
                     "chunking_strategy": "RecursiveCharacterTextSplitter"},
        "prompt_messages": call.messages,
        "llm_raw_response": openai_response(call),
        "parsed_output": call.output,
    }))]


# --- renderers: seed 003 (request/response logs, tracer spans) --------------------------------


def seed003_request(call: Call) -> dict[str, Any]:
    """``LLMRequestLog.to_dict()``."""
    return {"request_id": call.request_id, "timestamp": local_iso(call.start),
            "model": call.model.name, "messages": call.messages,
            "temperature": call.temperature, "max_tokens": call.max_tokens,
            "user_id": call.user, "session_id": call.session, "trace_id": None}


def seed003_response(call: Call) -> dict[str, Any]:
    """``LLMResponseLog.to_dict()``; a failure keeps the dataclass defaults."""
    failed = call.failure is not None
    return {"request_id": call.request_id, "timestamp": local_iso(call.end),
            "content": call.output, "finish_reason": "error" if failed else call.finish_reason,
            "prompt_tokens": 0 if failed else call.input_tokens,
            "completion_tokens": 0 if failed else call.output_tokens,
            "total_tokens": 0 if failed else call.total_tokens,
            "latency_ms": call.latency_ms,
            "estimated_cost": None if failed else call.cost_usd,
            "error": call.failure.text if call.failure else None}


def logged_early(call: Call) -> bool:
    """Some response lines land before their request line (two handlers, two queues)."""
    return int(call.request_id[:2], 16) < 20


def render_seed_request_log(call: Call) -> list[Line]:
    """Seed 003's ``FileLogStorage``: a daily ``llm_logs_YYYY-MM-DD.jsonl`` per app, the
    request when it is sent and the response when it returns."""
    def path(moment: float) -> str:
        return f"rag-api/llm_logs_{datetime.fromtimestamp(moment):%Y-%m-%d}.jsonl"

    request_at = call.end + 0.001 if logged_early(call) else call.start
    return [Line(request_at, path(request_at), json.dumps(seed003_request(call))),
            Line(call.end, path(call.end), json.dumps(seed003_response(call)))]


def render_json_logger(call: Call) -> list[Line]:
    """Seed 003's ``LLMLogger`` on a stdlib logger with python-json-logger's ``JsonFormatter``
    (``%(asctime)s %(levelname)s %(name)s %(message)s``), next to the app's access log."""
    path = "search-api/app.jsonl"

    def record(at: float, name: str, message: str, level: str = "INFO",
               **extra: Any) -> Line:
        fields = {"asctime": asctime(at), "levelname": level, "name": name, "message": message}
        is_event = "llm_log" not in extra
        return Line(at, path, json.dumps({**fields, **extra}), "event" if is_event else "record")

    lines = [record(call.start, "llm", "LLM_REQUEST", llm_log=seed003_request(call)),
             record(call.end, "llm", "LLM_RESPONSE", llm_log=seed003_response(call))]
    status = 200
    if call.failure:
        status = 503
        lines.append(record(call.end + 0.002, "search_api.routes", "search failed",
                            "ERROR", exc_info=call.failure.traceback(call.app.name)))
    query = call.question.split(".")[0][:40].replace(" ", "+")
    lines.append(record(call.end + 0.004, "uvicorn.access",
                        f'10.0.2.{int(call.request_id[:2], 16) % 250 + 2}:0 - "GET /search?q='
                        f'{query} HTTP/1.1" {status}'))
    return lines


def tracer_span(trace: Trace, step: Step) -> dict[str, Any]:
    """Seed 003's ``Span`` as its tracer service returns it, with the trace id and error."""
    attributes: dict[str, Any]
    if step.call is not None:
        call = step.call
        attributes = {"llm.model": call.model.name, "llm.operation": "chat_completion",
                      "llm.message_count": len(call.messages)}
        if call.ok:
            attributes.update({"llm.prompt_tokens": call.input_tokens,
                               "llm.completion_tokens": call.output_tokens,
                               "llm.total_tokens": call.total_tokens})
        name = "llm.chat_completion"
    elif step.kind == "retrieval":
        name, attributes = "retrieval", {"retrieval.source": "pgvector:docs_chunks"}
    elif step.kind == "tool":
        name, attributes = "chain.run_tool", {"chain.step": "run_tool"}
    else:
        name, attributes = "chain.answer_question", {"chain.step": "answer_question"}
    events = []
    if step.kind == "retrieval":
        events = [{"name": "documents_retrieved", "timestamp": local_iso(step.end),
                   "attributes": {"count": len(step.documents)}}]
    return {
        "span_id": step.uid, "trace_id": trace.uid,
        "parent_id": step.parent.uid if step.parent else None, "name": name,
        "start_time": local_iso(step.start), "end_time": local_iso(step.end),
        "duration_ms": round(step.duration_ms, 3), "attributes": attributes, "events": events,
        "status": "error" if step.failure else "ok",
        "error": step.failure.text if step.failure else None,
    }


def render_seed_spans(trace: Trace) -> list[Line]:
    """Seed 003's tracer, one span per line as each span ends: children before parents."""
    return [Line(step.end, "rag-api/traces.jsonl", json.dumps(tracer_span(trace, step)))
            for step in trace.steps]


# --- renderers: seed 004 (structlog, audit log, debug conversations) --------------------------


def render_structlog(call: Call) -> list[Line]:
    """Seed 004's ``LLMLogger`` (messages included: this app turned ``include_messages`` on)
    through structlog's ``JSONRenderer``, plus the diagnostics event after a failure; and the
    ``AuditLogger`` entries for the same request."""
    path = "chatbot/app.jsonl"
    failure = call.failure
    entry: dict[str, Any] = {
        "request_id": call.request_id, "timestamp": utc_iso(call.end),
        "model": call.model.name, "provider": call.provider,
        "operation": "function_call" if call.tool_calls else "completion",
        "messages": call.messages,
        "prompt_tokens": 0 if failure else call.input_tokens,
        "completion_tokens": 0 if failure else call.output_tokens,
    }
    if failure is None:
        entry["finish_reason"] = call.finish_reason
        if call.tool_calls:
            entry["function_calls"] = [{"name": t.name, "arguments": json.dumps(t.arguments)}
                                       for t in call.tool_calls]
    entry["latency_ms"] = call.latency_ms
    entry["user_id"] = call.user
    if failure is None:  # log_error takes no session or tags
        if call.session:
            entry["session_id"] = call.session
        # TracingContext: a UUID per HTTP request, the first 8 characters of another per call
        entry["tags"] = {"trace_id": derived_uuid(call.request_id),
                         "span_id": derived_uuid(call.response_id)[:8]}
    else:
        entry.update(error=failure.text, error_type=failure.exception)
    level = "error" if failure else "info"
    lines = [Line(call.end, path, json.dumps(
        {**entry, "event": "llm_request", "logger": "chatbot.llm", "level": level}))]
    if failure:
        diagnosis = DIAGNOSES.get(failure.kind.category, "unknown")
        lines.append(Line(call.end + 0.001, path, json.dumps({
            "error_type": diagnosis, "suggestions": SUGGESTIONS[diagnosis],
            "event": "llm_error_diagnosed", "logger": "chatbot.llm", "level": "error",
            "timestamp": utc_iso(call.end + 0.001)}), "event"))
    return lines + render_audit(call)


# Seed 004's ErrorDiagnostics: its names for our error categories, and its suggestions.
DIAGNOSES = {"rate_limit": "rate_limit", "context_length": "context_length",
             "auth": "invalid_api_key", "content_filter": "content_filter"}
SUGGESTIONS = {
    "rate_limit": ["Implement exponential backoff", "Reduce request frequency",
                   "Use batch API for bulk operations", "Consider upgrading API tier"],
    "context_length": ["Truncate or summarize input", "Use a model with larger context window",
                       "Implement chunking strategy", "Remove less relevant context"],
    "invalid_api_key": ["Verify API key is correct", "Check environment variable is set",
                        "Ensure API key has required permissions"],
    "content_filter": ["Review content for policy violations", "Rephrase the request",
                       "Add appropriate content warnings"],
    "unknown": ["Check API status page", "Review request parameters"],
}


def render_audit(call: Call) -> list[Line]:
    """Seed 004's ``AuditLogger`` with ``FileAuditStorage``: ``asdict(AuditEntry)`` per line."""
    def entry(at: float, action: str, resource: str, details: dict[str, Any],
              content: str | None, *, client: bool) -> Line:
        seed = int(call.request_id[:4], 16)
        return Line(at, "chatbot/audit.jsonl", json.dumps({
            "timestamp": utc_naive_iso(at), "action": action, "user_id": call.user,
            "resource": resource, "details": details,
            "ip_address": f"203.0.113.{seed % 250 + 1}" if client else None,
            "user_agent": USER_AGENTS[seed % len(USER_AGENTS)] if client else None,
            "content_hash": hashlib.sha256(content.encode()).hexdigest() if content else None,
        }), "event")

    question = call.question
    lines = [entry(call.start - 0.02, "data_access", "zendesk-kb",
                   {"query": question[:80], "records_accessed": 3}, None, client=False)]
    if call.failure and call.failure.kind.category == "content_filter":
        lines.append(entry(call.end + 0.002, "content_filter", "content_filter", {
            "content_length": len(question),
            "filter_result": {"jailbreak": {"filtered": True, "detected": True}},
            "action_taken": "blocked"}, question, client=False))
    else:
        lines.append(entry(call.end + 0.002, "query", call.model.name, {
            "query_length": len(question),
            "response_preview": call.output[:100] if call.output else None}, question,
            client=True))
    return lines


def render_debug_conversation(call: Call) -> list[Line]:
    """Seed 004's ``DebugMode._save_conversation``: one pretty file per successful call, named
    by the local time it was saved."""
    name = f"debug/debug_conversation_{datetime.fromtimestamp(call.end):%Y%m%d_%H%M%S}.json"
    return [Line(call.end, name, json.dumps({
        "messages": call.messages, "response": call.output, "model": call.model.served_as,
        "usage": {"prompt_tokens": call.input_tokens, "completion_tokens": call.output_tokens},
    }, indent=2), whole_file=True)]


# --- renderers: OpenTelemetry (OTLP JSON and the console exporter) ----------------------------

# Names of GenAI providers in the OpenTelemetry semantic conventions, old and new.
OTEL_PROVIDERS = {"openai": ("openai", "openai"), "anthropic": ("anthropic", "anthropic"),
                  "google": ("gemini", "gcp.gemini"), "ollama": ("ollama", "ollama")}


def uses_new_conventions(trace: Trace) -> bool:
    """Half the traces come from instrumentation on the current GenAI conventions, half from
    the older one (``gen_ai.system``, ``prompt_tokens``, content in span events)."""
    return int(trace.trace_id[-1], 16) % 2 == 0


def genai_messages(call: Call) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``gen_ai.input.messages`` / ``gen_ai.output.messages`` in the parts form."""
    def parts(message: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if message.get("content") and message["role"] != "tool":
            found.append({"type": "text", "content": message["content"]})
        if message["role"] == "tool":
            found.append({"type": "tool_call_response", "id": message["tool_call_id"],
                          "response": message["content"]})
        found += [{"type": "tool_call", "id": tc["id"], "name": tc["function"]["name"],
                   "arguments": json.loads(tc["function"]["arguments"])}
                  for tc in message.get("tool_calls") or []]
        return found

    inputs = [{"role": m["role"], "parts": parts(m)} for m in call.messages]
    outputs = [{"role": "assistant", "parts": parts(call.assistant_message()),
                "finish_reason": call.finish_reason}] if call.ok else []
    return inputs, outputs


SpanFacts = tuple[str, str, dict[str, Any], list[dict[str, Any]]]  # name, kind, attrs, events


def otel_span(trace: Trace, step: Step) -> SpanFacts:
    """Name, kind, attributes and events of a step as the OpenTelemetry GenAI instrumentations
    (and the app's own spans around them) record it."""
    new = uses_new_conventions(trace)
    if step.call is not None:
        call = step.call
        old_name, new_name = OTEL_PROVIDERS[call.provider]
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            ("gen_ai.provider.name" if new else "gen_ai.system"): new_name if new else old_name,
            "gen_ai.request.model": call.model.name,
            "gen_ai.request.max_tokens": call.max_tokens,
            "server.address": API_HOSTS[call.provider], "server.port": 443,
        }
        if call.temperature is not None:
            attributes["gen_ai.request.temperature"] = call.temperature
        events: list[dict[str, Any]] = []
        if call.ok:
            attributes.update({
                "gen_ai.response.model": call.model.served_as,
                "gen_ai.response.id": call.response_id,
                "gen_ai.response.finish_reasons": [call.finish_reason],
                ("gen_ai.usage.input_tokens" if new else "gen_ai.usage.prompt_tokens"):
                    call.input_tokens,
                ("gen_ai.usage.output_tokens" if new else "gen_ai.usage.completion_tokens"):
                    call.output_tokens,
            })
        if new:
            inputs, outputs = genai_messages(call)
            attributes["gen_ai.input.messages"] = json.dumps(inputs)
            if outputs:
                attributes["gen_ai.output.messages"] = json.dumps(outputs)
            if call.tools:
                attributes["gen_ai.tool.definitions"] = json.dumps(
                    [t.schema()["function"] for t in call.tools])
        else:
            events.append(("gen_ai.content.prompt", step.start,
                           {"gen_ai.prompt": json.dumps(call.messages)}))
            if call.ok:
                events.append(("gen_ai.content.completion", step.end,
                               {"gen_ai.completion": json.dumps([call.assistant_message()])}))
        if call.failure:
            attributes["error.type"] = call.failure.exception
            events.append(("exception", step.end, {
                "exception.type": call.failure.qualified,
                "exception.message": call.failure.text,
                "exception.stacktrace": call.failure.traceback(trace.app.name),
                "exception.escaped": "False"}))
        name, kind = f"chat {call.model.name}", "CLIENT"
    elif step.kind == "tool" and step.tool is not None:
        name, kind = f"execute_tool {step.tool.name}", "INTERNAL"
        attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": step.tool.name,
                      "gen_ai.tool.call.id": step.tool.call_id, "gen_ai.tool.type": "function"}
        events = []
    elif step.kind == "retrieval":
        name, kind = "SELECT docs_chunks", "CLIENT"
        attributes = {"db.system.name": "postgresql", "db.collection.name": "docs_chunks",
                      "db.operation.name": "SELECT",
                      "db.query.text": "SELECT id, body FROM docs_chunks ORDER BY embedding <=> "
                                       "$1 LIMIT 4",
                      "db.response.returned_rows": len(step.documents)}
        events = []
    elif step.kind == "agent":
        name, kind = f"invoke_agent {trace.app.name}", "INTERNAL"
        attributes = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": trace.app.name}
        events = []
    else:
        name, kind = "POST /v1/answer", "SERVER"
        attributes = {"http.request.method": "POST", "url.path": "/v1/answer",
                      "http.route": "/v1/answer",
                      "http.response.status_code": 500 if step.failure else 200}
        events = []
    if step.failure and step.call is None:
        attributes["error.type"] = step.failure.exception
    if trace.session:
        attributes["session.id"] = trace.session
    attributes.setdefault("enduser.id", trace.user)
    return name, kind, attributes, [
        {"name": n, "time": t, "attributes": a} for n, t, a in events]


OTLP_KINDS = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3}
OTEL_INSTRUMENTATIONS = {"openai": "opentelemetry.instrumentation.openai_v2",
                         "ollama": "opentelemetry.instrumentation.openai_v2",
                         "anthropic": "opentelemetry.instrumentation.anthropic",
                         "google": "opentelemetry.instrumentation.google_genai"}


def otlp_value(value: Any) -> dict[str, Any]:
    """An attribute value in OTLP/JSON: 64-bit integers as strings."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [otlp_value(v) for v in value]}}
    return {"stringValue": str(value)}


def otlp_attributes(attributes: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": otlp_value(value)} for key, value in attributes.items()]


def render_otlp(trace: Trace) -> list[Line]:
    """The Collector's ``file`` exporter: one ``ExportTraceServiceRequest`` per line, the
    instrumentation's spans and the app's spans under their own scopes."""
    scopes: dict[str, list[dict[str, Any]]] = {}
    for step in trace.steps:
        name, kind, attributes, events = otel_span(trace, step)
        span: dict[str, Any] = {
            "traceId": trace.trace_id, "spanId": step.span_id,
            "parentSpanId": step.parent.span_id if step.parent else "", "flags": 257,
            "name": name, "kind": OTLP_KINDS[kind],
            "startTimeUnixNano": str(unix_nanos(step.start)),
            "endTimeUnixNano": str(unix_nanos(step.end)),
            "attributes": otlp_attributes(attributes),
            "events": [{"timeUnixNano": str(unix_nanos(e["time"])), "name": e["name"],
                        "attributes": otlp_attributes(e["attributes"])} for e in events],
            "status": {"code": 2, "message": step.failure.text} if step.failure else {},
        }
        scope = (OTEL_INSTRUMENTATIONS[step.call.provider], "2.1b0") if step.call \
            else (trace.app.name, trace.app.version)
        scopes.setdefault(scope, []).append(span)
    request = {"resourceSpans": [{
        "resource": {"attributes": otlp_attributes({
            "service.name": trace.app.name, "service.version": trace.app.version,
            "deployment.environment.name": "production", "telemetry.sdk.language": "python",
            "telemetry.sdk.name": "opentelemetry", "telemetry.sdk.version": "1.38.0"})},
        "scopeSpans": [{"scope": {"name": name, "version": version}, "spans": spans}
                       for (name, version), spans in scopes.items()],
        "schemaUrl": "https://opentelemetry.io/schemas/1.37.0",
    }]}
    # The batch processor exports a few seconds after the root ends.
    return [Line(trace.root.end + 2.0, "traces/otlp-spans.json", json.dumps(request))]


def console_span(trace: Trace, step: Step, facts: SpanFacts) -> dict[str, Any]:
    """``ReadableSpan.to_json()`` of the OpenTelemetry Python SDK."""
    name, kind, attributes, events = facts
    status: dict[str, Any] = {"status_code": "ERROR", "description": step.failure.text} \
        if step.failure else {"status_code": "UNSET"}
    return {
        "name": name,
        "context": {"trace_id": "0x" + trace.trace_id, "span_id": "0x" + step.span_id,
                    "trace_state": "[]"},
        "kind": f"SpanKind.{kind}",
        "parent_id": "0x" + step.parent.span_id if step.parent else None,
        "start_time": utc_iso(step.start), "end_time": utc_iso(step.end),
        "status": status, "attributes": attributes,
        "events": [{"name": e["name"], "timestamp": utc_iso(e["time"]),
                    "attributes": e["attributes"]} for e in events],
        "links": [],
        "resource": {"attributes": {
            "telemetry.sdk.language": "python", "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": "1.38.0",
            "service.instance.id": derived_uuid(trace.app.name),
            "service.name": trace.app.name}, "schema_url": ""},
    }


def render_console_spans(trace: Trace) -> list[Line]:
    """The Python SDK's ``ConsoleSpanExporter`` on a ``SimpleSpanProcessor``, redirected to a
    file: each span pretty-printed (indent 4) as it ends."""
    return [Line(step.end, "traces/console-spans.log",
                 json.dumps(console_span(trace, step, otel_span(trace, step)), indent=4))
            for step in trace.steps]


# --- renderers: OpenInference -----------------------------------------------------------------


def openinference_span(trace: Trace, step: Step) -> SpanFacts:
    """Name, kind, flattened attributes and events as the OpenInference instrumentors record
    a step."""
    attributes: dict[str, Any] = {"session.id": trace.session or trace.uid, "user.id": trace.user}
    events = [] if step.failure is None else [("exception", step.end, {
        "exception.type": step.failure.qualified, "exception.message": step.failure.text,
        "exception.escaped": "False"})]
    if step.call is not None:
        name = "ChatCompletion" if step.call.provider == "openai" else "ChatAnthropic"
        attributes.update(openinference_llm(step.call))
    elif step.kind == "tool" and step.tool is not None:
        name = step.tool.name
        attributes.update({"openinference.span.kind": "TOOL", "tool.name": step.tool.name,
                           "tool.description": step.tool.description,
                           "tool.parameters": json.dumps(step.tool.schema()["function"]
                                                         ["parameters"]),
                           "input.value": json.dumps(step.tool.arguments),
                           "output.value": json.dumps(step.tool.result)})
    elif step.kind == "retrieval":
        name = "retrieve"
        attributes.update({"openinference.span.kind": "RETRIEVER", "input.value": step.query})
        for index, (doc_id, text) in enumerate(step.documents):
            prefix = f"retrieval.documents.{index}.document"
            attributes.update({f"{prefix}.id": doc_id, f"{prefix}.content": text,
                               f"{prefix}.score": round(0.91 - 0.07 * index, 2)})
    else:
        agent = step.kind == "agent"
        name = f"{trace.app.name}.run" if agent else "RAGPipeline.query"
        attributes.update({"openinference.span.kind": "AGENT" if agent else "CHAIN",
                           "input.value": trace.question, "input.mime_type": "text/plain"})
        if not step.failure:
            attributes.update({"output.value": trace.answer, "output.mime_type": "text/plain"})
    return name, "INTERNAL", attributes, [
        {"name": n, "time": t, "attributes": a} for n, t, a in events]


def openinference_llm(call: Call) -> dict[str, Any]:
    """An LLM span's attributes: messages flattened by index, the response as output."""
    attributes: dict[str, Any] = {
        "openinference.span.kind": "LLM", "llm.system": call.provider,
        "llm.provider": call.provider, "llm.model_name": call.model.served_as,
        "llm.invocation_parameters": json.dumps(
            {"model": call.model.name, "temperature": call.temperature,
             "max_tokens": call.max_tokens}),
        "input.value": json.dumps({"messages": call.messages}),
        "input.mime_type": "application/json",
    }
    for index, message in enumerate(call.messages):
        prefix = f"llm.input_messages.{index}.message"
        attributes[f"{prefix}.role"] = message["role"]
        if message.get("content"):
            attributes[f"{prefix}.content"] = message["content"]
    for index, tool in enumerate(call.tools):
        attributes[f"llm.tools.{index}.tool.json_schema"] = json.dumps(tool.schema())
    if not call.ok:
        return attributes
    prefix = "llm.output_messages.0.message"
    attributes[f"{prefix}.role"] = "assistant"
    if call.output:
        attributes[f"{prefix}.content"] = call.output
    for index, tool in enumerate(call.tool_calls):
        tool_prefix = f"{prefix}.tool_calls.{index}.tool_call"
        attributes[f"{tool_prefix}.id"] = tool.call_id
        attributes[f"{tool_prefix}.function.name"] = tool.name
        attributes[f"{tool_prefix}.function.arguments"] = json.dumps(tool.arguments)
    attributes.update({
        "output.value": json.dumps(provider_response(call)),
        "output.mime_type": "application/json",
        "llm.token_count.prompt": call.input_tokens,
        "llm.token_count.completion": call.output_tokens,
        "llm.token_count.total": call.total_tokens,
    })
    return attributes


def render_openinference(trace: Trace) -> list[Line]:
    """An OpenInference-instrumented agent exporting through the SDK's console exporter with
    a one-line formatter (``ConsoleSpanExporter(out=file, formatter=lambda s:
    s.to_json(indent=None) + "\\n")``)."""
    return [Line(step.end, "agents/openinference.jsonl",
                 json.dumps(console_span(trace, step, openinference_span(trace, step))))
            for step in trace.steps]


# --- renderers: OpenTelemetry-JS (Vercel AI SDK) ----------------------------------------------


def render_otel_js(trace: Trace) -> list[Line]:
    """Serialized OpenTelemetry-JS spans from a Next.js app using the Vercel AI SDK: a
    ``ai.streamText`` span that totals its calls' usage around one ``ai.streamText.doStream``
    span per model call and an ``ai.toolCall`` span per tool run."""
    calls = trace.calls
    provider = {"openai": "openai.chat", "google": "google.generative-ai"}
    lines = []
    for step in trace.steps:
        attributes: dict[str, Any] = {"ai.telemetry.functionId": "chat",
                                      "ai.telemetry.metadata.userId": trace.user}
        if step.call is not None:
            call = step.call
            name = "ai.streamText.doStream"
            attributes.update({
                "operation.name": "ai.streamText.doStream chat",
                "ai.operationId": "ai.streamText.doStream",
                "ai.model.id": call.model.name, "ai.model.provider": provider[call.provider],
                "ai.prompt.format": "messages", "ai.prompt.messages": json.dumps(call.messages),
                "gen_ai.system": provider[call.provider], "gen_ai.request.model": call.model.name,
            })
            if call.temperature is not None:
                attributes["gen_ai.request.temperature"] = call.temperature
            if call.ok:
                attributes.update({
                    "ai.response.finishReason": call.finish_reason.replace("_", "-"),
                    "ai.response.text": call.output, "ai.response.id": call.response_id,
                    "ai.response.model": call.model.served_as,
                    "ai.response.msToFinish": call.latency_ms,
                    "ai.usage.promptTokens": call.input_tokens,
                    "ai.usage.completionTokens": call.output_tokens,
                    "gen_ai.response.finish_reasons": [call.finish_reason],
                    "gen_ai.response.id": call.response_id,
                    "gen_ai.response.model": call.model.served_as,
                    "gen_ai.usage.input_tokens": call.input_tokens,
                    "gen_ai.usage.output_tokens": call.output_tokens,
                })
                if call.ttft_ms is not None:
                    attributes["ai.response.msToFirstChunk"] = call.ttft_ms
                if call.tool_calls:
                    attributes["ai.response.toolCalls"] = json.dumps(
                        [{"toolCallType": "function", "toolCallId": t.call_id,
                          "toolName": t.name, "args": json.dumps(t.arguments)}
                         for t in call.tool_calls])
        elif step.tool is not None:
            name = "ai.toolCall"
            attributes.update({"operation.name": "ai.toolCall", "ai.operationId": "ai.toolCall",
                               "ai.toolCall.name": step.tool.name,
                               "ai.toolCall.id": step.tool.call_id,
                               "ai.toolCall.args": json.dumps(step.tool.arguments),
                               "ai.toolCall.result": json.dumps(step.tool.result)})
        else:
            name = "ai.streamText"
            ok_calls = [c for c in calls if c.ok]
            attributes.update({
                "operation.name": "ai.streamText chat", "ai.operationId": "ai.streamText",
                "ai.model.id": calls[0].model.name,
                "ai.model.provider": provider[calls[0].provider],
                "ai.prompt": json.dumps({"messages": calls[0].messages[1:],
                                         "system": calls[0].messages[0]["content"]}),
                "ai.settings.maxRetries": 2, "ai.settings.maxSteps": 5,
            })
            if not step.failure:
                attributes.update({
                    "ai.response.text": trace.answer, "ai.response.finishReason": "stop",
                    "ai.usage.promptTokens": sum(c.input_tokens for c in ok_calls),
                    "ai.usage.completionTokens": sum(c.output_tokens for c in ok_calls)})
        status: dict[str, Any] = {"code": 2, "message": step.failure.message} \
            if step.failure else {"code": 0}
        events = [{"name": "exception", "attributes": {
            "exception.type": "AI_APICallError", "exception.name": "AI_APICallError",
            "exception.message": step.failure.message}, "time": hr_time(step.end),
            "droppedAttributesCount": 0}] if step.failure else []
        span: dict[str, Any] = {
            "name": name, "kind": 0,
            "spanContext": {"traceId": trace.trace_id, "spanId": step.span_id, "traceFlags": 1},
        }
        if step.parent:
            span["parentSpanId"] = step.parent.span_id
        span.update({
            "startTime": hr_time(step.start), "endTime": hr_time(step.end),
            "duration": hr_time(step.end - step.start), "status": status,
            "attributes": attributes, "links": [], "events": events, "ended": True,
            "resource": {"attributes": {"service.name": trace.app.name,
                                        "telemetry.sdk.language": "nodejs",
                                        "telemetry.sdk.name": "opentelemetry",
                                        "telemetry.sdk.version": "1.30.1"}},
            "instrumentationLibrary": {"name": "ai", "version": "4.3.16"},
        })
        lines.append(Line(step.end, "nextjs-chat/otel-spans.jsonl", json.dumps(span)))
    return lines


# --- renderers: loguru, LiteLLM, raw responses ------------------------------------------------

LOGURU_ICONS = {"INFO": "ℹ️", "ERROR": "❌", "WARNING": "⚠️"}
LOGURU_LEVELS = {"INFO": 20, "WARNING": 30, "ERROR": 40}


def loguru_line(at: float, level: str, function: str, line_no: int, message: str,
                extra: dict[str, Any], exception: Failure | None = None,
                app: str = "ticket-worker") -> str:
    """One ``serialize=True`` record, as loguru's JSON sink writes it (not ASCII-escaped)."""
    local = datetime.fromtimestamp(at).astimezone()
    text = (f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d} | {level:<8} | "
            f"ticket_worker.jobs:{function}:{line_no} - {message}\n")
    if exception:
        text += exception.traceback(app) + "\n"
    elapsed = at % DAY  # since the worker started: it is restarted every day at 00:00 UTC
    record = {
        "elapsed": {"repr": str(timedelta(seconds=round(elapsed, 6))),
                    "seconds": round(elapsed, 6)},
        "exception": {"type": exception.exception, "value": exception.text, "traceback": True}
        if exception else None,
        "extra": extra,
        "file": {"name": "jobs.py", "path": "/srv/ticket-worker/ticket_worker/jobs.py"},
        "function": function,
        "level": {"icon": LOGURU_ICONS[level], "name": level, "no": LOGURU_LEVELS[level]},
        "line": line_no, "message": message, "module": "jobs", "name": "ticket_worker.jobs",
        "process": {"id": 4242, "name": "MainProcess"},
        "thread": {"id": 140213117929280, "name": "MainThread"},
        "time": {"repr": local.isoformat(sep=" "), "timestamp": at},
    }
    return json.dumps({"text": text, "record": record}, ensure_ascii=False)


def render_loguru(call: Call) -> list[Line]:
    """A worker that ``logger.bind(job_id=...)`` s and passes the call's facts as keyword
    arguments, which loguru puts in ``record.extra``; ``logger.exception`` on failure."""
    path = "worker/loguru.log"
    job = {"job_id": "job_" + call.request_id[:8],
           "ticket_id": call.question.split(":")[0].removeprefix("Ticket #")}
    facts: dict[str, Any] = {**job, "request_id": call.request_id, "model": call.model.name,
                             "provider": call.provider, "prompt": call.question}
    if call.ok:
        facts.update(response=call.output, input_tokens=call.input_tokens,
                     output_tokens=call.output_tokens, latency_ms=call.latency_ms,
                     cost_usd=call.cost_usd)
    else:
        facts["latency_ms"] = call.latency_ms
    done = ("summarize_ticket", 57, "llm call finished", "INFO") if call.ok else \
        ("summarize_ticket", 61, "llm call failed", "ERROR")
    return [
        Line(call.start - 0.003, path, loguru_line(call.start - 0.003, "INFO", "run", 23,
                                                   "job started", job), "event"),
        Line(call.end, path, loguru_line(call.end, done[3], done[0], done[1], done[2], facts,
                                         call.failure)),
        Line(call.end + 0.004, path, loguru_line(call.end + 0.004, "INFO", "run", 31,
                                                 "job finished" if call.ok else "job failed",
                                                 job), "event"),
    ]


LITELLM_PREFIXES = {"openai": "", "anthropic": "", "google": "gemini/", "ollama": "ollama/"}
LITELLM_PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini",
                     "ollama": "ollama"}
LITELLM_TEAMS = (("growth", "growth-team-key"), ("support", "support-bot-prod"),
                 ("data-science", "ds-notebooks"))
PROVIDER_EXCEPTIONS = {"openai": "OpenAIException", "anthropic": "AnthropicException",
                       "google": "GeminiException", "ollama": "OllamaException"}


def litellm_message(response: dict[str, Any]) -> dict[str, Any]:
    return response["choices"][0]["message"]


def render_litellm(call: Call) -> list[Line]:
    """The proxy's ``StandardLoggingPayload`` (what its custom callbacks and bucket loggers
    write), successes and failures, with the cost LiteLLM computed."""
    team, key_alias = LITELLM_TEAMS[int(call.request_id[:2], 16) % len(LITELLM_TEAMS)]
    routed = LITELLM_PREFIXES[call.provider] + call.model.name
    failure = call.failure
    stream = call.ttft_ms is not None
    api_base = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com",
                "google": "https://generativelanguage.googleapis.com/v1beta",
                "ollama": "http://localhost:11434"}[call.provider]
    model_id = derived_hex(routed, 64)
    response = openai_response(call) if call.ok else {}
    if response:  # LiteLLM answers every provider in the OpenAI shape, under the given name
        response["model"] = call.model.name
    payload: dict[str, Any] = {
        "id": call.request_id,
        "trace_id": call.session or derived_uuid(call.request_id),
        "call_type": "acompletion", "stream": stream,
        "response_cost": call.cost_usd,
        "response_cost_failure_debug_info": None,
        "status": "failure" if failure else "success",
        "custom_llm_provider": LITELLM_PROVIDERS[call.provider],
        "total_tokens": 0 if failure else call.total_tokens,
        "prompt_tokens": 0 if failure else call.input_tokens,
        "completion_tokens": 0 if failure else call.output_tokens,
        "startTime": call.start, "endTime": call.end,
        "completionStartTime": call.start + call.ttft_ms / 1000 if stream and call.ttft_ms
        else call.end,
        "response_time": round(call.latency_ms / 1000, 6),
        "model_map_information": {"model_map_key": call.model.name, "model_map_value": None},
        "model": call.model.name, "model_id": model_id, "model_group": call.model.name,
        "api_base": api_base,
        "metadata": {
            "user_api_key_hash": derived_hex(key_alias, 64), "user_api_key_alias": key_alias,
            "user_api_key_team_id": derived_hex(team, 8) + "-team",
            "user_api_key_user_id": call.user, "user_api_key_team_alias": team,
            "user_api_key_org_id": None, "user_api_key_end_user_id": None,
            "spend_logs_metadata": None, "requester_ip_address": "10.0.3.17",
            "requester_metadata": {},
        },
        "cache_hit": False, "cache_key": None, "saved_cache_cost": 0.0,
        "request_tags": [team], "end_user": "", "requester_ip_address": "10.0.3.17",
        "messages": call.messages, "response": response,
        "error_str": None, "error_information": None,
        "model_parameters": {k: v for k, v in (("temperature", call.temperature),
                                               ("max_tokens", call.max_tokens),
                                               ("stream", stream or None)) if v is not None},
        "hidden_params": {"model_id": model_id, "cache_key": None, "api_base": api_base,
                          "response_cost": call.cost_usd, "litellm_overhead_time_ms": 2.1,
                          "additional_headers": {}, "litellm_model_name": routed},
        "guardrail_information": None, "standard_built_in_tools_params": None,
    }
    if failure:
        text = (f"litellm.{failure.kind.litellm_class}: {failure.kind.litellm_class}: "
                f"{PROVIDER_EXCEPTIONS[call.provider]} - {failure.message}")
        payload["error_str"] = text
        payload["error_information"] = {
            "error_code": str(failure.kind.status or ""), "error_class": failure.kind.litellm_class,
            "llm_provider": LITELLM_PROVIDERS[call.provider], "traceback": "",
            "error_message": text}
    return [Line(call.end, "proxy/litellm.jsonl", json.dumps(payload))]


def render_raw_response(call: Call) -> list[Line]:
    """An evaluation harness logging each judge call's request next to the provider's
    response object, ``response.model_dump()`` as is."""
    return [Line(call.end, "evals/judgments.jsonl", json.dumps({
        "ts": utc_iso(call.end), "eval": "docs-qa-regression",
        "case_id": f"case-{int(call.request_id[:4], 16) % 500:04d}",
        "model": call.model.name, "temperature": call.temperature, "messages": call.messages,
        "response": provider_response(call), "latency_s": round(call.latency_ms / 1000, 3),
    }))]


# --- renderers: OpenAI Batch, Langfuse, LangSmith ---------------------------------------------


def render_openai_batch(batch: Batch) -> list[Line]:
    """The batch input file as uploaded, and the output file as downloaded when the job
    completed: results in completion order, not input order."""
    inputs, outputs = [], []
    span = batch.completed - batch.submitted
    for index, call in enumerate(batch.calls):
        custom_id = f"{batch.job_id[6:14]}-{index:04d}"
        inputs.append(Line(batch.submitted, "batch/batch_input.jsonl", json.dumps({
            "custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": call.model.name, "messages": call.messages,
                     "temperature": call.temperature, "max_tokens": call.max_tokens}})))
        if call.failure:
            status, body = call.failure.kind.status, call.failure.body
        else:
            finished = batch.submitted + span * (index + 1) / len(batch.calls)
            status, body = 200, {**openai_response(call), "created": int(finished)}
        outputs.append(Line(batch.completed, "batch/batch_output.jsonl", json.dumps({
            "id": "batch_req_" + derived_hex(call.request_id, 32), "custom_id": custom_id,
            "response": {"status_code": status, "request_id": derived_hex(call.response_id, 32),
                         "body": body},
            "error": None})))
    outputs.sort(key=lambda line: derived_hex(line.text, 8))
    return inputs + outputs


LANGFUSE_TYPES = {"llm": "GENERATION", "tool": "TOOL", "retrieval": "RETRIEVER",
                  "agent": "AGENT", "chain": "CHAIN"}


def langfuse_observation(trace: Trace, step: Step) -> dict[str, Any]:
    """An observation of the public API's trace (SDK v3: the root span is an observation too,
    under the trace)."""
    observation: dict[str, Any] = {
        "id": step.uid, "traceId": trace.trace_id, "type": LANGFUSE_TYPES[step.kind],
        "name": {"llm": "chat-completion", "tool": step.tool.name if step.tool else "tool",
                 "retrieval": "retrieve-context"}.get(step.kind, trace.app.name),
        "startTime": utc_iso(step.start, digits=3), "endTime": utc_iso(step.end, digits=3),
        "parentObservationId": step.parent.uid if step.parent else None,
        "level": "ERROR" if step.failure else "DEFAULT",
        "statusMessage": step.failure.text if step.failure else None,
        "environment": "production", "version": trace.app.version, "metadata": {},
        "latency": round(step.duration_ms / 1000, 3),
    }
    call = step.call
    if call is None:
        observation.update(
            input={"query": step.query} if step.kind == "retrieval" else
            step.tool.arguments if step.tool else {"question": trace.question},
            output=[{"id": d, "text": t} for d, t in step.documents] if step.documents else
            step.tool.result if step.tool else None)
        return observation
    cost_in = call.model.cost(call.input_tokens, 0) if call.ok else 0.0
    cost_out = call.model.cost(0, call.output_tokens) if call.ok else 0.0
    observation.update({
        "model": call.model.name,
        "modelParameters": {"temperature": str(call.temperature),
                            "max_tokens": str(call.max_tokens)},
        "input": call.messages,
        "output": call.assistant_message() if call.ok else None,
        "completionStartTime": utc_iso(call.start + call.ttft_ms / 1000, digits=3)
        if call.ttft_ms else None,
        "usageDetails": {"input": call.input_tokens, "output": call.output_tokens,
                         "total": call.total_tokens} if call.ok else {},
        "costDetails": {"input": cost_in, "output": cost_out, "total": cost_in + cost_out}
        if call.ok else {},
        "calculatedTotalCost": round(cost_in + cost_out, 8),
        "promptName": f"{trace.app.name}-system", "promptVersion": 7,
    })
    return observation


def render_langfuse(trace: Trace) -> list[Line]:
    """One trace exported from Langfuse's public API (``GET /api/public/traces/{id}``) and
    saved to a file of its own."""
    root = trace.root
    document = {
        "id": trace.trace_id, "projectId": "cm3x9dq5k0001ypj2l0u7a1xb",
        "name": trace.app.name, "timestamp": utc_iso(root.start, digits=3),
        "environment": "production", "tags": ["agent", "prod"], "bookmarked": False,
        "release": trace.app.version, "version": None, "userId": trace.user,
        "sessionId": trace.session, "public": False,
        "input": {"question": trace.question},
        "output": {"answer": trace.answer} if not root.failure else None,
        "metadata": {"region": "eu-west-1"},
        "createdAt": utc_iso(root.start, digits=3), "updatedAt": utc_iso(root.end + 5, digits=3),
        "externalId": None,
        "scores": [{
            "id": derived_hex(trace.uid, 24), "traceId": trace.trace_id,
            "observationId": None, "name": "user-feedback", "value": 0 if root.failure else 1,
            "stringValue": None, "source": "API", "dataType": "NUMERIC",
            "comment": "thumbs down" if root.failure else "thumbs up",
            "timestamp": utc_iso(root.end + 20, digits=3)}],
        "latency": round(root.duration_ms / 1000, 3),
        "totalCost": round(sum(c.cost_usd for c in trace.calls), 8),
        "observations": [langfuse_observation(trace, step) for step in trace.steps],
        "htmlPath": f"/project/cm3x9dq5k0001ypj2l0u7a1xb/traces/{trace.trace_id}",
    }
    return [Line(root.end + 30, f"exports/langfuse-trace-{trace.trace_id[:8]}.json",
                 json.dumps(document, indent=2), whole_file=True)]


def langchain_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as LangChain's ``dumpd`` serializes it."""
    cls, kind = {"system": ("SystemMessage", "system"), "user": ("HumanMessage", "human"),
                 "assistant": ("AIMessage", "ai"), "tool": ("ToolMessage", "tool")}[
        message["role"]]
    kwargs: dict[str, Any] = {"content": message.get("content") or "", "type": kind}
    if message.get("tool_calls"):
        kwargs["tool_calls"] = [{"name": tc["function"]["name"],
                                 "args": json.loads(tc["function"]["arguments"]),
                                 "id": tc["id"], "type": "tool_call"}
                                for tc in message["tool_calls"]]
    if message.get("tool_call_id"):
        kwargs["tool_call_id"] = message["tool_call_id"]
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", cls],
            "kwargs": kwargs}


def langsmith_run(trace: Trace, step: Step, *, update: bool) -> dict[str, Any]:
    """A run create (inputs, start) or update (end, outputs, error) as the SDK batches them."""
    path = [step] if step.parent is None else [step.parent, step]
    dotted = ".".join(f"{datetime.fromtimestamp(s.start, timezone.utc):%Y%m%dT%H%M%S%f}Z{s.uid}"
                      for s in path)
    call = step.call
    run_type = {"llm": "llm", "tool": "tool", "retrieval": "retriever"}.get(step.kind, "chain")
    name = (("ChatOpenAI" if call.provider == "openai" else "ChatAnthropic") if call else
            step.tool.name if step.tool else "retrieve_schema" if step.kind == "retrieval"
            else "SQLCopilot")
    metadata: dict[str, Any] = {"user_id": trace.user}
    if trace.session:
        metadata["thread_id"] = trace.session
    extra: dict[str, Any] = {"metadata": metadata}
    if call:
        metadata.update(ls_provider=call.provider, ls_model_name=call.model.name,
                        ls_model_type="chat", ls_temperature=call.temperature)
        extra["invocation_params"] = {"model": call.model.name, "model_name": call.model.name,
                                      "temperature": call.temperature,
                                      "max_tokens": call.max_tokens, "stream": False,
                                      "_type": f"{call.provider}-chat"}
    run: dict[str, Any] = {
        "id": step.uid, "name": name, "run_type": run_type, "trace_id": trace.uid,
        "dotted_order": dotted, "parent_run_id": step.parent.uid if step.parent else None,
        "start_time": utc_iso(step.start, zulu=False), "extra": extra, "tags": [],
        "session_name": trace.app.name,
    }
    start_event = {"name": "start", "time": utc_iso(step.start, zulu=False)}
    if not update:
        run.update(inputs=langsmith_inputs(trace, step), serialized={"name": name},
                   events=[start_event])
        return run
    run.update(end_time=utc_iso(step.end, zulu=False), outputs=langsmith_outputs(trace, step),
               events=[start_event, {"name": "end", "time": utc_iso(step.end, zulu=False)}],
               error=None)
    if step.failure:
        run["error"] = (f"{step.failure.exception}({step.failure.text!r})"
                        + step.failure.traceback(trace.app.name))
    return run


def langsmith_inputs(trace: Trace, step: Step) -> dict[str, Any]:
    if step.call:
        return {"messages": [[langchain_message(m) for m in step.call.messages]]}
    if step.tool:
        return {"input": str(step.tool.arguments)}
    return {"query": step.query} if step.kind == "retrieval" else {"question": trace.question}


def langsmith_outputs(trace: Trace, step: Step) -> dict[str, Any] | None:
    call = step.call
    if step.failure:
        return None
    if call is None:
        if step.tool:
            return {"output": step.tool.result}
        if step.kind == "retrieval":
            return {"documents": [{"page_content": t, "metadata": {"source": d},
                                   "type": "Document"} for d, t in step.documents]}
        return {"output": trace.answer}
    message = langchain_message(call.assistant_message())
    message["kwargs"].update(
        response_metadata={"finish_reason": call.finish_reason,
                           "model_name": call.model.served_as},
        usage_metadata={"input_tokens": call.input_tokens, "output_tokens": call.output_tokens,
                        "total_tokens": call.total_tokens},
        id=f"run-{step.uid}-0")
    return {"generations": [[{"text": call.output,
                              "generation_info": {"finish_reason": call.finish_reason},
                              "type": "ChatGeneration", "message": message}]],
            "llm_output": {"token_usage": {"prompt_tokens": call.input_tokens,
                                           "completion_tokens": call.output_tokens,
                                           "total_tokens": call.total_tokens},
                           "model_name": call.model.served_as},
            "run": None, "type": "LLMResult"}


def render_langsmith(trace: Trace) -> list[Line]:
    """The SDK's batch ingest bodies: a first batch posts the root and the first model call as
    they start; the last one posts the runs that began and ended in between, whole, and patches
    the two open runs."""
    path = "exports/langsmith-runs.jsonl"
    first_call = next(step for step in trace.steps if step.call)
    opened = [trace.root, first_call]
    whole = [s for s in trace.steps if s not in opened]
    return [
        Line(first_call.start + 0.05, path, json.dumps(
            {"post": [langsmith_run(trace, s, update=False) for s in opened], "patch": []})),
        Line(trace.root.end + 0.5, path, json.dumps({
            "post": [{**langsmith_run(trace, s, update=False),
                      **langsmith_run(trace, s, update=True)} for s in whole],
            "patch": [langsmith_run(trace, s, update=True) for s in opened]})),
    ]


# --- the dialects the demo writes -------------------------------------------------------------

APPS = {app.name: app for app in (
    App("faq-bot", "support", "1.4.2", ("gpt-4o-mini", "gpt-4o")),
    App("local-rag", "docs", "0.3.0", ("llama3:8b-instruct",)),
    App("rag-api", "docs", "2.8.1", ("gpt-4o", "gpt-4o-mini", "o3-mini"), agent=0.2),
    App("search-api", "docs", "5.0.3", ("gpt-4o-mini", "gemini-2.0-flash")),
    App("chatbot", "support", "3.12.0", ("gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514")),
    App("support-agent", "support", "1.9.0",
        ("gpt-4o", "claude-sonnet-4-20250514", "o3-mini"), agent=1.0),
    App("docs-assistant", "docs", "0.9.4", ("gemini-2.0-flash", "gpt-4o-mini")),
    App("research-agent", "docs", "0.5.1", ("gpt-4o", "claude-3-5-haiku-20241022"), agent=0.6),
    App("ticket-worker", "tickets", "2.2.0",
        ("claude-3-5-haiku-20241022", "gpt-4o-mini", "llama3:8b-instruct")),
    App("litellm-proxy", "support", "1.74.0", tuple(MODELS)),
    App("review-classifier", "reviews", "1.0.0", ("gpt-4o-mini", "gpt-4o")),
    App("shop-assistant", "support", "0.8.0", ("gpt-4o", "claude-sonnet-4-20250514"),
        agent=1.0),
    App("sql-copilot", "docs", "0.2.7", ("gpt-4o-mini", "claude-3-5-haiku-20241022"),
        agent=0.7),
    App("nextjs-chat", "support", "0.1.0", ("gpt-4o-mini", "gemini-2.0-flash"), agent=1.0),
    App("evals", "docs", "0.1.0", ("claude-sonnet-4-20250514", "gemini-2.0-flash")),
)}


@dataclass(frozen=True)
class Writer:
    """One dialect: the app that writes it, how its scenarios are shaped, how it renders."""

    dialect: str  # the name llmview's registry gives what it reads from these lines
    app: App
    shape: str  # call | session | trace | batch
    render: Callable[[Any], list[Line]]
    weight: float  # share of the traffic
    fails: tuple[str, ...] | None = None  # error categories it records (None: all)
    stream: float = 0.0  # share of streamed calls (time to first token logged)
    also: tuple[str, ...] = ()  # other dialect names its lines produce (events, envelopes)

    def kinds(self) -> list[ErrorKind]:
        return [k for k in ERRORS if self.fails is None or k.category in self.fails]

    def can_fail(self, kind: ErrorKind) -> bool:
        return kind in self.kinds() and any(kind.applies_to(MODELS[m]) for m in self.app.models)


SUCCESS_ONLY: tuple[str, ...] = ()  # the app logs only after a successful response
WRITERS: tuple[Writer, ...] = (
    Writer("seed_interaction", APPS["faq-bot"], "call", render_seed_interaction, 5, SUCCESS_ONLY),
    Writer("seed_interaction", APPS["local-rag"], "session", render_seed_interaction_full, 4,
           SUCCESS_ONLY),
    Writer("seed_request_log", APPS["rag-api"], "session", render_seed_request_log, 12),
    Writer("seed_request_log", APPS["search-api"], "call", render_json_logger, 6,
           also=("event",)),
    Writer("seed_span", APPS["rag-api"], "trace", render_seed_spans, 3),
    Writer("structlog_entry", APPS["chatbot"], "session", render_structlog, 12,
           also=("audit",)),
    Writer("debug_conversation", APPS["chatbot"], "call", render_debug_conversation, 1,
           SUCCESS_ONLY),
    Writer("otlp_json", APPS["support-agent"], "trace", render_otlp, 4),
    Writer("otel_console", APPS["docs-assistant"], "trace", render_console_spans, 3),
    Writer("otel_console", APPS["research-agent"], "trace", render_openinference, 3),
    Writer("heuristic", APPS["ticket-worker"], "call", render_loguru, 7,
           also=("loguru_record",)),
    Writer("litellm", APPS["litellm-proxy"], "call", render_litellm, 12, stream=0.4),
    Writer("openai_batch", APPS["review-classifier"], "batch", render_openai_batch, 1,
           ("context_length", "content_filter", "invalid_request")),
    Writer("langfuse", APPS["shop-assistant"], "trace", render_langfuse, 1, stream=0.5),
    Writer("langsmith", APPS["sql-copilot"], "trace", render_langsmith, 2),
    Writer("otel_js", APPS["nextjs-chat"], "trace", render_otel_js, 3, stream=1.0),
    Writer("raw_response", APPS["evals"], "call", render_raw_response, 3, SUCCESS_ONLY),
)


def draw_units(planner: Planner, writer: Writer, start: float,
               forced: ErrorKind | None = None, *, mutate: bool = False) -> list[Unit]:
    """The scenarios one pick of ``writer`` produces: a call, a whole session, a trace or a
    batch job. ``forced`` makes its (first) call fail that way."""
    rng = planner.rng
    models = [MODELS[m] for m in writer.app.models]
    if forced is not None:
        models = [m for m in models if forced.applies_to(m)]
    model = rng.choice(models)
    kinds = writer.kinds()
    stream = rng.random() < writer.stream
    if writer.shape == "trace":
        session = f"sess_{planner.ids.hex(12)}" if rng.random() < 0.5 else None
        return [planner.trace(writer.app, model, start, kinds, forced, session=session,
                              stream=stream)]
    if writer.shape == "batch":
        return [planner.batch(writer.app, model, start, kinds, forced,
                              size=rng.randint(6, 12))]
    if writer.shape == "session" and forced is None and (mutate or rng.random() < 0.35):
        session_id = f"sess_{planner.ids.hex(12)}"
        return list(planner.session(writer.app, model, start, kinds, session_id,
                                    turns=rng.randint(3, 6), mutate=mutate))
    return [planner.single(writer.app, model, start, kinds, forced, stream=stream)]


def busy_moment(rng: random.Random, now: float) -> float:
    """A moment of the last day, more likely during local working hours, so that charts over
    time have the shape of real traffic."""
    while True:
        moment = now - 900 - rng.uniform(0, DAY - 900)  # sessions go on for some minutes
        local = datetime.fromtimestamp(moment)
        hour = local.hour + local.minute / 60
        weight = 0.2 + 0.8 * max(0.0, math.sin(math.pi * (hour - 7) / 14))
        if rng.random() < weight:
            return moment


def plan_first_batch(planner: Planner, calls: int, now: float) -> list[tuple[Writer, Unit]]:
    """At least one pick of every dialect, one failure of every error kind and one session whose
    history changed between turns; then traffic drawn by weight until ``calls`` calls."""
    rng = planner.rng
    planner.first_batch()
    picks: list[tuple[Writer, Unit]] = []

    def pick(writer: Writer, forced: ErrorKind | None = None, mutate: bool = False) -> None:
        # A batch job completes up to half an hour after it starts: not after "now".
        start = busy_moment(rng, now - (1800 if writer.shape == "batch" else 0))
        picks.extend((writer, unit) for unit in draw_units(planner, writer, start, forced,
                                                           mutate=mutate))

    for writer in WRITERS:
        pick(writer, mutate=writer.dialect == "structlog_entry")
    for kind in ERRORS:
        pick(rng.choice([w for w in WRITERS if w.can_fail(kind)]), kind)
    weights = [w.weight for w in WRITERS]
    while sum(len(unit_calls(unit)) for _, unit in picks) < calls:
        pick(rng.choices(WRITERS, weights)[0])
    return picks


def malformed_lines(now: float) -> list[Line]:
    """What nobody wants in their logs but everybody finds there: a JSON line cut short when
    the process was killed mid-write (the next record starts on a new line after the restart),
    and a plain-text line from a second, unserialized sink."""
    cut = now - 5 * 3600
    request = json.dumps({"request_id": "9b2f6c1e-77aa-4d0e-9a51-0c4be2d1f3a8",
                          "timestamp": local_iso(cut), "model": "gpt-4o",
                          "messages": [{"role": "system", "content": DOMAINS["docs"].system}]})
    cut_line = request[:len(request) * 2 // 3]
    day = datetime.fromtimestamp(cut)
    text = (f"{day:%Y-%m-%d %H:%M:%S}.412 | WARNING  | ticket_worker.jobs:summarize_ticket:64 - "
            "retrying after RateLimitError (attempt 2/5), sleeping 1.40s")
    return [Line(cut, f"rag-api/llm_logs_{day:%Y-%m-%d}.jsonl", cut_line, "malformed"),
            Line(cut + 60, "worker/loguru.log", text, "malformed")]


# --- writing ----------------------------------------------------------------------------------


class Sink:
    """Writes lines the way logging handlers do: each record appended whole with one write,
    so a tailing reader never sees half of one (documents are renamed into place)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.handles: dict[Path, Any] = {}

    def write(self, line: Line) -> None:
        path = self.root / line.path
        data = (line.text + "\n").encode("utf-8")
        if line.whole_file:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.stem}.partial")  # no log pattern matches it
            partial.write_bytes(data)
            os.replace(partial, path)
            return
        handle = self.handles.get(path)
        if handle is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.handles[path] = open(path, "ab", buffering=0)  # noqa: SIM115
        handle.write(data)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()


def write_demo(directory: Path, *, calls: int = 400, seed: int = 7,
               now: float | None = None) -> dict[str, int]:
    """Write a day of logs ending at ``now`` into ``directory``, deterministically for a seed.

    Returns how many calls each dialect's lines hold (by llmview's dialect name), plus
    ``events`` (records that are no call: audit entries, access logs, worker events) and
    ``malformed_lines``. There are at least ``calls`` calls, more when covering every dialect
    and error kind takes more.
    """
    now = time.time() if now is None else now
    rng = random.Random(seed)
    planner = Planner(rng, incident=(now - 7 * 3600, now - 6.4 * 3600))
    counts: Counter[str] = Counter()
    lines = malformed_lines(now)
    for writer, unit in plan_first_batch(planner, calls, now):
        counts[writer.dialect] += len(unit_calls(unit))
        lines += writer.render(unit)
    lines.sort(key=lambda line: line.at)  # stable: a unit's simultaneous lines keep their order
    sink = Sink(Path(directory))
    try:
        for line in lines:
            sink.write(line)
    finally:
        sink.close()
    kinds = Counter(line.kind for line in lines)
    counts["events"] = kinds["event"]
    counts["malformed_lines"] = kinds["malformed"]
    return dict(counts)


def append_live(directory: Path, rng: random.Random, stop: threading.Event,
                interval: tuple[float, float] = (0.2, 0.6)) -> None:
    """Keep the logs growing until ``stop`` is set: every few hundred milliseconds a new call,
    session turn, trace or batch starts now, and each of its lines is written when its moment
    comes -- a request line at once, its response when the call returns, a trace's spans as
    they end."""
    planner = Planner(rng)
    weights = [w.weight for w in WRITERS]
    pending: list[tuple[float, int, Line]] = []  # a heap by due time; the counter keeps order
    order = 0
    sink = Sink(Path(directory))
    try:
        while not stop.wait(rng.uniform(*interval)):
            now = time.time()
            writer = rng.choices(WRITERS, weights)[0]
            for unit in draw_units(planner, writer, now):
                for line in writer.render(unit):
                    heapq.heappush(pending, (line.at, order, line))
                    order += 1
            while pending and pending[0][0] <= now:
                sink.write(heapq.heappop(pending)[2])
    finally:
        sink.close()


def run_demo(args: argparse.Namespace) -> int:
    """``llmview demo [DIR]``: write the first batch, then open the viewer on it while new
    lines keep arriving (``--write-only``: just write)."""
    from .cli import CliError

    if args.calls < 1:
        raise CliError("--calls must be at least 1")
    seed = 7
    if args.dir:
        directory = Path(args.dir).expanduser()
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):  # a second run must not repeat the first one's ids
            seed = random.randrange(1 << 32)
    else:
        directory = Path(tempfile.mkdtemp(prefix="llmview-demo-"))
    counts = write_demo(directory, calls=args.calls, seed=seed)
    written = sum(n for name, n in counts.items() if name not in ("events", "malformed_lines"))
    if args.write_only:
        print(f"llmview demo: wrote {written} calls to {directory}")
        return 0
    from .ui.app import run_app

    print(f"llmview demo: wrote {written} calls to {directory}; appending live")
    stop = threading.Event()
    feeder = threading.Thread(target=append_live, args=(directory, random.Random(), stop),
                              name="llmview-demo-feeder", daemon=True)
    feeder.start()
    try:
        # Demo data is small and throwaway: index it in memory unless told where to keep it.
        return int(run_app(argparse.Namespace(
            paths=[str(directory)], index=args.index, no_index=not args.index, poll=args.poll,
            tz=args.tz)) or 0)
    finally:
        stop.set()
        feeder.join(timeout=2)
