"""Seed 004's debug-mode conversation files, ``debug_conversation_YYYYmmdd_HHMMSS.json``.

``DebugMode._save_conversation`` writes one pretty-printed document per call: ``{messages,
response (the output text), model, usage {prompt_tokens, completion_tokens}}``. The document has
no time, id or latency: the time comes from the file name (``datetime.now()``, local time), and
the file stands for a conversation of its own, so its name stem is the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect, as_str, as_ts
from .messages import norm_messages, provider_of_model, usage_fields

NAME = "debug_conversation"

_FILE_TIME = re.compile(r"debug_conversation_(\d{4})(\d\d)(\d\d)_(\d\d)(\d\d)(\d\d)")


def claims(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("response"), str) and "messages" in obj and "usage" in obj


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    model = as_str(obj.get("model"), ctx, "model")
    stem = PurePath(ctx.path).stem if ctx.path else None
    return [Call(
        key="",  # no id in the document: the store keys it by file and position
        ts=_file_time(ctx),
        session=stem or None,
        provider=provider_of_model(model),
        model=model,
        messages=norm_messages(obj.get("messages"), ctx),
        output=obj["response"],
        status="ok",  # saved only after the call returned
        dialect=NAME,
        **usage_fields(obj.get("usage"), ctx),
    )]


def _file_time(ctx: Context) -> float | None:
    """When the file was saved, from its name, read in the local zone (or ``ctx.tz``)."""
    match = _FILE_TIME.search(PurePath(ctx.path).name) if ctx.path else None
    if match is None:
        return None
    year, month, day, hour, minute, second = match.groups()
    return as_ts(f"{year}-{month}-{day}T{hour}:{minute}:{second}", ctx, "file name time")


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
