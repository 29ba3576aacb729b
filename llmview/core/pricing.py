"""What a call cost: the cost its log recorded, else its tokens at a list price.

List prices come from genai-prices' bundled table (offline: its network updater is never started)
or from the user's ``[prices."MODEL"]`` tables in config.toml, which win over the list so local
models (ollama, llama.cpp) and negotiated rates can be priced. A call that has neither a logged
cost nor a price and token counts is *unpriced*: counted and listed, never silently $0.

Prices are looked up once per distinct (provider, model) name in Python, a few dozen lookups
however many calls there are, and handed to DuckDB as a small ``VALUES`` table, so costing a
million calls is one join and a multiply in SQL (see :data:`COST_SQL`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .config import ConfigError, load_config

# Providers that run models on the user's own hardware: a list price for a model of the same
# name (groq's llama, say) would be wrong, so only an override prices these.
LOCAL_PROVIDERS = frozenset({
    "ollama", "llama.cpp", "llamacpp", "llama_cpp", "lmstudio", "lm_studio", "local", "localai",
    "gpt4all", "vllm", "text-generation-inference", "tgi",
})
# Release suffixes a provider appends to a model it also serves under the bare name:
# ``-2024-08-06``, ``-20241022``, ``@20240620``, ``-0125``, ``-002``, ``-v1:0``, ``-latest``.
_RELEASE_SUFFIX = re.compile(
    r"(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3,4}|v\d+(?::\d+)?|latest|preview|exp))+$")
_OVERRIDE_KEYS = {"input_per_mtok", "output_per_mtok"}
_TIER_SLOTS = 2  # genai-prices has at most two thresholds per price; the SQL has a slot for each


@dataclass(frozen=True)
class Rate:
    """A model's price in USD per million tokens.

    ``tiers`` are (threshold, input, output): a call with more input tokens than the threshold
    pays that tier's rates on all its tokens (the "cliff" model Google and Anthropic use).
    """

    input_per_mtok: float
    output_per_mtok: float
    source: str  # "config" or "genai-prices"
    matched: str  # the price's own name, e.g. "openai/gpt-4o"
    tiers: tuple[tuple[int, float, float], ...] = ()


@dataclass(frozen=True)
class _Lookup:
    """A model name to look up, with the provider it implies (from ``openai/gpt-4o``)."""

    model: str
    provider: str | None


def model_candidates(model: str) -> list[_Lookup]:
    """The names a logged model may be priced under, most specific first.

    ``openrouter/openai/gpt-4o-2024-08-06`` yields itself, ``openai/gpt-4o-2024-08-06`` (provider
    openrouter), ``gpt-4o-2024-08-06`` (provider openai), then each without its release suffix,
    then without an ollama-style ``:tag``.
    """
    name = model.strip().lower()
    found: list[_Lookup] = [_Lookup(name, None)]
    rest = name
    while "/" in rest:
        prefix, rest = rest.split("/", 1)
        found.append(_Lookup(rest, prefix))
    for lookup in list(found):
        bare = _RELEASE_SUFFIX.sub("", lookup.model)
        if bare and bare != lookup.model:
            found.append(_Lookup(bare, lookup.provider))
    for lookup in list(found):
        untagged = lookup.model.split(":", 1)[0]
        if untagged and untagged != lookup.model:
            found.append(_Lookup(untagged, lookup.provider))
    unique: dict[tuple[str, str | None], _Lookup] = {}
    for lookup in found:
        unique.setdefault((lookup.model, lookup.provider), lookup)
    return list(unique.values())


def parse_overrides(config: Mapping[str, Any]) -> dict[str, Rate]:
    """``[prices."NAME"]`` tables from config.toml, keyed by lower-cased name.

    NAME is a model as logged (``llama3:8b-instruct``) or ``provider/model``; a rate left out
    is 0 (``input_per_mtok = 0`` alone declares a model free), a negative or non-number rate is
    a ConfigError naming the table.
    """
    section = config.get("prices", {})
    if not isinstance(section, dict):
        raise ConfigError('[prices] must hold tables like [prices."llama3:8b"] input_per_mtok = 0')
    overrides: dict[str, Rate] = {}
    for name, table in section.items():
        where = f'[prices."{name}"]'
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table with input_per_mtok / output_per_mtok")
        unknown = sorted(set(table) - _OVERRIDE_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r}; expected "
                              "input_per_mtok or output_per_mtok")
        rates = []
        for key in ("input_per_mtok", "output_per_mtok"):
            value = table.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where}: {key} must be a number >= 0 (USD per million "
                                  "tokens)")
            rates.append(float(value))
        overrides[name.strip().lower()] = Rate(rates[0], rates[1], "config", name)
    return overrides


class PriceBook:
    """Rates by logged (provider, model), overrides first, looked up once per name."""

    def __init__(self, overrides: Mapping[str, Rate] | None = None, *,
                 at: datetime | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.at = at or datetime.now(timezone.utc)  # prices change: use those in force now
        self._rates: dict[tuple[str, str], Rate | None] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None) -> PriceBook:
        return cls(parse_overrides(load_config() if config is None else config))

    def rate(self, provider: str | None, model: str | None) -> Rate | None:
        """The rate for a logged pair, None when nothing prices it."""
        key = (provider or "", model or "")
        with self._lock:
            if key not in self._rates:
                self._rates[key] = self._find(*key) if model else None
            return self._rates[key]

    def _find(self, provider: str, model: str) -> Rate | None:
        provider = provider.strip().lower()
        candidates = model_candidates(model)
        for lookup in candidates:
            names = [lookup.model]
            if lookup.provider or provider:
                names.insert(0, f"{lookup.provider or provider}/{lookup.model}")
            for name in names:
                if name in self.overrides:
                    return self.overrides[name]
        if provider in LOCAL_PROVIDERS:
            return None
        return _list_price(candidates, provider, self.at)

    def table(self, pairs: Iterable[tuple[str | None, str | None]]) -> PriceTable:
        """The ``prices`` table for the given logged pairs (the priced ones only)."""
        rows: list[str] = []
        params: list[Any] = []
        thresholds: set[int] = set()
        for provider, model in pairs:
            rate = self.rate(provider, model)
            if rate is None:
                continue
            slots = list(rate.tiers[:_TIER_SLOTS])
            thresholds.update(start for start, _, _ in slots)
            slots += [(None, None, None)] * (_TIER_SLOTS - len(slots))
            rows.append(_VALUES_ROW)
            params += [provider or "", model or "", rate.input_per_mtok, rate.output_per_mtok,
                       *(v for slot in slots for v in slot)]
        if not rows:
            return PriceTable(_EMPTY_TABLE, [], ())
        return PriceTable(f"SELECT * FROM (VALUES {', '.join(rows)}) AS v({_COLUMNS})", params,
                          tuple(sorted(thresholds)))


@dataclass(frozen=True)
class PriceTable:
    """The rates of some (provider, model) pairs as SQL: ``sql`` is a query with columns
    p_provider, p_model, in0, out0 (base rates) and t1, in1, out1, t2, in2, out2 (tiers; NULL
    when absent); names are bound ``params``, never SQL text. ``thresholds`` are every tier's
    start, for :meth:`tier_floor`."""

    sql: str
    params: list[Any]
    thresholds: tuple[int, ...]

    def tier_floor(self, input_tokens: str) -> tuple[str, list[Any]]:
        """SQL for the highest threshold below a call's input tokens (0 if none): calls with the
        same floor pay the same tier of every model, so they can be summed before pricing."""
        if not self.thresholds:
            return "0", []
        cases = " ".join(f"WHEN {input_tokens} > ? THEN ?" for _ in self.thresholds)
        params = [v for start in reversed(self.thresholds) for v in (start, start)]
        return f"CASE {cases} ELSE 0 END", params


_COLUMNS = "p_provider, p_model, in0, out0, t1, in1, out1, t2, in2, out2"
_VALUES_ROW = ("(?::VARCHAR, ?::VARCHAR, ?::DOUBLE, ?::DOUBLE, ?::BIGINT, ?::DOUBLE, ?::DOUBLE, "
               "?::BIGINT, ?::DOUBLE, ?::DOUBLE)")
_EMPTY_TABLE = (f"SELECT * FROM (VALUES (NULL::VARCHAR, NULL::VARCHAR, NULL::DOUBLE, NULL::DOUBLE, "
                f"NULL::BIGINT, NULL::DOUBLE, NULL::DOUBLE, NULL::BIGINT, NULL::DOUBLE, "
                f"NULL::DOUBLE)) AS v({_COLUMNS}) WHERE false")

# The SQL below prices a *usage row* ``u``: calls summed by provider, model, tier floor and
# which counts are known, so a million calls become a few hundred rows before any price is
# looked at. ``u`` has provider, model, tier_floor, input_tokens and output_tokens (sums, NULL
# when the calls lack that count), logged (the sum of logged costs, NULL when the calls have
# none) and failed (the calls errored). ``p`` is its row of the prices table.
PRICE_JOIN = ("LEFT JOIN prices p ON p.p_provider = coalesce(u.provider, '') "
              "AND p.p_model = coalesce(u.model, '')")
_IN_RATE = ("CASE WHEN u.tier_floor >= p.t2 THEN p.in2 WHEN u.tier_floor >= p.t1 THEN p.in1 "
            "ELSE p.in0 END")
_OUT_RATE = ("CASE WHEN u.tier_floor >= p.t2 THEN p.out2 WHEN u.tier_floor >= p.t1 "
             "THEN p.out1 ELSE p.out0 END")
# At list price: NULL without a price, or without a token count the price needs (a side that
# costs nothing needs no count: embeddings, free models).
LIST_COST_SQL = (f"(CASE WHEN p.in0 = 0 AND p.t1 IS NULL THEN 0 "
                 f"ELSE u.input_tokens * {_IN_RATE} END + "
                 f"CASE WHEN p.out0 = 0 AND p.t1 IS NULL THEN 0 "
                 f"ELSE u.output_tokens * {_OUT_RATE} END) / 1e6")
# What the calls cost: as logged, else at list price; failed calls that used no tokens were not
# billed. NULL means unpriced.
COST_SQL = (f"coalesce(u.logged, {LIST_COST_SQL}, CASE WHEN u.failed AND "
            "u.input_tokens IS NULL AND u.output_tokens IS NULL THEN 0.0 END)")
# Why calls are unpriced, for listing: only meaningful where COST_SQL is NULL.
UNPRICED_REASON_SQL = ("CASE WHEN p.p_model IS NULL THEN 'no price for this model' "
                       "ELSE 'no token counts' END")


def _list_price(candidates: list[_Lookup], provider: str, at: datetime) -> Rate | None:
    from genai_prices import data_snapshot  # 0.3 s to load: only when something is priced

    snapshot = data_snapshot.get_snapshot()
    for lookup in candidates:
        for provider_id in dict.fromkeys((lookup.provider, provider or None, None)):
            try:
                found, info = snapshot.find_provider_model(lookup.model, None, provider_id, None)
            except LookupError:
                continue
            rate = _rate(found.id, info, at)
            if rate is not None:
                return rate
    if provider and _is_azure(snapshot, provider):
        return _azure_deployment(snapshot, candidates[0].model, at)
    return None


def _rate(provider_id: str, info: Any, at: datetime) -> Rate | None:
    from genai_prices.types import TieredPrices

    prices = info.get_prices(at)
    given = [prices.input_mtok, prices.output_mtok]
    if all(price is None for price in given):
        return None  # priced per image, second or request: not by tokens

    def base(price: Any) -> float:
        if price is None:
            return 0.0
        return float(price.base if isinstance(price, TieredPrices) else price)

    def at_tier(price: Any, start: int) -> float:
        if isinstance(price, TieredPrices):
            rates = [float(t.price) for t in price.tiers if t.start <= start]
            return rates[-1] if rates else float(price.base)
        return base(price)

    starts = sorted({t.start for p in given if isinstance(p, TieredPrices) for t in p.tiers})
    tiers = tuple((start, at_tier(given[0], start), at_tier(given[1], start)) for start in starts)
    return Rate(base(given[0]), base(given[1]), "genai-prices", f"{provider_id}/{info.id}", tiers)


def _is_azure(snapshot: Any, provider: str) -> bool:
    from genai_prices.data_snapshot import find_provider_by_id

    found = find_provider_by_id(snapshot.providers, provider)
    return provider.startswith("azure") or (found is not None and found.id == "azure")


def _compact(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _azure_deployment(snapshot: Any, deployment: str, at: datetime) -> Rate | None:
    """An Azure deployment is named by its owner (``prod-gpt4o-mini-eu``); price it as the
    longest OpenAI model name it contains, ignoring punctuation (``gpt-35-turbo`` is
    ``gpt-3.5-turbo``). Names under 4 characters (``o1``) are too ambiguous to find inside."""
    wanted = _compact(deployment)
    ids = {m.id for p in snapshot.providers if p.id in ("azure", "openai") for m in p.models}
    best = max((i for i in ids if len(_compact(i)) >= 4 and _compact(i) in wanted),
               key=lambda i: len(_compact(i)), default=None)
    if best is None:
        return None
    found, info = snapshot.find_provider_model(best, None, "azure", None)
    return _rate(found.id, info, at)


_default: PriceBook | None = None
_default_lock = threading.Lock()


def default_price_book() -> PriceBook:
    """The process-wide PriceBook (config read once, lookups shared by every view).

    Raises ConfigError when config.toml is invalid; the next call tries again.
    """
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = PriceBook.from_config()
    return _default
