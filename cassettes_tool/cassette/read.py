"""Read one cassette into records, tolerantly: layouts other than vcrpy's own are still listed.

The interaction dicts are turned into records the way `vcr.serialize.deserialize` does,
but tolerantly, so that a file that keeps vcrpy's interaction structure in another
layout is still read.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.codecs import as_bytes, decode
from cassettes_tool.cassette.discover import special_file
from cassettes_tool.cassette.formats import compressed, layouts
from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.cassette.lines import interaction_lines
from cassettes_tool.errors import CassetteError, NotACassette
from cassettes_tool.limits import MAX_NESTING, too_deep
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Request, Response

#: how a Git LFS pointer file starts (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md)
LFS_POINTER = b"version https://git-lfs.github.com/spec/"
#: pause the cyclic collector while a cassette is parsed and built (benchmarks turn it off to compare)
PAUSE_COLLECTOR = True


@contextmanager
def collector_paused() -> Iterator[None]:
    """A load allocates millions of objects and frees none: every collection it triggers walks
    all of them again, which made large YAML cassettes superlinear (30,000 interactions: 12.95 s
    with the collector, 3.50 s without). The records hold no cycles; refcounting frees them.

    What the pause built is long-lived: it goes straight to the oldest generation, as the
    collections of the young ones would have moved it after walking it all once each (a
    tenth of a 10,000-interaction diff). Freezing and unfreezing moves whole lists; it is
    left alone in a process that keeps objects frozen on purpose."""
    if not PAUSE_COLLECTOR or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def load(path: Path, custom: CustomSerializer | None = None) -> Cassette:
    """Read one cassette. Raises CassetteError (or NotACassette) naming the file and line."""
    special = special_file(path)
    if special is not None:
        raise NotACassette(path, special)
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise CassetteError(path, "permission denied: cannot read the file", kind="unreadable") from None
    except OSError as exc:
        raise CassetteError(path, f"cannot read: {exc.strerror or exc}", kind="unreadable") from None
    return loads(raw, path, custom)


def loads(raw: bytes, path: Path, custom: CustomSerializer | None = None) -> Cassette:
    """Read a cassette from bytes (a file, or a blob at a git revision); gzip is undone."""
    with collector_paused():
        return _loads(raw, path, custom)


def _loads(raw: bytes, path: Path, custom: CustomSerializer | None) -> Cassette:
    # here, not above: a run that reads no cassette (a re-scan of an unchanged tree, answered
    # by its kept report) does not import PyYAML and vcrpy's serializers
    from cassettes_tool.cassette.formats.vcr import parse_builtin

    if compressed.is_compressed(raw):
        raw = compressed.decompress(raw, path)
    if not raw.strip():
        raise CassetteError(
            path,
            "empty file: vcrpy treats it as a missing cassette and records it again",
            kind="empty-file",
        )
    if raw.startswith(LFS_POINTER):
        raise CassetteError(
            path, "a Git LFS pointer, not the cassette: run `git lfs pull`", kind="lfs-pointer"
        )
    text = _text_of(raw, path)
    data: Any
    if custom is not None:
        try:
            data = custom.serializer.deserialize(text)
            serializer = custom.spec
        except Exception as exc:
            # Files the project wrote before its custom serializer may still be plain vcrpy.
            try:
                data, serializer = parse_builtin(text, path)
            except CassetteError:
                raise CassetteError(path, f"{custom.spec} could not read it: {exc}") from None
    else:
        data, serializer = parse_builtin(text, path)
        data, serializer = _layout(data, path, serializer)
    return _build(data, text, path, serializer)


def _layout(data: Any, path: Path, serializer: str) -> tuple[Any, str]:
    """vcrpy's interactions out of the layouts real suites use; other recording formats skipped."""
    layout = layouts.layout_of(data)
    if layout is not None:
        return layouts.to_interactions(data, layout), layouts.layout_name(serializer, layout)
    other = layouts.other_format(data, path)
    if other is not None:
        raise other
    return data, serializer


def _text_of(raw: bytes, path: Path) -> str:
    head = raw[:8192]
    if b"\x00" in head:
        raise CassetteError(path, "binary content (NUL bytes): not a YAML or JSON cassette")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CassetteError(
            path,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): vcrpy cannot read it either",
            line=line,
        ) from None


