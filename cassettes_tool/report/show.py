"""`show`: one cassette made readable, and the stable form git's diff driver reads (`--textconv`).

Pure: a Cassette in, lines out. Bodies come decoded from the Body model (gzip, deflate,
brotli, `!!binary` undone); JSON is pretty-printed with sorted keys so that key order
never shows as a change. With `textconv`, what the diff calls volatile is written as its
kind (`<iso-8601>`, `<uuid>`, `<volatile>` for a `Date` header): two recordings of the
same service then read the same, and `git diff` shows only the lines that matter. The
volatile rules are the diff's own (`volatile.py`, `DiffRules`), so `show --textconv` and
`cassettes diff` never disagree on what is noise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any, BinaryIO
from urllib.parse import unquote

from cassettes_tool.diff import DiffRules, volatile
from cassettes_tool.errors import CassetteError
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Cassette, Headers, Interaction
from cassettes_tool.model.stream import Event, events, is_stream

VOLATILE = "<volatile>"
IGNORED = "<ignored>"
_INDENT = "    "
#: what separates the parts of a URI or a header value: each part is judged on its own,
#: so that `/charges/ch_3f2c1e0a9b8c` keeps its path and loses only its id
_URI_DELIMITERS = re.compile(r"([/?&=#;,\s<>\"])")
#: a volatile number is written as its kind without quotes, so that a number becoming a
#: string stays visible; it travels through json.dumps as this NUL-fenced string
_BARE = "\x00"
_BARE_IN_JSON = re.compile(r'"\\u0000([\w:-]+)\\u0000"')
#: the line breaks `str.splitlines` sees that JSON leaves unescaped inside strings
_RAW_BREAKS = re.compile("[\x85\u2028\u2029]")
_JSON_INDENT = "  "


def render(
    cassette: Cassette,
    *,
    interaction: int | None = None,
    textconv: bool = False,
    rules: DiffRules | None = None,
) -> list[str]:
    """The cassette (or its interaction number `interaction`) as lines of text.

    The caller checks that `interaction` exists: choosing what to do about a wrong
    number (a usage error) is the command's business, not the renderer's.
    """
    return list(stream(cassette, interaction=interaction, textconv=textconv, rules=rules))


def stream(
    cassette: Cassette,
    *,
    interaction: int | None = None,
    textconv: bool = False,
    rules: DiffRules | None = None,
) -> Iterator[str]:
    """`render`, interaction by interaction and line by line: the lines are made when the
    writer asks for them, so the whole rendering is never held at once."""
    chosen = cassette.interactions if interaction is None else (cassette.interactions[interaction],)
    return stream_interactions(iter(chosen), textconv=textconv, rules=rules)


def stream_interactions(
    interactions: Iterator[Interaction], *, textconv: bool = False, rules: DiffRules | None = None
) -> Iterator[str]:
    """The lines of each interaction, taken from `interactions` only when the previous one is
    written: a caller that hands them over one by one holds one interaction's decoded body and
    parsed JSON at a time, not the whole cassette's."""
    shower = _Shower(textconv, rules or DiffRules())
    item = next(interactions, None)
    if item is None:
        yield "(no interactions)"
        return
    while item is not None:
        yield from shower.interaction(item)
        item = next(interactions, None)
        if item is not None:
            yield ""


def write(lines: Iterable[str], out: BinaryIO, batch: int = 1 << 20) -> None:
    """Write `lines` as UTF-8 (bytes: git reads them whatever the locale), about `batch`
    characters at a time."""
    pending: list[str] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line) + 1
        if size >= batch:
            out.write(("\n".join(pending) + "\n").encode("utf-8", errors="backslashreplace"))
            pending, size = [], 0
    if pending:
        out.write(("\n".join(pending) + "\n").encode("utf-8", errors="backslashreplace"))
    out.flush()


