"""One JSONPath reader for every rule that names a place in a body: ignore, ordered, redact.

A subset of JSONPath: `$.a.b`, `$..name`, `[*]`, `[0]`, `['odd key']`. Parsed once into
tokens; matched against the paths the diff walks and the redactor visits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any


class _Wild:
    """`[*]`: any element of an array."""

    def __repr__(self) -> str:
        return "[*]"


WILD = _Wild()


DESCEND = object()  # `..name`: at any depth


_PATH_TOKEN = re.compile(
    r"\.\.([A-Za-z_$][\w$-]*|\*)?|\.([A-Za-z_$][\w$-]*|\*)"
    r"|\[(\*|-?\d+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]"
)


_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def parse_path(text: str) -> tuple[Any, ...]:
    """`$.a..b[*][0]['c d']` -> ('a', DESCEND, 'b', WILD, 0, 'c d'). A subset of JSONPath."""
    text = text.strip()
    if not text.startswith("$"):
        raise ValueError(f"{text!r}: a JSON path starts with `$` (`$.field`, `$..field`)")
    rest = text[1:]
    tokens: list[Any] = []
    pos = 0
    while pos < len(rest):
        match = _PATH_TOKEN.match(rest, pos)
        if not match:
            raise ValueError(f"{text!r}: cannot read the path at {rest[pos:]!r}")
        pos = match.end()
        descend, name, bracket = match.groups()
        if match.group(0).startswith(".."):
            tokens.append(DESCEND)
            name = descend
        if name is not None:
            tokens.append(WILD if name == "*" else name)
        elif bracket is not None:
            if bracket == "*":
                tokens.append(WILD)
            elif bracket[0] in "'\"":
                tokens.append(_ESCAPE.sub(r"\1", bracket[1:-1]))
            else:
                tokens.append(int(bracket))
    return tuple(tokens)


def _token_matches(pattern: Any, token: Any) -> bool:
    if pattern is WILD:
        return token is WILD or isinstance(token, int)
    if isinstance(pattern, int):
        return token is WILD or token == pattern
    return bool(pattern == token)


def matches(pattern: Sequence[Any], path: Sequence[Any]) -> bool:
    if not pattern:
        return not path
    head = pattern[0]
    if head is DESCEND:
        return any(matches(pattern[1:], path[i:]) for i in range(len(path) + 1))
    return bool(path) and _token_matches(head, path[0]) and matches(pattern[1:], path[1:])


def matches_prefix(pattern: Sequence[Any], path: Sequence[Any]) -> bool:
    """True when the path or one of its ancestors matches: an ignored subtree is all ignored."""
    return any(matches(pattern, path[:n]) for n in range(len(path), -1, -1))


_SIMPLE_KEY = re.compile(r"[A-Za-z_][\w-]*")


def render_path(path: Iterable[Any]) -> str:
    out = ["$"]
    for token in path:
        if token is WILD:
            out.append("[*]")
        elif isinstance(token, int):
            out.append(f"[{token}]")
        elif _SIMPLE_KEY.fullmatch(token):
            out.append(f".{token}")
        else:
            quoted = token.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{quoted}']")
    return "".join(out)


def apply(node: Any, path: Sequence[Any], change: Callable[[Any], Any]) -> Any:
    """A copy of `node` with `change` applied to every value `path` (from `parse_path`) selects.

    `[*]` and `.*` select every element of an array and every value of an object; `..name`
    selects `name` at any depth, including inside what it already selected.
    """
    if not path:
        return change(node)
    head, rest = path[0], path[1:]
    if head is DESCEND:
        here = apply(node, rest, change)
        if isinstance(here, dict):
            return {key: apply(value, path, change) for key, value in here.items()}
        if isinstance(here, list):
            return [apply(value, path, change) for value in here]
        return here
    if isinstance(node, dict) and (head is WILD or isinstance(head, str)):
        return {
            key: apply(value, rest, change) if head is WILD or head == key else value
            for key, value in node.items()
        }
    if isinstance(node, list):
        if head is WILD:
            return [apply(value, rest, change) for value in node]
        if isinstance(head, int) and -len(node) <= head < len(node):
            position = head % len(node)
            return [apply(value, rest, change) if i == position else value for i, value in enumerate(node)]
    return node


def values_at(node: Any, path: Sequence[Any]) -> list[Any]:
    """Every value `path` selects in `node`."""
    seen: list[Any] = []

    def keep(value: Any) -> Any:
        seen.append(value)
        return value

    apply(node, path, keep)
    return seen
