"""Credentials in a cassette file: its interactions as read, and what only the text shows.

A YAML loader keeps the last of two duplicate keys and drops comments, so a secret under
an `Authorization` key hidden by a later placeholder, or in a `# recorded with TOKEN=...`
comment, is in the file but not in the records. The file's text is searched for shapes
and for credential-named keys too, and each finding is placed on the line that holds it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from cassettes_tool.cassette.lines import LineMap
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.secret import Finding
from cassettes_tool.secrets.rules import (
    AUTH_SCHEME,
    field_kind,
    is_placeholder,
    looks_real,
)
from cassettes_tool.secrets.scan import scan_interaction
from cassettes_tool.secrets.shapes import shape_matches

#: `# GITHUB_TOKEN=ghp_...` and a credential header's block-list value (`Authorization:\n - Bearer x`)
_COMMENT = re.compile(r"\n[ \t]*#([^\n]*)")
_ASSIGN = re.compile(r"([A-Za-z_][\w.-]*)\s*[=:]\s*[\"']?([^\s\"',;]+)")
_HEADER_NAMES = (
    r"authorization|proxy-authorization|x-api-key|x-auth|x-auth-token|private-token"
    r"|x-goog-api-key|x-session-token|x-vault-token"
)
_HEADER_NAME = re.compile(rf"^(?:{_HEADER_NAMES})$", re.IGNORECASE)
_HEADER_ITEM = re.compile(
    rf"^[ \t]*[\"']?({_HEADER_NAMES})[\"']?[ \t]*:[ \t]*\n[ \t]*-[ \t]*[\"']?([^\n\"']+)",
    re.MULTILINE | re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Located:
    """A finding and the line of the file that holds it."""

    finding: Finding
    line: int | None


def find_in_cassette(
    loaded: Cassette,
    *,
    headers: Iterable[str] = (),
    fields: Iterable[str] = (),
    lookalikes: bool = False,
) -> list[Located]:
    """Every credential in a cassette: each interaction's, then what only its text holds."""
    headers, fields = tuple(headers), tuple(fields)
    starts = [i.line for i in loaded.interactions]
    bounds = bounds_of(loaded.text, starts)
    found: list[Located] = []
    for interaction in loaded.interactions:
        for finding in scan_interaction(interaction, headers=headers, fields=fields, lookalikes=lookalikes):
            found.append(Located(finding, line_in(loaded.text, finding, bounds)))
    seen = {located.finding.value for located in found} | {located.finding.secret for located in found}
    lines = LineMap(loaded.text)
    known = sorted((start, i) for i, start in enumerate(starts) if start is not None)
    for offset, kind, value in _text_only(loaded):
        if value in seen or not loaded.interactions:
            continue
        seen.add(value)
        line = lines.line_at(offset)
        index = _interaction_at(known, line)
        found.append(Located(Finding(kind, index, "file text", value), line))
    return found


def _text_only(loaded: Cassette) -> Iterable[tuple[int, str, str]]:
    """What the records do not hold: YAML comments, and a credential header written twice
    (the loader keeps the last one). Everything else in the text is in the records."""
    text = loaded.text
    if loaded.serializer == "json":
        return
    if "\n#" in text or "\n #" in text or "  #" in text:
        for comment in _COMMENT.finditer(text):
            body = comment.group(1)
            for kind, value in shape_matches(body):
                yield comment.start(1) + body.find(value), kind, value
            for assign in _ASSIGN.finditer(body):
                name, value = assign.group(1), assign.group(2)
                if field_kind(name) and looks_real(value, name):
                    yield comment.start(1) + assign.start(2), "token-in-body", value
    if _written_twice(loaded):
        for item in _HEADER_ITEM.finditer(text):
            token = AUTH_SCHEME.sub("", item.group(2).strip())
            if not is_placeholder(token) and looks_real(token):
                yield item.start(2), "credential-header", token


def _written_twice(loaded: Cassette) -> bool:
    """A credential header's name stands in the text more often than the records hold it."""
    counts: dict[str, int] = {}
    for interaction in loaded.interactions:
        for name, _ in interaction.request.headers:
            if _HEADER_NAME.match(name):
                counts[name] = counts.get(name, 0) + 1
    return any(loaded.text.count(f"{name}:") > count for name, count in counts.items())


def _interaction_at(known: list[tuple[int, int]], line: int) -> int:
    """The interaction whose text holds `line`: the last (by start line) to start at or before it."""
    at = bisect_right(known, (line, len(known)))
    return known[at - 1][1] if at else 0


def line_in(text: str, finding: Finding, bounds: list[tuple[int, int, int] | None]) -> int | None:
    """The line of the value within its own interaction's text; the interaction's first line
    when the value is not written there as is (a gzip body, an escaped scalar)."""
    index = finding.interaction
    bound = bounds[index] if index < len(bounds) else None
    if bound is None:
        return None
    line, begin, end = bound
    for needle in (finding.value, finding.value[:24], finding.value[:12]):
        if len(needle) >= 4:
            found = text.find(needle, begin, end)
            if found >= 0:
                return line + text.count("\n", begin, found)
    return line


def bounds_of(text: str, starts: list[int | None]) -> list[tuple[int, int, int] | None]:
    """(first line, start offset, end offset) of each interaction's text, in one pass."""
    offsets: dict[int, int] = {}
    wanted = sorted({s for s in starts if s is not None})
    pos, line = 0, 1
    for target in wanted:
        while line < target:
            nxt = text.find("\n", pos)
            if nxt < 0:
                break
            pos, line = nxt + 1, line + 1
        offsets[target] = pos
    out: list[tuple[int, int, int] | None] = []
    end = len(text)
    for start in reversed(starts):
        if start is None or start not in offsets:
            out.append(None)
            continue
        out.append((start, offsets[start], end))
        end = offsets[start]
    return out[::-1]
