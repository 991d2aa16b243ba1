"""Laws of the semantic diff, checked with hypothesis on the pure comparison.

These are unit-level properties of `cassettes_tool.diff`: the cassettes are built here
from records (`Cassette`, `Interaction`, `Request`, `Response`, `Headers`) whose bodies
go through the real body decoder, `body.decode(json_bytes, "application/json", None)`.
The end-to-end behaviour on real recordings of two server versions is `test_diff.py`.

The last section pins bugs these laws found (booleans equal to 0/1, reordering inside
arrays of objects, error codes taken for ids, JSONPath escapes) with targeted examples,
since a random search is not sure to hit them again on every run.
"""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from deepdiff import DeepDiff
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cassettes_tool import diff
from cassettes_tool.cassette import decode
from cassettes_tool.diff import volatile
from cassettes_tool.jsonpath import WILD, parse_path, render_path
from cassettes_tool.model.body import Body
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Request, Response
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where

LAWS = settings(max_examples=100, deadline=None)
FEW = settings(max_examples=40, deadline=None)

JSON = "application/json"
NO_BODY = decode(b"", None, None)

# ---------------------------------------------------------------------------- building records


def json_body(value: Any, **dumps: Any) -> Body:
    return decode(json.dumps(value, **dumps).encode("utf-8"), JSON, None)


@dataclass(frozen=True)
class Spec:
    """What one interaction is made of; built into records by `cassette_of`."""

    method: str
    uri: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: Any


def cassette_of(specs: Sequence[Spec], *, name: str = "c.yaml", **dumps: Any) -> Cassette:
    interactions = tuple(
        Interaction(
            index,
            Request(spec.method, spec.uri, Headers(), NO_BODY),
            Response(spec.status, "OK", Headers(spec.headers), json_body(spec.body, **dumps)),
        )
        for index, spec in enumerate(specs)
    )
    return Cassette(Path(name), "yaml", interactions)


def single(value: Any, *, status: int = 200) -> Cassette:
    headers = (("Content-Type", JSON),)
    return cassette_of([Spec("GET", "https://api.example.com/v1/things", status, headers, value)])


def changes(old: Any, new: Any, *, old_status: int = 200, new_status: int = 200) -> tuple[Change, ...]:
    """Every change (volatile included) between two JSON bodies of one paired interaction."""
    result = diff.diff(single(old, status=old_status), single(new, status=new_status))
    assert len(result.interactions) == 1, "the two interactions must pair"
    return result.interactions[0].changes


def brief(found: Sequence[Change]) -> list[tuple[str, str, str | None, int]]:
    return [(c.severity.value, c.kind.value, c.path, c.count) for c in found]


# ---------------------------------------------------------------------------- strategies

FINITE = st.floats(allow_nan=False, allow_infinity=False)
KEYS = st.text(max_size=8)
#: keys that render as `.name` in a JSONPath, so a test can spell the expected path
SAFE_KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True)
PLAIN_TEXT = st.text(max_size=12).filter(lambda s: not volatile.is_placeholder(s))


def json_values(
    scalars: st.SearchStrategy[Any], keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
        max_leaves=20,
    )


SCALARS = st.none() | st.booleans() | st.integers() | FINITE | st.text(max_size=12)
VALUES = json_values(SCALARS)
OBJECTS = st.dictionaries(KEYS, VALUES, max_size=5)

#: for the mutation laws: simple keys, and no redaction placeholders (those compare equal to anything)
M_SCALARS = st.none() | st.booleans() | st.integers() | FINITE | PLAIN_TEXT
M_VALUES = json_values(M_SCALARS, SAFE_KEYS)

HEADER_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
HEADERS = st.lists(st.tuples(HEADER_NAMES, st.text(max_size=20)), max_size=6).map(tuple)
_ID_SEGMENTS = st.integers(1, 10**6).map(str) | st.uuids().map(str) | st.sampled_from(["me", "all"])
URIS = st.builds(
    lambda host, resource, ident, query: f"https://{host}/v1/{resource}/{ident}{query}",
    st.sampled_from(["api.example.com", "billing.example.com:8443"]),
    st.sampled_from(["users", "charges", "orders"]),
    _ID_SEGMENTS,
    st.sampled_from(["", "?page=2", "?b=1&a=2"]),
)
SPECS = st.builds(
    Spec,
    st.sampled_from(["GET", "POST", "DELETE"]),
    URIS,
    st.integers(100, 599),
    HEADERS,
    VALUES,
)

