"""`lint --fix`: mask credentials in a cassette's own text, so that a review shows one line per secret.

A cassette and the findings to mask go in; the new text comes out. The text is edited
where the values stand verbatim (YAML or JSON), and an encoded body (gzip `!!binary`)
is decoded, masked, re-encoded the way it was stored and its node written again. The
edit is then read back and must equal what masking the records gives (the model);
when it does not (a folded scalar, an escape not foreseen), that one cassette is
written again through vcrpy's serializer instead, and the result says so.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import quote, quote_plus

from cassettes_tool import cassette
from cassettes_tool.cassette import CustomSerializer, decode
from cassettes_tool.errors import CassetteError
from cassettes_tool.model.body import Body
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Message, Request, Response
from cassettes_tool.model.secret import Finding

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a declared dependency
    brotli = None


@dataclass(frozen=True, slots=True)
class Fixed:
    """The masked cassette: its text, that text read back, and how it was written."""

    text: str
    cassette: Cassette
    #: why the cassette was written again through vcrpy's serializer, when it was
    reserialised: str | None = None


def fix(loaded: Cassette, findings: Iterable[Finding], custom: CustomSerializer | None = None) -> Fixed:
    """`loaded` with every finding's value replaced by its placeholder, wherever it appears
    in that interaction. Raises CassetteError when neither way gives a cassette that reads
    back as the masked records (nothing is written then)."""
    values = _values_by_interaction(findings)
    expected = tuple(
        _mask_interaction(i, values[i.index]) if i.index in values else i for i in loaded.interactions
    )
    reason = "an interaction's place in the file was not found"
    text = _edit_text(loaded, expected, values)
    if text is not None:
        reread = _reread(text, loaded, custom)
        if reread is not None and _same(reread, expected):
            return Fixed(text, reread)
        reason = "a value is not written verbatim in the file (a folded or escaped scalar)"
    text = _reserialise(loaded, expected, custom)
    reread = _reread(text, loaded, custom)
    if reread is None or not _same(reread, expected):
        raise CassetteError(
            loaded.path, "cannot mask it: the masked cassette does not read back the same", kind="unfixable"
        )
    return Fixed(text, reread, reserialised=reason)


def _values_by_interaction(findings: Iterable[Finding]) -> dict[int, dict[str, str]]:
    """value -> placeholder per interaction; longest first, so a value inside another goes last."""
    grouped: dict[int, dict[str, str]] = {}
    for finding in findings:
        grouped.setdefault(finding.interaction, {}).setdefault(finding.value, finding.placeholder)
    return {
        index: dict(sorted(values.items(), key=lambda item: -len(item[0])))
        for index, values in grouped.items()
    }


# ---------------------------------------------------------------------------- the model


def _mask_interaction(interaction: Interaction, values: dict[str, str]) -> Interaction:
    request = interaction.request
    uri = request.uri
    for value, placeholder in values.items():
        for form in dict.fromkeys((value, quote(value, safe=""), quote_plus(value))):
            uri = uri.replace(form, quote(placeholder, safe=""))
    request = replace(_mask_message(request, values), uri=uri)
    return replace(interaction, request=request, response=_mask_message(interaction.response, values))


def _mask_message(message: Message, values: dict[str, str]) -> Message:
    headers = []
    for name, header in message.headers:
        for value, placeholder in values.items():
            header = header.replace(value, placeholder)
        headers.append((name, header))
    message = replace(message, headers=Headers(tuple(headers)))
    body = message.body
    data = body.data
    encoding = body.charset or "utf-8"
    for value, placeholder in values.items():
        for form, masked in _body_forms(value, placeholder):
            try:
                data = data.replace(form.encode(encoding), masked.encode(encoding))
            except (UnicodeEncodeError, LookupError):
                continue
    if data == body.data:
        return message
    stored = _encode(data, body)
    lengths = {str(len(body.stored)): str(len(stored))}
    headers = [
        (name, lengths.get(value.strip(), value) if name.lower() == "content-length" else value)
        for name, value in message.headers
    ]
    message = replace(message, headers=Headers(tuple(headers)))
    return replace(
        message,
        body=decode(stored, message.headers.get("content-type"), message.headers.get("content-encoding")),
    )


def _body_forms(value: str, placeholder: str) -> list[tuple[str, str]]:
    """How a value may stand in a body: as is, JSON-escaped, percent- or plus-encoded."""
    quoted = quote(placeholder, safe="")
    forms = {value: placeholder, json.dumps(value)[1:-1]: placeholder}
    forms.setdefault(quote(value, safe=""), quoted)
    forms.setdefault(quote_plus(value), quoted)
    return list(forms.items())


def _encode(data: bytes, body: Body) -> bytes:
    """`data` encoded again the way the stored body was (`decoded_from` undone in reverse)."""
    for coding in reversed(body.decoded_from):
        if coding in ("gzip", "x-gzip"):
            data = gzip.compress(data, mtime=0)
        elif coding == "deflate":
            wrapped = body.stored[:1] == b"\x78"  # a zlib header, else raw deflate
            compressor = zlib.compressobj(wbits=zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data = compressor.compress(data) + compressor.flush()
        elif coding == "br" and brotli is not None:
            data = brotli.compress(data)
    return data


def _same(reread: Cassette, expected: tuple[Interaction, ...]) -> bool:
    if len(reread.interactions) != len(expected):
        return False
    return all(
        got.request == want.request and got.response == want.response
        for got, want in zip(reread.interactions, expected, strict=True)
    )


def _reread(text: str, loaded: Cassette, custom: CustomSerializer | None) -> Cassette | None:
    try:
        return cassette.loads(text.encode("utf-8"), loaded.path, custom)
    except CassetteError:
        return None


def _reserialise(loaded: Cassette, expected: tuple[Interaction, ...], custom: CustomSerializer | None) -> str:
    """The whole cassette through vcrpy's serializer: untouched interactions as vcrpy read them."""
    pairs = cassette.recorded_pairs(loaded, custom)
    if pairs is None:
        raise CassetteError(
            loaded.path, "cannot mask it: vcrpy cannot read this layout to write it again", kind="unfixable"
        )
    written = []
    for (raw_request, raw_response), old, new in zip(pairs, loaded.interactions, expected, strict=True):
        if new.request != old.request:
            raw_request = cassette.vcr_request(new.request, like=raw_request)
        if new.response != old.response:
            raw_response = {**raw_response, **cassette.vcr_response(new.response)}
        written.append((raw_request, raw_response))
    return cassette.dumps(written, cassette.serializer_for(loaded.serializer, custom))


