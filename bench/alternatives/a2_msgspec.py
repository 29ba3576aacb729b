"""Approach 2: parse + field extraction only (no Arrow, no DuckDB): orjson vs msgspec.

  *-decode            decode every line, nothing else
  msgspec typed       msgspec.json.Decoder(type=Line) where Line is a Struct generated from the
                      alias table's tree (only the fields any dialect reads; unknown keys skipped;
                      nested parts kept as msgspec.Raw, not decoded)
  *+extract           the ~14 calls fields through their alias chains, by hand (the floor)
  *+compiled map      the full alias-table mapping incl. casts and derived fields (PyCompiled)
"""

from __future__ import annotations

from typing import Any

import common
import msgspec
import orjson
from aliases import PyCompiled, _tree

READ = 8 * 1024 * 1024


def lines_of(path: str):
    with open(path, "rb") as f:
        rest = b""
        while block := f.read(READ):
            data = rest + block
            cut = data.rfind(b"\n") + 1
            yield from data[:cut].split(b"\n")[:-1]
            rest = data[cut:]


def line_struct() -> Any:
    """A msgspec Struct per node of the alias tree: scalars Any, nested JSON parts Raw."""
    counter = [0]

    def build(node: dict, name: str) -> Any:
        fields, rename = [], {}
        for i, (key, sub) in enumerate(node.items()):
            if key == "[]":
                continue
            attr = f"f{i}"
            rename[attr] = key
            if sub == "JSON":
                t: Any = msgspec.Raw
            elif isinstance(sub, str):
                t = Any
            elif "[]" in sub:
                elem = sub["[]"]
                t = (list[build(elem, name + "_" + key)] if isinstance(elem, dict) else list) | None
            else:
                t = build(sub, f"{name}_{key}") | None
            fields.append((attr, t, None))
        counter[0] += 1
        return msgspec.defstruct(name, fields, rename=rename, kw_only=True)

    return build(_tree(), "Line")


def decode_only(loads) -> Any:
    def run(db: str, path: str) -> None:
        for line in lines_of(path):
            try:
                loads(line)
            except (ValueError, msgspec.ValidationError):
                pass
    return run


def first(d: dict, *keys: str) -> Any:
    for k in keys:
        v = d.get(k)
        if v is not None:
            return v
    return None


def extract_dict(o: dict) -> tuple:
    """Hand-written alias chains over a dict (what a per-line normalizer must at least do)."""
    raw = o.get("llm_raw_response")
    usage = raw.get("usage") if type(raw) is dict else None
    usage = usage if type(usage) is dict else {}
    choices = raw.get("choices") if type(raw) is dict else None
    msg = choices[0].get("message") if choices and type(choices[0]) is dict else None
    messages = first(o, "messages", "prompt_messages")
    return (o.get("request_id"), first(o, "timestamp", "time", "ts"),
            o.get("model") or (raw.get("model") if type(raw) is dict else None),
            o.get("provider"), first(o, "prompt_tokens", "input_tokens")
            or first(usage, "prompt_tokens", "input_tokens"),
            first(o, "completion_tokens", "output_tokens")
            or first(usage, "completion_tokens", "output_tokens"),
            first(o, "total_tokens") or usage.get("total_tokens"), o.get("latency_ms"),
            None if messages is None else orjson.dumps(messages),
            o.get("content") or (msg.get("content") if type(msg) is dict else None),
            first(o, "error", "error_message"), o.get("finish_reason"), o.get("span_id"),
            o.get("message"))


def extract_struct(o: Any, m: dict[str, str]) -> tuple:
    """The same over the typed Struct (attribute names f<i> resolved once)."""
    g = getattr
    raw = g(o, m["llm_raw_response"])
    usage = g(raw, "usage_attr", None) if raw is not None else None
    return (g(o, m["request_id"]), g(o, m["timestamp"]), g(o, m["model"]),
            g(o, m["provider"]), g(o, m["prompt_tokens"]) or g(o, m["input_tokens"]),
            g(o, m["completion_tokens"]) or g(o, m["output_tokens"]),
            g(o, m["total_tokens"]), g(o, m["latency_ms"]),
            g(o, m["messages"]) or g(o, m["prompt_messages"]),  # Raw bytes, not decoded
            g(o, m["content"]), g(o, m["error"]) or g(o, m["error_message"]),
            g(o, m["finish_reason"]), g(o, m["span_id"]), g(o, m["message"]), usage)


def extract_with(loads, extract, *extra) -> Any:
    def run(db: str, path: str) -> None:
        for line in lines_of(path):
            try:
                o = loads(line)
            except (ValueError, msgspec.ValidationError):
                continue
            extract(o, *extra)
    return run


def compiled_map(loads) -> Any:
    norm = PyCompiled()

    def run(db: str, path: str) -> None:
        offset = 0
        for line in lines_of(path):
            try:
                o = loads(line)
            except ValueError:
                continue
            norm.normalize(o, 1, offset)
            offset += len(line) + 1
    return run


def _typed() -> tuple[Any, dict[str, str]]:
    Line = line_struct()
    attrs = {info.encode_name: info.name for info in msgspec.structs.fields(Line)}
    return msgspec.json.Decoder(Line), attrs


def typed_decode(db: str, path: str) -> None:
    decode_only(_typed()[0].decode)(db, path)


def typed_extract(db: str, path: str) -> None:
    dec, attrs = _typed()
    extract_with(dec.decode, extract_struct, attrs)(db, path)


VARIANTS = {
    "orjson-decode": decode_only(orjson.loads),
    "msgspec-decode (untyped)": decode_only(msgspec.json.Decoder().decode),
    "msgspec-decode (typed Struct, Raw nested)": typed_decode,
    "orjson+extract (hand-written)": extract_with(orjson.loads, extract_dict),
    "msgspec typed+extract (attrs, Raw)": typed_extract,
    "orjson+compiled map (PyCompiled)": compiled_map(orjson.loads),
    "msgspec untyped+compiled map": compiled_map(msgspec.json.Decoder().decode),
}

if __name__ == "__main__":
    common.main(VARIANTS, __doc__.split("\n")[0])