# ---------------------------------------------------------------------------- tree surgery

Path_ = tuple[Any, ...]


def get_at(value: Any, path: Path_) -> Any:
    for token in path:
        value = value[token]
    return value


def replaced(value: Any, path: Path_, fn: Callable[[Any], Any]) -> Any:
    """A deep copy of `value` with the node at `path` replaced by `fn(node)`."""
    root = copy.deepcopy(value)
    if not path:
        return fn(root)
    parent = get_at(root, path[:-1])
    parent[path[-1]] = fn(parent[path[-1]])
    return root


def put(value: Any, path: Path_, new: Any) -> Any:
    """A deep copy of `value` with a copy of `new` at `path`."""
    fresh = copy.deepcopy(new)
    return replaced(value, path, lambda _old: fresh)


def object_nodes(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Paths of the objects reachable through objects and arrays of objects."""
    if isinstance(value, dict):
        yield path
        for key, child in value.items():
            yield from object_nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            if isinstance(child, dict):
                yield from object_nodes(child, (*path, index))


def all_nodes(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    yield path
    if isinstance(value, dict):
        for key, child in value.items():
            yield from all_nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from all_nodes(child, (*path, index))


def jsonpath(path: Path_) -> str:
    """The path the report must show: array indexes become `[*]` (items are compared by shape)."""
    return "$" + "".join("[*]" if isinstance(t, int) else f".{t}" for t in path)


def keys_reordered(value: Any, rnd: random.Random) -> Any:
    """The same JSON value with the key order of every object shuffled."""
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {k: keys_reordered(value[k], rnd) for k in keys}
    if isinstance(value, list):
        return [keys_reordered(v, rnd) for v in value]
    return value


def is_container(value: Any) -> bool:
    return isinstance(value, dict | list)


def arrays_reordered(
    value: Any, rnd: random.Random, *, scalars_only: bool = False, numbers: bool = True
) -> Any:
    """Shuffle every array at any depth (or only the arrays of scalars; or all but numeric ones)."""
    if isinstance(value, dict):
        return {
            k: arrays_reordered(v, rnd, scalars_only=scalars_only, numbers=numbers) for k, v in value.items()
        }
    if isinstance(value, list):
        items = [arrays_reordered(v, rnd, scalars_only=scalars_only, numbers=numbers) for v in value]
        if (not scalars_only or not any(is_container(v) for v in items)) and (
            numbers or not is_numeric(items)
        ):
            rnd.shuffle(items)
        return items
    return value


def is_numeric(items: list[Any]) -> bool:
    """Numbers or arrays of them: positional, as the diff reads them."""
    return all(
        (isinstance(v, int | float) and not isinstance(v, bool))
        or (isinstance(v, list) and v and is_numeric(v))
        for v in items
    )


#: what a random mutation may put somewhere
PALETTE: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    1,
    1.0,
    2,
    -3,
    2.5,
    "",
    "a",
    "hello world",
    "2024-05-01T10:00:00Z",
    "550e8400-e29b-41d4-a716-446655440000",
    1_700_000_000,
    {},
    [],
    {"k": "v"},
    [2, "x"],
)


def mutated(value: Any, rnd: random.Random, count: int) -> Any:
    """`count` random edits anywhere in the tree: replace, drop, add, duplicate, reorder."""
    for _ in range(count):
        path = rnd.choice(list(all_nodes(value)))
        node = get_at(value, path)
        op = rnd.choice(["replace", "drop", "add", "duplicate", "reorder"])
        if op == "replace":
            value = put(value, path, rnd.choice([*PALETTE, rnd.randint(2, 10**6), f"s{rnd.randint(2, 99)}"]))
        elif op == "drop" and path:
            parent = copy.deepcopy(get_at(value, path[:-1]))
            del parent[path[-1]]
            value = put(value, path[:-1], parent)
        elif op == "add" and isinstance(node, dict):
            value = put(value, path, {**node, f"k{rnd.randint(0, 9)}": rnd.choice(PALETTE)})
        elif op in ("add", "duplicate") and isinstance(node, list):
            extra = rnd.choice(node) if node and op == "duplicate" else rnd.choice(PALETTE)
            value = put(value, path, [*node, extra])
        elif op == "reorder" and isinstance(node, list):
            value = put(value, path, rnd.sample(node, len(node)))
        elif op == "reorder" and isinstance(node, dict):
            value = put(value, path, dict(rnd.sample(list(node.items()), len(node))))
    return value


# ---------------------------------------------------------------------------- law: identity


@LAWS
@given(st.lists(SPECS, max_size=4))
def test_a_cassette_diffed_against_itself_is_aligned(specs: list[Spec]) -> None:
    cassette = cassette_of(specs)
    result = diff.diff(cassette, cassette)
    assert result.changes == []
    assert not result.drifted
    assert result.severity is None
    assert [(i.old_index, i.new_index) for i in result.interactions] == [(n, n) for n in range(len(specs))]


@LAWS
@given(st.lists(SPECS, max_size=4))
def test_the_same_meaning_written_differently_is_no_change(specs: list[Spec]) -> None:
    """JSON re-indented with non-ASCII kept, header names in another case: not one change."""
    recased = [
        Spec(s.method, s.uri, s.status, tuple((n.swapcase(), v) for n, v in s.headers), s.body) for s in specs
    ]
    old = cassette_of(specs)
    new = cassette_of(recased, name="new.yaml", indent=2, ensure_ascii=False)
    assert diff.diff(old, new).changes == []


# ---------------------------------------------------------------------------- law: key order


@LAWS
@given(OBJECTS, st.integers(0, 3), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_key_order(old: dict[str, Any], edits: int, rnd: random.Random) -> None:
    new = mutated(old, rnd, edits)
    expected = changes(old, new)
    assert changes(keys_reordered(old, rnd), keys_reordered(new, rnd)) == expected


@LAWS
@given(OBJECTS, st.randoms(use_true_random=False))
def test_key_order_alone_is_no_change(old: dict[str, Any], rnd: random.Random) -> None:
    assert changes(old, keys_reordered(old, rnd)) == ()


# ---------------------------------------------------------------------------- law: scalar arrays


@LAWS
@given(
    st.lists(SCALARS, min_size=2, max_size=8),
    st.dictionaries(KEYS, VALUES, max_size=4),
    st.randoms(use_true_random=False),
)
def test_scalar_arrays_reshuffled_are_at_most_an_order_change(
    tags: list[Any], rest: dict[str, Any], rnd: random.Random
) -> None:
    """Strings (and other non-numeric scalars) in another order: `order_changed`, volatile;
    numbers are positional and are left in place here (their law is below)."""
    if all(isinstance(t, int | float) and not isinstance(t, bool) for t in tags):
        tags = [*tags, "x"]
    old = {**rest, "tags": tags, "nested": {"more": list(reversed(tags))}, "rows": [{"tags": tags}] * 2}
    new = arrays_reordered(old, rnd, scalars_only=True, numbers=False)
    found = changes(old, new)
    assert all(c.severity is Severity.VOLATILE for c in found), brief(found)
    assert {c.kind for c in found} <= {ChangeKind.ORDER_CHANGED}


@LAWS
@given(st.lists(st.integers(-180, 180) | st.floats(-90, 90, allow_nan=False), min_size=2, max_size=6))
def test_a_numeric_array_reversed_is_a_value_change(numbers: list[Any]) -> None:
    """`bbox`, coordinates: positional. A lon/lat swap is a value change, in recorded order."""
    assume(numbers != numbers[::-1])
    old = {"bbox": numbers, "geometry": {"coordinates": [numbers, numbers]}}
    new = {"bbox": numbers[::-1], "geometry": {"coordinates": [numbers, numbers[::-1]]}}
    assert brief(changes(old, new)) == [
        ("value", "value_changed", "$.bbox", 1),
        ("value", "value_changed", "$.geometry.coordinates", 1),
    ]
    assert changes(old, new)[0].new == numbers[::-1]


ITEMS = st.lists(
    st.fixed_dictionaries({"rel": st.sampled_from(["child", "item", "self"]), "title": st.text(max_size=8)}),
    min_size=1,
    max_size=12,
).map(lambda items: [{**item, "href": f"https://x.test/c/{n}"} for n, item in enumerate(items)])


@LAWS
@given(ITEMS, st.data())
def test_an_item_inserted_anywhere_is_one_added_item(
    items: list[dict[str, Any]], data: st.DataObject
) -> None:
    """No item shifts onto its neighbour: exactly one `items_changed` naming the newcomer."""
    at = data.draw(st.integers(0, len(items)))
    newcomer = {"rel": "child", "href": "https://x.test/new", "title": data.draw(st.text(max_size=8))}
    found = changes({"links": items}, {"links": [*items[:at], newcomer, *items[at:]]})
    assert brief(found) == [("value", "items_changed", "$.links", 1)]
    assert found[0].old == [] and found[0].new == ["rel=child href=https://x.test/new"]


@LAWS
@given(ITEMS, st.randoms(use_true_random=False))
def test_an_array_of_objects_permuted_is_nothing_above_volatile(
    items: list[dict[str, Any]], rnd: random.Random
) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert all(c.severity is Severity.VOLATILE for c in changes({"links": items}, {"links": shuffled}))


@LAWS
@given(VALUES, st.randoms(use_true_random=False))
def test_every_array_reordered_at_any_depth_is_no_change(old: Any, rnd: random.Random) -> None:
    """Arrays of objects pair by what the items are, strings in another order are a volatile
    `order_changed` (no `ordered` rule here). Numeric arrays are positional: left in place."""
    found = changes(old, arrays_reordered(old, rnd, numbers=False))
    assert all(c.severity is Severity.VOLATILE and c.kind is ChangeKind.ORDER_CHANGED for c in found)


# ---------------------------------------------------------------------------- law: mutations


@st.composite
def object_and_node(draw: st.DrawFn, *, need_key: bool = False) -> tuple[dict[str, Any], Path_]:
    """A JSON object body and a random object inside it (through objects and arrays of objects)."""
    body = draw(st.dictionaries(SAFE_KEYS, M_VALUES, min_size=1 if need_key else 0, max_size=5))
    nodes = [p for p in object_nodes(body) if not need_key or get_at(body, p)]
    return body, draw(st.sampled_from(nodes))


@LAWS
@given(object_and_node(), SAFE_KEYS, M_VALUES)
def test_an_added_key_is_field_added(case: tuple[dict[str, Any], Path_], key: str, value: Any) -> None:
    old, node = case
    assume(key not in get_at(old, node))
    new = replaced(old, node, lambda n: {**n, key: value})
    found = changes(old, new)
    assert brief(found) == [("additive", "field_added", jsonpath((*node, key)), 1)]
    assert found[0].where is Where.BODY and found[0].new == value


@LAWS
@given(object_and_node(need_key=True), st.data())
def test_a_removed_key_is_field_removed(case: tuple[dict[str, Any], Path_], data: st.DataObject) -> None:
    old, node = case
    key = data.draw(st.sampled_from(sorted(get_at(old, node))))
    new = replaced(old, node, lambda n: {k: v for k, v in n.items() if k != key})
    found = changes(old, new)
    assert brief(found) == [("breaking", "field_removed", jsonpath((*node, key)), 1)]
    assert found[0].old == get_at(old, (*node, key))


def _other_types(value: Any) -> list[Any]:
    """Values of another JSON type than `value`'s."""
    if isinstance(value, bool):
        return [str(value).lower(), None, [value], int(value)]  # true -> 1: Python says equal
    if isinstance(value, int | float):
        return [str(value), None, [value], {"value": value}, bool(value)]
    if isinstance(value, str):
        return [len(value) + 2, None, [value], {"value": value}]
    if value is None:
        return ["null", 2, [], {}]
    if isinstance(value, list):
        return [{"items": value}, None, len(value) + 2, "list"]
    return [[value], None, "object", 2]


@LAWS
@given(object_and_node(need_key=True), st.data())
def test_a_changed_json_type_is_type_changed(case: tuple[dict[str, Any], Path_], data: st.DataObject) -> None:
    old, node = case
    key = data.draw(st.sampled_from(sorted(get_at(old, node))))
    before = get_at(old, (*node, key))
    after = data.draw(st.sampled_from(_other_types(before)))
    new = replaced(old, (*node, key), lambda _v: after)
    found = changes(old, new)
    assert brief(found) == [("breaking", "type_changed", jsonpath((*node, key)), 1)]


WORDS = st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=2, max_size=5).map(" ".join)


