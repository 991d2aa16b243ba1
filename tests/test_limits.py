"""`too_deep` reads a body a window at a time, strings dropped: the answer is the depth of the JSON."""

from __future__ import annotations

import json
import re
from typing import Any

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


#: strings full of what could fool a count: brackets, quotes, backslashes (escaped by json.dumps)
_TEXT = st.text(alphabet='[]{}"\\:,a\n\u00e9', max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-9, 9) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=40,
)


def _encoded(value: Any, compact: bool) -> bytes:
    separators = (",", ":") if compact else (", ", ": ")
    return json.dumps(value, ensure_ascii=False, separators=separators).encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(value=_JSON, compact=st.booleans(), window=st.integers(1, 9), limit=st.integers(0, 6))
def test_the_depth_of_any_json_read_in_windows_of_any_size(
    value: Any, compact: bool, window: int, limit: int
) -> None:
    data = _encoded(value, compact)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(limits, "_WINDOW", window)
        assert limits.too_deep(data, limit) is (whole_body_depth(data) > limit)


#: text that is not JSON: brackets, quotes and escapes anywhere, across every window boundary
_PIECES = st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b'\\"', b"\\\\", b"a", b":", b",", b"\n"])


@settings(max_examples=400, deadline=None)
@given(data=st.lists(_PIECES, max_size=80).map(b"".join), window=st.integers(1, 9), limit=st.integers(0, 6))
def test_text_that_is_not_json_gets_one_answer_whatever_the_window(
    data: bytes, window: int, limit: int
) -> None:
    whole = limits.too_deep(data, limit)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(limits, "_WINDOW", window)
        assert limits.too_deep(data, limit) is whole


def test_brackets_in_strings_and_escaped_quotes_do_not_count() -> None:
    shallow = json.dumps([{"a": '"]]]' * 100 + "\\" + "[[[" * 100}] * 3).encode()
    assert whole_body_depth(shallow) == 2 and not limits.too_deep(shallow, limit=2)
    deep = b"[" * 201 + b'"\\"[[[\\\\"' + b"]" * 201
    assert limits.too_deep(deep) and not limits.too_deep(b"[" * 200 + b"]" * 200)


def test_a_run_of_backslashes_across_a_window_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body of backslashes (an attacker's, or a string of them) never cuts an escape in two."""
    monkeypatch.setattr(limits, "_WINDOW", 4)
    inner = "\\" * 9 + '"' + "[" * 20
    data = json.dumps([[inner, inner]]).encode()
    assert not limits.too_deep(data, limit=2) and limits.too_deep(data, limit=1)
    assert limits.too_deep(b"[" * 10 + b'"' + b"\\" * 1000 + b'"' + b"[" * 10, limit=15)
