"""Find credentials left in cassettes.

Two nets: by name (a credential header, a secret-named query, form or JSON field with a
real-looking value) and by shape (JWTs, cloud and SaaS key formats, private key blocks,
bearer tokens in text), anywhere in headers, URIs and decoded bodies. Placeholders that
scrubbing leaves behind (`<REDACTED>`, `FILTERED`, `***`, `0000000000`) are not findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cassettes_tool.body import Body, BodyKind
from cassettes_tool.cassette import Headers, Interaction
from cassettes_tool.config import DEFAULT_REDACT_HEADERS, DEFAULT_REDACT_QUERY

#: Header names that carry credentials even when the config does not list them.
CREDENTIAL_HEADERS = frozenset(DEFAULT_REDACT_HEADERS) | {
    "x-goog-api-key",
    "x-csrf-token",
    "x-xsrf-token",
    "private-token",
    "x-session-token",
    "x-vault-token",
}
#: Field names (query, form, JSON) whose values are credentials.
SECRET_FIELDS = frozenset(DEFAULT_REDACT_QUERY) | {
    "api-key",
    "x-api-key",
    "auth_token",
    "authtoken",
    "session_token",
    "sessionid",
    "session_id",
    "private_key",
    "client_assertion",
    "passwd",
    "pwd",
    "access_key",
    "secret_key",
    "aws_secret_access_key",
    "bearer",
}

_SHAPES: tuple[tuple[str, str], ...] = (
    ("private-key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    ("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    ("stripe-key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"),
    ("slack-token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    ("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("bearer-token", r"\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)"),
)
_SHAPE = re.compile("|".join(f"(?P<k{i}>{pattern})" for i, (_, pattern) in enumerate(_SHAPES)))
_SHAPE_KINDS = {f"k{i}": kind for i, (kind, _) in enumerate(_SHAPES)}

_PLACEHOLDER = re.compile(
    r"""^(?:
        <[^<>]*> | \{\{.*\}\} | \$\{.*\} | %\(.*\)s
      | [*xX#.\-_0]+ | 1234\d* | abc(?:def)?\d*
      | (?:redacted|filtered|dummy|fake|placeholder|masked|hidden|removed|scrubbed|sanitized
           |none|null|nil|undefined|test|testing|example|sample|changeme|secret|token|password
           |mytoken|my[-_]?token|api[-_]?key|your[-_].*)(?:[-_:].*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_PLACEHOLDER_WORD = re.compile(r"redacted|filtered|dummy|placeholder|<[^<>]*>|\*{3,}", re.IGNORECASE)
_AUTH_SCHEME = re.compile(r"^(Bearer|Basic|Token|Digest|Bot|OAuth|AWS4-HMAC-SHA256|ApiKey)\s+", re.I)


@dataclass(frozen=True, slots=True)
class Finding:
    """One credential: its kind, where it is, and its value (never printed whole)."""

    kind: str
    interaction: int
    #: `request.header.Authorization`, `request.query.api_key`, `response.body $.token`
    where: str
    value: str

    @property
    def masked(self) -> str:
        return mask(self.value)

    @property
    def placeholder(self) -> str:
        return f"<REDACTED:{self.kind}>"


def mask(value: str) -> str:
    """Enough to recognise the value, not enough to use it."""
    if len(value) <= 8:
        return "*" * len(value) or "''"
    return f"{value[:4]}…({len(value)} chars)"


def is_placeholder(value: str) -> bool:
    stripped = value.strip().strip("\"'")
    if not stripped:
        return True
    if _PLACEHOLDER.match(stripped) or _PLACEHOLDER_WORD.search(stripped):
        return True
    return len(set(stripped)) <= 2  # `0000000000`, `xxxx-xxxx`


def looks_real(value: str) -> bool:
    """A credential-named value worth reporting: long enough and not a placeholder."""
    value = value.strip()
    return len(value) >= 8 and not is_placeholder(value) and len(set(value)) >= 5


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
    return _dedupe(found)


def _dedupe(found: list[Finding]) -> list[Finding]:
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
    token = _AUTH_SCHEME.sub("", value.strip())
    if not looks_real(token):
        return None
    for kind, shape_value in _shape_matches(token):
        return Finding(kind, idx, where, shape_value)
    scheme = _AUTH_SCHEME.match(value.strip())
    kind = {"basic": "basic-auth", "bearer": "bearer-token"}.get(
        scheme.group(1).lower() if scheme else "", "credential-header"
    )
    return Finding(kind, idx, where, token)


def _scan_uri(uri: str, idx: int, fields: frozenset[str]) -> Iterator[Finding]:
    parts = urlsplit(uri)
    if parts.password and looks_real(parts.password):
        yield Finding("url-password", idx, "request.uri", parts.password)
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        where = f"request.query.{name}"
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
        for name, value in body.value:
            fwhere = f"{where} {name}"
            if name.lower() in fields and looks_real(value):
                kinds = [k for k, _ in _shape_matches(value)]
                yield Finding(kinds[0] if kinds else "secret-parameter", idx, fwhere, value)
            else:
                yield from _shapes(value, fwhere, idx)
    elif kind is BodyKind.TEXT:
        yield from _shapes(body.value, where, idx)


def _scan_json(value: Any, path: str, where: str, idx: int, fields: frozenset[str]) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if _SIMPLE_KEY.match(str(key)) else f"{path}[{str(key)!r}]"
            if isinstance(item, str) and str(key).lower() in fields and looks_real(item):
                token = _AUTH_SCHEME.sub("", item)
                kinds = [k for k, _ in _shape_matches(token)]
                named = "password" if _PASSWORD_FIELD.search(str(key)) else "token-in-body"
                yield Finding(kinds[0] if kinds else named, idx, f"{where} {child}", token)
            else:
                yield from _scan_json(item, child, where, idx, fields)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _scan_json(item, f"{path}[{i}]", where, idx, fields)
    elif isinstance(value, str) and len(value) >= 16:
        yield from _shapes(value, f"{where} {path}", idx)


_PASSWORD_FIELD = re.compile(r"pass|pwd", re.IGNORECASE)
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _shape_matches(text: str) -> Iterator[tuple[str, str]]:
    for match in _SHAPE.finditer(text):
        kind = _SHAPE_KINDS[match.lastgroup or ""]
        value = match.group(match.lastgroup or 0)
        if kind == "bearer-token":
            value = _AUTH_SCHEME.sub("", value)
            if not looks_real(value):
                continue
        yield kind, value


def _shapes(text: str, where: str, idx: int) -> Iterator[Finding]:
    for kind, value in _shape_matches(text):
        yield Finding(kind, idx, where, value)
