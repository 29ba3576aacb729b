"""The last resort: any record with a model name and a prompt, a response or token counts.

Application logs of no known library still say which model answered what, in their own words;
the shared alias tables (``logfields``) read the usual spellings of the model, prompt, response,
tokens, latency (with its unit guessed from the name), error, ids and times. A record with a
model name but none of prompt, response or token fields (a config line, a start-up message) is
not claimed, so it stays an event; nor is a streaming delta.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..records import Call, Record
from .base import Context, Dialect
from .logfields import call_fields, looks_like_call, request_key

NAME = "heuristic"


def claims(obj: dict[str, Any]) -> bool:
    return looks_like_call(obj)


def normalize(obj: dict[str, Any], ctx: Context) -> Iterable[Record]:
    fields = call_fields(obj, ctx)
    return [Call(key=request_key(fields.get("request_id")), dialect=NAME, **fields)]


DIALECT = Dialect(name=NAME, claims=claims, normalize=normalize)
