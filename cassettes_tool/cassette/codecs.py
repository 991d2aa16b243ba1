"""Undo what a body's Content-Encoding did, within bounds, and normalise what loaders hand back."""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable

from cassettes_tool.limits import MAX_DECODED_BYTES, mib
from cassettes_tool.model.body import Body, parse_media_type

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a declared dependency
    brotli = None

try:  # zstd is undone when the optional `zstandard` package is installed
    import zstandard  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    zstandard = None

#: What a bomb is told by (every decoder below stops at MAX_DECODED_BYTES + 1).
TOO_LARGE = f"decompresses to more than {mib(MAX_DECODED_BYTES)}"


class TooLarge(ValueError):
    """A body whose decoded size passes the bound: refused, never decoded whole."""

    def __init__(self) -> None:
        super().__init__(TOO_LARGE)


def _inflate(data: bytes, wbits: int) -> bytes:
    decoder = zlib.decompressobj(wbits)
    out = decoder.decompress(data, MAX_DECODED_BYTES + 1)
    if decoder.unconsumed_tail or len(out) > MAX_DECODED_BYTES:
        raise TooLarge()
    return out


def _gunzip(data: bytes) -> bytes:
    """Every member of a multi-member gzip body, as gzip readers and HTTP clients read it."""
    out = b""
    while data:
        decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
        out += decoder.decompress(data, MAX_DECODED_BYTES + 1 - len(out))
        if decoder.unconsumed_tail or len(out) > MAX_DECODED_BYTES:
            raise TooLarge()
        data = decoder.unused_data if decoder.eof else b""
        if data and not data.startswith(b"\x1f\x8b"):
            break  # trailing bytes after the last member, as gzip tolerates
    return out


def _inflate_deflate(data: bytes) -> bytes:
    try:
        return _inflate(data, zlib.MAX_WBITS)
    except zlib.error:
        return _inflate(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send it


def _unbrotli(data: bytes) -> bytes:
    """Brotli with its output buffer capped: a 1 MB answer may claim gigabytes."""
    if brotli is None:
        raise ValueError("brotli is not installed")
    decoder = brotli.Decompressor()
    out: bytes = decoder.process(data, output_buffer_limit=MAX_DECODED_BYTES + 1)
    if len(out) > MAX_DECODED_BYTES or (not decoder.is_finished() and not decoder.can_accept_more_data()):
        raise TooLarge()
    return out


def _unzstd(data: bytes) -> bytes:
    if zstandard is None:
        raise ValueError("zstandard is not installed")
    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)) as reader:
        out: bytes = reader.read(MAX_DECODED_BYTES + 1)
    if len(out) > MAX_DECODED_BYTES:
        raise TooLarge()
    return out


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate_deflate,
    "br": _unbrotli,
    **({"zstd": _unzstd} if zstandard is not None else {}),
}

#: the content-codings undone here, so a staging answer in them is stored decoded
DECODABLE = frozenset({*_DECODERS, "identity", ""})


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
            except TooLarge as exc:
                note = f"{coding} body {exc}; kept as stored"
                break
            except (zlib.error, ValueError, OSError):
                # The header says compressed but the bytes are plain (a urllib3 upgrade
                # re-recorded them decoded): take them as they are, as vcrpy does.
                continue
            except Exception as exc:  # brotli.error and zstd.ZstdError are not subclasses of the above
                if (brotli is not None and isinstance(exc, brotli.error)) or (
                    zstandard is not None and isinstance(exc, zstandard.ZstdError)
                ):
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
