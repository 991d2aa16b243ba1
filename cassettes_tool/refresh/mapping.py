"""Staging addresses mapped back to the recorded ones, in requests and answers, so copies pair
with the originals and replay where they did."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from cassettes_tool.cassette.codecs import as_bytes, decode
from cassettes_tool.cassette.write import with_body
from cassettes_tool.model.body import Body, BodyKind, is_json_media, is_text_media
from cassettes_tool.model.cassette import Cassette, Headers, Response


def reverse_bases(hosts: Mapping[str, str], originals: Iterable[Cassette]) -> tuple[tuple[str, str], ...]:
    """Each mapped host's staging base URL with the origin the originals recorded it under.

    The map names hosts, not schemes: the scheme (and port) come from the originals'
    requests to that host, `https` when none says.
    """
    seen: dict[str, str] = {}
    for loaded in originals:
        for interaction in loaded.interactions:
            parts = urlsplit(interaction.request.uri)
            origin = _origin(parts)
            host = (parts.hostname or "").lower()
            if origin is None or not host:
                continue
            if parts.port is not None:
                seen.setdefault(f"{host}:{parts.port}", origin)
            seen.setdefault(host, origin)
    return tuple((base, seen.get(host.lower(), f"https://{host.lower()}")) for host, base in hosts.items())


def recorded_uri(uri: str, bases: Sequence[tuple[str, str]]) -> str | None:
    """The URI as the originals recorded it, for a request the tests sent to staging.

    `http://127.0.0.1:8080/auth/login` under the base `http://127.0.0.1:8080/auth`, recorded
    as `https://auth.example.com`, is `https://auth.example.com/login`: the inverse of how
    replay builds a staging URL. The longest base that holds the URI wins; None when none does.
    """
    parts = urlsplit(uri)
    origin = _origin(parts)
    best: tuple[str, str] | None = None
    for base, recorded in bases:
        staging = urlsplit(base)
        prefix = staging.path.rstrip("/")
        if origin is None or _origin(staging) != origin:
            continue
        if prefix and parts.path != prefix and not parts.path.startswith(prefix + "/"):
            continue
        if best is None or len(prefix) > len(best[0]):
            best = (prefix, recorded)
    if best is None:
        return None
    prefix, recorded = best
    target = urlsplit(recorded)
    return urlunsplit((target.scheme, target.netloc, parts.path[len(prefix) :] or "/", parts.query, ""))


def origin_of(uri: str) -> str:
    """`scheme://host[:port]` of a URI: what a report may say of a request without its query."""
    return _origin(urlsplit(uri)) or "an unreadable URL"


def _origin(parts: SplitResult) -> str | None:
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(scheme)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


#: response headers that carry a URL the client follows
URL_HEADERS = frozenset({"location", "link", "content-location"})
#: where a base URL ends inside text: a path, a query, a quote, markup or the end
_BASE_END = r"(?=[/?#\"'\s<>),;\\]|$)"


def map_back_text(text: str, bases: Sequence[tuple[str, str]]) -> tuple[str, int]:
    """Every staging base URL in `text` written as the recorded origin, and how many there were.

    Longest base first, so `http://host/api/v2` wins over `http://host/api`; JSON's escaped
    slashes (`http:\\/\\/host`) are the same URL.
    """
    total = 0
    for staging, recorded in sorted(bases, key=lambda pair: -len(pair[0])):
        base = staging.rstrip("/")
        for variant, replacement in (
            (base, recorded),
            (base.replace("/", "\\/"), recorded.replace("/", "\\/")),
        ):
            pattern = re.compile(re.escape(variant) + _BASE_END)
            text, count = pattern.subn(replacement.replace("\\", "\\\\"), text)
            total += count
    return text, total


def map_back_response(response: Response, bases: Sequence[tuple[str, str]]) -> tuple[Response, int]:
    """The answer as the recorded service would have written it: staging base URLs in
    `Location`, `Link`, `Content-Location` and in every string of a text or JSON body
    mapped back to the recorded origins. Binary bodies are left as they are."""
    if not bases:
        return response, 0
    total = 0
    headers = []
    for name, value in response.headers:
        if name.lower() in URL_HEADERS:
            value, count = map_back_text(value, bases)
            total += count
        headers.append((name, value))
    mapped = replace(response, headers=Headers(tuple(headers)))
    body = response.body
    if _textual(body) and body.text:
        text, count = map_back_text(body.text, bases)
        if count:
            total += count
            mapped = with_body(mapped, text.encode(body.charset or "utf-8", errors="replace"))
    return mapped, total


def _textual(body: Body) -> bool:
    """`body.kind` is JSON, text or form, decided without parsing a large JSON body: one that
    parses holds no NUL, and one that does not is text unless it does."""
    if "_decoded" in body.__dict__:
        return body.kind in (BodyKind.JSON, BodyKind.TEXT, BodyKind.FORM)
    text, media = body.text, body.media_type
    if text is None or not body.data:
        return False
    if media == "application/x-www-form-urlencoded":
        return True
    return (media is None or is_text_media(media) or is_json_media(media)) and "\x00" not in text


def map_back_recorded(
    cassette_dict: Mapping[str, Any], bases: Sequence[tuple[str, str]]
) -> tuple[Mapping[str, Any], dict[int, int]]:
    """`--via pytest`: the cassette vcrpy hands its persister, its answers mapped back as replay
    maps them; per interaction, how many. A body it changes is stored decoded, as vcrpy's
    `decode_compressed_response` does. vcrpy's own dict is left as it is."""
    if not bases:
        return cassette_dict, {}
    counts: dict[int, int] = {}
    responses = []
    for index, response in enumerate(cassette_dict["responses"]):
        response = copy.deepcopy(response)
        headers = response.get("headers") or {}
        count = 0
        for name, values in headers.items():
            if name.lower() in URL_HEADERS:
                mapped = [map_back_text(str(v), bases) for v in values]
                headers[name] = [text for text, _ in mapped]
                count += sum(n for _, n in mapped)
        first = {name.lower(): values[0] for name, values in headers.items() if values}
        raw = (response.get("body") or {}).get("string")
        body = decode(as_bytes(raw), first.get("content-type"), first.get("content-encoding"))
        text = body.text if body.note is None else None
        if text:
            text, found = map_back_text(text, bases)
            if found:
                count += found
                data = text.encode(body.charset or "utf-8", errors="replace")
                response["body"] = {**response.get("body", {}), "string": data}
                response["headers"] = {
                    name: [str(len(data))] if name.lower() == "content-length" else values
                    for name, values in headers.items()
                    if name.lower() != "content-encoding"
                }
        counts[index] = count
        responses.append(response)
    return {**cassette_dict, "responses": responses}, counts
