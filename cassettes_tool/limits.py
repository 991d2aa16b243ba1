"""Bounds on what a cassette or a staging answer may make us build: nesting and decoded size.

Past them a file is an error for that file (named, with why), never a crash of the run.
"""

from __future__ import annotations

import re

#: JSON nested deeper than this is refused: the diff, `show` and the renderers recurse per
#: level, and no API answer needs more (the deepest in the public corpus is under 20)
MAX_NESTING = 200

#: Decompressed bodies larger than this are refused (a gzip or brotli bomb).
MAX_DECODED_BYTES = 64 * 1024 * 1024

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")
#: how much of a body `too_deep` strips of strings at once
_WINDOW = 1 << 20


def too_deep(data: bytes, limit: int = MAX_NESTING) -> bool:
    """True when JSON text opens more than `limit` arrays or objects inside each other.

    Linear, without recursion: brackets inside strings are dropped first, and a body
    with fewer opening brackets than the limit is passed without looking further. The
    text is read a window at a time: dropping the strings of a whole body at once built a
    piece per string, 14x the body (a 15 MB body peaked at 225 MB).
    """
    if data.count(b"{") + data.count(b"[") <= limit:
        return False
    depth = 0
    start, size = 0, _WINDOW
    while start < len(data):
        window = data[start : start + size]
        outside = _STRING.sub(b"", window)
        cut = outside.find(b'"')
        if cut != -1 and start + size < len(data):
            # a string runs past the window: walk up to its quote, and start the next window there
            resume = len(window) - (len(outside) - cut)
            outside = outside[:cut]
            size = _WINDOW if resume else size * 2  # one string longer than the window: widen it
        else:
            resume, size = len(window), _WINDOW
        for bracket in outside.translate(None, _NOT_BRACKETS):
            depth += 1 if bracket in _OPENING else -1
            if depth > limit:
                return True
        start += resume
    return False


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"