# ---------------------------------------------------------------------------- the text


def _edit_text(
    loaded: Cassette, expected: tuple[Interaction, ...], values: dict[int, dict[str, str]]
) -> str | None:
    """The file's text with only the masked bytes changed, or None when a place is not found."""
    text = loaded.text
    starts = _line_offsets(text, [i.line for i in loaded.interactions])
    if starts is None:
        return None
    pieces: list[str] = []
    done = 0
    for index in sorted(values):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        block = _edit_block(
            text[start:end], loaded.interactions[index], expected[index], values[index], loaded.serializer
        )
        if block is None:
            return None
        pieces += [text[done:start], block]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _line_offsets(text: str, lines: list[int | None]) -> list[int] | None:
    offsets: list[int] = []
    pos, line = 0, 1
    for wanted in lines:
        if wanted is None or wanted < line:
            return None
        while line < wanted:
            pos = text.find("\n", pos) + 1
            if pos == 0:
                return None
            line += 1
        offsets.append(pos)
    return offsets


_SIDE_KEY = re.compile(r"""^([ \t-]*)["']?(request|response)["']?[ \t]*:""", re.MULTILINE)


def _sides(block: str) -> dict[str, tuple[int, int]] | None:
    """Where the request and the response of one interaction stand in its block of text."""
    keys = list(_SIDE_KEY.finditer(block))
    if not keys:
        return None
    column = len(keys[0].group(1))
    found = [(m.group(2), m.start()) for m in keys if len(m.group(1)) == column or m is keys[0]]
    found = found[:2]
    if {name for name, _ in found} != {"request", "response"}:
        return None
    (first, a), (second, b) = found
    return {first: (a, b), second: (b, len(block))}


