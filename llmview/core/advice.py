"""What to change for each category of failure, with the numbers the provider's message gives
(limits, token counts, retry delays), and where the provider documents it.

Run once per error group on its example, never per row, so plain Python regexes are fine here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# The provider a doc link is chosen for, from the many spellings of ``provider``.
_PROVIDER_ALIASES = {
    "openai": "openai", "azure": "azure", "azure_openai": "azure", "az.ai.openai": "azure",
    "anthropic": "anthropic", "google": "google", "gemini": "google", "vertex_ai": "google",
    "google_genai": "google", "gcp.gemini": "google", "gcp.vertex_ai": "google",
    "ollama": "ollama",
}
DOCS: dict[str, dict[str, str]] = {
    "openai": {
        "rate_limit": "https://platform.openai.com/docs/guides/rate-limits",
        "context_length": "https://platform.openai.com/docs/models",
        "content_filter": "https://platform.openai.com/docs/guides/moderation",
        "server": "https://status.openai.com",
        "invalid_request": "https://platform.openai.com/docs/api-reference/chat/create",
        "": "https://platform.openai.com/docs/guides/error-codes/api-errors",
    },
    "azure": {
        "rate_limit": "https://learn.microsoft.com/azure/ai-services/openai/quotas-limits",
        "content_filter":
            "https://learn.microsoft.com/azure/ai-services/openai/concepts/content-filter",
        "": "https://learn.microsoft.com/azure/ai-services/openai/reference",
    },
    "anthropic": {
        "rate_limit": "https://docs.anthropic.com/en/api/rate-limits",
        "context_length":
            "https://docs.anthropic.com/en/docs/build-with-claude/context-windows",
        "server": "https://status.anthropic.com",
        "": "https://docs.anthropic.com/en/api/errors",
    },
    "google": {
        "rate_limit": "https://ai.google.dev/gemini-api/docs/rate-limits",
        "context_length": "https://ai.google.dev/gemini-api/docs/tokens",
        "auth": "https://ai.google.dev/gemini-api/docs/api-key",
        "content_filter": "https://ai.google.dev/gemini-api/docs/safety-settings",
        "": "https://ai.google.dev/gemini-api/docs/troubleshooting",
    },
    "ollama": {"": "https://github.com/ollama/ollama/blob/main/docs/faq.md"},
}
API_KEY_VARS = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY",
                "anthropic": "ANTHROPIC_API_KEY", "google": "GEMINI_API_KEY (or GOOGLE_API_KEY)"}


def provider_family(provider: str | None, message: str = "") -> str | None:
    """``openai``/``azure``/``anthropic``/``google``/``ollama``, or None when unknown."""
    if "azure" in message.lower():
        return "azure"
    if not provider:
        return None
    key = provider.lower()
    return _PROVIDER_ALIASES.get(key) or next(
        (family for alias, family in _PROVIDER_ALIASES.items() if alias in key), None)


def doc_url(category: str, provider: str | None, message: str = "") -> str | None:
    """The provider's page about this kind of failure (its general errors page otherwise)."""
    docs = DOCS.get(provider_family(provider, message) or "", {})
    return docs.get(category) or docs.get("")


# ------------------------------------------------------------------------------ numbers


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _search(patterns: tuple[str, ...], message: str) -> dict[str, str]:
    """The named groups of the first pattern that matches."""
    for pattern in patterns:
        match = re.search(pattern, message, re.IGNORECASE)
        if match:
            return {k: v for k, v in match.groupdict().items() if v}
    return {}


