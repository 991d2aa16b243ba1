"""Pair the interactions of two recordings: by method, URI and body, then by the URI's shape."""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cassettes_tool.diff import volatile
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Interaction

#: a URI already in normal form but for an empty path: lower-case http(s), a lower-case host
#: without port or user, no query or fragment, no character that urlsplit would drop or escape
_PLAIN_URI = re.compile(r"(https?://[a-z0-9.-]+)(/[A-Za-z0-9._~/%!$&'()*+,;=:@-]*)?")


def normal_uri(uri: str) -> str:
    """Scheme and host lower-case, default port dropped, query sorted, fragment gone."""
    plain = _PLAIN_URI.fullmatch(uri)
    if plain is not None:  # the common case, without urlsplit and urlunsplit (same result)
        return plain.group(1) + (plain.group(2) or "/")
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _id_like(segment: str) -> bool:
    return segment.isdigit() or volatile.format_of(segment) is not None


def uri_shape(uri: str) -> str:
    """The URI with id-like path segments and query values as wildcards."""
    parts = urlsplit(normal_uri(uri))
    path = "/".join("{id}" if _id_like(seg) else seg for seg in parts.path.split("/"))
    query = "&".join(
        f"{k}={'{id}' if _id_like(v) else v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _body_key(body: Body) -> str | bytes:
    if body.kind is BodyKind.JSON:
        return json.dumps(body.value, sort_keys=True)
    return body.data


def pair(
    old: Sequence[Interaction], new: Sequence[Interaction]
) -> list[tuple[Interaction | None, Interaction | None]]:
    """Pair by method + URI + body in recorded order, then the rest by method + URI shape."""
    pairs: dict[int, int] = {}  # old index -> new index
    taken_new: set[int] = set()

    def run(keyfn: Any) -> None:
        waiting: dict[Any, deque[int]] = defaultdict(deque)
        for i, interaction in enumerate(old):
            if i not in pairs:
                waiting[keyfn(interaction)].append(i)
        for j, interaction in enumerate(new):
            if j in taken_new:
                continue
            queue = waiting.get(keyfn(interaction))
            if queue:
                pairs[queue.popleft()] = j
                taken_new.add(j)

    run(lambda i: (i.request.method, normal_uri(i.request.uri), _body_key(i.request.body)))
    run(lambda i: (i.request.method, uri_shape(i.request.uri)))

    result: list[tuple[float, Interaction | None, Interaction | None]] = []
    for i, interaction in enumerate(old):
        partner = pairs.get(i)
        result.append((i, interaction, new[partner] if partner is not None else None))
    for j, interaction in enumerate(new):
        if j not in taken_new:
            result.append((j + 0.5, None, interaction))
    result.sort(key=lambda entry: entry[0])
    return [(o, n) for _, o, n in result]
