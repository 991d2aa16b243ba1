"""Layouts real projects give vcrpy's interactions, told apart by shape and read by default.

Each layout is a serializer over vcrpy's own YAML/JSON one, so that everything that reads
or writes through a serializer (vcrpy's `serialize.deserialize`, `dumps`, lint --fix,
refresh copies) reads it and writes it back the same way:

- `parsed_body`: JSON bodies stored parsed beside the request/response (pydantic-ai's
  `json_body_serializer`); read as the JSON text it stands for, written back parsed.
- `requests/responses`: vcrpy's in-memory `{requests: [...], responses: [...]}` dumped
  as it is (langchain's `CustomSerializer`, usually gzip-compressed as `*.yaml.gz`).

Files that keep another recording format under the same `version`/`interactions` keys
(WebSocket frame transcripts, gRPC samples) are not HTTP cassettes: they are named and
skipped, never reported as broken ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.formats import Serializer
from cassettes_tool.errors import NotACassette

PARSED_BODY = "parsed_body"
SPLIT = "requests/responses"

#: interaction keys of recording formats that are not HTTP, and what to call them
_OTHER_FORMATS: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"kind", "direction", "data"}), "a WebSocket frame transcript"),
    (frozenset({"direction", "data"}), "a WebSocket frame transcript"),
    (frozenset({"request_sample", "response_sample"}), "gRPC request/response samples"),
    (frozenset({"request_stream", "response_stream"}), "gRPC streamed request/response samples"),
)


def layout_of(data: Any) -> str | None:
    """The layout a parsed file uses, or None for vcrpy's own (or for what is no cassette)."""
    if not isinstance(data, dict):
        return None
    if (
        "interactions" not in data
        and isinstance(data.get("requests"), list)
        and isinstance(data.get("responses"), list)
    ):
        return SPLIT
    interactions = data.get("interactions")
    if isinstance(interactions, list):
        for item in interactions:
            if isinstance(item, dict) and any(
                isinstance(side, dict) and PARSED_BODY in side for side in item.values()
            ):
                return PARSED_BODY
    return None


def other_format(data: Any, path: Path) -> NotACassette | None:
    """The reason to skip a file that records something other than HTTP, if it does."""
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        return None
    keys: set[str] = set()
    for item in data["interactions"]:
        if isinstance(item, dict):
            if "request" in item:
                return None
            keys.update(str(key) for key in item)
    for needed, name in _OTHER_FORMATS:
        if needed <= keys:
            return NotACassette(path, f"not an HTTP cassette: {name} (another recording format), skipped")
    return None


def to_interactions(data: dict[str, Any], layout: str) -> dict[str, Any]:
    """vcrpy's `{version, interactions}` for a file of the given layout (a new dict)."""
    if layout == SPLIT:
        pairs = zip(data.get("requests") or [], data.get("responses") or [], strict=False)
        out = {k: v for k, v in data.items() if k not in ("requests", "responses")}
        out.setdefault("version", 1)
        out["interactions"] = [{"request": req, "response": resp} for req, resp in pairs]
        return out
    if layout == PARSED_BODY:
        out = dict(data)
        out["interactions"] = [_unparsed(item) for item in data["interactions"]]
        return out
    return data


def _unparsed(item: Any) -> Any:
    """One interaction with each `parsed_body` turned back into the JSON text it stands for."""
    if not isinstance(item, dict):
        return item
    out = dict(item)
    for kind, side in item.items():
        if not isinstance(side, dict) or PARSED_BODY not in side:
            continue
        side = dict(side)
        parsed = side.pop(PARSED_BODY)
        if parsed is not None:
            text = json.dumps(parsed)
            side["body"] = {"string": text} if kind == "response" else text
        out[kind] = side
    return out


def _parsed(item: dict[str, Any]) -> dict[str, Any]:
    """One interaction with each JSON body stored parsed, as the layout's writer stores it."""
    out = dict(item)
    for kind in ("request", "response"):
        side = item.get(kind)
        if not isinstance(side, dict):
            continue
        body = side.get("body")
        text = body.get("string") if isinstance(body, dict) else body
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                continue
        if not isinstance(text, str) or not text or not _is_json(side.get("headers")):
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        side = {k: v for k, v in side.items() if k != "body"}
        side[PARSED_BODY] = value
        out[kind] = side
    return out


def _in_memory_request(request: Any) -> Any:
    """A request as the split layout's writer dumps it: straight from vcrpy's memory, body bytes."""
    if isinstance(request, dict) and isinstance(request.get("body"), str):
        return {**request, "body": request["body"].encode("utf-8")}
    return request


def _in_memory_response(response: Any) -> Any:
    from vcr.serializers import compat

    return compat.convert_to_bytes(response)


def _is_json(headers: Any) -> bool:
    if not isinstance(headers, dict):
        return False
    lowered = {str(k).lower(): v for k, v in headers.items()}
    if lowered.get("content-encoding"):
        return False
    values = lowered.get("content-type") or []
    values = values if isinstance(values, list) else [values]
    return any(isinstance(v, str) and v.lower().startswith("application/json") for v in values)


@dataclass(frozen=True, slots=True)
class LayoutSerializer:
    """A layout over vcrpy's own serializer: reads it as vcrpy's dict, writes it back as it was."""

    layout: str
    base: Serializer
    #: `yaml` or `json`: the base serializer's name
    base_name: str = "yaml"

    def deserialize(self, cassette_string: str) -> Any:
        data = self.base.deserialize(cassette_string)
        if isinstance(data, dict) and layout_of(data) == self.layout:
            return to_interactions(data, self.layout)
        return data

    def serialize(self, cassette_dict: Any) -> str:
        if self.layout == PARSED_BODY:
            data = dict(cassette_dict)
            data["interactions"] = [_parsed(i) for i in cassette_dict["interactions"]]
            return self.base.serialize(data)
        interactions = cassette_dict["interactions"]
        data = {k: v for k, v in cassette_dict.items() if k not in ("interactions", "version")}
        data["requests"] = [_in_memory_request(i["request"]) for i in interactions]
        data["responses"] = [_in_memory_response(i["response"]) for i in interactions]
        if self.base_name != "yaml":
            return self.base.serialize(data)
        import yaml  # here: reading a cassette never needs PyYAML's writer, nor its import

        text: str = yaml.safe_dump(data)  # as langchain's CustomSerializer writes it
        return text


def layout_name(base: str, layout: str) -> str:
    """The serializer name a cassette of this layout carries: `yaml+parsed_body`."""
    return f"{base}+{layout}"


def split_name(name: str) -> tuple[str, str | None]:
    base, _, layout = name.partition("+")
    return base, (layout or None)