def _edit_block(
    block: str, old: Interaction, new: Interaction, values: dict[str, str], serializer: str
) -> str | None:
    sides = _sides(block)
    if sides is None:
        return None
    parts = {side: block[a:b] for side, (a, b) in sides.items()}
    head = block[: min(a for a, _ in sides.values())]
    for side in ("request", "response"):
        old_message: Request | Response = getattr(old, side)
        new_message: Request | Response = getattr(new, side)
        part = parts[side]
        if old_message.body.stored != new_message.body.stored:
            lengths = (str(len(old_message.body.stored)), str(len(new_message.body.stored)))
            if old_message.body.decoded_from:
                edited = _replace_binary(part, old_message.body.stored, new_message.body.stored)
                if edited is None:
                    return None
                part = edited
            part = _replace_length(part, *lengths)
        if side == "request" and old.request.uri != new.request.uri:
            for before, after in _file_forms(old.request.uri, new.request.uri, serializer):
                part = part.replace(before, after)
        for value, placeholder in values.items():
            for form, masked in _body_forms(value, placeholder):
                for before, after in _file_forms(form, masked, serializer):
                    part = part.replace(before, after)
        parts[side] = part
    ordered = sorted(sides, key=lambda side: sides[side][0])
    return head + "".join(parts[side] for side in ordered)


def _file_forms(value: str, replacement: str, serializer: str) -> list[tuple[str, str]]:
    """How a string stands in the file: JSON-escaped in JSON; in YAML plain, single- or double-quoted."""
    forms: dict[str, str] = {}
    if serializer == "json":
        forms[json.dumps(value)[1:-1]] = json.dumps(replacement)[1:-1]
        forms.setdefault(json.dumps(value, ensure_ascii=False)[1:-1], json.dumps(replacement)[1:-1])
    else:
        forms[value] = replacement
        forms.setdefault(value.replace("'", "''"), replacement.replace("'", "''"))
        forms.setdefault(json.dumps(value)[1:-1], json.dumps(replacement)[1:-1])
    return [(before, after) for before, after in forms.items() if before]


_LENGTH = re.compile(
    r"""(["']?content-length["']?[ \t]*:[ \t]*(?:\[\s*|\n[ \t]*-[ \t]*)?["']?)(\d+)(?=["']?\s)""",
    re.IGNORECASE,
)


def _replace_length(part: str, old: str, new: str) -> str:
    """The recorded `Content-Length` follows the stored body, as vcrpy replays it."""
    return _LENGTH.sub(lambda m: m.group(1) + (new if m.group(2) == old else m.group(2)), part)


def _replace_binary(part: str, old: bytes, new: bytes) -> str | None:
    """Write a `!!binary` node's base64 lines again, at their indentation (PyYAML's layout)."""
    old_lines = base64.encodebytes(old).decode("ascii").splitlines()
    if not old_lines:
        return None
    match = re.search(rf"^([ \t]*){re.escape(old_lines[0])}\n", part, re.MULTILINE)
    if match is None:
        return None
    indent = match.group(1)
    expected = "".join(f"{indent}{line}\n" for line in old_lines)
    start = match.start()
    if part[start : start + len(expected)] != expected:
        return None
    lines = base64.encodebytes(new).decode("ascii").splitlines()
    return part[:start] + "".join(f"{indent}{line}\n" for line in lines) + part[start + len(expected) :]
