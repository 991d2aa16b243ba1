"""`too_deep` reads a body a window at a time: the answer is the one the whole body gives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool import limits

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def whole_body_depth(data: bytes) -> int:
    """The deepest nesting, strings dropped from the whole body at once (the definition)."""
    depth = deepest = 0
    for byte in _STRING.sub(b"", data):
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


#: JSON-ish text that puts brackets, quotes and escapes across every window boundary
_PIECES = st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b'\\"', b"\\\\", b"a", b":", b",", b"\n"])


@settings(max_examples=400, deadline=None)
@given(data=st.lists(_PIECES, max_size=80).map(b"".join), window=st.integers(1, 9), limit=st.integers(0, 6))
def test_windowed_reading_agrees_with_the_whole_body(data: bytes, window: int, limit: int) -> None:
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(limits, "_WINDOW", window)
        assert limits.too_deep(data, limit) is (whole_body_depth(data) > limit)


def test_a_string_longer_than_the_window_hides_its_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "_WINDOW", 4)
    assert not limits.too_deep(b'[{"' + b"[[[[" * 10 + b'"}]', limit=3)
    assert limits.too_deep(b'[{"' + b"[[[[" * 10 + b'"}[[[]]]]', limit=3)
