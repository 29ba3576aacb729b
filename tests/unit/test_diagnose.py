"""Error diagnosis: every category from the messages the real SDKs produce (the exceptions are
built by the openai and anthropic packages themselves and logged as ``str(exc)`` with
``type(exc).__name__``, as seed 004's ``log_error`` does), signatures that group one failure
whatever its numbers, and suggestions that quote the message's numbers."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import openai
import pytest

from llmview.core.advice import doc_url, suggestion
from llmview.core.diagnose import CATEGORIES, RULES, classify, diagnose

try:  # the HTTP library the installed SDKs build their errors from
    import httpx2 as httpx
except ImportError:  # pragma: no cover - depends on the SDK build
    import httpx

REQUEST = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
OPENAI = openai.OpenAI(api_key="sk-test")
ANTHROPIC = anthropic.Anthropic(api_key="sk-ant-test")


def openai_error(status: int, body: Any = None, text: str | None = None) -> Exception:
    """What the installed openai SDK raises for an HTTP error response."""
    response = httpx.Response(status, request=REQUEST, json=body) if text is None \
        else httpx.Response(status, request=REQUEST, text=text)
    return OPENAI._make_status_error_from_response(response)


def openai_v1_error(cls: type[openai.APIStatusError], status: int, body: Any) -> Exception:
    """The same error as openai 1.x worded it: the whole body's repr after the status."""
    response = httpx.Response(status, request=REQUEST)
    return cls(f"Error code: {status} - {body}", response=response, body=body)


