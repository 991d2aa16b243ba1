"""Find credentials left in an interaction, anywhere in headers, URIs and decoded bodies.

Names are judged case- and separator-insensitively (`clientSecret` = `client_secret`), at
any depth of JSON, in form and XML bodies, in query strings and URL fragments, in `k=v;`
header lists (`X-APIKeys`), and in `{"key": NAME, "value": V}` pairs. Strings are opened
where a credential hides: JSON inside a string, base64-wrapped JSON, URLs inside bodies.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Headers, Interaction
from cassettes_tool.model.secret import Finding
from cassettes_tool.secrets.rules import (
    AUTH_SCHEME,
    CREDENTIAL_HEADERS,
    CURSOR,
    LOOKALIKE_COOKIE,
    SECRET_FIELDS,
    SIMPLE_KEY,
    UUID,
    field_kind,
    is_placeholder,
    looks_real,
    normal,
    password_value,
)
from cassettes_tool.secrets.screen import MAX_NESTED, Screen
from cassettes_tool.secrets.shapes import shape_matches

#: how deep strings are opened (JSON in a string in base64 in a string...), and how large
_MAX_DEPTH = 3
_MAX_NESTED = MAX_NESTED
_COOKIE_NAME = re.compile(r"sess|sid|auth|token|jwt|csrf|xsrf|login|remember|secret|key|pass|^ct0$", re.I)
_BASE64 = re.compile(r"^[A-Za-z0-9+/]{24,}={0,2}$")
_XML_ELEMENT = re.compile(r"<([A-Za-z][\w:.-]{0,80})>([^<>]{1,4096})</\1>")
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{32,}$")
#: bodies from this size are screened before they are walked (`screen.py`)
SCREEN_FROM = 1 << 14


#: a JSON path built only when something is found there: (parent, key or index)
JsonPath = tuple[Any, "str | int"] | None
#: where a value is: a text, or a body and a JSON path not yet written out
Place = str | tuple[str, JsonPath]


@dataclass
class _Scan:
    """One interaction's scan: the names that count, and what was found."""

    idx: int
    headers: frozenset[str]
    fields: frozenset[str]
    lookalikes: bool
    found: list[Finding] = field(default_factory=list)

    def add(self, kind: str, where: Place, value: str, secret: str = "") -> None:
        place = _text(where)
        self.found.append(Finding(kind, self.idx, place, value, "" if secret == value else secret))

    def lookalike(self, where: Place, value: str) -> None:
        if self.lookalikes and value.strip():
            self.add("lookalike", where, value)

    def named(self, name: str) -> str | None:
        lname = name.lower()
        if lname in self.fields:
            return "password" if field_kind(name) == "password" else "secret"
        return _field_kind(name)


@lru_cache(maxsize=4096)
def _field_kind(name: str) -> str | None:
    return field_kind(name)


def scan_interaction(
    interaction: Interaction,
    *,
    headers: Iterable[str] = (),
    fields: Iterable[str] = (),
    lookalikes: bool = False,
) -> list[Finding]:
    """Every credential in one interaction. `headers`/`fields` add to the built-in names;
    `lookalikes` also reports what looks like a credential and is not (kind `lookalike`)."""
    scan = _Scan(
        interaction.index,
        CREDENTIAL_HEADERS | {h.lower() for h in headers},
        SECRET_FIELDS | {f.lower() for f in fields},
        lookalikes,
    )
    req, resp = interaction.request, interaction.response
    _scan_headers(scan, req.headers, "request")
    _scan_headers(scan, resp.headers, "response")
    _scan_url(scan, req.uri, "request.uri", query_prefix="request.query.")
    _scan_body(scan, req.body, "request")
    _scan_body(scan, resp.body, "response")
    return dedupe(scan.found)


