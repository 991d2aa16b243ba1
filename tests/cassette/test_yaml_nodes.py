"""The fast YAML reader builds exactly what vcrpy's own loader builds, or leaves the text to it."""

from __future__ import annotations

import datetime
import gc
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes_tool import cassette
from cassettes_tool.cassette.formats import yaml_nodes
from cassettes_tool.cassette.formats.vcr import deserialize_yaml, vcr_serializers
from cassettes_tool.errors import CassetteError

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = [ROOT / "tests" / "data", ROOT / "sample_cassettes", CORPUS]
#: scalars whose type depends on YAML 1.1's implicit rules, as PyYAML's SafeLoader applies them
TRICKY = [
    "yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "False", "~", "null", "Null", "",
    "0x1F", "0X1f", "0b101", "0o17", "017", "0", "-0", "+12", "1_000", "1:20", "-1:20:30.5",
    "190:20:30", "1e5", "1.5e+3", "1.0e-3", "6.8523015e+5", "1.", ".5", "+.5", "1_0.5_0",
    ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5", "2002-12-14T21:59:43Z", "2001-12-15 2:59:43.1", "=", "<<",
    "0.", "00", "09", "1__2", "--1", "1.2.3", "0x", "12:60", "Zoë", "日本", "💾", "a: b", "- x",
]  # fmt: skip


def _loader() -> type:
    loader: type = vcr_serializers()["yaml"]._CassetteLoader  # type: ignore[attr-defined]
    return loader


def vcrpy(text: str) -> Any:
    return vcr_serializers()["yaml"].deserialize(text)


def same(ours: Any, theirs: Any, seen: frozenset[tuple[int, int]] = frozenset()) -> bool:
    """Equal and of the same types all the way down: True is not 1, b"x" is not "x"."""
    if type(ours) is not type(theirs):
        return False
    if (id(ours), id(theirs)) in seen:  # a recursive alias, met again at the same place
        return True
    seen |= {(id(ours), id(theirs))}
    if isinstance(ours, dict):
        return len(ours) == len(theirs) and all(
            same(a, b, seen) and same(ours[a], theirs[b], seen) for a, b in zip(ours, theirs, strict=True)
        )
    if isinstance(ours, list | tuple):
        return len(ours) == len(theirs) and all(same(a, b, seen) for a, b in zip(ours, theirs, strict=True))
    if isinstance(ours, float) and math.isnan(ours):
        return math.isnan(theirs)
    if isinstance(ours, datetime.datetime):
        return bool(ours == theirs and ours.tzinfo == theirs.tzinfo)
    return bool(ours == theirs)


def outcome(read: Any, text: str) -> tuple[str, Any]:
    try:
        return "data", read(text)
    except Exception as exc:
        return "error", (type(exc), str(exc))


def assert_reads_as_vcrpy(text: str) -> None:
    ours, theirs = outcome(deserialize_yaml, text), outcome(vcrpy, text)
    assert ours[0] == theirs[0], (ours, theirs)
    assert same(ours[1], theirs[1]) if ours[0] == "data" else ours == theirs, (ours, theirs)


def _yaml_files() -> list[Path]:
    return sorted(
        path
        for folder in FOLDERS
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.suffix in (".yaml", ".yml") and path.is_file()
    )


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: p.name)
def test_every_yaml_file_reads_as_vcrpy_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert_reads_as_vcrpy(text)
    if outcome(vcrpy, text)[0] == "data" and "!!python" not in text:
        assert yaml_nodes.read(text, _loader()) is not yaml_nodes.UNREAD  # the fast path read it


@pytest.mark.parametrize("scalar", TRICKY)
@pytest.mark.parametrize("form", ["{}", "'{}'", '"{}"', "!!str {}", "!!int {}", "!!float {}", "!!bool {}"])
def test_each_scalar_resolves_as_pyyaml_resolves_it(scalar: str, form: str) -> None:
    value = form.format(scalar) if scalar else form.format("").rstrip()
    assert_reads_as_vcrpy(f"key: {value}\nlist:\n- {value}\n- [{value}]\n")


def _tokens() -> st.SearchStrategy[str]:
    alphabet = st.sampled_from("0123456789_:.+-eExXoObBinfaINFAN~tTyYsS")
    return st.one_of(st.sampled_from(TRICKY[:-3]), st.text(alphabet, min_size=1, max_size=10))


