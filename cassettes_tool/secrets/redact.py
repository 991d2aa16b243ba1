"""Apply `[tool.cassettes.redact]`: replace the values the rules name before anything is written."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote, unquote_plus

from cassettes_tool.cassette import with_body
from cassettes_tool.config import RedactRules
from cassettes_tool.jsonpath import apply, parse_path, values_at
from cassettes_tool.model.body import BodyKind
from cassettes_tool.model.cassette import Headers, Interaction, Message
from cassettes_tool.model.secret import Finding
from cassettes_tool.secrets.rules import (
    AUTH_SCHEME,
    PASSWORD_FIELD,
    REDACTED,
    is_placeholder,
)
from cassettes_tool.secrets.scan import dedupe


def redact_interaction(interaction: Interaction, rules: RedactRules) -> Interaction:
    """Apply `[tool.cassettes.redact]`: header values, query and form fields, JSON body paths.

    Values that are already placeholders (`FILTERED`, `<REDACTED>`) stay as they are, so
    what the original recorded survives untouched. Raises ValueError on a bad JSON path.
    """
    headers = frozenset(h.lower() for h in rules.headers)
    fields = frozenset(q.lower() for q in rules.query)
    paths = [parse_path(p) for p in rules.body]
    request = interaction.request
    request = replace(
        request,
        uri=redact_query(request.uri, fields),
        headers=_redact_headers(request.headers, headers),
    )
    request = _redact_body(request, fields, paths)
    response = replace(interaction.response, headers=_redact_headers(interaction.response.headers, headers))
    response = _redact_body(response, fields, paths)
    return replace(interaction, request=request, response=response)


def _redact_headers(headers: Headers, names: frozenset[str]) -> Headers:
    return Headers(
        tuple(
            (name, _redact_header(name.lower(), value) if name.lower() in names else value)
            for name, value in headers
        )
    )


def _redact_header(lname: str, value: str) -> str:
    """Keep the shape a reader needs: the auth scheme, cookie names and their attributes."""
    if lname in ("cookie", "set-cookie"):
        parts = value.split(";")
        count = 1 if lname == "set-cookie" else len(parts)  # the rest are attributes
        for i in range(count):
            name, eq, cookie = parts[i].partition("=")
            if eq and not is_placeholder(cookie):
                parts[i] = f"{name}={REDACTED}"
        return ";".join(parts)
    scheme = AUTH_SCHEME.match(value.strip())
    token = value.strip()[scheme.end() :] if scheme else value
    if is_placeholder(token):
        return value
    return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED


def redact_query(uri: str, names: frozenset[str], value: str | None = None) -> str:
    head, sep, rest = uri.partition("?")
    if not sep:
        return uri
    query, hash_, fragment = rest.partition("#")
    return head + sep + redact_pairs(query, names, value) + hash_ + fragment


def redact_pairs(encoded: str, names: frozenset[str], value: str | None = None) -> str:
    """Replace the values of `names` in `a=1&b=2`, leaving every other byte as it was.

    With `value`, every such value goes (masking); without, placeholders stay (redaction).
    """
    pairs = encoded.split("&")
    for i, pair in enumerate(pairs):
        name, eq, current = pair.partition("=")
        if eq and unquote_plus(name).lower() in names:
            if value is None and is_placeholder(unquote_plus(current)):
                continue
            pairs[i] = f"{name}={quote(value or REDACTED, safe='')}"
    return "&".join(pairs)


def _redact_body(message: Message, fields: frozenset[str], paths: list[tuple[Any, ...]]) -> Message:
    body = message.body
    if body.kind is BodyKind.JSON and paths:
        value = body.value
        for steps in paths:
            value = apply(value, steps, _redacted)
        if value != body.value:
            return with_body(message, json.dumps(value, ensure_ascii=False).encode(body.charset or "utf-8"))
    elif body.kind is BodyKind.FORM and fields and body.text is not None:
        text = redact_pairs(body.text, fields)
        if text != body.text:
            return with_body(message, text.encode(body.charset or "utf-8"))
    return message


def covered_values(interaction: Interaction, rules: RedactRules) -> list[Finding]:
    """The values `[tool.cassettes.redact]` would replace, as findings, for masking in place.

    The rules name what a project never wants kept, real-looking or not, so unlike the
    scanner this takes short values too; placeholders stay, and only string JSON values
    count (a number cannot be masked without changing its type).
    """
    idx = interaction.index
    headers = frozenset(h.lower() for h in rules.headers)
    fields = frozenset(q.lower() for q in rules.query)
    found: list[Finding] = []
    for side, message in (("request", interaction.request), ("response", interaction.response)):
        for name, value in message.headers:
            lname = name.lower()
            if lname not in headers:
                continue
            where = f"{side}.header.{name}"
            if lname in ("cookie", "set-cookie"):
                parts = value.split(";")[:1] if lname == "set-cookie" else value.split(";")
                for part in parts:
                    _, eq, cookie = part.strip().partition("=")
                    if eq and not is_placeholder(cookie):
                        found.append(Finding("cookie", idx, where, cookie.strip()))
                continue
            scheme = AUTH_SCHEME.match(value.strip())
            token = value.strip()[scheme.end() :] if scheme else value.strip()
            if not is_placeholder(token):
                kind = {"basic": "basic-auth", "bearer": "bearer-token"}.get(
                    scheme.group(1).lower() if scheme else "", "credential-header"
                )
                found.append(Finding(kind, idx, where, token))
        body = message.body
        if body.kind is BodyKind.FORM:
            for name, value in body.value:
                if name.lower() in fields and not is_placeholder(value):
                    found.append(Finding("secret-parameter", idx, f"{side}.body {name}", value))
        elif body.kind is BodyKind.JSON and rules.body:
            for path in rules.body:
                kind = "password" if PASSWORD_FIELD.search(path) else "token-in-body"
                found += [
                    Finding(kind, idx, f"{side}.body {path}", v)
                    for v in values_at(body.value, parse_path(path))
                    if isinstance(v, str) and not is_placeholder(v)
                ]
    for name, value in interaction.request.query:
        if name.lower() in fields and not is_placeholder(value):
            found.append(Finding("secret-parameter", idx, f"request.query.{name}", value))
    return dedupe(found)


def _redacted(value: Any) -> Any:
    if value is None or (isinstance(value, str) and is_placeholder(value)):
        return value
    return REDACTED
