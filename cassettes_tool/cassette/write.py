"""Write cassettes back the way vcrpy writes them, atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.codecs import decode
from cassettes_tool.cassette.formats import Serializer, compressed, serializer_for
from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.errors import CassetteError
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
    import yaml  # here: the one atomic writer also writes reports, which need no YAML

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


def write_atomic(path: Path, data: bytes | str, *, inside: Path | None = None) -> Path:
    """Replace `path` whole, through a temporary file beside it, flushed, then `os.replace`.

    A reader, or a run stopped half-way, sees the old file or the new one, never a part.
    An existing file keeps its mode and, where the process may set it, its owner; a new
    one gets the umask's default, as `open()` would give it. A symlink is never replaced
    by a plain file: its target is written when it lies under `inside` (the project), and
    anything else is refused with a CassetteError. The temporary name ends in `.tmp`, so
    discovery never takes it for a cassette. A `*.gz` file is written gzip-compressed
    (unless the data already is), as the persister that reads it expects. Returns the file written.
    """
    target = _write_target(path, inside)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if compressed.wants_compression(target) and not compressed.is_compressed(payload):
        payload = compressed.compress(payload)
    return _replace(target, (payload,))


def write_atomic_lines(path: Path, lines: Iterable[str]) -> Path:
    """`write_atomic` of text made piece by piece: a large file is never whole in memory.
    A symlink is never replaced nor followed (CassetteError)."""
    target = _write_target(path, None)
    if compressed.wants_compression(target):
        return write_atomic(target, "".join(lines))
    return _replace(target, (line.encode("utf-8") for line in lines))


def _replace(target: Path, pieces: Iterable[bytes]) -> Path:
    try:
        facts: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        facts = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise _naming(exc, target) from exc
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for piece in pieces:
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        if facts is None:
            os.chmod(temporary, 0o666 & ~_umask())
        else:
            os.chmod(temporary, stat.S_IMODE(facts.st_mode))
            if (facts.st_uid, facts.st_gid) != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):
                    os.chown(temporary, facts.st_uid, facts.st_gid)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _naming(exc, target) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def _naming(exc: OSError, target: Path) -> OSError:
    """The error naming the file the user knows (a full disk fails a write, which names none;
    a failed temporary file would name a `.tmp` nobody asked for). Same errno, same subclass."""
    return OSError(exc.errno, exc.strerror or str(exc), str(target))


def _write_target(path: Path, inside: Path | None) -> Path:
    if not path.is_symlink():
        return path
    real = Path(os.path.realpath(path))
    if inside is not None and real.is_relative_to(os.path.realpath(inside)):
        return real
    where = "outside the project" if inside is not None else "not replaced by a plain file"
    raise CassetteError(path, f"a symlink to {real} ({where}): not written", kind="unwritable")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