@settings(max_examples=300, deadline=None)
@given(st.lists(_tokens(), min_size=1, max_size=12))
def test_plain_scalars_that_look_like_numbers_resolve_as_pyyaml_resolves_them(tokens: list[str]) -> None:
    assert_reads_as_vcrpy("".join(f"- {token}\n" for token in tokens))


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from(TRICKY),
    st.text(),
    st.binary(max_size=64),
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(datetime.timezone.utc)),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_interaction = st.fixed_dictionaries(
    {
        "request": st.fixed_dictionaries(
            {
                "method": st.sampled_from(["GET", "POST"]),
                "uri": st.text(),
                "body": st.none() | st.binary(max_size=32) | st.text(),
                "headers": st.dictionaries(
                    st.text(max_size=12), st.lists(st.sampled_from(TRICKY) | st.text())
                ),
            }
        ),
        "response": st.fixed_dictionaries(
            {
                "status": st.fixed_dictionaries({"code": st.integers(100, 599), "message": st.text()}),
                "headers": st.dictionaries(st.text(max_size=12), st.lists(st.text(max_size=20))),
                "body": st.fixed_dictionaries({"string": st.binary() | st.text()}),
                "parsed_body": _values,
            }
        ),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_interaction, max_size=3), st.sampled_from([None, False, True]))
def test_random_cassettes_read_as_vcrpy_reads_them(interactions: list[Any], flow: bool | None) -> None:
    data = {"interactions": interactions, "version": 1}
    assert_reads_as_vcrpy(vcr_serializers()["yaml"].serialize(data))
    assert_reads_as_vcrpy(yaml.dump(data, default_flow_style=flow, allow_unicode=not flow, width=40))


def test_anchored_nodes_are_built_once_and_shared_as_pyyaml_shares_them() -> None:
    text = "a: &x {k: [1, 2]}\nb: [*x, *x]\nc: &s !!binary aGk=\nd: [*s, *s]\n"
    data = yaml_nodes.read(text, _loader())
    assert data["b"][0] is data["a"] and data["b"][1] is data["a"]
    assert data["d"][0] is data["c"] == b"hi"
    assert_reads_as_vcrpy(text)


def test_a_billion_laughs_is_built_as_a_small_graph_and_then_refused(tmp_path: Path) -> None:
    lines = ["interactions: []", 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
    text = "\n".join(lines) + "\n"
    assert yaml_nodes.read(text, _loader()) is not yaml_nodes.UNREAD  # nine levels, built in no time
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteError, match="billion laughs"):
        cassette.load(path)


@pytest.mark.parametrize("newline", ["\n", "\r", "\x85", "\u2028"])
def test_a_text_with_anchors_and_its_expansion_read_alike(newline: str) -> None:
    """Texts without anchors are built node by node with nothing remembered; with an anchor
    anywhere libyaml takes one, aliases share what their anchor built, as in PyYAML."""
    anchored = newline.join(
        ["h: &h {Accept: [application/json], n: [1, 2.5, yes, ~, 0x1F]}", "a: [*h, *h]", "q: x?a=1&b=2", ""]
    )
    expanded = newline.join(
        [
            "h: {Accept: [application/json], n: [1, 2.5, yes, ~, 0x1F]}",
            "a: [{Accept: [application/json], n: [1, 2.5, yes, ~, 0x1F]},"
            " {Accept: [application/json], n: [1, 2.5, yes, ~, 0x1F]}]",
            "q: x?a=1&b=2",
            "",
        ]
    )
    assert not yaml_nodes.has_node_mark(expanded, "&")
    ours, plain = yaml_nodes.read(anchored, _loader()), yaml_nodes.read(expanded, _loader())
    assert same(ours, plain) and same(ours, vcrpy(anchored)) and same(plain, vcrpy(expanded))
    assert ours["a"][0] is ours["h"] and plain["a"][0] is not plain["h"]
    assert_reads_as_vcrpy(anchored)
    assert_reads_as_vcrpy(expanded)


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\x85", "\u2028", "\u2029"])
def test_a_billion_laughs_on_any_line_break_is_refused(tmp_path: Path, newline: str) -> None:
    """libyaml breaks lines on a lone CR, NEL, LS and PS too: an anchor at the start of such
    a line is still an anchor, and the alias walk must still run."""
    lines = ["interactions: [", "&a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol],"]
    lines += [f"&a{n} [{', '.join([f'*a{n - 1}'] * 9)}]," for n in range(1, 10)]
    text = newline.join([*lines, "*a9]"]) + newline
    assert yaml_nodes.has_node_mark(text, "&") and yaml_nodes.has_node_mark(text, "*")
    path = tmp_path / "bomb.yaml"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(CassetteError, match="billion laughs"):
        cassette.load(path)


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("\ufeff&a [1]\n", True),  # after a byte-order mark
        ("{?&a k: v}\n", True),  # a flow key's anchor
        ("a: [*a]\n", True),
        ("uri: http://x/?a=1&b=2\n", False),
        ("accept: '*/*'\n", False),
        ("a: b & c\n", False),
    ],
)
def test_node_marks_are_found_wherever_libyaml_takes_them(text: str, marked: bool) -> None:
    mark = "*" if "*a" in text or "*/" in text else "&"
    assert yaml_nodes.has_node_mark(text, mark) is marked


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {a: 1}\nmerged:\n  <<: *b\n  c: 2\n",  # a merge key
        "a: &r [1, *r]\n",  # a recursive alias
        "s: !!set {a, b}\n",
        "o: !!omap [{a: 1}]\n",
        "t: !!python/tuple [1, 2]\n",
        "u: !!python/unicode text\n",
        "= : x\n",
        "k: [a, b]: c\n",
        "? [a, b]\n: c\n",  # an unhashable key: vcrpy's error
        "a: *nowhere\n",
        "a: 'unclosed\nb: c\n",
        "a: 1\n---\nb: 2\n",
    ],
)
def test_unusual_shapes_are_left_to_vcrpy(text: str) -> None:
    assert yaml_nodes.read(text, _loader()) is yaml_nodes.UNREAD
    assert_reads_as_vcrpy(text)


