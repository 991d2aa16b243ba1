"""Find credentials left in cassettes.

Two nets: by name (a credential header, a secret-named query, form or JSON field with a
real-looking value) and by shape (JWTs, cloud and SaaS key formats, private key blocks,
bearer tokens in text), anywhere in headers, URIs and decoded bodies. Placeholders that
scrubbing leaves behind (`<REDACTED>`, `FILTERED`, `***`, `0000000000`) are not findings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote_plus, urlsplit, urlunsplit

from cassettes_tool.cassette import with_body
from cassettes_tool.config import DEFAULT_REDACT_HEADERS, DEFAULT_REDACT_QUERY, RedactRules
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Headers, Interaction, Message, Request, Response
from cassettes_tool.model.secret import Finding, Masked

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
    # the whole block, so that masking it leaves no key material behind
    (
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[A-Za-z0-9+/=\s\\n]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
    ),
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


# ---------------------------------------------------------------------------- redaction

#: What a redaction rule leaves in place of a value (masking leaves `<REDACTED:kind>`).
REDACTED = "<REDACTED>"
#: The kind of a target header value (a staging token) found echoed back in an answer.
TARGET_HEADER = "target-header"

_JSON_STEP = re.compile(
    r"""\.\.(?P<descendant>[^.\[\]]+)
      | \.(?P<child>[^.\[\]]+)
      | \[(?P<index>-?\d+)\]
      | \[(?P<all>\*)\]
      | \[(?P<quote>['"])(?P<quoted>.*?)(?P=quote)\]""",
    re.VERBOSE,
)
JsonStep = tuple[str, "str | int"]


def parse_json_path(path: str) -> tuple[JsonStep, ...]:
    """`$..password`, `$.a.b`, `$.items[*].token`, `$.a[0]`, `$['odd key']`: the subset rules use.

    Raises ValueError naming the part that is not understood.
    """
    if not path.startswith("$"):
        raise ValueError(f"{path!r}: a JSON path starts with `$`")
    steps: list[JsonStep] = []
    pos = 1
    while pos < len(path):
        match = _JSON_STEP.match(path, pos)
        if match is None:
            raise ValueError(f"{path!r}: cannot read the path at {path[pos:]!r}")
        if match.group("descendant") is not None:
            steps.append(("descendant", match.group("descendant")))
        elif match.group("child") is not None:
            steps.append(("child", match.group("child")))
        elif match.group("index") is not None:
            steps.append(("index", int(match.group("index"))))
        elif match.group("all") is not None:
            steps.append(("child", "*"))
        else:
            steps.append(("child", match.group("quoted")))
        pos = match.end()
    return tuple(steps)


def redact_interaction(interaction: Interaction, rules: RedactRules) -> Interaction:
    """Apply `[tool.cassettes.redact]`: header values, query and form fields, JSON body paths.

    Values that are already placeholders (`FILTERED`, `<REDACTED>`) stay as they are, so
    what the original recorded survives untouched. Raises ValueError on a bad JSON path.
    """
    headers = frozenset(h.lower() for h in rules.headers)
    fields = frozenset(q.lower() for q in rules.query)
    paths = [parse_json_path(p) for p in rules.body]
    request = interaction.request
    request = replace(
        request,
        uri=_redact_query(request.uri, fields),
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
    scheme = _AUTH_SCHEME.match(value.strip())
    token = value.strip()[scheme.end() :] if scheme else value
    if is_placeholder(token):
        return value
    return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED


def _redact_query(uri: str, names: frozenset[str], value: str | None = None) -> str:
    head, sep, rest = uri.partition("?")
    if not sep:
        return uri
    query, hash_, fragment = rest.partition("#")
    return head + sep + _redact_pairs(query, names, value) + hash_ + fragment


def _redact_pairs(encoded: str, names: frozenset[str], value: str | None = None) -> str:
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


def _redact_body(message: Message, fields: frozenset[str], paths: list[tuple[JsonStep, ...]]) -> Message:
    body = message.body
    if body.kind is BodyKind.JSON and paths:
        value = body.value
        for steps in paths:
            value = _at_path(value, steps, _redacted)
        if value != body.value:
            return with_body(message, json.dumps(value, ensure_ascii=False).encode(body.charset or "utf-8"))
    elif body.kind is BodyKind.FORM and fields and body.text is not None:
        text = _redact_pairs(body.text, fields)
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
            scheme = _AUTH_SCHEME.match(value.strip())
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
                kind = "password" if _PASSWORD_FIELD.search(path) else "token-in-body"
                found += [
                    Finding(kind, idx, f"{side}.body {path}", v)
                    for v in _values_at(body.value, parse_json_path(path))
                    if isinstance(v, str) and not is_placeholder(v)
                ]
    for name, value in interaction.request.query:
        if name.lower() in fields and not is_placeholder(value):
            found.append(Finding("secret-parameter", idx, f"request.query.{name}", value))
    return _dedupe(found)


def _values_at(node: Any, steps: tuple[JsonStep, ...]) -> list[Any]:
    seen: list[Any] = []

    def keep(value: Any) -> Any:
        seen.append(value)
        return value

    _at_path(node, steps, keep)
    return seen


def _redacted(value: Any) -> Any:
    if value is None or (isinstance(value, str) and is_placeholder(value)):
        return value
    return REDACTED


def _at_path(node: Any, steps: tuple[JsonStep, ...], change: Callable[[Any], Any]) -> Any:
    """A copy of `node` with `change` applied to every value the path selects."""
    if not steps:
        return change(node)
    (kind, arg), rest = steps[0], steps[1:]
    if kind == "index":
        if isinstance(node, list) and isinstance(arg, int) and -len(node) <= arg < len(node):
            position = arg % len(node)
            return [_at_path(v, rest, change) if i == position else v for i, v in enumerate(node)]
        return node
    if kind == "child":
        if isinstance(node, dict):
            return {k: _at_path(v, rest, change) if arg in ("*", k) else v for k, v in node.items()}
        if isinstance(node, list) and arg == "*":
            return [_at_path(v, rest, change) for v in node]
        return node
    # descendant: match here, then keep looking below
    if isinstance(node, dict):
        return {
            k: _at_path(_at_path(v, rest, change) if arg in ("*", k) else v, steps, change)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_at_path(v, steps, change) for v in node]
    return node


# ---------------------------------------------------------------------------- masking


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
        if looks_real(value):
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
        return _redact_query(uri, frozenset({part[len("query.") :].lower()}), new)
    parts = urlsplit(uri)
    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(new, safe='')}{at}{hostport}" if at else netloc))


def _mask_whole_body(body: Body, inner: str, new: str) -> str:
    """The value at the finding's JSON path or form field, else the whole body, becomes the placeholder."""
    if body.kind is BodyKind.FORM and body.text is not None:
        return _redact_pairs(body.text, frozenset({inner.lower()}), new)
    if body.kind is BodyKind.JSON and inner.startswith("$"):
        try:
            steps = parse_json_path(inner)
        except ValueError:
            return new
        return json.dumps(_at_path(body.value, steps, lambda _value: new), ensure_ascii=False)
    return new


_SECRET_NAME = re.compile(r"auth|token|key|secret|session|cookie|sign|pass", re.IGNORECASE)


def secret_values(headers: Iterable[tuple[str, str]], names: Iterable[str] = ()) -> tuple[str, ...]:
    """The credentials among headers a target sends, for `mask_interaction(known=...)`.

    Credential-named headers only (`Accept: application/json` is not a secret); a token
    without its auth scheme, so a masked `Bearer <REDACTED:...>` keeps its shape; a
    cookie header by each value.
    """
    credential = CREDENTIAL_HEADERS | {n.lower() for n in names}
    values: list[str] = []
    for name, value in headers:
        if name.lower() not in credential and not _SECRET_NAME.search(name):
            continue
        if name.lower() in ("cookie", "set-cookie"):
            values += [part.partition("=")[2].strip() for part in value.split(";")]
        else:
            values.append(_AUTH_SCHEME.sub("", value.strip()))  # the token alone covers the whole
    return tuple(v for v in dict.fromkeys(values) if looks_real(v))
