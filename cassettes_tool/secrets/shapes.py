"""Credential shapes in long text at the speed of a character search.

The combined shape expression starts with a word boundary, so `re` cannot skip ahead: over a
5 MB body it tries every alternative at every character (about 1 MB/s). Every shape starts
with a literal the rule table declares (`eyJ`, `AKIA`, `ghp_`, ...). Each literal is looked
for through one rare character in it (`J`, `I`, `_`, `-`, `B`, `b`): an expression that begins
with a single character is searched as fast as `memchr`, and the lookarounds around that
character confirm the literal. The full expression is tried only where a literal starts, so
`shape_spans(text)` yields exactly the matches of `SHAPE.finditer(text)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cassettes_tool.secrets.rules import AUTH_SCHEME, SHAPE, SHAPE_HINT, SHAPE_KINDS, SHAPE_STARTS, looks_real

#: characters to anchor on, cheapest first: rare in JSON, prose and base64 alike
_ANCHOR_ORDER = "J-_IBbKQZXVWYUGOHFEDCAzqjxkvwyfgpmhucldrsnoiaet"
#: below this length one combined search is cheaper than one search per anchor
_LONG = 512
#: an anchor more frequent than 1 in `_COMMON` characters of the first `_SAMPLE` is too common
_SAMPLE, _COMMON = 1 << 16, 100


def _anchor(literal: str) -> int:
    """The index of the character of `literal` to search for."""

    def rank(i: int) -> int:
        found = _ANCHOR_ORDER.find(literal[i])
        return found if found >= 0 else len(_ANCHOR_ORDER)

    return min(range(len(literal)), key=rank)


_Anchor = tuple[str, re.Pattern[str], tuple[tuple[str, int], ...]]


def _anchors(literals: tuple[str, ...]) -> tuple[_Anchor, ...]:
    """Per anchor character: one expression (the character, then lookarounds that confirm one of
    its literals) and those literals with the anchor's index in each."""
    by_char: dict[str, list[tuple[str, int]]] = {}
    for literal in literals:
        at = _anchor(literal)
        by_char.setdefault(literal[at], []).append((literal, at))
    anchors = []
    for char, group in by_char.items():
        options = []
        for literal, at in group:
            before = f"(?<={re.escape(literal[: at + 1])})" if at else ""
            after = f"(?={re.escape(literal[at + 1 :])})" if at + 1 < len(literal) else ""
            options.append(before + after)
        pattern = re.compile(re.escape(char) + "(?:" + "|".join(options) + ")")
        anchors.append((char, pattern, tuple(group)))
    return tuple(anchors)


_ANCHORS = _anchors(SHAPE_STARTS)


def _by_prefix(literals: tuple[tuple[str, int], ...]) -> tuple[re.Pattern[str], ...]:
    """One expression per two-character prefix the literals share (`gh` of `ghp_`, `gho_`, ...):
    `re` then searches for the prefix itself, as fast as `str.find`."""
    groups: dict[str, list[str]] = {}
    for literal, _ in literals:
        groups.setdefault(literal[:2], []).append(literal)
    return tuple(re.compile("|".join(re.escape(lit) for lit in group)) for group in groups.values())


_PREFIXED = {char: _by_prefix(literals) for char, _, literals in _ANCHORS}


def literal_starts(text: str) -> list[int]:
    """Where a shape literal starts in `text`, in order: the only places a shape can match.

    Each hit of an anchor costs `re` a fresh match attempt; where the anchor is common (the
    `_` of `content_block_delta` in an LLM stream) the literals are searched by their prefixes.
    """
    found: set[int] = set()
    for char, pattern, literals in _ANCHORS:
        if text.count(char, 0, _SAMPLE) * _COMMON > min(len(text), _SAMPLE):
            for prefixed in _PREFIXED[char]:
                found.update(match.start() for match in prefixed.finditer(text))
            continue
        for match in pattern.finditer(text):
            anchor = match.start()
            for literal, at in literals:
                if text.startswith(literal, anchor - at):
                    found.add(anchor - at)
    return sorted(found)


def shape_spans(text: str) -> Iterator[re.Match[str]]:
    """Exactly `SHAPE.finditer(text)`: leftmost matches, none overlapping, tried where literals start."""
    if len(text) < _LONG:
        if SHAPE_HINT.search(text):
            yield from SHAPE.finditer(text)
        return
    end = 0
    for start in literal_starts(text):
        if start < end:
            continue
        match = SHAPE.match(text, start)
        if match is not None:
            end = match.end()
            yield match


def shape_matches(text: str) -> list[tuple[str, str]]:
    """(kind, value) of each shape in `text`; a bearer token only when its token looks real.

    A list, and the common answer (a short string without any literal) given before any
    generator is made: the scan asks this of every string of a body it walks."""
    if len(text) < 16 or (len(text) < _LONG and SHAPE_HINT.search(text) is None):
        return []
    found = []
    for match in shape_spans(text):
        kind = SHAPE_KINDS[match.lastgroup or ""]
        value = match.group(match.lastgroup or 0)
        if kind == "bearer-token":
            value = AUTH_SCHEME.sub("", value)
            if not looks_real(value):
                continue
        found.append((kind, value))
    return found
