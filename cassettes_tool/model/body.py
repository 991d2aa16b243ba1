"""A body as recorded and as a client saw it: one model every stage reads."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload
from urllib.parse import parse_qsl


class BodyKind(str, enum.Enum):
    EMPTY = "empty"
    JSON = "json"
    FORM = "form"
    TEXT = "text"
    BINARY = "binary"


_TEXT_MEDIA_SUFFIXES = ("+xml", "+json", "+yaml")


_TEXT_MEDIA_TYPES = frozenset(
    {
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/x-javascript",
        "application/yaml",
        "application/x-yaml",
        "application/graphql",
        "application/x-ndjson",
        "application/csv",
        "application/sql",
    }
)


def parse_media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """`text/html; charset=ISO-8859-1` -> (`text/html`, `iso-8859-1`)."""
    if not content_type:
        return None, None
    head, _, params = content_type.partition(";")
    media = head.strip().lower() or None
    if media is not None and "/" not in media:
        return None, None  # not a media type (a header redacted to `**REDACTED**`): judge by content
    charset = None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return media, charset


def is_json_media(media_type: str | None) -> bool:
    return media_type is not None and (media_type.endswith("/json") or media_type.endswith("+json"))


def is_text_media(media_type: str | None) -> bool:
    if media_type is None:
        return False
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_MEDIA_TYPES
        or media_type.endswith(_TEXT_MEDIA_SUFFIXES)
    )


def _looks_json(data: bytes) -> bool:
    """Whether the first byte that is not blank opens an object or an array."""
    first = data[:1]
    if first.isspace():  # rare: strip a copy only then
        first = data.lstrip()[:1]
    return first in (b"{", b"[")


T = TypeVar("T")


class _computed(Generic[T]):
    """functools.cached_property without its lock: Python 3.10 and 3.11 take one at each
    first look (a twentieth of a 10,000-interaction diff; 3.12 dropped it). A body read in
    two threads at once would compute the same value twice, nothing worse."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _computed[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object, owner: type | None = None) -> T | _computed[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Body:
    """A body as recorded (`stored`) and as a client saw it (`data`, encodings undone).

    `value` and `kind` are computed on first use: `scan` never parses JSON it does not show.
    """

    stored: bytes
    data: bytes
    media_type: str | None = None
    charset: str | None = None
    #: content-encodings undone to get `data` from `stored` (empty when stored plain)
    decoded_from: tuple[str, ...] = ()
    #: why a declared encoding was not undone, if it was not
    note: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    @_computed
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @_computed
    def text(self) -> str | None:
        """The body as text, or None when it is binary."""
        if not self.data:
            return ""
        if self.charset:
            try:
                return self.data.decode(self.charset, errors="replace")
            except LookupError:
                pass
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            if is_text_media(self.media_type) or is_json_media(self.media_type):
                return self.data.decode("latin-1")
            return None

    @_computed
    def _decoded(self) -> tuple[BodyKind, Any]:
        if not self.data:
            return BodyKind.EMPTY, None
        media = self.media_type
        if is_json_media(media) or ((media is None or media == "text/plain") and _looks_json(self.data)):
            text = self.text
            if text is not None:
                try:
                    return BodyKind.JSON, json.loads(text)
                except (ValueError, RecursionError):
                    pass
        if media == "application/x-www-form-urlencoded":
            text = self.text
            if text is not None:
                return BodyKind.FORM, tuple(parse_qsl(text, keep_blank_values=True))
        if media is None or is_text_media(media) or is_json_media(media):
            text = self.text
            if text is not None and "\x00" not in text:
                return BodyKind.TEXT, text
        return BodyKind.BINARY, None

    @property
    def kind(self) -> BodyKind:
        return self._decoded[0]

    @property
    def apparent_kind(self) -> BodyKind:
        """The kind by media type and first bytes, without parsing: what an inventory shows.

        `kind` parses the body (a JSON body that does not parse is text); scanning
        thousands of cassettes should not parse bodies it only lists.
        """
        if "_decoded" in self.__dict__ or not self.data:
            return self.kind
        media = self.media_type
        head = self.data[:8192]
        if is_json_media(media) or (head.lstrip()[:1] in (b"{", b"[") and media in (None, "text/plain")):
            return BodyKind.JSON
        if media == "application/x-www-form-urlencoded":
            return BodyKind.FORM
        if (media is None or is_text_media(media)) and b"\x00" not in head:
            return BodyKind.TEXT
        return BodyKind.BINARY

    @property
    def value(self) -> Any:
        """Parsed JSON, form pairs, text, or None for empty and binary bodies."""
        return self._decoded[1]
