"""What counts as noise: volatile and acted-on headers, and the config's ignore and ordered paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cassettes_tool.config import Config
from cassettes_tool.jsonpath import matches, matches_prefix, parse_path

VOLATILE_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "content-encoding",
        "etag",
        "age",
        "expires",
        "last-modified",
        "cache-control",
        "pragma",
        "vary",
        "via",
        "set-cookie",
        "alt-svc",
        "nel",
        "report-to",
        "server-timing",
        "traceparent",
        "tracestate",
        "x-runtime",
        "x-response-time",
        "x-served-by",
        "x-timer",
        "x-powered-by",
        "strict-transport-security",
        "accept-ranges",
        "x-content-type-options",
        "x-frame-options",
        "x-xss-protection",
    }
)


_VOLATILE_HEADER_PATTERN = re.compile(
    r"request-?id|trace|correlation|^access-control-|^x-amz|^x-amzn|^x-b3-|^x-cache|^cf-|^x-ratelimit|^x-rate-limit"
    r"|^x-envoy|^x-kong|^x-azure|^x-ms-|^x-goog|^x-guploader|^x-github-request|^x-cloud-trace|^x-fastly"
    r"|^x-varnish|^x-edge|^x-iinfo|^x-akamai|^x-transaction|^x-connection-hash|^x-response"
)


#: headers a client acts on: their changed value is drift (`value`), others are noise
ACTED_HEADERS = frozenset(
    {
        "content-type",
        "location",
        "link",
        "content-disposition",
        "www-authenticate",
        "allow",
        "content-language",
    }
)


DEPRECATION_HEADERS = frozenset({"deprecation", "sunset"})


@dataclass(frozen=True, slots=True)
class DiffRules:
    """What the config adds: ignored body paths and headers, ordered arrays, acted headers."""

    ignore_body: tuple[str, ...] = ()
    ignore_headers: tuple[str, ...] = ()
    ordered: tuple[str, ...] = ()
    unordered: tuple[str, ...] = ()
    acted_headers: tuple[str, ...] = ()
    _ignore: tuple[tuple[Any, ...], ...] = field(default=(), repr=False, compare=False)
    _ordered: tuple[tuple[Any, ...], ...] = field(default=(), repr=False, compare=False)
    _unordered: tuple[tuple[Any, ...], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ignore", tuple(parse_path(p) for p in self.ignore_body))
        object.__setattr__(self, "_ordered", tuple(parse_path(p) for p in self.ordered))
        object.__setattr__(self, "_unordered", tuple(parse_path(p) for p in self.unordered))

    @classmethod
    def from_config(cls, config: Config) -> DiffRules:
        return cls(
            ignore_body=config.ignore.body,
            ignore_headers=tuple(h.lower() for h in config.ignore.headers),
            ordered=config.ordered,
            unordered=config.unordered,
        )

    def ignores(self, path: tuple[Any, ...]) -> bool:
        return any(matches_prefix(pattern, path) for pattern in self._ignore)

    def is_ordered(self, path: tuple[Any, ...]) -> bool:
        """The array's order is its meaning: positional, a reorder is a value change."""
        return any(matches(pattern, path) for pattern in self._ordered)

    def is_unordered(self, path: tuple[Any, ...]) -> bool:
        """The array is a set: a reorder is nothing, even for numbers."""
        return any(matches(pattern, path) for pattern in self._unordered)

    def header_is_volatile(self, name: str) -> bool:
        return (
            name in VOLATILE_HEADERS
            or name in self.ignore_headers
            or bool(_VOLATILE_HEADER_PATTERN.search(name))
        )

    def header_is_acted(self, name: str) -> bool:
        return name in ACTED_HEADERS or name in self.acted_headers
