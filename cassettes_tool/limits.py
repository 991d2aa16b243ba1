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


def too_deep(data: bytes, limit: int = MAX_NESTING) -> bool:
    """True when JSON text opens more than `limit` arrays or objects inside each other.

    Linear, without recursion: brackets inside strings are dropped first, and a body
    with fewer opening brackets than the limit is passed without looking further.
    """
    if data.count(b"{") + data.count(b"[") <= limit:
        return False
    depth = 0
    for bracket in _STRING.sub(b"", data).translate(None, _NOT_BRACKETS):
        if bracket in _OPENING:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"
