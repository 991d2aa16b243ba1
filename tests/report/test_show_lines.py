"""`show` writes JSON a line at a time: the lines are those of `json.dumps(indent=2)` split
as before, with textconv's kinds, for any JSON value (never a masked copy, never the whole text)."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool.diff import DiffRules, volatile
from cassettes_tool.report import show

_BARE_IN_JSON = re.compile(r'"\\u0000([\w:-]+)\\u0000"')


def reference_lines(value: Any, *, textconv: bool, rules: DiffRules) -> list[str]:
    """The rendering before it streamed: a masked copy, dumped whole, then split."""

    def masked(item: Any, path: tuple[Any, ...]) -> Any:
        if textconv and rules.ignore_body and path and rules.ignores(path):
            return show.IGNORED
        if isinstance(item, dict):
            return {key: masked(inner, (*path, key)) for key, inner in item.items()}
        if isinstance(item, list):
            return [masked(inner, (*path, index)) for index, inner in enumerate(item)]
        kind = volatile.format_of(item)
        if isinstance(item, str):
            return f"<{kind}>" if kind else volatile.mask_text(item)
        return f"\x00{kind}\x00" if kind else item

    if not textconv:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2).splitlines()
    text = json.dumps(masked(value, ()), sort_keys=True, ensure_ascii=False, indent=2)
    return _BARE_IN_JSON.sub(r"<\1>", text).splitlines()


_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "2026-03-16T19:22:23Z",
            "0a5d2f34-6baa-4455-a3e7-0682c2094cac",
            "ch_82e2f728b4fa",
            "line\u2028break",
            "next\x85line",
            "\x00epoch\x00",
            "Zoë",
            "a\nb",
        ]
    ),
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 2 * 10**9),
    st.sampled_from([1773688943, 1.5, -0.0, 1e300, float("nan"), float("inf")]),
    st.floats(allow_nan=False),
    _TEXT,
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=25,
)
_RULES = st.sampled_from([DiffRules(), DiffRules(ignore_body=("$.a", "$..id", "$[0]"))])


@settings(max_examples=300, deadline=None)
@given(value=_JSON, textconv=st.booleans(), rules=_RULES)
def test_lines_are_those_of_the_whole_dump(value: Any, textconv: bool, rules: DiffRules) -> None:
    shower = show._Shower(textconv, rules)
    assert list(shower.json_lines(value)) == reference_lines(value, textconv=textconv, rules=rules)


def test_an_ignored_object_is_one_line() -> None:
    shower = show._Shower(True, DiffRules(ignore_body=("$.meta",)))
    value = {"meta": {"request_id": "x", "at": [1, 2]}, "id": "0a5d2f34-6baa-4455-a3e7-0682c2094cac"}
    assert list(shower.json_lines(value)) == ["{", '  "id": "<uuid>",', '  "meta": "<ignored>"', "}"]


def test_each_interaction_is_let_go_once_written(monkeypatch: Any) -> None:
    """`show` holds one interaction's rendering at a time: when the second interaction's first
    line is written, the first one's body (with its parsed JSON) is already freed."""
    import gc
    import weakref
    from pathlib import Path

    from cassettes_tool.commands import show as command

    sample = Path(__file__).resolve().parents[2] / "sample_cassettes" / "auth" / "login.yaml"
    bodies: list[weakref.ref[Any]] = []
    load = command.cassette.load

    def watched(*args: Any) -> Any:
        loaded = load(*args)
        bodies.extend(weakref.ref(item.response.body) for item in loaded.interactions)
        return loaded

    monkeypatch.setattr(command.cassette, "load", watched)
    lines = command.run(sample, textconv=True)
    for line in lines:
        if line.startswith("[1] "):
            break
    gc.collect()
    assert len(bodies) >= 2
    assert bodies[0]() is None
    assert bodies[1]() is not None
    assert sum(1 for _ in lines) > 0