@LAWS
@given(object_and_node(), SAFE_KEYS, WORDS, WORDS)
def test_a_string_changed_to_another_plain_string_is_value_changed(
    case: tuple[dict[str, Any], Path_], key: str, before: str, after: str
) -> None:
    assume(before != after)
    body, node = case
    old = replaced(body, node, lambda n: {**n, key: before})
    new = replaced(body, node, lambda n: {**n, key: after})
    found = changes(old, new)
    assert brief(found) == [("value", "value_changed", jsonpath((*node, key)), 1)]
    assert (found[0].old, found[0].new) == (before, after)


# ---------------------------------------------------------------------------- law: volatile by format

_UTC = timezone.utc
MOMENTS = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(_UTC)
)


def _iso(moment: datetime, style: int) -> str:
    if style == 0:
        return moment.isoformat().replace("+00:00", "Z")
    if style == 1:
        return moment.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(timespec="seconds")
    if style == 2:
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")
    return moment.date().isoformat()


ISO = st.builds(_iso, MOMENTS, st.integers(0, 3))
EPOCH_S = st.integers(946_684_800, 4_102_444_800)
EPOCH_MS = st.integers(946_684_800_000, 4_102_444_800_000)
RFC1123 = MOMENTS.map(lambda m: format_datetime(m, usegmt=True))
UUIDS = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
#: Stripe-like ids: a short prefix and a random tail with letters and digits mixed
_PREFIX = st.sampled_from(["ch", "cus", "pi", "evt", "req"])
_TAIL = st.from_regex(r"[a-z]{1,6}[0-9]{1,6}[A-Za-z0-9]{4,16}", fullmatch=True)
#: two ids of one kind: the prefix is part of the format (`ch_` -> `cus_` is not the same field)
PREFIXED = _PREFIX.flatmap(lambda p: st.tuples(_TAIL, _TAIL).map(lambda t: (f"{p}_{t[0]}", f"{p}_{t[1]}")))
SAME_FORMAT = (
    st.sampled_from([ISO, EPOCH_S, EPOCH_MS, RFC1123, UUIDS]).flatmap(lambda s: st.tuples(s, s)) | PREFIXED
)


