"""Bounds on what a cassette or a staging answer may make us build: nesting and decoded size.

Past them a file is an error for that file (named, with why), never a crash of the run.
"""

from __future__ import annotations

import re
from itertools import accumulate

#: JSON nested deeper than this is refused: the diff, `show` and the renderers recurse per
#: level, and no API answer needs more (the deepest in the public corpus is under 20)
MAX_NESTING = 200

#: Decompressed bodies larger than this are refused (a gzip or brotli bomb).
MAX_DECODED_BYTES = 64 * 1024 * 1024

#: what `too_deep` reads of a body: brackets, and the quotes that bound the strings they hide in
_NOT_BRACKETS_NOR_QUOTES = bytes(b for b in range(256) if b not in b'[]{}"')
#: what each of them does to the depth
_STEP = tuple(1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256))
#: how much of a body `too_deep` reads at once
_WINDOW = 1 << 20
_BACKSLASH = 0x5C
_NOT_BACKSLASH = re.compile(rb"[^\\]")


def too_deep(data: bytes, limit: int = MAX_NESTING) -> bool:
    """True when JSON text opens more than `limit` arrays or objects inside each other.

    Linear, without recursion, and in C but for the loop over windows: a body with fewer
    opening brackets than the limit is passed at once. Otherwise escaped backslashes and
    quotes are blanked, every byte but brackets and quotes dropped, and the text split at
    its quotes: every other piece is a string's, whose brackets do not count. The depth is
    the running sum over the rest (`accumulate`). Read a window at a time, never cutting an
    escape in two, so that a large body is never copied whole: the regular expression that
    dropped strings before built a piece per string (14x the body) and read 65 MB/s.

    Exact for a text that is JSON. For one that is not (a backslash outside any string, a
    string never closed), the answer may differ from a count by hand; no parser then reads
    the text as JSON, so nothing recurses on it either way.
    """
    if data.count(b"{") + data.count(b"[") <= limit:
        return False
    depth, in_string = 0, False
    start, size = 0, len(data)
    while start < size:
        end = min(start + _WINDOW, size)
        if end < size and data[end - 1] == _BACKSLASH:  # on to the byte a run of them escapes
            after = _NOT_BACKSLASH.search(data, end)
            end = after.end() if after else size
        window = data[start:end]
        if b"\\" in window:
            # `\\` before `\"`: a run of backslashes pairs from its start
            window = window.replace(b"\\\\", b"__").replace(b'\\"', b"__")
        pieces = window.translate(None, _NOT_BRACKETS_NOR_QUOTES).split(b'"')
        outside = b"".join(pieces[1::2] if in_string else pieces[0::2])
        in_string ^= len(pieces) % 2 == 0
        if outside:
            if max(accumulate(map(_STEP.__getitem__, outside), initial=depth)) > limit:
                return True
            depth += 2 * (outside.count(b"[") + outside.count(b"{")) - len(outside)
        start = end
    return False


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"
