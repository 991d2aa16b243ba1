"""Paths as a report shows them: the short way for relative paths says what relpath says."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cassettes_tool.words import display_path

_PART = st.sampled_from(["a", ".", "", "..", "...", "..a", "b.c", "x y", "é", "~"])


@given(parts=st.lists(_PART, min_size=1, max_size=6), lead=st.sampled_from(["", "/", "./", "../"]))
def test_a_path_is_shown_as_relpath_shows_it(parts: list[str], lead: str) -> None:
    text = lead + "/".join(parts)
    if text:
        assert display_path(Path(text)) == os.path.relpath(Path(text))
        assert display_path(text) == os.path.relpath(text)  # type: ignore[arg-type]