def fallback(raw: bytes, reason: str) -> list[str]:
    """What `--textconv` prints for a file it cannot show: why, then the file as text.

    git's diff of the file must keep working (a textconv that fails stops `git diff`),
    and a broken cassette's own lines are the most useful thing to see changing.
    """
    text = raw.decode("utf-8", errors="replace")
    return [f"# cassettes show: not shown as a cassette: {reason}", *text.splitlines()]


def reason_of(exc: Exception) -> str:
    """A reason without the file's path: git hands textconv a temporary path that differs per run."""
    if isinstance(exc, CassetteError):
        return f"line {exc.line}: {exc.reason}" if exc.line else exc.reason
    return f"{type(exc).__name__}: {exc}"


class _Shower:
    """The rendering of one run: textconv or not, and the rules that say what is volatile."""

    def __init__(self, textconv: bool, rules: DiffRules):
        self.textconv = textconv
        self.rules = rules
        self.ignores_paths = textconv and bool(rules.ignore_body)

    def interaction(self, item: Interaction) -> Iterator[str]:
        request, response = item.request, item.response
        status = "(no status)" if response.status is None else str(response.status)
        reason = f" {response.reason}" if response.reason else ""
        yield f"[{item.index}] {request.method} {self.uri(request.uri)} -> {status}{reason}"
        yield from self.headers("request", request.headers)
        yield from self.body("request", request.body)
        yield from self.headers("response", response.headers)
        yield from self.body("response", response.body)

    # -- headers --------------------------------------------------------------------------

    def headers(self, side: str, headers: Headers) -> Iterator[str]:
        if not headers:
            yield f"  {side} headers: none"
            return
        yield f"  {side} headers:"
        # sorted by name regardless of case; a repeated header keeps its recorded order. Under
        # textconv names are written lower-case: a re-recording client that spells them
        # `Content-Type` where the old one wrote `content-type` is not a change to review
        for name, value in sorted(headers, key=lambda pair: pair[0].lower()):
            shown = name.lower() if self.textconv else name
            yield f"{_INDENT}{shown}: {self.header_value(name, value)}"

    def header_value(self, name: str, value: str) -> str:
        if not self.textconv:
            return value
        if self.rules.header_is_volatile(name.lower()):
            return VOLATILE
        return self.uri(value)

    def uri(self, text: str) -> str:
        """A URI or header value with each id-like part written as its kind (textconv only)."""
        if not self.textconv:
            return text
        return "".join(self.part(piece) for piece in _URI_DELIMITERS.split(text))

    @staticmethod
    def part(piece: str) -> str:
        kind = volatile.format_of(unquote(piece)) if len(piece) >= 8 else None
        return f"<{kind}>" if kind else volatile.mask_text(piece)

    # -- bodies ---------------------------------------------------------------------------

    def body(self, side: str, body: Body) -> Iterator[str]:
        kind = body.kind
        if kind is BodyKind.EMPTY:
            yield f"  {side} body: empty"
            return
        streamed = events(body.text or "", body.media_type) if is_stream(body.media_type) else []
        described = self.describe(body, kind)
        if streamed:
            described += f", {len(streamed)} event{'' if len(streamed) == 1 else 's'}"
        yield f"  {side} body: {described}"
        if kind is BodyKind.BINARY:
            return
        if streamed:
            for number, event in enumerate(streamed):
                yield from self.event(number, event)
            return
        if kind is BodyKind.JSON:
            lines: Iterable[str] = self.json_lines(body.value)
        elif kind is BodyKind.FORM:
            lines = "\n".join(f"{key} = {self.scalar_text(value)}" for key, value in body.value).splitlines()
        else:
            lines = (volatile.mask_text(body.value) if self.textconv else body.value).splitlines()
        for line in lines:
            yield f"{_INDENT}{line}" if line else ""

    def json_lines(self, value: Any) -> Iterator[str]:
        """`json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2).splitlines()`, with
        textconv's kinds, made a line at a time: neither the masked copy of the value nor its
        text (together 5-10x the body) is ever built."""
        for line in self._json(value, "", "", "", ()):
            if self.textconv and "\\u0000" in line:
                line = _BARE_IN_JSON.sub(r"<\1>", line)
            if not line.isascii() and _RAW_BREAKS.search(line):
                yield from line.splitlines()
            else:
                yield line

    def _json(self, value: Any, pad: str, head: str, tail: str, path: tuple[Any, ...]) -> Iterator[str]:
        """The lines of `value` at indent `pad`: `head` (its key) before, `tail` (a comma) after.
        `path` is followed only when the rules ignore paths; a scalar member is written here,
        without a generator of its own (most members are scalars)."""
        if self.ignores_paths and path and self.rules.ignores(path):
            yield f"{pad}{head}{encode_basestring(IGNORED)}{tail}"
            return
        if isinstance(value, dict) and value:
            members: Iterable[tuple[Any, Any]] = ((key, value[key]) for key in sorted(value))
            opening, closing = "{", "}"
        elif isinstance(value, list) and value:
            members, opening, closing = enumerate(value), "[", "]"
        else:
            yield f"{pad}{head}{self.json_scalar(value)}{tail}"
            return
        yield f"{pad}{head}{opening}"
        inner, last, follow, keyed = pad + _JSON_INDENT, len(value) - 1, self.ignores_paths, opening == "{"
        for number, (key, item) in enumerate(members):
            item_head = (
                f"{encode_basestring(key if isinstance(key, str) else json.dumps(key))}: " if keyed else ""
            )
            item_tail = "" if number == last else ","
            if follow or (isinstance(item, (dict, list)) and item):
                yield from self._json(item, inner, item_head, item_tail, (*path, key) if follow else ())
            else:
                yield f"{inner}{item_head}{self.json_scalar(item)}{item_tail}"
        yield f"{pad}{closing}{tail}"

    def json_scalar(self, value: Any) -> str:
        """One JSON scalar (or an empty object or array) as json.dumps writes it; under textconv
        a volatile value as its kind (a number's NUL-fenced, unquoted by `json_lines`)."""
        if isinstance(value, str):
            if self.textconv:
                kind = volatile.format_of(value)
                value = f"<{kind}>" if kind else volatile.mask_text(value)
            return encode_basestring(value)
        if self.textconv:
            kind = volatile.format_of(value)
            if kind:
                return encode_basestring(f"{_BARE}{kind}{_BARE}")
        if value is None or value is True or value is False:
            return "null" if value is None else "true" if value else "false"
        if type(value) is int:
            return int.__repr__(value)
        return json.dumps(value)  # floats (NaN, Infinity), empty objects and arrays

    def event(self, number: int, event: Event) -> Iterator[str]:
        """One event of a stream: a line with its fields, then its data (JSON pretty-printed)."""
        fields = " ".join(f"{name}={self.scalar_text(value)}" for name, value in event.fields)
        head = f"{_INDENT}[event {number}]{' ' + fields if fields else ''}"
        if not event.is_json:
            data = self.scalar_text(event.data) if event.data else ""
            lines = data.splitlines() or [""]
            yield f"{head} {lines[0]}".rstrip()
            for line in lines[1:]:
                yield f"{_INDENT * 2}{line}"
            return
        yield head
        for line in self.json_lines(event.value):
            yield f"{_INDENT * 2}{line}"

    def describe(self, body: Body, kind: BodyKind) -> str:
        """Media type, size and how it was decoded; textconv leaves out the size of a text body,
        which moves with every timestamp and id of another length."""
        parts = [body.media_type or "no media type"]
        if kind is BodyKind.BINARY:
            return f"<binary: {parts[0]}, {body.size} bytes, sha256 {body.sha256}>"
        if not self.textconv:
            parts.append(f"{body.size} bytes")
        if body.decoded_from:
            parts.append(f"{', '.join(body.decoded_from)} undone")
        if body.note:
            parts.append(body.note)
        return ", ".join(parts)

    def scalar_text(self, value: str) -> str:
        if not self.textconv:
            return value
        kind = volatile.format_of(value)
        return f"<{kind}>" if kind else volatile.mask_text(value)