def test_unsafe_tags_are_refused_by_vcrpy_and_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "PWNED"
    text = f"interactions:\n- request: !!python/object/apply:os.system ['touch {marker}']\n"
    assert yaml_nodes.read(text, _loader()) is yaml_nodes.UNREAD
    path = tmp_path / "unsafe.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteError, match="refused by the safe loader") as raised:
        cassette.load(path)
    assert raised.value.line == 2 and not marker.exists()


def test_empty_and_comment_only_documents_read_as_none() -> None:
    for text in ("", "# nothing\n", "---\n", "--- ~\n"):
        assert_reads_as_vcrpy(text)


def test_a_loader_that_constructs_otherwise_is_left_to_itself() -> None:
    class OwnInts(yaml.SafeLoader):
        pass

    OwnInts.add_constructor("tag:yaml.org,2002:int", lambda loader, node: "int")

    class OwnMappings(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            return {"own": True}

    for loader in (OwnInts, OwnMappings):
        assert not yaml_nodes.convertible(loader)
        assert yaml_nodes.read("a: 1\n", loader) is yaml_nodes.UNREAD
    assert yaml_nodes.read("a: 1\n", yaml.SafeLoader) == {"a": 1}


def test_path_resolvers_resolve_as_the_loader_resolves() -> None:
    class PathResolving(yaml.SafeLoader):
        pass

    PathResolving.add_path_resolver("tag:yaml.org,2002:int", ["code"], yaml.ScalarNode)
    text = "code: '200'\nother: '200'\n"
    assert (
        yaml_nodes.read(text, PathResolving)
        == yaml.load(text, PathResolving)
        == {"code": 200, "other": "200"}
    )


def test_reading_leaves_nothing_for_the_cyclic_collector() -> None:
    """The collector is paused during a load: data kept alive by a cycle would wait for it."""
    text = "interactions:\n- {request: {uri: 'http://x/', body: !!binary aGk=}, n: [1, 2.5, yes, ~]}\n"
    gc.collect()
    gc.disable()
    try:
        assert yaml_nodes.read(text, _loader()) is not yaml_nodes.UNREAD
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_repeated_scalar_resolves_each_time_as_its_style_says() -> None:
    """Tags are remembered per file for plain scalars: the same text quoted, as a key, in a
    flow or after an explicit tag still resolves as vcrpy's loader resolves it there."""
    assert yaml_nodes.remembering(_loader()) is not _loader()  # vcrpy's loader takes the fast path
    text = (
        "- 1\n- '1'\n- 1\n- yes\n- 'yes'\n- {yes: 1, '1': yes}\n- !!str 1\n- [1, '1', ~, null, '~']\n- yes\n"
    )
    assert_reads_as_vcrpy(text)
    assert yaml_nodes.read(text, _loader())[:5] == [1, "1", 1, True, "yes"]
