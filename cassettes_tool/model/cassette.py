"""A cassette as records: interactions of requests and responses, read once and passed on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from cassettes_tool.model.body import Body


@dataclass(frozen=True, slots=True)
class Headers:
    """Headers in recorded order; names keep their case, look-ups ignore it; repeats kept."""

    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.items:
            if key.lower() == lname:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.items if key.lower() == lname]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def from_recorded(cls, raw: object) -> Headers:
        """vcrpy writes `{name: [value, ...]}`; older writers `{name: value}` or pairs."""
        pairs: list[tuple[str, str]] = []
        if isinstance(raw, dict):
            entries: Iterable[tuple[Any, Any]] = raw.items()
        elif isinstance(raw, list | tuple):
            entries = [tuple(e) for e in raw if isinstance(e, list | tuple) and len(e) == 2]
        else:
            entries = ()
        for name, values in entries:
            text = str(name)
            if values.__class__ is not list and not isinstance(values, list | tuple):
                values = [values]
            for value in values:  # a str as it is: one call less per header of a load
                pairs.append((text, value if value.__class__ is str else _header_text(value)))
        return cls(tuple(pairs))


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


#: the common URI, read without urlsplit (the same host and path; a summary reads both of
#: every interaction): lower-case http(s), a lower-case host without port or user, a path
#: without any character urlsplit would drop, then the query or fragment, or the end
_PLAIN_URI = re.compile(r"https?://([a-z0-9.-]+)(/[A-Za-z0-9._~/%!$&'()*+,;=:@-]*)?(?=[?#]|\Z)")


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    uri: str
    headers: Headers
    body: Body

    @property
    def host(self) -> str:
        plain = _PLAIN_URI.match(self.uri)
        if plain is not None:
            return plain.group(1)
        return urlsplit(self.uri).hostname or ""

    @property
    def path(self) -> str:
        plain = _PLAIN_URI.match(self.uri)
        if plain is not None:
            return plain.group(2) or "/"
        return urlsplit(self.uri).path or "/"

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.uri).query, keep_blank_values=True)


@dataclass(frozen=True, slots=True)
class Response:
    status: int | None
    reason: str
    headers: Headers
    body: Body


@dataclass(frozen=True, slots=True)
class Interaction:
    index: int
    request: Request
    response: Response
    #: 1-based line where the interaction starts in the file, when it could be found
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Cassette:
    path: Path
    serializer: str
    interactions: tuple[Interaction, ...]
    #: the file's text, kept so that lint can point at lines without reading it twice
    text: str = field(default="", repr=False, compare=False)
    #: how the file departs from vcrpy's own layout, when it does
    layout_note: str | None = None


Message = TypeVar("Message", Request, Response)
