"""Thread workers that read the index show what the index could not do, and the app goes on."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual import work

from llmview.core.store import StoreError, is_out_of_memory, out_of_memory_error

from .safe import notify_literally

Method = TypeVar("Method", bound=Callable[..., Any])


def index_worker(**options: Any) -> Callable[[Method], Any]:
    """``@work(thread=True, **options)`` for a method that reads the index, whose errors the
    index can raise are shown (``shows_store_errors``): one decorator, so that no worker
    leaves the second out."""

    def decorate(method: Method) -> Any:
        return work(thread=True, **options)(shows_store_errors(method))

    return decorate


def shows_store_errors(method: Method) -> Method:
    """For a method run as a thread worker: a ``StoreError`` (a write the disk refused) or
    DuckDB's out-of-memory error (from a query not run through ``Index.rows``, which raises
    it as a ``StoreError``) becomes a notice. Uncaught, a worker's error ends the app, and a
    20-minute soak's header count ended it so."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            if is_out_of_memory(exc):
                exc = out_of_memory_error(exc)
            elif not isinstance(exc, StoreError):
                raise
            self.app.call_from_thread(notify_literally, self.app, str(exc), "error")
            return None

    return run  # type: ignore[return-value]