_CONTEXT_PATTERNS = (
    # OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in
    # 131072 tokens" / "However, you requested 8500 tokens (7000 in the messages, 1500 in the
    # completion)" (the total includes the completion)
    r"maximum context length is (?P<max>\d[\d,]*) tokens.*?(?:resulted in|requested) "
    r"(?P<total>\d[\d,]*) tokens(?: \((?P<input>\d[\d,]*) in (?:the|your) "
    r"(?:messages|prompt)[;,]? (?P<completion>\d[\d,]*) (?:in|for) the completion\))?",
    # Anthropic: "input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000"
    r"context limit: (?P<input>\d[\d,]*) \+ (?P<completion>\d[\d,]*) > (?P<max>\d[\d,]*)",
    # Anthropic: "prompt is too long: 210140 tokens > 200000 maximum"
    r"too long: (?P<total>\d[\d,]*) tokens > (?P<max>\d[\d,]*)",
    # Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed
    # (1048575)"
    r"token count \((?P<total>\d[\d,]*)\) exceeds the maximum number of tokens allowed "
    r"\((?P<max>\d[\d,]*)\)",
)
_RATE_PATTERNS = (
    # OpenAI: "on tokens per min (TPM): Limit 30000, Used 29500, Requested 1200."
    r"on (?P<unit>[a-z ]+? per [a-z]+)(?: \([A-Z]+\))?: Limit (?P<limit>\d[\d,]*), "
    r"Used (?P<used>\d[\d,]*), Requested (?P<requested>\d[\d,]*)",
    # Anthropic: "of 50,000 input tokens per minute"
    r"of (?P<limit>\d[\d,]*) (?P<unit>[a-z ]+? per [a-z]+)",
    # Gemini: "Quota exceeded for metric: ..., limit: 10"
    r"limit: (?P<limit>\d[\d,]*)",
)
_RETRY = r"(?:try again|retry) in (?P<retry>\d[\d.]*\s*(?:ms|s|m|h)(?:\d[\d.]*s)?)"


def context_numbers(message: str) -> dict[str, int]:
    """``max``, and ``total`` or ``input`` + ``completion`` tokens, from a context error."""
    return {k: _int(v) for k, v in _search(_CONTEXT_PATTERNS, message).items()}


def rate_numbers(message: str) -> dict[str, str]:
    """``limit``, ``unit``, ``used``, ``requested`` and the ``retry`` hint, as written."""
    found = _search(_RATE_PATTERNS, message)
    found.update(_search((_RETRY,), message))
    return found


# -------------------------------------------------------------------------- suggestions


def _tokens(n: int) -> str:
    return f"{n:,}"


_QUOTA = ("exceeded your current quota", "insufficient_quota", "billing", "credit balance",
          "spend limit")


def _rate_limit(call: dict[str, Any], message: str, family: str | None) -> str:
    if any(word in message.lower() for word in _QUOTA):
        return ("The account's quota or credit is used up: retrying will not help. Check the "
                "plan, billing and spend limits of this project or key, or move the traffic to "
                "a key with quota left.")
    n = rate_numbers(message)
    parts = []
    if n.get("limit"):
        used = f", {_tokens(_int(n['used']))} used" if n.get("used") else ""
        asked = f", this call asked for {_tokens(_int(n['requested']))}" \
            if n.get("requested") else ""
        parts.append(f"Over the limit of {_tokens(_int(n['limit']))} "
                     f"{n.get('unit', 'requests')}{used}{asked}.")
    wait = f"wait at least {n['retry']} (the provider's hint), then " if n.get("retry") else ""
    parts.append(f"Retry with exponential backoff and jitter: {wait}double the delay each "
                 "attempt, with a random spread, up to about a minute; honour Retry-After.")
    if n.get("requested"):
        parts.append("Lower max_tokens or shorten prompts: requested tokens count against the "
                     "limit.")
    parts.append("Cap concurrency, send bulk work through the Batch API, or ask for a higher "
                 "tier if this is steady load.")
    return " ".join(parts)


def _context_length(call: dict[str, Any], message: str, family: str | None) -> str:
    n = context_numbers(message)
    finish = (call.get("finish_reason") or "").lower()
    if not n and finish in ("length", "max_tokens"):
        limit = call.get("max_tokens")
        cap = f" of {_tokens(limit)}" if isinstance(limit, int) else ""
        return (f"The output hit max_tokens{cap} and was cut off. Raise max_tokens, ask for a "
                "shorter answer, or continue the generation in a follow-up call.")
    total = n.get("total") or (n["input"] + n["completion"]
                               if "input" in n and "completion" in n else None)
    if n.get("max") and total:
        split = (f" ({_tokens(n['input'])} prompt + {_tokens(n['completion'])} for the answer)"
                 if "input" in n and "completion" in n else "")
        head = (f"The request needs {_tokens(total)} tokens{split}; the model's context window "
                f"is {_tokens(n['max'])}, so cut at least {_tokens(max(total - n['max'], 1))}.")
    else:
        head = "The prompt plus max_tokens does not fit the model's context window."
    return (f"{head} Trim or summarize older conversation turns, send fewer or shorter "
            "retrieved chunks, lower max_tokens, or switch to a model with a larger window.")


