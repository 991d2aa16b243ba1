"""Where each interaction starts in a cassette's text, and the line a value is on."""

from __future__ import annotations

import re

# Patterns with a fixed first character: the regex engine skips to candidates fast.
_YAML_ITEM = re.compile(r"- +(?:request|response)\s*:")


_JSON_ITEM = re.compile(r'"(?:request|response)"\s*:')


class _Indents:
    """The whitespace before each match, asked in increasing order: each stretch of text is
    searched for a line break once, so a single-line cassette costs linear time, not quadratic."""

    def __init__(self, text: str):
        self.text = text
        self.line_start = 0
        self.seen = 0

    def before(self, start: int) -> str | None:
        """The whitespace from the line's start to `start`, or None when other text stands there."""
        newline = self.text.rfind("\n", self.seen, start)
        if newline >= 0:
            self.line_start = newline + 1
        self.seen = start
        if start - self.line_start > 256:
            return None  # an interaction is never indented this far: other text stands there
        indent = self.text[self.line_start : start]
        return indent if not indent.strip(" \t") else None


def interaction_lines(text: str, serializer: str, count: int) -> tuple[int, ...]:
    """1-based start line of each interaction, found in the text without a second parse.

    Only items at the indentation of the first one count, so a body that quotes a
    cassette does not shift the numbering. Empty when the layout is not recognised.
    """
    if count == 0:
        return ()
    if serializer == "json":
        return _json_lines(text, count)
    starts: list[int] = []
    indent: str | None = None
    indents = _Indents(text)
    for match in _YAML_ITEM.finditer(text):
        here = indents.before(match.start())
        if here is None:
            continue
        if indent is None:
            indent = here
        elif here != indent:
            continue
        starts.append(match.start())
    if len(starts) != count:
        return ()
    return _to_lines(text, starts)


def _json_lines(text: str, count: int) -> tuple[int, ...]:
    # Every interaction object holds both keys at one indentation: take the first of each pair.
    starts: list[int] = []
    indent: str | None = None
    indents = _Indents(text)
    for match in _JSON_ITEM.finditer(text):
        here = indents.before(match.start())
        if here is None:
            continue
        if indent is None:
            indent = here
        if here == indent:
            starts.append(match.start())
    if len(starts) != 2 * count:
        return ()
    return _to_lines(text, [text.rfind("{", 0, s) for s in starts[::2]])


def _to_lines(text: str, offsets: list[int]) -> tuple[int, ...]:
    lines = []
    line = 1
    pos = 0
    for offset in offsets:
        line += text.count("\n", pos, offset)
        pos = offset
        lines.append(line)
    return tuple(lines)


def line_of(text: str, needle: str, start_line: int | None = None) -> int | None:
    """The 1-based line of the first occurrence of `needle` at or after `start_line`."""
    if not needle:
        return None
    start = 0
    if start_line and start_line > 1:
        start = _offset_of_line(text, start_line)
    found = text.find(needle, start)
    if found < 0:
        return None
    return text.count("\n", 0, found) + 1


def _offset_of_line(text: str, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return pos
        pos = nxt + 1
    return pos
