"""Prices for model names as apps log them, from genai-prices' bundled data and config.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmview.core.config import ENV_VAR, ConfigError
from llmview.core.pricing import PriceBook, model_candidates, parse_overrides


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook()


@pytest.mark.parametrize(("provider", "model", "matched"), [
    # OpenAI: bare, dated, with a provider prefix, through a router, a dated legacy name
    ("openai", "gpt-4o", "openai/gpt-4o"),
    (None, "gpt-4o-2024-08-06", "openai/gpt-4o"),
    (None, "openai/gpt-4o", "openai/gpt-4o"),
    ("litellm", "openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini"),
    (None, "openrouter/openai/gpt-4o", None),  # openrouter's own price, whatever it is named
    (None, "gpt-3.5-turbo-0125", "openai/gpt-3.5-turbo"),
    # Anthropic: compact dates, Vertex's @date, a prefix, Bedrock's ids
    ("anthropic", "claude-3-5-haiku-20241022", "anthropic/claude-3-5-haiku"),
    (None, "claude-3-5-sonnet@20240620", "anthropic/claude-3-5-sonnet"),
    (None, "anthropic/claude-3-haiku-20240307", "anthropic/claude-3-haiku"),
    ("bedrock", "anthropic.claude-3-sonnet-20240229-v1:0", "aws/"),
    # Google: version suffixes, the API's models/ prefix, LiteLLM's gemini/ prefix
    ("google", "gemini-2.0-flash-001", "google/gemini-2.0-flash"),
    (None, "models/gemini-2.0-flash", "google/gemini-2.0-flash"),
    (None, "gemini/gemini-1.5-flash-latest", "google/gemini-1.5-flash"),
    ("vertex_ai", "gemini-1.5-pro-002", "google/gemini-1.5-pro"),
])
def test_logged_names_find_their_list_price(book: PriceBook, provider: str | None, model: str,
                                            matched: str | None) -> None:
    rate = book.rate(provider, model)
    assert rate is not None, f"{provider}/{model} should be priced"
    assert rate.source == "genai-prices"
    assert rate.input_per_mtok > 0 and rate.output_per_mtok > 0
    if matched:
        assert rate.matched.startswith(matched)


def test_a_dated_name_costs_what_its_model_costs(book: PriceBook) -> None:
    assert book.rate(None, "gpt-4o-2024-08-06") == book.rate("openai", "gpt-4o")
    claude = book.rate("anthropic", "claude-sonnet-4-20250514")
    assert claude is not None and (claude.input_per_mtok, claude.output_per_mtok) == (3.0, 15.0)


def test_tiered_prices_keep_their_thresholds(book: PriceBook) -> None:
    rate = book.rate("google", "gemini-1.5-pro-002")
    assert rate is not None
    assert rate.tiers and rate.tiers[0][0] == 128_000
    assert rate.tiers[0][1] > rate.input_per_mtok


def test_azure_deployment_names_are_priced_when_the_provider_is_azure(book: PriceBook) -> None:
    mini = book.rate("azure", "prod-gpt4o-mini-eu")
    assert mini is not None and mini.matched.endswith("gpt-4o-mini")
    assert book.rate("azure_openai", "gpt-35-turbo") is not None
    assert book.rate(None, "prod-gpt4o-mini-eu") is None  # without the provider: a guess


def test_local_and_unknown_models_are_not_priced(book: PriceBook) -> None:
    assert book.rate("ollama", "llama3:8b-instruct") is None
    assert book.rate("ollama", "gpt-4o") is None  # a local model named like a hosted one
    assert book.rate(None, "my-finetune-v3") is None
    assert book.rate(None, None) is None


def test_candidates_strip_prefixes_then_release_suffixes_then_tags() -> None:
    names = [(c.model, c.provider) for c in model_candidates("OpenAI/GPT-4o-2024-08-06")]
    assert names[0] == ("openai/gpt-4o-2024-08-06", None)
    assert ("gpt-4o-2024-08-06", "openai") in names
    assert ("gpt-4o", "openai") in names
    assert ("llama3", None) in [(c.model, c.provider) for c in model_candidates("llama3:8b")]


def test_overrides_from_config_toml_win_and_price_local_models(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[prices."llama3:8b-instruct"]\ninput_per_mtok = 0\n\n'
                      '[prices."openai/gpt-4o"]\ninput_per_mtok = 1.25\noutput_per_mtok = 5\n',
                      encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(config))
    book = PriceBook.from_config()
    local = book.rate("ollama", "llama3:8b-instruct")
    assert local is not None and local.source == "config"
    assert (local.input_per_mtok, local.output_per_mtok) == (0.0, 0.0)
    negotiated = book.rate("openai", "gpt-4o-2024-08-06")
    assert negotiated is not None and negotiated.source == "config"
    assert (negotiated.input_per_mtok, negotiated.output_per_mtok) == (1.25, 5.0)
    assert book.rate("openai", "gpt-4o-mini").source == "genai-prices"


@pytest.mark.parametrize(("section", "message"), [
    ({"prices": 3}, "[prices] must hold tables"),
    ({"prices": {"x": 1}}, '[prices."x"] must be a table'),
    ({"prices": {"x": {"input_per_mtok": -1}}}, "input_per_mtok must be a number >= 0"),
    ({"prices": {"x": {"input_per_mtok": "free"}}}, "input_per_mtok must be a number"),
    ({"prices": {"x": {"input": 1}}}, "unknown key 'input'"),
])
def test_bad_overrides_say_which_table(section: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
        parse_overrides(section)


def test_price_table_binds_names_as_values(book: PriceBook) -> None:
    table = book.table([("openai", "gpt-4o"), ("ollama", "x'); DROP TABLE calls; --"),
                        ("google", "gemini-1.5-pro")])
    assert "DROP" not in table.sql
    assert table.sql.count("(?::VARCHAR") == 2  # only the priced pairs
    assert "gpt-4o" in table.params
    assert table.thresholds == (128_000,)
