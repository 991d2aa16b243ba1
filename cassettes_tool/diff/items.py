"""Pair the items of two arrays: identical first, then the same but for volatile values, then by an identity key."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from cassettes_tool.diff import volatile


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


IDENTITY_KEYS = ("id", "uuid", "key", "slug", "name", "code")


def pair_items(old: list[Any], new: list[Any]) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pair array items ignoring order, most certain first: identical items (nothing to
    compare), then items equal but for volatile values and order inside them, then by an
    identity key (`id`...), then what is left in recorded order."""
    pairs: list[tuple[Any, Any]] = []
    rest_old, rest_new = _match(old, new, range(len(old)), range(len(new)), _canonical, pairs, keep=False)
    rest_old, rest_new = _match(old, new, rest_old, rest_new, _signature, pairs, keep=True)
    identity = _identity_key([old[i] for i in rest_old], [new[j] for j in rest_new])
    if identity is not None:
        rest_old, rest_new = _match(old, new, rest_old, rest_new, lambda v: v[identity], pairs, keep=True)
    for i, j in zip(rest_old, rest_new, strict=False):
        pairs.append((old[i], new[j]))
    extra_old = [old[i] for i in rest_old[len(rest_new) :]]
    extra_new = [new[j] for j in rest_new[len(rest_old) :]]
    return pairs, extra_old, extra_new


def _match(
    old: list[Any],
    new: list[Any],
    old_indexes: Iterable[int],
    new_indexes: Iterable[int],
    key: Any,
    pairs: list[tuple[Any, Any]],
    *,
    keep: bool,
) -> tuple[list[int], list[int]]:
    """Pair items whose `key` is equal, in order; `keep` the pairs for comparing, or drop them."""
    waiting: dict[Any, deque[int]] = defaultdict(deque)
    for i in old_indexes:
        waiting[key(old[i])].append(i)
    used: set[int] = set()
    unmatched_new = []
    for j in new_indexes:
        queue = waiting.get(key(new[j]))
        if queue:
            i = queue.popleft()
            used.add(i)
            if keep:
                pairs.append((old[i], new[j]))
        else:
            unmatched_new.append(j)
    unmatched_old = sorted(i for queue in waiting.values() for i in queue)
    return unmatched_old, unmatched_new


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _signature(value: Any) -> str:
    """The item as it would compare: volatile values by their format, scalar lists as multisets."""
    return repr(_sig(value))


def _sig(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _sig(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("[]", tuple(sorted((_sig(v) for v in value), key=repr)))
    if volatile.is_placeholder(value):
        return "<placeholder>"
    return volatile.format_of(value) or (json_type(value), value)


def _identity_key(old: list[Any], new: list[Any]) -> str | None:
    """A key every item has, with unique scalar values on each side: items are paired by it."""
    items = old + new
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in IDENTITY_KEYS:
        present = all(key in item and isinstance(item[key], str | int) for item in items)
        if present and len({i[key] for i in old}) == len(old) and len({i[key] for i in new}) == len(new):
            return key
    return None
