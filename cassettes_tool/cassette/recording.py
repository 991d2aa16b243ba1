"""What a recording leaves in a cassette: each answer's volatile values and its `Date` header.

A re-recording gives an answer new volatile values (a new `Date`, new ids, new
timestamps); masking, a hand edit of the request, a reformat or a move do not. Age
compares these marks between two versions of a file to tell one from the other, and
takes the `Date` header as a second witness where git cannot tell.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.codecs import as_bytes, decode
from cassettes_tool.cassette.formats import compressed, layouts
from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.cassette.formats.vcr import parse_builtin
from cassettes_tool.cassette.read import LFS_POINTER
from cassettes_tool.errors import CassetteError
from cassettes_tool.model.cassette import Headers

#: a top-level `interactions` key (YAML block or flow style, JSON): the cheap test of a cassette
_INTERACTIONS_KEY = re.compile(rb"""(?:^|[{,][ \t\r\n]*)["']?interactions["']?[ \t]*:""", re.MULTILINE)
#: vcrpy's serialized form without `interactions` (langchain's persister): `requests:` and `responses:`
_SPLIT_KEYS = re.compile(rb"""(?:^|[{,][ \t\r\n]*)["']?(requests|responses)["']?[ \t]*:""", re.MULTILINE)

_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HTTP_DATE = (
    rf"(?:{_DAYS}), \d{{1,2}} [A-Z][a-z]{{2}} \d{{4}} \d{{2}}:\d{{2}}:\d{{2}} (?:GMT|UTC|[+-]\d{{4}})"
)

#: values that change with every call, by shape: the marks a re-recording leaves
_TOKEN_SHAPES = "|".join(
    (
        _HTTP_DATE,
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        # msg_01Hjz..., chatcmpl-B2x..., resp_68a...: a short prefix, then letters and digits mixed
        r"\b[a-z][a-z0-9]{1,15}[-_](?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{16,}\b",
        r"\b[0-9a-f]{16,}\b",
        r"\b20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?",
        r"(?<![\d.])1[4-9]\d{8}(?:\d{3})?(?![\d.])",
        # an opaque id standing alone (Gemini's responseId, Bedrock's ids): mixed case and digits
        r"(?<=[\"' :=])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*\d)"
        r"[A-Za-z0-9_-]{20,48}(?=[\"',\s}&;]|$)",
    )
)
_TOKENS_B = re.compile(_TOKEN_SHAPES.encode(), re.MULTILINE)
_HTTP_DATE_B = re.compile(_HTTP_DATE.encode())
#: runs of the characters ids, timestamps and numbers are made of
_RUNS = re.compile(rb"[A-Za-z0-9_.:+-]{10,}")
_LONGEST_ID = 128
#: values known by name that change on every call (Content-Length is not one: masking changes it)
_NAMED = re.compile(
    rb"""(?<![\w-])"?(latencyMs|[a-z-]*processing-ms|x-envoy-upstream-service-time|server-timing"""
    rb"""|x-runtime|x-response-time|age)"?: ?\[?['"]?([\w.;=-][\w.;= -]{0,39})""",
    re.IGNORECASE,
)
#: what masking and hand-made cassettes put where a value was: never a recording's mark
_PLACEHOLDER_B = re.compile(
    rb"redact|scrub|filter|mask|xxxx|\*\*\*|placeholder|dummy|fake|test|example", re.I
)

#: where an interaction and its response start in vcrpy's YAML and JSON layouts; each begins
#: with a fixed character, so the search skips ahead instead of trying every line start
_YAML_MARKS = re.compile(rb"\n(?:- request:|  response:)")
_JSON_MARKS = re.compile(rb'"(?:request|response)": \{')
#: changed lines longer than this are bodies (base64, folded JSON): read only when the rest tells nothing
_LONG_LINE = 400
_DATE_HEADER = re.compile(
    rb"""\n[ \t]*["']?[Dd][Aa][Tt][Ee]["']?[ \t]*:[ \t]*(?:\[\s*|\r?\n[ \t]*-[ \t]*)?["']?("""
    + _HTTP_DATE.encode()
    + rb")",
    re.MULTILINE,
)
_DATE_PARTS = re.compile(rf"({_DAYS}), (\d{{1,2}}) ([A-Z][a-z]{{2}}) (\d{{4}}) (\d\d):(\d\d):(\d\d)")


@dataclass(frozen=True, slots=True)
class Answer:
    """One recorded response, as far as its age goes."""

    #: volatile values in its headers and decoded body
    tokens: frozenset[bytes]
    #: the response itself, for answers without volatile values
    digest: bytes
    #: its `Date` header, when a server could have written it (the weekday matches the date)
    date: datetime | None


@dataclass(frozen=True, slots=True)
class Version:
    """The answers of one version of a cassette file, and every volatile value in it."""

    answers: tuple[Answer, ...]
    tokens: frozenset[bytes]
    digests: frozenset[bytes]


def looks_like_a_cassette(data: bytes) -> bool:
    """The cheap content test `scan`, `age` and `check` share: a top-level `interactions` key
    (or vcrpy's `requests` and `responses` lists), in the file or in its gzip."""
    if compressed.is_compressed(data):
        try:
            data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, 1 << 20)
        except zlib.error:
            return False
    if _INTERACTIONS_KEY.search(data) is not None:
        return True
    return {m.group(1) for m in _SPLIT_KEYS.finditer(data)} == {b"requests", b"responses"}


def cassette_files(files: Iterable[Path], serializer: str | None = None) -> tuple[Path, ...]:
    """The files that pass the content test (all of them under a project's own serializer,
    whose layout only it knows): fixtures and workflow files are never aged or checked."""
    if serializer:
        return tuple(files)
    return tuple(path for path in files if _worth_reading(path))


def _worth_reading(path: Path) -> bool:
    """A cassette, or a file only the reader can judge and must report: a Git LFS pointer
    (`run git lfs pull`), a compressed cassette (`*.yaml.gz`)."""
    if path.name.lower().endswith(".gz"):
        return True
    head = _head(path)
    return head.startswith(LFS_POINTER) or looks_like_a_cassette(head)


def _head(path: Path) -> bytes:
    """vcrpy writes `interactions` first: the head of the file says, and the rest only when it does not."""
    try:
        with path.open("rb") as file:
            head = file.read(4096)
            return head if _INTERACTIONS_KEY.search(head) else head + file.read()
    except OSError:
        return b"interactions:"  # unreadable: kept, so that the reader reports why


def read_version(data: bytes, path: Path, custom: CustomSerializer | None = None) -> Version | None:
    """Parse one version of a file into its answers; None when it is not a readable cassette."""
    try:
        if compressed.is_compressed(data):
            data = compressed.decompress(data, path)
        text = data.decode("utf-8")
        parsed: Any
        if custom is not None:
            try:
                parsed = custom.serializer.deserialize(text)
            except Exception:
                parsed, _ = parse_builtin(text, path)
        else:
            parsed, _ = parse_builtin(text, path)
    except (UnicodeDecodeError, CassetteError, RecursionError):
        return None
    layout = layouts.layout_of(parsed)
    if layout is not None:  # `parsed_body`, requests/responses lists: the reader's own layouts
        parsed = layouts.to_interactions(parsed, layout)
    items = parsed.get("interactions") if isinstance(parsed, dict) else None
    if not isinstance(items, list):
        return None
    answers = tuple(_answer(item.get("response") if isinstance(item, dict) else None) for item in items)
    return Version(
        answers=answers,
        tokens=frozenset(t for a in answers for t in a.tokens),
        digests=frozenset(a.digest for a in answers),
    )


def _answer(response: Any) -> Answer:
    if not isinstance(response, dict):
        return Answer(frozenset(), b"", None)
    headers = Headers.from_recorded(response.get("headers"))
    parts = [f"{name.lower()}: {value}" for name, value in sorted(headers, key=lambda h: h[0].lower())]
    head = "\n".join(p for p in parts if not p.startswith("content-length:"))
    body = _body_text(response, headers)
    text = f"{head}\n{body}".encode("utf-8", "replace")
    digest = hashlib.sha1(text).digest()
    known = _READ.get(digest)
    if known is not None:  # the same text: the same values, named ones included
        return known
    named = {m.group(1).lower() + b"=" + m.group(2) for m in _NAMED.finditer(head.encode("utf-8", "replace"))}
    if "latencyMs" in body:
        named |= {b"latencyms=" + m.group(2) for m in _NAMED.finditer(body.encode("utf-8", "replace"))}
    return _READ.put(Answer(tokens_in(text) | named, digest, server_date(headers.get("date"))))


class _Answers:
    """Answers already read, by the digest of their text: a file's versions share most of their
    answers, and a large body (a scan export of 8 MB) was read again for every version holding
    it. Bounded by the volatile values held: emptied when they would pass `budget`."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.held = 0
        self.by_digest: dict[bytes, Answer] = {}

    def get(self, digest: bytes) -> Answer | None:
        return self.by_digest.get(digest)

    def put(self, answer: Answer) -> Answer:
        size = len(answer.tokens) + 1
        if self.held + size > self.budget:
            self.by_digest.clear()
            self.held = 0
        self.by_digest[answer.digest] = answer
        self.held += size
        return answer


_READ = _Answers(budget=200_000)


def _body_text(response: dict[str, Any], headers: Headers) -> str:
    """The body as a client saw it: encodings undone; a parsed body (`parsed_body`) as sorted JSON."""
    stored = response.get("body", response.get("content"))
    if isinstance(stored, dict) and "string" in stored:
        stored = stored["string"]
    elif stored is None or isinstance(stored, dict | list):
        parsed = stored if stored else response.get("parsed_body")
        return json.dumps(parsed, sort_keys=True, default=str) if parsed is not None else ""
    body = decode(as_bytes(stored), headers.get("content-type"), headers.get("content-encoding"))
    # a binary body (an event stream) still carries its ids as text
    return body.text if body.text is not None else body.data.decode("utf-8", "replace")


def server_date(value: str | None) -> datetime | None:
    """A `Date` header as a time, when a server could have sent it: a hand-written date whose
    weekday does not match (tweepy's `Wed, 10 Feb 2024`, a Saturday) is no witness."""
    if not value:
        return None
    found = _DATE_PARTS.search(value)
    if found is None:
        return None
    weekday, day, month, year, hour, minute, second = found.groups()
    if month not in _MONTHS:
        return None
    try:
        when = datetime(
            int(year),
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    return when if when.strftime("%a") == weekday else None


def _response_blocks(data: bytes) -> list[bytes] | None:
    """Each interaction's response text in vcrpy's own layouts; None for any other layout."""
    # in YAML a match starts on the newline before the mark: one past, as the text gets one put first
    is_json = data.lstrip()[:1] == b"{"
    found = _JSON_MARKS.finditer(data) if is_json else _YAML_MARKS.finditer(b"\n" + data)
    marks = [(m.start(), m.group(0) in (b"\n- request:", b'"request": {')) for m in found]
    if not marks or len(marks) % 2:
        return None
    blocks = []
    for k in range(0, len(marks), 2):
        (_, is_request), (start, is_response_request) = marks[k], marks[k + 1]
        if not is_request or is_response_request:
            return None
        end = marks[k + 2][0] if k + 2 < len(marks) else len(data)
        blocks.append(data[start:end])
    return blocks


def recorded_anew(new: bytes, old: bytes) -> int | None:
    """The number of answers in `new` when each carries, on a line `old` lacks, a volatile value
    found nowhere in `old`: all were recorded again. None when that cannot be told from the text
    alone (another layout, an encoded body, an answer without a new value)."""
    if b"!!binary" in new or b"!!binary" in old:
        return None
    blocks = _response_blocks(new)
    if blocks is None:
        return None
    old_lines = set(old.split(b"\n"))
    for block in blocks:
        changed = [line for line in block.split(b"\n") if line not in old_lines]
        short = b"\n".join(line for line in changed if len(line) <= _LONG_LINE)
        # a new `Date` first, then any value on a short line: long body lines only when needed
        if not (
            _has_new(_HTTP_DATE_B, short, old)
            or any(t not in old for t in tokens_in(short))
            or any(
                t not in old
                for t in tokens_in(b"\n".join(line for line in changed if len(line) > _LONG_LINE))
            )
        ):
            return None
    return len(blocks)


def _has_new(pattern: re.Pattern[bytes], text: bytes, old: bytes) -> bool:
    for match in pattern.finditer(text):
        token = match.group(0)
        if token not in old and not _PLACEHOLDER_B.search(token) and len(set(token.lower())) > 3:
            return True
    return False


@dataclass(frozen=True, slots=True)
class TextAnswer:
    """An answer read from the text alone: its volatile values as written, and its `Date`."""

    #: volatile values as written; empty for an answer without any
    tokens: frozenset[bytes]
    #: the answer's text, which a token-less answer is followed by
    text: bytes
    date: datetime | None

    def new_to(self, old: bytes, old_tokens: frozenset[bytes]) -> bool:
        """Recorded by the change that made `old` (whose values are `old_tokens`) into this: a
        value `old` lacks, or, for an answer without values, an answer `old` does not hold verbatim."""
        if self.tokens:
            return not self.tokens <= old_tokens
        return self.text not in old


def tokens_in(text: bytes) -> frozenset[bytes]:
    """The volatile values in a text. Runs of id characters are picked out first (one cheap
    pattern), and only they are matched against the shapes; dates have spaces, so apart. A run
    longer than any id is a body (base64, a signature), not a value to follow. Each distinct
    run is matched once: a large body repeats its keys and values (a scan export: 200,000
    runs, 8,000 distinct), and no shape reaches past the quotes between two runs."""
    runs = b'" "'.join(run for run in set(_RUNS.findall(text)) if len(run) <= _LONGEST_ID)
    found = [m.group(0) for m in _HTTP_DATE_B.finditer(text)]
    found += [m.group(0) for m in _TOKENS_B.finditer(b'"' + runs + b'"')]
    return frozenset(t for t in found if not _PLACEHOLDER_B.search(t) and len(set(t.lower())) > 3)


def text_answers(data: bytes) -> tuple[TextAnswer, ...] | None:
    """Each answer's volatile values as they stand in the text, when the layout is vcrpy's and
    no body is encoded (that hides them: None, and the caller parses)."""
    blocks = None if b"!!binary" in data else _response_blocks(data)
    if blocks is None:
        return None
    return tuple(TextAnswer(tokens_in(block), block, _date_in(block)) for block in blocks)


def answer_dates(data: bytes) -> tuple[datetime | None, ...] | None:
    """Each answer's `Date` header read from the text; None for a layout other than vcrpy's."""
    blocks = _response_blocks(data)
    if blocks is None:
        return None
    return tuple(_date_in(block) for block in blocks)


def _date_in(block: bytes) -> datetime | None:
    found = _DATE_HEADER.search(block)
    return server_date(found.group(1).decode("ascii")) if found else None
