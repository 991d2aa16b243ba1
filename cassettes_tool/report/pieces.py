"""A long text report masked and handed out in pieces, each masked as the whole text would be.

The masker's patterns reach across a line break only through white space: a
`name: value` pair whose colon ends a line or starts the next one (blank lines between),
`Bearer` at a line's end, or a private key block. A piece therefore ends only before a
line that is not blank, where none of these can happen, and never after the start of a
key block; otherwise lines gather until such a break comes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cassettes_tool.secrets.masker import mask_text

#: a piece is handed out once it holds about this many characters
PIECE = 1 << 20


def masked_pieces(lines: Iterable[str]) -> Iterator[str]:
    """`mask_text("".join(lines))` in pieces that join to it; each line ends in its one `\\n`."""
    held: list[str] = []
    size = 0
    previous = ""
    key_block = False  # a piece holding the start of a key block runs to the end
    for line in lines:
        if size >= PIECE and not key_block and _breakable(previous, line):
            yield mask_text("".join(held))
            held, size = [], 0
        held.append(line)
        size += len(line)
        if line.strip():  # blank lines are white space the patterns reach across
            previous = line
        key_block = key_block or "-----BEGIN" in line
    if held:
        yield mask_text("".join(held))


def masked_text(text: str, *, piece: int = 1 << 14) -> str:
    """`mask_text(text)` for a text already whole (an indented JSON report), masked a few
    lines at a time and cut only where `masked_pieces` would cut: the masker's word and
    shape screens then pass over nearly every piece (one word of a report's summary,
    `"pass": 1`, had sent a whole 10 MB report through the `name=value` rule)."""
    pieces, start = [], 0
    while start < len(text):
        end = _cut(text, start, piece)
        pieces.append(mask_text(text[start:end]))
        start = end
    return "".join(pieces)


def _cut(text: str, start: int, piece: int) -> int:
    """Where the piece starting at `start` ends: after the first line break past `piece`
    characters between two lines that are not blank and that `_breakable` lets apart."""
    if "-----BEGIN" in text[start : start + piece]:
        return len(text)  # a key block runs to the end, as in `masked_pieces`
    at = start + piece
    while (end := text.find("\n", at)) != -1 and end + 1 < len(text):
        before = text[max(start, text.rfind("\n", start, end) + 1) : end]
        after_end = text.find("\n", end + 1)
        after = text[end + 1 : len(text) if after_end == -1 else after_end]
        if "-----BEGIN" in before:
            return len(text)
        if before.strip() and _breakable(before, after):
            return end + 1
        at = end + 1
    return len(text)


def _breakable(before: str, after: str) -> bool:
    """True when no masking pattern can match across the break between these two lines."""
    end, start = before.rstrip(), after.lstrip()
    if not start:  # a blank line: what follows it may still continue `before`
        return False
    return not (end.endswith(":") or start.startswith(":") or end.lower().endswith("bearer"))