def anthropic_error(status: int, kind: str, message: str) -> Exception:
    body = {"type": "error", "error": {"type": kind, "message": message},
            "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}
    return ANTHROPIC._make_status_error_from_response(
        httpx.Response(status, request=REQUEST, json=body))


def openai_body(message: str, kind: str | None, code: str | None,
                param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


RATE_MESSAGE = ("Rate limit reached for gpt-4o in organization org-dCAZ2ybsOgoSdBJQmvZAvP62 on "
                "tokens per min (TPM): Limit 30000, Used 29500, Requested 1200. Please try again "
                "in 1.4s. Visit https://platform.openai.com/account/rate-limits to learn more.")
CONTEXT_MESSAGE = ("This model's maximum context length is 128000 tokens. However, your "
                   "messages resulted in 131072 tokens. Please reduce the length of the messages.")
AZURE_FILTER = {
    **openai_body("The response was filtered due to the prompt triggering Azure OpenAI's "
                  "content management policy. Please modify your prompt and retry. To learn "
                  "more about our content filtering policies please read our documentation: "
                  "https://go.microsoft.com/fwlink/?linkid=2198766", None, "content_filter",
                  "prompt"),
}
AZURE_FILTER["error"].update(status=400, innererror={
    "code": "ResponsibleAIPolicyViolation", "content_filter_result": {
        "hate": {"filtered": False, "severity": "safe"},
        "jailbreak": {"filtered": True, "detected": True},
        "violence": {"filtered": False, "severity": "safe"}}})
GOOGLE_QUOTA = ("429 RESOURCE_EXHAUSTED. {'error': {'code': 429, 'message': 'Resource has been "
                "exhausted (e.g. check quota).', 'status': 'RESOURCE_EXHAUSTED'}}")
GOOGLE_CONTEXT = ("400 INVALID_ARGUMENT. {'error': {'code': 400, 'message': 'The input token "
                  "count (1200000) exceeds the maximum number of tokens allowed (1048575).', "
                  "'status': 'INVALID_ARGUMENT'}}")
REQUESTS_CONNECTION = (
    "HTTPSConnectionPool(host='api.openai.com', port=443): Max retries exceeded with url: "
    "/v1/chat/completions (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection "
    "object at 0x7f3a2c1d9e50>: Failed to establish a new connection: [Errno -2] Name or "
    "service not known'))")


def completion(finish: str) -> Any:
    from tests.fixtures.fake_clients import chat_completion

    done = chat_completion("partial")
    done.choices[0].finish_reason = finish  # type: ignore[assignment]
    return done


# (category, the exception as raised) -- at least two shapes per category.
CASES: list[tuple[str, Exception]] = [
    ("rate_limit", openai_error(429, openai_body(RATE_MESSAGE, "tokens", "rate_limit_exceeded"))),
    ("rate_limit", openai_v1_error(openai.RateLimitError, 429, openai_body(
        RATE_MESSAGE, "tokens", "rate_limit_exceeded"))),
    ("rate_limit", anthropic_error(429, "rate_limit_error", "This request would exceed the rate "
                                   "limit for your organization (a1b2) of 50,000 input tokens "
                                   "per minute.")),
    ("rate_limit", openai_error(429, openai_body(
        "You exceeded your current quota, please check your plan and billing details.",
        "insufficient_quota", "insufficient_quota"))),
    ("context_length", openai_v1_error(openai.BadRequestError, 400, openai_body(
        CONTEXT_MESSAGE, "invalid_request_error", "context_length_exceeded", "messages"))),
    ("context_length", openai_error(400, openai_body(
        CONTEXT_MESSAGE, "invalid_request_error", "context_length_exceeded", "messages"))),
    ("context_length", anthropic_error(400, "invalid_request_error",
                                       "prompt is too long: 210140 tokens > 200000 maximum")),
    ("context_length", openai.LengthFinishReasonError(completion=completion("length"))),
    ("auth", openai_error(401, openai_body(
        "Incorrect API key provided: sk-proj-****jtfd. You can find your API key at "
        "https://platform.openai.com/account/api-keys.", "invalid_request_error",
        "invalid_api_key"))),
    ("auth", anthropic_error(401, "authentication_error", "invalid x-api-key")),
    ("auth", anthropic_error(403, "permission_error",
                             "Your API key does not have permission to use the specified "
                             "resource.")),
    ("content_filter", openai_v1_error(openai.BadRequestError, 400, AZURE_FILTER)),
    ("content_filter", openai_error(400, AZURE_FILTER)),
    ("content_filter", openai.ContentFilterFinishReasonError()),
    ("timeout", openai.APITimeoutError(request=REQUEST)),
    ("timeout", anthropic.APITimeoutError(request=REQUEST)),
    ("timeout", anthropic_error(504, "timeout_error", "Request timed out")),
    ("timeout", httpx.ReadTimeout("The read operation timed out")),
    ("timeout", TimeoutError("timed out")),
    ("timeout", asyncio.TimeoutError()),
    ("server", openai_v1_error(openai.InternalServerError, 500, openai_body(
        "The server had an error while processing your request. Sorry about that!",
        "server_error", None))),
    ("server", anthropic_error(529, "overloaded_error", "Overloaded")),
    ("server", anthropic_error(500, "api_error", "Internal server error")),
    ("server", openai_error(503, text="upstream connect error or disconnect/reset")),
    ("invalid_request", openai_error(400, openai_body(
        "Unsupported parameter: 'temperature' is not supported with this model.",
        "invalid_request_error", "unsupported_parameter", "temperature"))),
    ("invalid_request", anthropic_error(400, "invalid_request_error",
                                        'messages: roles must alternate between "user" and '
                                        '"assistant", but found multiple "user" roles in a row')),
    ("invalid_request", openai_error(404, openai_body(
        "The model `gpt-5-turbo` does not exist or you do not have access to it.",
        "invalid_request_error", "model_not_found"))),
    ("invalid_request", anthropic_error(413, "request_too_large",
                                        "Request exceeds the maximum allowed number of bytes.")),
    ("connection", openai.APIConnectionError(request=REQUEST)),
    ("connection", anthropic.APIConnectionError(request=REQUEST)),
    ("connection", httpx.ConnectError("[Errno 111] Connection refused")),
    ("other", KeyError("choices")),
    ("other", ValueError("could not parse the tool arguments as JSON")),
]


def test_the_rule_table_names_every_category_but_other() -> None:
    assert set(RULES) | {"other"} == set(CATEGORIES)
    covered = {category for category, _ in CASES}
    assert covered == set(CATEGORIES)
    for category in CATEGORIES:
        assert sum(1 for c, _ in CASES if c == category) >= 2, category


@pytest.mark.parametrize(("category", "error"), CASES,
                         ids=[f"{c}-{type(e).__name__}-{n}" for n, (c, e) in enumerate(CASES)])
def test_logged_sdk_error_lands_in_its_category(category: str, error: Exception) -> None:
    assert classify(str(error), type(error).__name__)[0] == category


@pytest.mark.parametrize(("category", "message"), [
    ("rate_limit", GOOGLE_QUOTA),
    ("context_length", GOOGLE_CONTEXT),
    ("rate_limit", str(openai_error(429, openai_body(RATE_MESSAGE, "tokens", None)))),
    ("auth", "API key not valid. Please pass a valid API key."),
    ("connection", REQUESTS_CONNECTION),
    ("timeout", "upstream request timeout"),
    ("server", "Error code: 502 - Bad Gateway"),
])
def test_the_message_alone_is_enough_when_it_says_enough(category: str, message: str) -> None:
    assert classify(message)[0] == category


def test_the_log_fields_beat_the_words() -> None:
    assert classify("failed", "RateLimitError")[0] == "rate_limit"
    assert classify("failed", None, 401)[0] == "auth"
    assert classify("failed", None, 529)[0] == "server"
    assert classify("failed", "429")[0] == "rate_limit"  # OTel error.type may be the status
    assert classify("failed", None, None, "content_filter")[0] == "content_filter"
    # a quoted value is not a word of the message: this is a bad parameter, not a timeout
    assert classify("Error code: 400 - Unsupported parameter: 'timeout'")[0] == "invalid_request"


SAME_FAILURE = [
    ("Rate limit reached for gpt-4o in organization org-AAAA1111bbbb2222 on tokens per min (TPM):"
     " Limit 30000, Used 29500, Requested 1200. Please try again in 1.4s.", "gpt-4o"),
    ("Rate limit reached for gpt-4o-mini in organization org-ZZZZ9999yyyy8888 on tokens per min "
     "(TPM): Limit 200000, Used 199000, Requested 3000. Please try again in 900ms.",
     "gpt-4o-mini"),
    (str(openai_v1_error(openai.RateLimitError, 429, openai_body(
        "Rate limit reached for gpt-4o in organization org-q1w2e3r4t5y6u7i8 on tokens per min "
        "(TPM): Limit 450000, Used 449000, Requested 2500. Please try again in 12ms.",
        "tokens", "rate_limit_exceeded"))), "gpt-4o"),
]


def test_one_failure_with_other_numbers_ids_and_models_is_one_group() -> None:
    found = {classify(message, "RateLimitError", 429, None, model) for message, model in
             SAME_FAILURE}
    assert len(found) == 1
    category, signature, group = found.pop()
    assert category == "rate_limit" and group.startswith("rate_limit-")
    assert "<model>" in signature and "org-" not in signature and "30000" not in signature


@pytest.mark.parametrize(("first", "second"), [
    ("Incorrect API key provided: sk-proj-abcd****wxyz. You can find your API key at "
     "https://platform.openai.com/account/api-keys.",
     "Incorrect API key provided: sk-proj-efgh****stuv. You can find your API key at "
     "https://platform.openai.com/account/api-keys."),
    ("Request req_011CSHoEeqs5C35K2UUqR7Fy for user a@b.example failed: trace "
     "4bf92f3577b34da6a3ce929d0e0e4736", "Request req_022ABCdefGHIjkl7890mnoPQ for user "
     "c@d.example failed: trace 5ce0e9a56015fec5aadfa328ae398115"),
    ('messages: roles must alternate between "user" and "assistant"',
     'messages: roles must alternate between "assistant" and "user"'),
])
def test_keys_ids_emails_and_quoted_values_do_not_split_a_group(first: str,
                                                                 second: str) -> None:
    assert classify(first) == classify(second)


def test_different_failures_are_different_groups() -> None:
    groups = {classify(str(error), type(error).__name__)[2] for _, error in CASES}
    assert len(groups) >= len(CASES) - 4  # a few cases are the same failure in two shapes


def test_an_unknown_error_is_other_with_its_message_kept() -> None:
    message = "Widget frobnication failed: the gizmo is out of sprockets"
    found = diagnose({"status": "error", "error_message": message, "error_type": "GizmoError"})
    assert found is not None
    assert (found.category, found.message) == ("other", message)
    assert found.signature == message.lower()
    assert "read the full message" in found.suggestion


def test_only_failed_calls_are_diagnosed() -> None:
    assert diagnose({"status": "ok", "error_message": None}) is None
    found = diagnose({"status": "error", "error_message": None, "error_type": None})
    assert found is not None and found.category == "other"


def test_rate_limit_suggestion_quotes_the_limits_and_the_retry_hint() -> None:
    advice = suggestion("rate_limit", {"provider": "openai"}, RATE_MESSAGE)
    assert "30,000 tokens per min" in advice and "29,500 used" in advice
    assert "1,200" in advice and "1.4s" in advice and "jitter" in advice
    anthropic_advice = suggestion("rate_limit", {"provider": "anthropic"},
                                  "exceed the rate limit for your organization (x) of 50,000 "
                                  "input tokens per minute")
    assert "50,000 input tokens per minute" in anthropic_advice
    quota = suggestion("rate_limit", {}, "You exceeded your current quota, please check your "
                                         "plan and billing details.")
    assert "billing" in quota and "will not help" in quota


@pytest.mark.parametrize(("message", "needles"), [
    (CONTEXT_MESSAGE, ("131,072", "128,000", "3,072")),
    ("This model's maximum context length is 8192 tokens. However, you requested 8500 tokens "
     "(7000 in the messages, 1500 in the completion).", ("8,500", "7,000", "1,500", "308")),
    ("prompt is too long: 210140 tokens > 200000 maximum", ("210,140", "200,000", "10,140")),
    ("input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000",
     ("206,192", "200,000", "6,192")),
    (GOOGLE_CONTEXT, ("1,200,000", "1,048,575", "151,425")),
])
def test_context_suggestion_says_how_much_to_cut(message: str, needles: tuple[str, ...]) -> None:
    advice = suggestion("context_length", {}, message)
    for needle in needles:
        assert needle in advice, (needle, advice)
    assert "summarize" in advice


def test_suggestions_use_what_the_call_tells() -> None:
    assert "after 30.2 s" in suggestion("timeout", {"latency_ms": 30200.0})
    assert "max_tokens of 512" in suggestion("context_length",
                                             {"finish_reason": "length", "max_tokens": 512})
    assert "ANTHROPIC_API_KEY" in suggestion("auth", {"provider": "anthropic"})
    assert "'temperature' for o3-mini" in suggestion(
        "invalid_request", {"model": "o3-mini"},
        "Unsupported parameter: 'temperature' is not supported with this model.")
    filtered = suggestion("content_filter", {"provider": "openai"}, str(openai_error(
        400, AZURE_FILTER)))
    assert "jailbreak" in filtered and "Azure" in filtered
    assert "status.anthropic.com" in suggestion("server", {"provider": "anthropic"}, "Overloaded")


def test_every_category_has_a_suggestion_and_known_providers_a_doc_link() -> None:
    for category in CATEGORIES:
        assert suggestion(category, {}, "")
        for provider in ("openai", "anthropic", "gemini", "azure_openai"):
            assert (doc_url(category, provider) or "").startswith("https://")
    assert doc_url("rate_limit", "anthropic") == "https://docs.anthropic.com/en/api/rate-limits"
    assert "content-filter" in (doc_url("content_filter", "openai", "Azure OpenAI's content "
                                                                     "management policy") or "")
    assert doc_url("timeout", None) is None