@LAWS
@given(object_and_node(), SAFE_KEYS, SAME_FORMAT)
def test_a_value_replaced_by_one_of_the_same_format_is_volatile(
    case: tuple[dict[str, Any], Path_], key: str, pair: tuple[Any, Any]
) -> None:
    before, after = pair
    assume(before != after)
    body, node = case
    old = replaced(body, node, lambda n: {**n, key: before})
    new = replaced(body, node, lambda n: {**n, key: after})
    assert brief(changes(old, new)) == [("volatile", "value_changed", jsonpath((*node, key)), 1)]
    assert not diff.diff(single(old), single(new)).drifted


FORMAT_CHANGES = st.one_of(
    st.tuples(ISO, EPOCH_S),  # ISO string -> epoch number: also a JSON type change
    st.tuples(ISO, EPOCH_S.map(str)),  # ISO string -> epoch string
    st.tuples(EPOCH_MS, ISO),
    st.tuples(RFC1123, ISO),
)


@LAWS
@given(object_and_node(), SAFE_KEYS, FORMAT_CHANGES)
def test_a_timestamp_changing_format_is_format_changed(
    case: tuple[dict[str, Any], Path_], key: str, pair: tuple[Any, Any]
) -> None:
    before, after = pair
    body, node = case
    old = replaced(body, node, lambda n: {**n, key: before})
    new = replaced(body, node, lambda n: {**n, key: after})
    assert brief(changes(old, new)) == [("breaking", "format_changed", jsonpath((*node, key)), 1)]


