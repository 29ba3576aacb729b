"""Any JSON value put in any field of a real record: what a dialect must survive.

A dialect's fuzz test draws one of its real sample records, one path into it and one JSON value,
and checks that normalizing the altered record neither raises nor yields records whose fields
break their declared types.
"""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import strategies as st

from llmview.core.formats.base import Context, Dialect

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value, the value itself (``()``) first."""
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        items = []
    return [prefix] + [path for key, inner in items for path in paths(inner, (*prefix, key))]


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of ``value`` with ``new`` at ``path``."""
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def altered(data: st.DataObject, samples: list[dict[str, Any]]) -> Any:
    """One sample with one of its fields (at any depth) replaced by any JSON value."""
    sample = data.draw(st.sampled_from(samples))
    path = data.draw(st.sampled_from(paths(sample)[1:]))
    return replaced(sample, path, data.draw(JSON))


def check_survives(dialect: Dialect, obj: Any) -> None:
    """The dialect's own claim and mapping (not the registry, which would hide an exception)
    accept the object, and every record converts to its declared field types."""
    if isinstance(obj, dict) and dialect.claims(obj):
        for record in dialect.normalize(obj, Context()):
            msgspec.convert(msgspec.to_builtins(record), type(record))