def _build(data: Any, text: str, path: Path, serializer: str) -> Cassette:
    if isinstance(data, list) and data and isinstance(data[0], dict) and "request" in data[0]:
        from cassettes_tool.cassette.formats.vcr import old_format

        raise old_format(path)
    if not isinstance(data, dict) or "interactions" not in data:
        what = type(data).__name__ if not isinstance(data, dict) else "a mapping without `interactions`"
        raise NotACassette(path, f"not a vcrpy cassette ({what})")
    raw_interactions = data["interactions"]
    if raw_interactions is None:
        raw_interactions = []
    if not isinstance(raw_interactions, list):
        raise CassetteError(path, "`interactions` is not a list", kind="malformed")
    lines = interaction_lines(text, layouts.split_name(serializer)[0], len(raw_interactions))
    notes: set[str] = set()
    interactions = []
    for index, item in enumerate(raw_interactions):
        line = lines[index] if lines else None
        interactions.append(_interaction(item, index, line, path, notes))
    version = data.get("version")
    if version is not None and version != 1:
        notes.add(f"version {version!r}")
    return Cassette(
        path=path,
        serializer=serializer,
        interactions=tuple(interactions),
        text=text,
        layout_note="; ".join(sorted(notes)) or None,
    )


def _interaction(item: Any, index: int, line: int | None, path: Path, notes: set[str]) -> Interaction:
    if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
        raise CassetteError(path, f"interaction {index}: no `request` mapping", line=line, kind="malformed")
    req = item["request"]
    for key in ("method", "uri"):
        if not req.get(key):
            raise CassetteError(
                path, f"interaction {index}: request has no `{key}`", line=line, kind="malformed"
            )
    resp = item.get("response")
    if not isinstance(resp, dict):
        raise CassetteError(path, f"interaction {index}: no `response` mapping", line=line, kind="malformed")

    req_headers = Headers.from_recorded(req.get("headers"))
    request = Request(
        method=str(req["method"]).upper(),
        uri=str(req["uri"]),
        headers=req_headers,
        body=_body(req.get("body"), req_headers, notes),
    )
    resp_headers = Headers.from_recorded(resp.get("headers"))
    status, reason = _status(resp, notes)
    if "body" in resp:
        stored = resp["body"]
    else:
        stored = resp.get("content")
        notes.add("response `content` instead of `body` (httpx stubs before vcrpy 6)")
    response = Response(
        status=status,
        reason=reason,
        headers=resp_headers,
        body=_body(stored, resp_headers, notes),
    )
    for side, body in (("request", request.body), ("response", response.body)):
        why = _unbounded(body)
        if why is not None:
            raise CassetteError(path, f"interaction {index}: {side} {why}", line=line, kind="too-large")
    return Interaction(index=index, request=request, response=response, line=line)


def _unbounded(body: Body) -> str | None:
    """Why a body is refused before anything parses it: a bomb, or JSON nested too deep."""
    if body.note is not None:
        return f"{body.note.partition(';')[0]} (a decompression bomb?)"
    if body.data and body.apparent_kind is BodyKind.JSON and too_deep(body.data):
        return f"body is JSON nested more than {MAX_NESTING} levels deep: refused"
    return None


def _body(stored: Any, headers: Headers, notes: set[str]) -> Body:
    if isinstance(stored, dict):
        if "string" in stored:
            stored = stored["string"]
        elif stored:
            notes.add("body stored parsed, not as `string`")  # aiohttp stubs: JSON request bodies
        else:
            stored = None
    return decode(as_bytes(stored), headers.get("content-type"), headers.get("content-encoding"))


def _status(resp: dict[str, Any], notes: set[str]) -> tuple[int | None, str]:
    status = resp.get("status")
    if isinstance(status, dict):
        return _int_or_none(status.get("code")), str(status.get("message") or "")
    if status is None and "status_code" in resp:
        return _int_or_none(resp.get("status_code")), ""
    if status is not None:
        notes.add("status stored as a bare value")
        return _int_or_none(status), ""
    return None, ""


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
