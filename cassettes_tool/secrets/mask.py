"""Mask in place what no rule covered: each value becomes a placeholder that names its kind."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from cassettes_tool.cassette import with_body
from cassettes_tool.jsonpath import apply, parse_path
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Headers, Interaction, Message, Request, Response
from cassettes_tool.model.secret import Masked
from cassettes_tool.secrets.redact import redact_pairs, redact_query
from cassettes_tool.secrets.rules import (
    AUTH_SCHEME,
    CREDENTIAL_HEADERS,
    SECRET_NAME,
    TARGET_HEADER,
    is_placeholder,
)
from cassettes_tool.secrets.scan import scan_interaction


def mask_interaction(
    interaction: Interaction,
    *,
    headers: Iterable[str] = (),
    fields: Iterable[str] = (),
    known: Iterable[str] = (),
) -> tuple[Interaction, tuple[Masked, ...]]:
    """Mask in place every credential the scanner still finds, and every `known` value.

    `known` are values that must never be written whatever their shape (the tokens a
    target sends). A value that cannot be found where the scanner saw it (an encoding
    the text replacement misses) takes its whole header, query value or body with it.
    """
    masked: list[Masked] = []
    for value in known:
        if len(value.strip()) >= 4 and not is_placeholder(value):
            for where in _places(interaction):
                changed = _replace(interaction, where, value, f"<REDACTED:{TARGET_HEADER}>")
                if changed != interaction:
                    interaction = changed
                    masked.append(Masked(TARGET_HEADER, interaction.index, where))
    findings = scan_interaction(interaction, headers=headers, fields=fields)
    for finding in findings:
        interaction = _replace(interaction, finding.where, finding.value, finding.placeholder)
        masked.append(Masked(finding.kind, interaction.index, finding.where))
    for finding in scan_interaction(interaction, headers=headers, fields=fields):
        interaction = _replace(interaction, finding.where, finding.value, finding.placeholder, whole=True)
        masked.append(Masked(finding.kind, interaction.index, finding.where))
    return interaction, tuple(dict.fromkeys(masked))


def _places(interaction: Interaction) -> list[str]:
    places: list[str] = []
    for side in ("request", "response"):
        message: Request | Response = getattr(interaction, side)
        places += dict.fromkeys(f"{side}.header.{name}" for name, _ in message.headers)
        places.append(f"{side}.body")
    places.append("request.uri")
    return places


def _replace(interaction: Interaction, where: str, old: str, new: str, *, whole: bool = False) -> Interaction:
    """`old` replaced by `new` in the part of the interaction `where` names (a Finding's `where`)."""
    side, _, part = where.partition(".")
    if side == "request":
        return replace(interaction, request=_replace_in(interaction.request, part, old, new, whole))
    return replace(interaction, response=_replace_in(interaction.response, part, old, new, whole))


def _replace_in(message: Message, part: str, old: str, new: str, whole: bool) -> Message:
    if part.startswith("header."):
        name = part[len("header.") :]
        return replace(
            message,
            headers=Headers(
                tuple(
                    (key, (new if whole else _substitute(value, old, new)) if key == name else value)
                    for key, value in message.headers
                )
            ),
        )
    if part == "uri" or part.startswith("query."):
        assert isinstance(message, Request)
        if whole:
            return replace(message, uri=_mask_uri(message.uri, part, new))
        return replace(message, uri=_substitute(message.uri, old, quote(new, safe="")))
    # `body`, `body $.path` or `body field`
    body = message.body
    text = body.text
    if text is None:
        return message
    _, _, inner = part.partition(" ")
    replaced = _substitute(text, old, new) if not whole else _mask_whole_body(body, inner, new)
    if replaced == text:
        return message
    return with_body(message, replaced.encode(body.charset or "utf-8"))


def _substitute(text: str, old: str, new: str) -> str:
    """Replace `old` as written plain, JSON-escaped or percent-encoded."""
    for form in dict.fromkeys((old, json.dumps(old)[1:-1], quote(old, safe=""), quote_plus(old))):
        text = text.replace(form, new)
    return text


def _mask_uri(uri: str, part: str, new: str) -> str:
    if part.startswith("query."):
        return redact_query(uri, frozenset({part[len("query.") :].lower()}), new)
    parts = urlsplit(uri)
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(new, safe='')}{at}{hostport}" if at else netloc))


def _mask_whole_body(body: Body, inner: str, new: str) -> str:
    """The value at the finding's JSON path or form field, else the whole body, becomes the placeholder."""
    if body.kind is BodyKind.FORM and body.text is not None:
        return redact_pairs(body.text, frozenset({inner.lower()}), new)
    if body.kind is BodyKind.JSON and inner.startswith("$"):
        try:
            steps = parse_path(inner)
        except ValueError:
            return new
        return json.dumps(apply(body.value, steps, lambda _value: new), ensure_ascii=False)
    return new


def secret_values(headers: Iterable[tuple[str, str]], names: Iterable[str] = ()) -> tuple[str, ...]:
    """The credentials among headers a target sends, for `mask_interaction(known=...)`.

    Credential-named headers only (`Accept: application/json` is not a secret); a token
    without its auth scheme, so a masked `Bearer <REDACTED:...>` keeps its shape; a
    cookie header by each value.
    """
    credential = CREDENTIAL_HEADERS | {n.lower() for n in names}
    values: list[str] = []
    for name, value in headers:
        if name.lower() not in credential and not SECRET_NAME.search(name):
            continue
        if name.lower() in ("cookie", "set-cookie"):
            values += [part.partition("=")[2].strip() for part in value.split(";")]
        else:
            values.append(AUTH_SCHEME.sub("", value.strip()))  # the token alone covers the whole
    # a target's own value is masked whatever its shape (a word-like staging token too)
    return tuple(v for v in dict.fromkeys(values) if len(v.strip()) >= 4 and not is_placeholder(v))
