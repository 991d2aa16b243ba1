"""Find credentials left in an interaction, anywhere in headers, URIs and decoded bodies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Headers, Interaction
from cassettes_tool.model.secret import Finding
from cassettes_tool.secrets.rules import (
    AUTH_SCHEME,
    CREDENTIAL_HEADERS,
    PASSWORD_FIELD,
    SECRET_FIELDS,
    SHAPE,
    SHAPE_KINDS,
    SIMPLE_KEY,
    looks_real,
)


def scan_interaction(
    interaction: Interaction,
    *,
    headers: Iterable[str] = (),
    fields: Iterable[str] = (),
) -> list[Finding]:
    """Every credential in one interaction. `headers`/`fields` add to the built-in names."""
    header_names = CREDENTIAL_HEADERS | {h.lower() for h in headers}
    field_names = SECRET_FIELDS | {f.lower() for f in fields}
    idx = interaction.index
    found: list[Finding] = []
    req, resp = interaction.request, interaction.response
    found += _scan_headers(req.headers, "request", idx, header_names)
    found += _scan_headers(resp.headers, "response", idx, header_names)
    found += _scan_uri(req.uri, idx, field_names)
    found += _scan_body(req.body, "request", idx, field_names)
    found += _scan_body(resp.body, "response", idx, field_names)
    return dedupe(found)


def dedupe(found: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for finding in found:
        key = (finding.where, finding.value)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def _scan_headers(headers: Headers, side: str, idx: int, names: frozenset[str]) -> Iterator[Finding]:
    for name, value in headers:
        where = f"{side}.header.{name}"
        lname = name.lower()
        if lname in names:
            finding = _credential_header(lname, value, where, idx)
            if finding:
                yield finding
                continue
        yield from _shapes(value, where, idx)


def _credential_header(lname: str, value: str, where: str, idx: int) -> Finding | None:
    if lname in ("cookie", "set-cookie"):
        parts = value.split(";")
        if lname == "set-cookie":
            parts = parts[:1]  # the rest are attributes: Path, Expires, HttpOnly
        for part in parts:
            _, _, cookie_value = part.strip().partition("=")
            if looks_real(cookie_value):
                return Finding("cookie", idx, where, cookie_value.strip())
        return None
    token = AUTH_SCHEME.sub("", value.strip())
    if not looks_real(token):
        return None
    for kind, shape_value in _shape_matches(token):
        return Finding(kind, idx, where, shape_value)
    scheme = AUTH_SCHEME.match(value.strip())
    kind = {"basic": "basic-auth", "bearer": "bearer-token"}.get(
        scheme.group(1).lower() if scheme else "", "credential-header"
    )
    return Finding(kind, idx, where, token)


def _scan_uri(uri: str, idx: int, fields: frozenset[str]) -> Iterator[Finding]:
    parts = urlsplit(uri)
    if parts.password and looks_real(parts.password):
        yield Finding("url-password", idx, "request.uri", parts.password)
    yield from _parameters(parse_qsl(parts.query, keep_blank_values=True), "request.query.", idx, fields)


def _parameters(
    pairs: Iterable[tuple[str, str]], prefix: str, idx: int, fields: frozenset[str]
) -> Iterator[Finding]:
    """Query or form parameters: secret-named ones by name, all of them by shape."""
    for name, value in pairs:
        where = f"{prefix}{name}"
        if name.lower() in fields and looks_real(value):
            kinds = [k for k, _ in _shape_matches(value)]
            yield Finding(kinds[0] if kinds else "secret-parameter", idx, where, value)
        else:
            yield from _shapes(value, where, idx)


def _scan_body(body: Body, side: str, idx: int, fields: frozenset[str]) -> Iterator[Finding]:
    kind = body.kind
    where = f"{side}.body"
    if kind is BodyKind.JSON:
        yield from _scan_json(body.value, "$", where, idx, fields)
    elif kind is BodyKind.FORM:
        yield from _parameters(body.value, f"{where} ", idx, fields)
    elif kind is BodyKind.TEXT:
        yield from _shapes(body.value, where, idx)


def _scan_json(value: Any, path: str, where: str, idx: int, fields: frozenset[str]) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if SIMPLE_KEY.match(str(key)) else f"{path}[{str(key)!r}]"
            if isinstance(item, str) and str(key).lower() in fields and looks_real(item):
                token = AUTH_SCHEME.sub("", item)
                kinds = [k for k, _ in _shape_matches(token)]
                named = "password" if PASSWORD_FIELD.search(str(key)) else "token-in-body"
                yield Finding(kinds[0] if kinds else named, idx, f"{where} {child}", token)
            else:
                yield from _scan_json(item, child, where, idx, fields)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _scan_json(item, f"{path}[{i}]", where, idx, fields)
    elif isinstance(value, str) and len(value) >= 16:
        yield from _shapes(value, f"{where} {path}", idx)


def _shape_matches(text: str) -> Iterator[tuple[str, str]]:
    for match in SHAPE.finditer(text):
        kind = SHAPE_KINDS[match.lastgroup or ""]
        value = match.group(match.lastgroup or 0)
        if kind == "bearer-token":
            value = AUTH_SCHEME.sub("", value)
            if not looks_real(value):
                continue
        yield kind, value


def _shapes(text: str, where: str, idx: int) -> Iterator[Finding]:
    for kind, value in _shape_matches(text):
        yield Finding(kind, idx, where, value)