def dedupe(found: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for finding in found:
        key = (finding.where, finding.value)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


# ---------------------------------------------------------------------------- headers


def _scan_headers(scan: _Scan, headers: Headers, side: str) -> None:
    for name, value in headers:
        where = f"{side}.header.{name}"
        lname = name.lower()
        if lname in ("cookie", "set-cookie"):
            parts = value.split(";")[:1] if lname == "set-cookie" else value.split(";")
            for part in parts:
                _cookie(scan, part, where)
        elif lname in scan.headers or scan.named(name) is not None:
            _credential_header(scan, name, value, where)
        elif lname in ("location", "content-location", "link", "refresh"):
            for url in re.findall(r"https?://[^\s<>\"',;]+", value):
                _scan_url(scan, url, where, query_prefix=None)  # masked where the header is
            _shapes(scan, value, where)
        else:
            if scan.lookalikes and _field_kind(name) is None and "token" in lname and not value.isdigit():
                scan.lookalike(where, value)
            _shapes(scan, value, where)


def _cookie(scan: _Scan, part: str, where: str) -> None:
    name, eq, value = part.strip().partition("=")
    value = value.strip()
    if not eq or is_placeholder(value, name):
        return
    if LOOKALIKE_COOKIE.match(name.strip()):
        scan.lookalike(where, value)
        return
    shaped = shape_matches(value)
    if shaped:
        for kind, shape_value in shaped:
            scan.add(kind, where, shape_value)
    elif looks_real(value, name) and (_COOKIE_NAME.search(name) or len(value) >= 16):
        scan.add("cookie", where, value)


def _credential_header(scan: _Scan, name: str, value: str, where: str) -> None:
    stripped = value.strip()
    scheme = AUTH_SCHEME.match(stripped)
    if not scheme and "=" in stripped and re.match(r"^[\w.-]+=", stripped):
        for part in re.split(r"[;,]\s*", stripped):  # `accessKey=...; secretKey=...`
            key, _, item = part.partition("=")
            _judge(scan, key, item.strip(), where, "credential-header")
        return
    token = stripped[scheme.end() :] if scheme else stripped
    if scheme and scheme.group(1).lower() == "basic":
        if not is_placeholder(token) and len(token) >= 4:
            scan.add("basic-auth", where, token)
        return
    if is_placeholder(token, name) or not (looks_real(token, name) or scan.named(name) == "password"):
        _shapes(scan, value, where)
        return
    shaped = shape_matches(token)
    kind = shaped[0][0] if shaped else ("bearer-token" if scheme else "credential-header")
    scan.add(kind, where, shaped[0][1] if shaped and kind != "bearer-token" else token)


# ---------------------------------------------------------------------------- names and values


def _judge(scan: _Scan, name: str, value: str, where: Place, default: str, raw: str | None = None) -> bool:
    """Report `value` when `name` says it is a credential and it is not a placeholder.
    `raw` is the value as written (percent-encoded) when that differs. True when reported."""
    kind = scan.named(name)
    written = raw if raw is not None else value
    if kind is None:
        return False
    if kind == "password":
        if password_value(value, name):
            scan.add("password", where, written, value)
            return True
        return False
    if not looks_real(value, name):
        return False
    if "session" in normal(name) and UUID.match(value):  # a server session's id: identifies, cannot log in
        scan.lookalike(where, written)
        return True
    if kind == "signature":
        scan.add("signed-url", where, written, value)
        return True
    token = AUTH_SCHEME.sub("", value)
    shaped = shape_matches(token)
    if raw is None and token != value:
        written = token  # `Bearer <REDACTED:kind>` keeps its scheme
    scan.add(shaped[0][0] if shaped else default, where, written, token)
    return True


def _scan_url(scan: _Scan, url: str, where: str, *, query_prefix: str | None) -> None:
    """Userinfo, query and fragment parameters of a URL, each judged by its name."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return
    if password and not is_placeholder(password):
        scan.add("url-password", where, password)
    for encoded in (parts.query, parts.fragment):
        if "=" not in encoded:
            continue
        for pair in encoded.split("&"):
            raw_name, _, raw_value = pair.partition("=")
            name, value = unquote_plus(raw_name), unquote_plus(raw_value)
            place = where if query_prefix is None else f"{query_prefix}{name}"
            if normal(name) in ("pagetoken", "nexttoken", "continuationtoken") or CURSOR.match(value):
                scan.lookalike(place, raw_value)
            elif not _judge(scan, name, value, place, "secret-parameter", raw_value):
                _shapes(scan, value, place, raw_value if raw_value != value else None)


# ---------------------------------------------------------------------------- bodies


def _scan_body(scan: _Scan, body: Body, side: str) -> None:
    if _screened_out(scan, body):
        return
    kind = body.kind
    where = f"{side}.body"
    if kind is BodyKind.JSON:
        _scan_json(scan, body.value, None, where, 0)
    elif kind is BodyKind.FORM:
        for name, value in body.value:
            if not _judge(scan, name, value, f"{where} {name}", "secret-parameter"):
                _string(scan, value, f"{where} {name}", 0)
    elif kind is BodyKind.TEXT:
        _scan_text(scan, body.value, where, 0)


def _screened_out(scan: _Scan, body: Body) -> bool:
    """A large body whose text shows nothing the walk could report is not walked, nor parsed.

    Lookalikes and form bodies are always walked; a body that is not text holds nothing to scan.
    """
    if scan.lookalikes or body.size < SCREEN_FROM or body.media_type == "application/x-www-form-urlencoded":
        return False
    text = body.text
    if text is None:
        return True
    screen = Screen(text, lambda value: _finds(scan, value), lambda name: scan.named(name) is not None)
    return not screen.may_hold(scan.fields)


def _finds(scan: _Scan, value: str) -> bool:
    """Whether one string, scanned as a JSON value is, yields a finding."""
    trial = _Scan(scan.idx, scan.headers, scan.fields, False)
    _string(trial, value, "", 0)
    return bool(trial.found)


def _scan_text(scan: _Scan, text: str, where: str, depth: int) -> None:
    _shapes(scan, text, where)
    if "</" in text:
        for match in _XML_ELEMENT.finditer(text):
            name, value = match.group(1).rpartition(":")[2], match.group(2).strip()
            if not any(f.value == value for f in scan.found):
                _judge(scan, name, value, f"{where} <{name}>", "token-in-body")
    if "data:" in text and depth < _MAX_DEPTH:
        for line in text.splitlines():
            if line.startswith("data:") and line[5:].strip()[:1] in ("{", "["):
                _nested_json(scan, line[5:].strip(), where, depth)


def _text(where: Place) -> str:
    return where if isinstance(where, str) else f"{where[0]} {json_path(where[1])}"


def json_path(path: JsonPath) -> str:
    """`$.a.b[0]['c d']` from the linked path."""
    parts: list[str] = []
    while path is not None:
        path, step = path
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(f".{step}" if SIMPLE_KEY.match(step) else f"[{step!r}]")
    return "$" + "".join(reversed(parts))


def _scan_json(scan: _Scan, value: Any, path: JsonPath, where: str, depth: int) -> None:
    if isinstance(value, dict):
        _scan_object(scan, value, path, where, depth)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict | list):
                _scan_json(scan, item, (path, i), where, depth)
            elif isinstance(item, str) and len(item) >= 16:
                _string(scan, item, (where, (path, i)), depth)
    elif isinstance(value, str):
        _string(scan, value, (where, path), depth)


def _scan_object(scan: _Scan, obj: dict[str, Any], path: JsonPath, where: str, depth: int) -> None:
    pair_name = obj.get("key", obj.get("name"))
    for key, item in obj.items():
        if isinstance(item, dict | list):
            _scan_json(scan, item, (path, str(key)), where, depth)
            continue
        if not isinstance(item, str):
            continue
        key = str(key)
        kind = _KINDS.get(key, _MISSING)
        if kind is _MISSING:
            kind = _KINDS[key] = field_kind(key)
        if len(item) < 16 and kind is None and key != "value" and key.lower() not in scan.fields:
            continue  # too short for a shape, and no name that makes it a credential
        _scan_member(scan, obj, key, item, pair_name, (where, (path, key)), depth)


def _scan_member(
    scan: _Scan, obj: dict[str, Any], key: str, item: str, pair: Any, place: Place, depth: int
) -> None:
    lkey = key.lower()
    if lkey == "signature" and (
        obj.get("type") in ("thinking", "redacted_thinking") or "reasoning" in _text(place)
    ):
        scan.lookalike(place, item)  # an LLM's thinking signature: integrity, not access
    elif lkey == "token" and ("logprob" in obj or CURSOR.match(item)):
        scan.lookalike(place, item)  # a logprob token, a STAC `next:` cursor
    elif lkey == "value" and isinstance(pair, str) and _judge(scan, pair, item, place, "token-in-body"):
        return
    elif lkey == "key" and "value" not in obj and _HEX_KEY.match(item):
        scan.add("secret-parameter", place, item)  # a bare 64-hex `key`: Tenable's linking keys
    elif lkey == "signature" or not _judge(scan, key, item, place, "token-in-body"):
        _string(scan, item, place, depth)


_MISSING: Any = object()
#: field_kind per JSON key: real bodies repeat a few hundred keys millions of times
_KINDS: dict[str, str | None] = {}


def _string(scan: _Scan, value: str, where: Place, depth: int) -> None:
    """A string not judged by its name: its shapes, and what it may carry inside."""
    if len(value) < 16:
        return
    _shapes(scan, value, where)
    if depth >= _MAX_DEPTH or len(value) > _MAX_NESTED:
        return
    head = value.lstrip()[:1]
    if head not in ("{", "[", "h") and not _BASE64.match(value):
        return
    where = _text(where)
    if head in ("{", "["):
        _nested_json(scan, value, where, depth)
    elif value.startswith(("http://", "https://")) and ("?" in value or "#" in value or "@" in value):
        _scan_url(scan, value, where, query_prefix=f"{where} (url) ")
    elif _BASE64.match(value):
        _base64(scan, value, where, depth)


def _nested_json(scan: _Scan, text: str, where: str, depth: int) -> None:
    try:
        inner = json.loads(text)
    except ValueError:
        return
    _scan_json(scan, inner, None, f"{where} (json)", depth + 1)


def _base64(scan: _Scan, value: str, where: str, depth: int) -> None:
    """A credential wrapped in base64: the whole wrapper is what stands in the file, so it is the value."""
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return
    if not text.isprintable() and not text.strip().isprintable():
        return
    inner = _Scan(scan.idx, scan.headers, scan.fields, False)
    if text.lstrip()[:1] in ("{", "["):
        _nested_json(inner, text, where, depth)
    else:
        _shapes(inner, text, where)
    for finding in inner.found:
        scan.add(finding.kind, f"{where} (base64)", value, finding.secret or finding.value)


# ---------------------------------------------------------------------------- shapes


def _shapes(scan: _Scan, text: str, where: Place, raw: str | None = None) -> None:
    for kind, value in shape_matches(text):
        scan.add(kind, where, raw if raw is not None else value, value)
