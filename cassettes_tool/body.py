"""Decode a recorded body into one model: stored bytes, decoded bytes, media type, parsed value.

Real suites store bodies every way vcrpy ever wrote them: plain text, `!!binary` gzip,
a `Content-Encoding: gzip` header over a body that a urllib3 upgrade already stored
plain, `null`, empty. Everything downstream (scan, lint, diff) reads this one model.
"""

from __future__ import annotations

import enum
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a declared dependency
    brotli = None

#: Decompressed bodies larger than this are refused (a gzip bomb in a cassette).
MAX_DECODED_BYTES = 256 * 1024 * 1024


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


def _inflate(data: bytes, wbits: int) -> bytes:
    decoder = zlib.decompressobj(wbits)
    out = decoder.decompress(data, MAX_DECODED_BYTES)
    if decoder.unconsumed_tail:
        raise ValueError(f"decompresses to more than {MAX_DECODED_BYTES} bytes")
    return out


def _gunzip(data: bytes) -> bytes:
    return _inflate(data, zlib.MAX_WBITS | 16)


def _inflate_deflate(data: bytes) -> bytes:
    try:
        return _inflate(data, zlib.MAX_WBITS)
    except zlib.error:
        return _inflate(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send it


def _unbrotli(data: bytes) -> bytes:
    if brotli is None:
        raise ValueError("brotli is not installed")
    out: bytes = brotli.decompress(data)
    return out


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate_deflate,
    "br": _unbrotli,
}


def parse_media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """`text/html; charset=ISO-8859-1` -> (`text/html`, `iso-8859-1`)."""
    if not content_type:
        return None, None
    head, _, params = content_type.partition(";")
    media = head.strip().lower() or None
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

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
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

    @cached_property
    def _decoded(self) -> tuple[BodyKind, Any]:
        if not self.data:
            return BodyKind.EMPTY, None
        media = self.media_type
        looks_json = self.data.lstrip()[:1] in (b"{", b"[")
        if is_json_media(media) or (looks_json and (media is None or media == "text/plain")):
            text = self.text
            if text is not None:
                try:
                    return BodyKind.JSON, json.loads(text)
                except ValueError:
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


def as_bytes(value: object) -> bytes:
    """Normalise what vcrpy's loaders hand back for a body into bytes.

    `None` and missing bodies are empty; `str` is UTF-8 as vcrpy encodes it; legacy
    `BytesIO` request bodies and iterator bodies are read out.
    """
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogateescape")
    getvalue = getattr(value, "getvalue", None)
    if callable(getvalue):
        return as_bytes(getvalue())
    if isinstance(value, list | tuple):
        return b"".join(as_bytes(part) for part in value)
    if isinstance(value, dict):  # a serializer that stored the body parsed
        return json.dumps(value, sort_keys=True).encode("utf-8")
    try:
        return b"".join(as_bytes(part) for part in value)  # type: ignore[attr-defined]
    except TypeError:
        return str(value).encode("utf-8")


def decode(stored: bytes, content_type: str | None, content_encoding: str | None) -> Body:
    """Build a Body, undoing each declared content-encoding the stored bytes really carry."""
    media_type, charset = parse_media_type(content_type)
    data = stored
    undone: list[str] = []
    note = None
    if content_encoding and stored:
        # `Content-Encoding: gzip, br` was applied left to right: undo right to left.
        for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
            decoder = _DECODERS.get(coding)
            if coding in ("", "identity") or decoder is None:
                continue
            try:
                data = decoder(data)
                undone.append(coding)
            except (zlib.error, ValueError, OSError) as exc:
                if "more than" in str(exc):
                    note = f"{coding} body {exc}; kept as stored"
                    break
                # The header says compressed but the bytes are plain (a urllib3 upgrade
                # re-recorded them decoded): take them as they are, as vcrpy does.
            except Exception as exc:  # brotli.error is not a subclass of the above
                if brotli is not None and isinstance(exc, brotli.error):
                    continue
                raise
    return Body(
        stored=stored,
        data=data,
        media_type=media_type,
        charset=charset,
        decoded_from=tuple(undone),
        note=note,
    )