# ---------------------------------------------------------------------------- law: one change per field


ITEM_KEYS = SAFE_KEYS.filter(lambda k: k != "name")


@LAWS
@given(
    st.lists(st.dictionaries(ITEM_KEYS, M_VALUES, max_size=3), min_size=2, max_size=6),
    st.data(),
    st.dictionaries(ITEM_KEYS, M_VALUES, max_size=3),
)
def test_a_field_added_to_every_item_is_one_change(
    items: list[dict[str, Any]], data: st.DataObject, rest: dict[str, Any]
) -> None:
    names = data.draw(st.lists(M_VALUES, min_size=len(items), max_size=len(items)))
    old = {**rest, "items": items}
    new = {**rest, "items": [{**item, "name": name} for item, name in zip(items, names, strict=True)]}
    assert brief(changes(old, new)) == [("additive", "field_added", "$.items[*].name", len(items))]


# ---------------------------------------------------------------------------- law: status


@LAWS
@given(st.integers(100, 599), st.integers(100, 599), VALUES)
def test_a_status_change_is_one_breaking_change(before: int, after: int, body: Any) -> None:
    assume(before != after)
    found = changes(body, body, old_status=before, new_status=after)
    assert found == (Change(Severity.BREAKING, ChangeKind.STATUS_CHANGED, Where.STATUS, None, before, after),)


