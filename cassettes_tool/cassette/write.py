"""Write cassettes back the way vcrpy writes them, atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from cassettes_tool.cassette.codecs import decode
from cassettes_tool.cassette.formats import Serializer, serializer_for
from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.model.cassette import Cassette, Headers, Message, Request, Response

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a declared dependency
    brotli = None


def recorded_pairs(loaded: Cassette, custom: CustomSerializer | None = None) -> list[tuple[Any, Any]] | None:
    """vcrpy's own reading of the file: `(vcr.request.Request, response dict)` per interaction.

    Writing these back keeps what our records normalise (a `null` body against `''`)
    exactly as recorded. None when vcrpy cannot read this layout.
    """
    try:
        serializer = serializer_for(loaded.serializer, custom)
        from vcr import serialize as vcr_serialize

        requests, responses, *_ = vcr_serialize.deserialize(loaded.text, serializer)
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError):
        return None
    if len(requests) != len(loaded.interactions):
        return None
    return list(zip(requests, responses, strict=True))


def vcr_request(request: Request, like: Any = None) -> Any:
    """A `vcr.request.Request` for a record; an empty body stays `None` when it was in `like`."""
    body: bytes | None = request.body.stored
    if not body and (like is None or like.body is None):
        body = None
    headers: dict[str, str] = {}
    for name, value in request.headers:
        headers.setdefault(name, value)  # vcrpy keeps one value per request header
    from vcr.request import Request as VcrRequest

    return VcrRequest(request.method, request.uri, body, headers)


def vcr_response(response: Response) -> dict[str, Any]:
    """The response dict vcrpy's stubs record: `{status, headers: {name: [values]}, body: {string}}`."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers:
        headers.setdefault(name, []).append(value)
    return {
        "status": {"code": response.status, "message": response.reason},
        "headers": headers,
        "body": {"string": response.body.stored},
    }


def dumps(
    pairs: Iterable[tuple[Any, Any]], serializer: Serializer, *, metadata: Mapping[str, Any] | None = None
) -> str:
    """A cassette's text from `(vcr Request, response dict)` pairs, through `vcr.serialize.serialize`.

    `metadata` is what a test stored with vcrpy's `get_metadata`: replay needs it back.
    """
    requests, responses = [], []
    for request, response in pairs:
        requests.append(request)
        responses.append(response)
    from vcr import serialize as vcr_serialize

    data: dict[str, Any] = {"requests": requests, "responses": responses}
    if metadata:
        data["metadata"] = dict(metadata)
    text: str = vcr_serialize.serialize(data, serializer)
    return text


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file beside it and `os.replace`.

    A reader, or a run stopped half-way, sees the old file or the new one, never a
    part. The temporary name ends in `.tmp`, so discovery never takes it for a cassette.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as handle:
        temporary = Path(handle.name)
        try:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def with_body(message: Message, data: bytes) -> Message:
    """`message` with `data` stored as its body the way a client saw it: decoded.

    As vcrpy's `decode_compressed_response` does: `Content-Encoding` goes, and a
    `Content-Length` header is set to the stored length, so replay hands out exactly it.
    """
    headers = Headers(
        tuple(
            (name, str(len(data)) if name.lower() == "content-length" else value)
            for name, value in message.headers
            if name.lower() != "content-encoding"
        )
    )
    return replace(message, headers=headers, body=decode(data, headers.get("content-type"), None))
