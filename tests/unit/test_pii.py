from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmview.core import pii
from llmview.core.config import ENV_VAR, ConfigError
from llmview.core.pii import Masker, PiiSpan, detect

KEY = b"k" * 32
TAG = re.compile(r"‹[A-Z0-9_]+-[0-9a-f]{4,}›")


def found(text: str) -> list[tuple[str, str]]:
    return [(span.kind, text[span.start : span.end]) for span in detect(text)]


POSITIVES = [
    # email
    ("reach me at jane.doe@acme.io please", "EMAIL", "jane.doe@acme.io"),
    ("mailto:j_smith+ai@mail.co.uk.", "EMAIL", "j_smith+ai@mail.co.uk"),
    ('{"user": "Omar.Haddad42@corp.example.org"}', "EMAIL", "Omar.Haddad42@corp.example.org"),
    # phone
    ("call +44 20 7946 0958 today", "PHONE", "+44 20 7946 0958"),
    ("call +1-415-555-0132 today", "PHONE", "+1-415-555-0132"),
    ("call (415) 555-0132 today", "PHONE", "(415) 555-0132"),
    ("call 415-555-0132 today", "PHONE", "415-555-0132"),
    ("call 415.555.0132 today", "PHONE", "415.555.0132"),
    ("call +1 (415) 555-0132", "PHONE", "+1 (415) 555-0132"),
    ("toll free 1-800-555-0199.", "PHONE", "1-800-555-0199"),
    ("tel:+442079460958", "PHONE", "+442079460958"),
    # payment cards
    ("card 4111 1111 1111 1111 exp 12/27", "CARD", "4111 1111 1111 1111"),
    ("card 5555555555554444", "CARD", "5555555555554444"),
    ("amex 378282246310005", "CARD", "378282246310005"),
    ("amex 3782 822463 10005", "CARD", "3782 822463 10005"),
    ("card 4111-1111-1111-1111", "CARD", "4111-1111-1111-1111"),
    ("card 4111 1111 1111 1111 123", "CARD", "4111 1111 1111 1111"),
    ("discover 6011111111111117", "CARD", "6011111111111117"),
    ('{"card":"4012888888881881"}', "CARD", "4012888888881881"),
    # IBAN
    ("wire to GB82 WEST 1234 5698 7654 32 please", "IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("wire to DE89370400440532013000.", "IBAN", "DE89370400440532013000"),
    ("wire to FR14 2004 1010 0505 0001 3M02 606", "IBAN", "FR14 2004 1010 0505 0001 3M02 606"),
    # SSN
    ("my SSN is 123-45-6789.", "SSN", "123-45-6789"),
    ("ssn 078-05-1120", "SSN", "078-05-1120"),
    ("SSN: 123456789", "SSN", "123456789"),
    ('{"ssn": "219099999"}', "SSN", "219099999"),
    # IP addresses
    ("login from 192.168.1.20 failed", "IP", "192.168.1.20"),
    ("upstream 10.0.0.7:8080 down", "IP", "10.0.0.7"),
    ("client 2001:db8::8a2e:370:7334 connected", "IP", "2001:db8::8a2e:370:7334"),
    ("from 2001:0db8:85a3:0000:0000:8a2e:0370:7334.", "IP",
     "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ("link fe80::1ff:fe23:4567:890a%eth0", "IP", "fe80::1ff:fe23:4567:890a"),
    ("bound to [::1]:8000", "IP", "::1"),
    ("mapped ::ffff:192.0.2.128 ok", "IP", "::ffff:192.0.2.128"),
    # secrets
    ("OPENAI_API_KEY=sk-abcdefghij1234567890ABCDEFGHIJ", "SECRET",
     "sk-abcdefghij1234567890ABCDEFGHIJ"),
    ("key sk-proj-Ab1_Cd2-Ef3Gh4Ij5Kl6Mn7Op8Qr9", "SECRET",
     "sk-proj-Ab1_Cd2-Ef3Gh4Ij5Kl6Mn7Op8Qr9"),
    ("key sk-ant-api03-AbCdEf0123456789_-XyZ0123456789aA", "SECRET",
     "sk-ant-api03-AbCdEf0123456789_-XyZ0123456789aA"),
    ("aws AKIAIOSFODNN7EXAMPLE ok", "SECRET", "AKIAIOSFODNN7EXAMPLE"),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "SECRET",
     "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "SECRET",
     "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"),
    ("google AIzaSyA1234567890abcdefghijklmnopqrstuv", "SECRET",
     "AIzaSyA1234567890abcdefghijklmnopqrstuv"),
    ("slack xoxb-123456789012-abcdefghij", "SECRET", "xoxb-123456789012-abcdefghij"),
    ("hf hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "SECRET", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFU",
     "SECRET",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFU"),
    ("Authorization: Bearer abcDEF123456ghiJKL789", "SECRET", "abcDEF123456ghiJKL789"),
    ("stripe sk_live_abcdefghijklmnop1234", "SECRET", "sk_live_abcdefghijklmnop1234"),
    ("sts ASIAY34FZKBOKMUTVV7A,", "SECRET", "ASIAY34FZKBOKMUTVV7A"),
    ("pem:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
     "SECRET", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"),
    ("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17\n\nMHc"
     "\n-----END EC PRIVATE KEY-----", "SECRET",
     "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17\n\nMHc"
     "\n-----END EC PRIVATE KEY-----"),
    ("use bearer 0123456789abcdef0123", "SECRET", "0123456789abcdef0123"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kind", "value"), POSITIVES)
def test_detects(text: str, kind: str, value: str) -> None:
    assert found(text) == [(kind, value)]


NEGATIVES = [
    # near-miss cards: Luhn failures, wrong issuer, timestamps of card length
    "card 4111 1111 1111 1112",
    "4111111111111112",
    "1234567890123456",
    "epoch ms 1732101234567 and us 1732101234567890 and ns 1732101234567890123",
    "snowflake 1298765432109876543",
    # invalid SSN ranges
    "000-12-3456",
    "666-12-3456",
    "912-12-3456",
    "123-00-4567",
    "123-45-0000",
    "SSN: 000123456",
    # not IPs
    "999.1.1.1",
    "256.1.2.3 and 1.2.3.256",
    "v10.0.1.2",
    "version 10.0.1.2",
    "Version: 10.0.1.2",
    '"version": "10.0.1.2"',
    "pip install pkg==10.0.1.2",
    "oid 1.3.6.1.4.1.2021",
    "10:00:00",
    "mac 00:1a:2b:3c:4d:5e",
    "std::vector<int> and Foo::bar()",
    # IBAN with wrong check digits
    "GB83 WEST 1234 5698 7654 32",
    "DE88370400440532013000",
    # ids and hashes
    "123e4567-e89b-12d3-a456-426614174000",
    "12345678-1234-1234-1234-123456789012",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "span 0x00f067aa0ba902b7 trace 0x4bf92f3577b34da6a3ce929d0e0e4736",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "md5 d41d8cd98f00b204e9800998ecf8427e",
    "chatcmpl-9xYzAbC1234567890dEfGh",
    "msg_01AbCdEf0123456789",
    "req_abc123",
    # dates, times, epochs
    "2026-11-20",
    "2026-11-20T10:00:00.123Z",
    "2026-11-20 10:00:00,123 +05:30",
    "1732101234.56",
    "1732101234",
    "20/11/2026 and 11/20/2026",
    # model names and versions
    "gpt-4o-2024-08-06",
    "claude-3-5-sonnet-20241022",
    "llama3:8b-instruct",
    "o1-2024-12-17 gemini-1.5-pro-002",
    "1.2.3",
    "Python 3.11.7",
    # numbers that are not personal
    "512 prompt tokens, 88 completion tokens",
    "$0.0025 per 1K tokens, total $1,234.56",
    "order 88231",
    "order #4411223344",
    "ORD-2026-000123",
    "/var/log/app.py:123",
    'File "/srv/app/main.py", line 4211',
    "latency 1234 ms p99 98765 ms",
    "temperature=0.70000000000000007",
    "+05:30",
    # word-like strings near secret prefixes
    "use sk-learn and risk-management-framework",
    "sk-this-is-not-a-key-at-all-right",
    "a Bearer token is required",
    "logo@2x.png",
    "user@localhost",
    "@timestamp",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_leaves_alone(text: str) -> None:
    assert found(text) == []


def test_spans_are_ordered_and_disjoint() -> None:
    text = "jane@acme.io 415-555-0132 4111 1111 1111 1111 10.0.0.1 123-45-6789"
    spans = detect(text)
    assert [s.kind for s in spans] == ["EMAIL", "PHONE", "CARD", "IP", "SSN"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    assert spans[0] == PiiSpan(0, 12, "EMAIL")


def test_secret_wins_over_numbers_inside_it() -> None:
    token = "sk-proj-4111111111111111_415-555-0132_abcdEFGH"
    assert found(f"key {token}") == [("SECRET", token)]


def test_numbers_inside_longer_tokens_are_not_pii() -> None:
    assert found("a4111111111111111 id-4111111111111111 x415-555-0132 v192.168.1.1") == []


def test_grouped_digits_continuing_a_longer_number_are_not_a_card() -> None:
    # an IBAN with a wrong check digit whose middle groups happen to pass Luhn
    assert found("PL46 2566 5649 6577 1691 7151 5603") == []


def test_ipv6_with_sloppy_port() -> None:
    assert found("server fe80::4287:4e3b:53122 down") == [("IP", "fe80::4287:4e3b")]


@pytest.mark.parametrize(
    "text",
    [
        "::" * 50_000,
        "ab:" * 33_000,
        "-----BEGIN RSA PRIVATE KEY-----" * 3_000,
        "+1 2 3 " * 14_000,
        "a@" * 50_000,
        "4111 " * 20_000,
        "7" * 100_000,
    ],
    ids=["colons", "hex-colons", "pem-headers", "plus-digits", "ats", "digit-groups", "digits"],
)
def test_pathological_inputs_stay_linear(text: str) -> None:
    started = time.perf_counter()
    detect(text)
    assert time.perf_counter() - started < 2.0  # each takes milliseconds; quadratic took minutes


def test_detect_is_cached() -> None:
    text = "cached jane@acme.io"
    assert detect(text) is detect(text)


# --- pseudonyms -----------------------------------------------------------------------------


def test_tag_format() -> None:
    m = Masker(KEY)
    assert TAG.fullmatch(m.tag("EMAIL", "jane@acme.io"))
    assert m.tag("employee id", "EMP-1").startswith("‹EMPLOYEE_ID-")


def test_same_value_same_tag_across_strings() -> None:
    m = Masker(KEY)
    a = m.mask_text("from jane@acme.io")
    b = m.mask_text("cc: jane@acme.io, bob@acme.io")
    tag = a.removeprefix("from ")
    assert TAG.fullmatch(tag)
    assert b.startswith(f"cc: {tag}, ")
    assert b != f"cc: {tag}, {tag}"


def test_spellings_of_one_value_share_a_tag() -> None:
    m = Masker(KEY)
    assert m.mask_text("4111 1111 1111 1111") == m.mask_text("4111-1111-1111-1111")
    assert m.mask_text("Jane@Acme.io") == m.mask_text("jane@acme.io")
    assert m.mask_text("+1 415-555-0132") == m.mask_text("(415) 555-0132")


def test_different_values_never_share_a_tag() -> None:
    m = Masker(KEY)
    tags = {m.tag("EMAIL", f"user{i}@acme.io") for i in range(3000)}
    assert len(tags) == 3000  # 4 hex digits would collide here; taken tags grow longer


def test_keys_change_tags() -> None:
    assert Masker(b"a" * 32).tag("EMAIL", "x@y.io") != Masker(b"b" * 32).tag("EMAIL", "x@y.io")
    values = [f"user{i}@y.io" for i in range(5)]  # random keys: equal by chance at 2**-80
    first, second = Masker(), Masker()
    assert [first.tag("EMAIL", v) for v in values] != [second.tag("EMAIL", v) for v in values]


@pytest.mark.parametrize("key", [KEY, b"short", b"x" * 64, b"long" * 40])
def test_tag_is_an_hmac_sha256_of_the_value(key: bytes) -> None:
    for value in ("x@y.io", "ünï@cödé.io"):
        expected = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:4]
        assert Masker(key).tag("EMAIL", value) == f"‹EMAIL-{expected}›"
    assert hashlib.sha256(b"x@y.io").hexdigest()[:4] not in Masker(key).tag("EMAIL", "x@y.io")


# --- masking --------------------------------------------------------------------------------


def test_mask_text_replaces_every_span() -> None:
    m = Masker(KEY)
    text = "Hi, I'm Jane, reach me at jane.doe@acme.io or +1 415-555-0132 about order 88231"
    masked = m.mask_text(text)
    assert "jane.doe@acme.io" not in masked and "555-0132" not in masked
    assert masked.startswith("Hi, I'm Jane, reach me at ‹EMAIL-")
    assert masked.endswith(" about order 88231")
    assert len(TAG.findall(masked)) == 2


def test_text_without_pii_is_returned_as_is() -> None:
    m = Masker(KEY)
    text = "model gpt-4o-2024-08-06 took 1234 ms for 512 tokens at 2026-11-20T10:00:00Z"
    assert m.mask_text(text) is text


def test_mask_json_masks_values_and_keys_and_keeps_numbers() -> None:
    m = Masker(KEY)
    value = {
        "user": "jane@acme.io",
        "jane@acme.io": [1, 2.5, True, None, "call 415-555-0132"],
        "card_number": 4111111111111111,
        "nested": {"ip": "10.0.0.1", "n": -3},
    }
    out = m.mask_json(value)
    assert out is not value
    assert value["user"] == "jane@acme.io"  # the input is not modified
    tag = m.tag("EMAIL", "jane@acme.io")
    assert out["user"] == tag
    assert out[tag][:4] == [1, 2.5, True, None]
    assert out[tag][4].startswith("call ‹PHONE-")
    assert out["card_number"] == 4111111111111111
    assert out["nested"] == {"ip": m.tag("IP", "10.0.0.1"), "n": -3}


def test_mask_json_keeps_keys_distinct() -> None:
    m = Masker(KEY)
    tag = m.tag("EMAIL", "a@b.io")
    out = m.mask_json({"a@b.io": 1, tag: 2})
    assert len(out) == 2 and sorted(out.values()) == [1, 2]


def test_mask_json_text() -> None:
    m = Masker(KEY)
    text = '{"messages": [{"role": "user", "content": "I am jane@acme.io \\n 4111111111111111"}]}'
    out = m.mask_json_text(text)
    parsed = json.loads(out)
    content = parsed["messages"][0]["content"]
    assert "jane@acme.io" not in content and "4111111111111111" not in content
    assert content.count("‹") == 2


def test_mask_json_text_falls_back_to_text() -> None:
    m = Masker(KEY)
    email = m.tag("EMAIL", "jane@acme.io")
    assert m.mask_json_text("not json: jane@acme.io") == f"not json: {email}"
    assert m.mask_json_text('{"a": "jane@acme.io"') == f'{{"a": "{email}"'
    # a bare number is a JSON document, but a card number typed into a cell is still text
    assert m.mask_json_text("4111111111111111") == m.tag("CARD", "4111111111111111")


def test_mask_json_text_keeps_non_ascii() -> None:
    out = Masker(KEY).mask_json_text('{"name": "Chloé", "mail": "chloe@acme.io"}')
    assert '"Chloé"' in out


def test_csv_stays_valid_csv() -> None:
    rows = [
        ["id", "user", "note"],
        ["1", "jane@acme.io", 'said "call me at 415-555-0132, or +44 20 7946 0958"'],
        ["2", "bob@acme.io", "card 4111 1111 1111 1111\nexp 12/27, from 10.0.0.1"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    masked = Masker(KEY).mask_text(buffer.getvalue())
    parsed = list(csv.reader(io.StringIO(masked)))
    assert [len(row) for row in parsed] == [3, 3, 3]
    assert [row[0] for row in parsed] == ["id", "1", "2"]
    assert "jane@acme.io" not in masked and "4111" not in masked and "10.0.0.1" not in masked


def test_tags_contain_no_csv_or_json_specials() -> None:
    m = Masker(KEY)
    tag = m.tag('weird, "kind"\n', "x")
    assert not set(tag) & set(",\"'\n\r\\")


# --- enabled / config -----------------------------------------------------------------------


def test_disabled_masker_is_identity() -> None:
    m = Masker(KEY, enabled=False)
    text = "jane@acme.io 4111 1111 1111 1111"
    value = {"jane@acme.io": ["415-555-0132"]}
    assert m.mask_text(text) is text
    assert m.mask_json(value) is value
    assert m.mask_json_text('{"a": "jane@acme.io"}') == '{"a": "jane@acme.io"}'
    assert m.detect(text)  # detection still reports what is there
    m.enabled = True
    assert m.mask_text(text) != text


def test_allowlist_and_user_patterns() -> None:
    config = {
        "pii": {
            "allow": ["support@example.com", "10.0.0.1"],
            "patterns": {"EMPLOYEE": r"EMP-\d{6}", "ticket": r"TCK#\d+"},
        }
    }
    m = Masker(KEY, config=config)
    text = "mail support@example.com or jane@acme.io, EMP-123456 on 10.0.0.1 re TCK#42"
    kinds = [(s.kind, text[s.start : s.end]) for s in m.detect(text)]
    assert kinds == [("EMAIL", "jane@acme.io"), ("EMPLOYEE", "EMP-123456"), ("TICKET", "TCK#42")]
    masked = m.mask_text(text)
    assert "support@example.com" in masked and "10.0.0.1" in masked
    assert "‹EMPLOYEE-" in masked and "‹TICKET-" in masked


def test_allowlisted_value_hides_nothing_inside_it() -> None:
    m = Masker(KEY, config={"pii": {"allow": ["ops+415-555-0132@acme.io"]}})
    assert m.mask_text("ops+415-555-0132@acme.io") == "ops+415-555-0132@acme.io"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"pii": {"patterns": {"BAD": "("}}}, "BAD: invalid regex"),
        ({"pii": {"patterns": {"BAD": 3}}}, "must be a string"),
        ({"pii": {"patterns": ["x"]}}, "must be a table"),
        ({"pii": {"allow": "a@b.io"}}, "allow must be a list"),
        ({"pii": []}, r"\[pii\] must be a table"),
    ],
)
def test_bad_config_raises(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Masker(KEY, config=config)


def test_default_masker_reads_config_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[pii.patterns]\nEMPLOYEE = "EMP-\\\\d{6}"\n', encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(path))
    monkeypatch.setattr(pii, "_default", None)
    first = pii.default_masker()
    assert first is pii.default_masker()
    assert first.mask_text("EMP-123456").startswith("‹EMPLOYEE-")


# --- properties -----------------------------------------------------------------------------

SAMPLES = [
    "jane.doe@acme.io", "+1 415-555-0132", "(415) 555-0132", "4111 1111 1111 1111",
    "378282246310005", "GB82 WEST 1234 5698 7654 32", "123-45-6789", "192.168.1.20",
    "2001:db8::1", "AKIAIOSFODNN7EXAMPLE", "sk-abcdefghij1234567890ABCDEFGHIJ",
]  # fmt: skip

with_pii = st.builds(
    lambda before, sample, after: f"{before} {sample} {after}",
    st.text(max_size=8),
    st.sampled_from(SAMPLES),
    st.text(max_size=8),
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | with_pii
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=10) | with_pii, children, max_size=5)
    ),
    max_leaves=25,
)


def shape(value: Any) -> Any:
    """Everything but the text of strings: container kinds, lengths, order, numbers."""
    if isinstance(value, dict):
        return ("dict", [shape(item) for item in value.values()])
    if isinstance(value, list):
        return ("list", [shape(item) for item in value])
    if isinstance(value, str):
        return "str"
    return (type(value).__name__, value)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_mask_json_preserves_structure(value: Any) -> None:
    masked = Masker(KEY).mask_json(value)
    assert shape(json.loads(json.dumps(masked))) == shape(value)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_mask_json_text_output_is_valid_json(value: Any) -> None:
    text = json.dumps({"v": value})
    out = Masker(KEY).mask_json_text(text)
    assert shape(json.loads(out)) == shape({"v": value})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(SAMPLES), min_size=1, max_size=4),
    st.sampled_from([", ", "; ", "\n", " | ", "\t"]),
)
def test_separated_samples_are_all_masked(samples: list[str], sep: str) -> None:
    masked = Masker(KEY).mask_text(sep.join(samples))
    assert TAG.sub("<>", masked) == sep.join(["<>"] * len(samples))