def _auth(call: dict[str, Any], message: str, family: str | None) -> str:
    variable = API_KEY_VARS.get(family or "", "the provider's API key variable")
    status = call.get("http_status")
    if status == 403 or "permission" in message.lower():
        return (f"The key is valid but not allowed to do this: check that its project or "
                f"organization has access to {call.get('model') or 'this model'} (and this "
                "region), and the key's permissions.")
    return (f"The API key was rejected. Check that {variable} is set in the environment the app "
            "runs in, holds a current key (not a revoked or rotated one) for the right "
            "project or organization, and has no stray quotes or whitespace.")


def _content_filter(call: dict[str, Any], message: str, family: str | None) -> str:
    flagged = re.findall(r"""['"](\w+)['"]:\s*\{['"]filtered['"]:\s*(?:True|true)""", message)
    which = f" (flagged: {', '.join(flagged)})" if flagged else ""
    part = "prompt" if re.search(r"(?i)due to the prompt|'param': 'prompt'|\"param\": \"prompt\"",
                                 message) else "request or answer"
    azure = (" On Azure, a deployment can get a custom content filter configuration if this is "
             "legitimate use." if family == "azure" else "")
    return (f"The provider's content filter blocked the {part}{which}. Read the prompts of "
            "these calls: rephrase or remove the offending content, and keep user text that "
            "tries to override instructions (jailbreaks) out of the system prompt; screen "
            f"inputs with a moderation check before the call.{azure}")


def _timeout(call: dict[str, Any], message: str, family: str | None) -> str:
    latency = call.get("latency_ms")
    waited = f" after {latency / 1000:,.1f} s" if isinstance(latency, (int, float)) else ""
    return (f"No response came back in time{waited}. Raise the client timeout for long "
            "generations (timeout=), stream the response so tokens arrive early, lower "
            "max_tokens, and retry with backoff (the OpenAI and Anthropic SDKs retry twice by "
            "default: max_retries).")


def _server(call: dict[str, Any], message: str, family: str | None) -> str:
    status = call.get("http_status")
    what = "is overloaded" if "overload" in message.lower() or status == 529 else \
        "failed on its side" + (f" (HTTP {status})" if status else "")
    page = DOCS.get(family or "", {}).get("server")
    status_page = f"; check {page} for an incident" if page else ""
    return (f"The provider {what}: the request itself is fine. Retry with exponential backoff "
            "and jitter, fall back to another model or region when it persists"
            f"{status_page}.")


def _invalid_request(call: dict[str, Any], message: str, family: str | None) -> str:
    found = _search((r"""['"]param['"]:\s*['"](?P<param>[\w.\[\]]+)['"]""",
                     r"""parameter:?\s*['"`](?P<param>[\w.\[\]]+)['"`]"""), message)
    model = call.get("model")
    about = (f" Look at the parameter '{found['param']}'"
             + (f" for {model}" if model else "") + ": remove it or use a value the model "
             "accepts." if found else "")
    return (f"The provider rejected the request as malformed; resending it unchanged fails "
            f"again.{about} Compare the call's parameters and message list with the API "
            "reference (roles, types, model name).")


def _connection(call: dict[str, Any], message: str, family: str | None) -> str:
    local = " For a local server (Ollama, vLLM), check it is running and listening at the " \
        "configured host and port." if family == "ollama" else ""
    return ("The client could not reach the API. Check network access, DNS, proxy "
            f"(HTTPS_PROXY) and the base_url the client uses.{local} The SDKs retry connection "
            "errors; add backoff if they recur.")


def _other(call: dict[str, Any], message: str, family: str | None) -> str:
    return ("Not a known API failure: read the full message and the raw log line of an "
            "example call; search for its words to see when it started.")


SUGGESTERS: dict[str, Callable[[dict[str, Any], str, str | None], str]] = {
    "rate_limit": _rate_limit,
    "context_length": _context_length,
    "auth": _auth,
    "content_filter": _content_filter,
    "timeout": _timeout,
    "server": _server,
    "invalid_request": _invalid_request,
    "connection": _connection,
    "other": _other,
}


def suggestion(category: str, call: dict[str, Any], message: str = "") -> str:
    """What to change, for one failure of ``category``; ``call`` gives model, provider,
    latency_ms, max_tokens, finish_reason and http_status when known."""
    family = provider_family(call.get("provider"), message)
    return SUGGESTERS[category](call, message, family)
