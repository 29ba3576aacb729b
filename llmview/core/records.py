"""The normalized records every dialect produces and the store consumes.

A dialect module turns one decoded JSON object into any number of these; the store never sees a
dialect's raw shape. Fields a log did not carry stay ``None`` (unknown), never 0, so that sums and
percentiles are not dragged down by missing data.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Call(msgspec.Struct, kw_only=True):
    """One LLM call. Parts of the same call (a request line and a response line, a span and a log
    line) share ``key`` and are merged field by field, first non-null value wins per part."""

    key: str
    origin: str = "log"  # "log" (a log line recorded it) or "span" (derived from an LLM span)
    ts: float | None = None  # epoch seconds, UTC: when the call started
    request_id: str | None = None
    app: str | None = None
    user: str | None = None
    session: str | None = None
    conversation: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    provider: str | None = None
    model: str | None = None
    operation: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    params: dict[str, Any] | None = None  # every other generation parameter
    messages: list[dict[str, Any]] | None = None  # [{role, content, name?, tool_calls?, ...}]
    tools: list[Any] | None = None  # tool definitions offered to the model
    tool_calls: list[dict[str, Any]] | None = None  # [{name, arguments, id?}] the model asked for
    output: str | None = None
    parsed_output: Any = None
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    status: str | None = None  # "ok" | "error"; None while only the request is known
    error_type: str | None = None
    error_message: str | None = None
    http_status: int | None = None
    cost_usd: float | None = None  # cost the log itself recorded
    tags: dict[str, Any] | None = None
    dialect: str = ""


class Span(msgspec.Struct, kw_only=True):
    """One span of a trace. The same (trace_id, span_id) seen again is merged, not duplicated."""

    trace_id: str
    span_id: str
    parent_id: str | None = None
    name: str | None = None
    kind: str | None = None  # llm, retrieval, tool, chain, agent, http, embedding, ... or None
    service: str | None = None
    start: float | None = None  # epoch seconds
    end: float | None = None
    duration_ms: float | None = None
    status: str | None = None  # "ok" | "error" | "unset"
    error: str | None = None
    attributes: dict[str, Any] | None = None
    events: list[dict[str, Any]] | None = None
    dialect: str = ""


class Event(msgspec.Struct, kw_only=True):
    """Any other JSON record (application logs, audit records): kept and searchable."""

    ts: float | None = None
    level: str | None = None
    message: str | None = None
    app: str | None = None
    user: str | None = None
    session: str | None = None
    trace_id: str | None = None
    span_id: str | None = None
    content_hash: str | None = None
    dialect: str = ""


class Problem(msgspec.Struct, kw_only=True):
    """A line that could not be read (``severity="error"``: nothing else was made of it) or a field
    that was dropped while the rest of the line was indexed (``severity="warning"``)."""

    reason: str
    severity: str = "error"
    raw: str | None = None  # only set when the raw text is not kept elsewhere


Record = Call | Span | Event | Problem
