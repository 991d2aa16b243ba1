"""The one masker every value that leaves the tool passes: reports, manifests, commit messages, errors.

Files are masked record by record (`mask_interaction`); what is printed or written as text
passes `mask_text`: the target's own credentials (remembered when a target is resolved),
passwords in URL userinfo, credential shapes, and secret-named `name=value` / `"name": "value"`
pairs. Placeholders stay; what is left readable is the shape around the value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from cassettes_tool.config import Target
from cassettes_tool.secrets.rules import (
    AUTH_SCHEME,
    CURSOR,
    SHAPE,
    SHAPE_HINT,
    SHAPE_KINDS,
    field_kind,
    is_placeholder,
    looks_real,
    may_name_credential,
    password_value,
)

#: values that must never be shown whatever their shape: a target's credentials in this process
_KNOWN: set[str] = set()
_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@\"'<>]*):([^/\s@\"'<>]+)@")
#: `name=value`, `"name": "value"`, `name: value`. The name is the run of word characters, dots
#: and dashes from its first letter or underscore on; the match starts only where such a run
#: does, so a long token is not tried again from each of its characters (quadratic before)
_PAIR = re.compile(
    r"""(?<![\w.-])((?:[^\W_A-Za-z]|[.-])*)([A-Za-z_][\w.-]*)(=|["']?\s*:\s*["']|:\s+)([^\s&#"'<>,;]+)"""
)


def remember_target(target: Target) -> None:
    """A resolved target's credentials (every header value, base URL passwords) are never shown."""
    remember(*target.headers.values())
    for header in target.headers.values():
        remember(AUTH_SCHEME.sub("", header.strip()))
    for url in target.hosts.values():
        try:
            password = urlsplit(url).password
        except ValueError:
            continue
        if password:
            remember(password)


def remember(*values: str) -> None:
    """Values never shown from now on (a staging token): each at least 4 characters long."""
    _KNOWN.update(v for v in values if len(v.strip()) >= 4 and not is_placeholder(v))


def mask_markup(text: str) -> str:
    """`mask_text` for XML and HTML: the placeholder is written as an escaped `<REDACTED:kind>`,
    so a masked value reads the same and the document stays well-formed."""
    masked = mask_text(text)
    if masked == text:
        return text
    return _PLACEHOLDER.sub(lambda m: f"&lt;{m.group(1)}&gt;", masked)


_PLACEHOLDER = re.compile(r"<(REDACTED:[a-z0-9-]+)>")


def mask_text(text: str) -> str:
    """`text` with every credential it holds replaced by `<REDACTED:kind>`."""
    if not text:
        return text
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, "<REDACTED:target-header>")
    if "@" in text:
        text = _USERINFO.sub(_userinfo, text)
    if SHAPE_HINT.search(text):
        text = SHAPE.sub(_shape, text)
    if ("=" in text or ":" in text) and may_name_credential(text):
        text = _PAIR.sub(_pair, text)
    return text


def _userinfo(match: re.Match[str]) -> str:
    if is_placeholder(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}:<REDACTED:url-password>@"


def _shape(match: re.Match[str]) -> str:
    kind = SHAPE_KINDS[match.lastgroup or ""]
    whole = match.group(0)
    if kind == "bearer-token":
        token = match.group(match.lastgroup or 0).split()[-1]
        if not looks_real(token):
            return whole
        return whole[: len(whole) - len(token)] + "<REDACTED:bearer-token>"
    return f"<REDACTED:{kind}>"


def _pair(match: re.Match[str]) -> str:
    before, name, sep, value = match.groups()
    placeholder = named_placeholder(name, value)
    if placeholder is None:
        return match.group(0)
    return f"{before}{name}{sep}{placeholder}"


def named_placeholder(name: str, value: str) -> str | None:
    """What a value shows as under a credential's name (`password`, `api_key`, ...): its
    placeholder; None when the name is no credential's or the value is none (a placeholder,
    a status word, a scheme name, our own excerpt of an already masked value)."""
    kind = field_kind(name)
    if kind is None or value.startswith("<REDACTED") or value.lower() in ("bearer", "basic", "token"):
        return None
    if "\u2026" in value:  # our own excerpt of a value (`eyJh…(120 chars)`): already masked
        return None
    if kind != "password" and CURSOR.match(value):  # as the finder judges it
        return None
    real = password_value(value) if kind == "password" else looks_real(value, name)
    if not real:
        return None
    return "<REDACTED:password>" if kind == "password" else "<REDACTED:secret-parameter>"


#: the last name of a rendered JSON path, past any index or wildcard (`$.keys[0]` -> `keys`)
_LAST_NAME = re.compile(r"(?:\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\])(?:\[(?:\*|\d+)\])*$")


def mask_at(path: str, value: Any) -> Any:
    """A value found at a JSON path (`$.password`, `$.data['api-key']`), as its placeholder when
    the path's last name is a credential's. Reports print a change's path and its values
    apart (`"path": "$.password", "old": "hunter2"`): `mask_text`, reading values, would
    see no name."""
    if not isinstance(value, str):
        return value
    found = _LAST_NAME.search(path)
    name = (found.group(1) or found.group(2)) if found else None
    return (named_placeholder(name, value) or value) if name else value