# ---------------------------------------------------------------------------- law: deepdiff as an oracle


def _as_json_number(value: Any) -> Any:
    """1 and 1.0 are one JSON number; deepdiff, unlike JSON, tells int from float."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _as_json_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json_number(v) for v in value]
    return value


def _unordered(value: Any) -> Any:
    """The value with every array sorted: equal for two values that differ by order alone."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


@settings(max_examples=200, deadline=None)
@given(VALUES, st.integers(1, 3), st.randoms(use_true_random=False))
def test_deepdiff_finds_no_difference_that_we_miss(old: Any, edits: int, rnd: random.Random) -> None:
    """DeepDiff(ignore_order=True) reports a difference => we report at least one change (any
    severity); said the other way, our diff empty => DeepDiff empty.

    And the converse: when DeepDiff sees nothing even counting repeated items, we see nothing.
    1 and 1.0 are one JSON number: they are made one before DeepDiff sees them.
    """
    new = keys_reordered(mutated(old, rnd, edits), rnd)
    ours = changes(old, new)
    theirs = DeepDiff(_as_json_number(old), _as_json_number(new), ignore_order=True)
    if theirs:
        assert ours, f"deepdiff saw {theirs.to_dict()} and we saw nothing"
    if not ours:
        assert not theirs
    strict = DeepDiff(_as_json_number(old), _as_json_number(new), ignore_order=True, report_repetition=True)
    # DeepDiff's ignore_order misses a None that became a value when a list of None stands
    # elsewhere ({"a": [None], "b": {"c": None}} -> "c": 2.5 is "no difference" to it):
    # "the same but for order" is checked on the values themselves
    same = _unordered(_as_json_number(old)) == _unordered(_as_json_number(new))
    if not strict and same:  # DeepDiff ignores order everywhere; we report it (numbers are positional)
        assert all(
            c.kind is ChangeKind.ORDER_CHANGED or (isinstance(c.old, list) and isinstance(c.new, list))
            for c in ours
        ), f"deepdiff sees the same value, we report {brief(ours)}"


# ---------------------------------------------------------------------------- JSONPath round trip


@LAWS
@given(st.lists(st.text(max_size=10) | st.integers(0, 99) | st.just(WILD), max_size=5))
def test_a_reported_path_reads_back_as_the_same_path(path: list[Any]) -> None:
    """A path copied from a report into `[tool.cassettes.ignore]` names the same place."""
    assert parse_path(render_path(path)) == tuple(path)


# ---------------------------------------------------------------------------- bugs these laws found

NESTING = st.lists(SAFE_KEYS, max_size=3)


