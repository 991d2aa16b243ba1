"""Where each interaction starts in a cassette's text, and the line a value is on."""

from __future__ import annotations

import re
from bisect import bisect_right

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


class LineMap:
    """Offsets <-> 1-based lines of one text, from one pass over its newlines, made on first use:
    asking for many lines costs a bisect each, never a search from the top of the file."""

    def __init__(self, text: str):
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in re.finditer("\n", self.text))]
        return self._starts

    def line_at(self, offset: int) -> int:
        """The 1-based line that holds `offset`."""
        return bisect_right(self.starts, offset)

    def offset_of(self, line: int) -> int:
        """Where 1-based `line` starts; the last line's start past the end."""
        starts = self.starts
        return starts[min(max(line, 1), len(starts)) - 1]


def line_of(
    text: str, needle: str, start_line: int | None = None, lines: LineMap | None = None
) -> int | None:
    """The 1-based line of the first occurrence of `needle` at or after `start_line`."""
    if not needle:
        return None
    lines = lines or LineMap(text)
    start = lines.offset_of(start_line) if start_line and start_line > 1 else 0
    found = text.find(needle, start)
    if found < 0:
        return None
    return lines.line_at(found)