@FEW
@given(
    NESTING, st.sampled_from([(0, False), (1, True), (0.0, False), (1.0, True)]), st.booleans(), st.booleans()
)
def test_a_boolean_replacing_0_or_1_is_a_type_change(
    nesting: list[str], pair: tuple[Any, Any], flip: bool, in_array: bool
) -> None:
    """Python's == says 1 == True: a walk that trusts it misses a number that became a boolean."""
    before, after = reversed(pair) if flip else pair

    def body(leaf: Any) -> Any:
        value: Any = {"flag": leaf, "other": "same"}
        for key in reversed(nesting):
            value = {key: [value] if in_array else value}
        return value

    path = "$" + "".join(f".{k}" + ("[*]" if in_array else "") for k in nesting) + ".flag"
    assert brief(changes(body(before), body(after))) == [("breaking", "type_changed", path, 1)]


@FEW
@given(
    st.lists(st.integers(), min_size=5, max_size=10, unique=True),
    st.integers(3, 5),
    st.booleans(),
)
def test_reordering_inside_arrays_of_objects_is_no_change(
    numbers: list[int], cut: int, keep_outer: bool
) -> None:
    """Items matched by exact JSON, the rest by position, compared the wrong items with each other.

    DeepDiff(ignore_order=True) sees nothing here; we see at most the tags' order (volatile).
    """
    first, second = (
        [str(n) for n in numbers[:cut]],
        [str(n) for n in numbers[cut:]],
    )  # disjoint, len(first) >= 3, len(second) >= 2
    if keep_outer:
        # [a1, b, a2] -> [a2, b', a2'] where a2 is a1 with two tags swapped: the exact match of
        # new a2 with old a2 leaves (a1, b) to pair with (b', a2') by position
        twin = [first[1], first[0], *first[2:]]
        old = {"items": [{"tags": first}, {"tags": second}, {"tags": twin}]}
        new = {"items": [{"tags": twin}, {"tags": second[::-1]}, {"tags": twin[::-1]}]}
    else:  # everything reversed, outside and inside
        old = {"items": [{"tags": first}, {"tags": second}]}
        new = {"items": [{"tags": second[::-1]}, {"tags": first[::-1]}]}
    assert DeepDiff(old, new, ignore_order=True, report_repetition=True) == {}
    assert all(c.severity is Severity.VOLATILE for c in changes(old, new))


SNAKE_CODES = st.lists(st.from_regex(r"[a-z]{3,10}", fullmatch=True), min_size=3, max_size=6).map("_".join)
CODES = (SNAKE_CODES | SNAKE_CODES.map(str.upper) | SNAKE_CODES.map(lambda s: s.replace("_", "-"))).filter(
    lambda s: len(s) >= 24
)


@FEW
@given(CODES, CODES)
def test_an_error_code_changing_is_a_value_change(before: str, after: str) -> None:
    """A long code without digits in one case is a word, not a base64 id: its change is `value`."""
    assume(before != after)
    old, new = {"error": {"code": before}}, {"error": {"code": after}}
    assert brief(changes(old, new)) == [("value", "value_changed", "$.error.code", 1)]


KEYS_NEEDING_ESCAPES = st.builds(
    lambda a, special, b: a + special + b,
    st.text(max_size=5),
    st.sampled_from(["'", '"', "\\", "\n", "\t", "\\'"]),
    st.text(max_size=5),
)


@FEW
@given(KEYS_NEEDING_ESCAPES)
def test_a_key_with_quotes_or_control_characters_reads_back(key: str) -> None:
    """Quotes, backslashes and a trailing newline once rendered paths parse_path misread."""
    assert parse_path(render_path(["data", key, 0])) == ("data", key, 0)


# ---------------------------------------------------------------------------- sanity of the helpers


def test_the_helpers_build_what_the_laws_assume() -> None:
    assert json_body({"a": 1}).value == {"a": 1}
    assert jsonpath(("a", 0, "b")) == "$.a[*].b"
    assert volatile.format_of(str(uuid.uuid4())) == "uuid"
    assert volatile.format_of("ch_ab12cd34ef") == "id:ch_"
    rnd = random.Random(7)
    value = {"a": [3, 1, 2], "b": {"c": 1, "d": [{"e": [1, 2]}]}}
    assert keys_reordered(value, rnd) == value
    assert sorted(arrays_reordered(value, rnd)["a"]) == [1, 2, 3]
