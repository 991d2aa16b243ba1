"""Pair the items of two arrays of objects: by what they are, never by where they stand.

Most certain first: identical items (nothing to compare), items equal but for volatile
values, then an identity (`id`, `name`... or a link's `rel` + `href` + `method`), then
content similarity. What is left did not pair: items that came and went (turnover).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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


#: keys that name an item; an item whose key differs is another item
IDENTITY_KEYS = ("id", "uuid", "key", "slug", "name", "code")
#: keys of a link (STAC, HAL, JSON:API): search GET and POST share rel and href
LINK_KEYS = ("rel", "href", "method")
#: weights of a shared field in the similarity score: where an item points says most, its title least
_HEAVY = frozenset({"href", "url", "uri", "link", "self", "path", "email"})
_LIGHT = frozenset({"title", "description", "summary", "label", "text", "message", "type"})
#: a field value held by more old items than this does not propose candidates (keeps pairing linear)
_RARE = 8
#: the share of weighted fields two items must have in common (more than) to be one item
_SIMILAR = 0.5


@dataclass(frozen=True, slots=True)
class ItemPairs:
    """The items that pair (to compare field by field) and those that came and went."""

    pairs: tuple[tuple[Any, Any], ...]
    removed: tuple[Any, ...]
    added: tuple[Any, ...]


def pair_items(old: list[Any], new: list[Any]) -> ItemPairs:
    pairs: list[tuple[Any, Any]] = []
    rest_old, rest_new = _match(old, new, range(len(old)), range(len(new)), _canonical, pairs, keep=False)
    rest_old, rest_new = _match(old, new, rest_old, rest_new, _signature, pairs, keep=True)
    identity = _identity_key([old[i] for i in rest_old], [new[j] for j in rest_new])
    if identity is not None:
        key = identity
        rest_old, rest_new = _match(old, new, rest_old, rest_new, lambda v: v[key], pairs, keep=True)
    else:  # no key names the items: links by where they point, then by likeness
        rest_old, rest_new = _match(old, new, rest_old, rest_new, _link_key, pairs, keep=True)
        rest_old, rest_new = _similar(old, new, rest_old, rest_new, pairs)
        rest_old, rest_new = _grown(old, new, rest_old, rest_new, pairs)
        rest_old, rest_new = _lone(old, new, rest_old, rest_new, pairs)
    return ItemPairs(tuple(pairs), tuple(old[i] for i in rest_old), tuple(new[j] for j in rest_new))


def _match(
    old: list[Any],
    new: list[Any],
    old_indexes: Iterable[int],
    new_indexes: Iterable[int],
    key: Callable[[Any], Any],
    pairs: list[tuple[Any, Any]],
    *,
    keep: bool,
) -> tuple[list[int], list[int]]:
    """Pair items whose `key` is equal (None never pairs), in order; `keep` the pairs for comparing."""
    waiting: dict[Any, deque[int]] = defaultdict(deque)
    unmatched_old = []
    for i in old_indexes:
        k = key(old[i])
        if k is None:
            unmatched_old.append(i)
        else:
            waiting[k].append(i)
    unmatched_new = []
    for j in new_indexes:
        k = key(new[j])
        queue = waiting.get(k) if k is not None else None
        if queue:
            i = queue.popleft()
            if keep:
                pairs.append((old[i], new[j]))
        else:
            unmatched_new.append(j)
    unmatched_old.extend(i for queue in waiting.values() for i in queue)
    return sorted(unmatched_old), unmatched_new


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _signature(value: Any) -> str:
    """The item but for volatile values (by their format) and the order inside its lists: likely
    the same item, which the comparison then tells apart (a reordered `bbox` is a value change)."""
    return _sig(value)


#: a container's signature longer than this is replaced by its digest, so that a parent's
#: signature costs its children's count, not their size: linear at any nesting depth
_DIGEST_OVER = 64


def _sig(value: Any) -> str:
    if isinstance(value, dict):
        text = "{" + ",".join(sorted(f"{k!r}:{_sig(v)}" for k, v in value.items())) + "}"
    elif isinstance(value, list):
        text = "[" + ",".join(sorted(_sig(v) for v in value)) + "]"
    elif volatile.is_placeholder(value):
        return "<placeholder>"
    else:
        return volatile.format_of(value) or repr((json_type(value), value))
    if len(text) > _DIGEST_OVER:
        return "#" + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return text


def _identity_key(old: list[Any], new: list[Any]) -> str | None:
    """A key every item has, with unique scalar values on each side: items are paired by it.

    Ids made afresh on every call (UUIDs that no item shares) name nothing across recordings.
    """
    items = old + new
    if not old or not new or not all(isinstance(item, dict) for item in items):
        return None
    for key in IDENTITY_KEYS:
        present = all(key in item and isinstance(item[key], str | int) for item in items)
        if not present or len({i[key] for i in old}) != len(old) or len({i[key] for i in new}) != len(new):
            continue
        shared = {i[key] for i in old} & {i[key] for i in new}
        if shared or not all(volatile.format_of(i[key]) for i in items):
            return key
    return None


def _link_key(item: Any) -> tuple[Any, ...] | None:
    if not isinstance(item, dict) or not isinstance(item.get("href"), str):
        return None
    return tuple(_scalar_token(item.get(k)) for k in LINK_KEYS)


def _scalar_token(value: Any) -> Any:
    """Hashable and typed: `1` and `true` stay apart, as JSON keeps them."""
    if isinstance(value, dict | list):
        return _canonical(value)
    return (json_type(value), value)


def _tokens(item: Any) -> dict[tuple[str, Any], float]:
    """An item's fields as weighted (key, value) tokens; volatile values say nothing of identity."""
    if not isinstance(item, dict):
        return {}
    tokens = {}
    for key, value in item.items():
        if not isinstance(value, dict | list) and (
            volatile.format_of(value) or volatile.is_placeholder(value)
        ):
            continue
        tokens[(key, _scalar_token(value))] = 4.0 if key in _HEAVY else 0.5 if key in _LIGHT else 1.0
    return tokens


def _similar(
    old: list[Any], new: list[Any], rest_old: list[int], rest_new: list[int], pairs: list[tuple[Any, Any]]
) -> tuple[list[int], list[int]]:
    """Pair the most alike items first, when they share at least half of their weighted fields.

    Candidates come from an index of field values that few items hold, so the work grows with
    the number of items, not its square.
    """
    if not rest_old or not rest_new:
        return rest_old, rest_new
    old_tokens = {i: _tokens(old[i]) for i in rest_old}
    holders: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for i, tokens in old_tokens.items():
        for token in tokens:
            holders[token].append(i)
    scored: list[tuple[float, int, int]] = []
    for j in rest_new:
        tokens = _tokens(new[j])
        candidates = {i for t in tokens if len(holders.get(t, ())) <= _RARE for i in holders.get(t, ())}
        for i in candidates:
            theirs = old_tokens[i]
            shared = sum(w for t, w in tokens.items() if t in theirs)
            score = shared / max(sum(tokens.values()), sum(theirs.values()))
            if score > _SIMILAR:
                scored.append((-score, i, j))
    scored.sort()
    used_old: set[int] = set()
    used_new: set[int] = set()
    for _, i, j in scored:
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((old[i], new[j]))
    return [i for i in rest_old if i not in used_old], [j for j in rest_new if j not in used_new]


def _grown(
    old: list[Any], new: list[Any], rest_old: list[int], rest_new: list[int], pairs: list[tuple[Any, Any]]
) -> tuple[list[int], list[int]]:
    """Items equal on the fields both sides know: a field added to (or removed from) every item."""
    if not rest_old or not rest_new:
        return rest_old, rest_new
    if not all(isinstance(old[i], dict) for i in rest_old) or not all(
        isinstance(new[j], dict) for j in rest_new
    ):
        return rest_old, rest_new
    known = set().union(*(old[i].keys() for i in rest_old)) & set().union(*(new[j].keys() for j in rest_new))

    def projected(item: dict[str, Any]) -> str:
        return repr(sorted((k, _sig(v)) for k, v in item.items() if k in known))

    return _match(old, new, rest_old, rest_new, projected, pairs, keep=True)


def _lone(
    old: list[Any], new: list[Any], rest_old: list[int], rest_new: list[int], pairs: list[tuple[Any, Any]]
) -> tuple[list[int], list[int]]:
    """One object left a side and nothing naming them apart (no identity key, not two links to
    different places): one item that changed (a streamed answer's one text part)."""
    if len(rest_old) == 1 and len(rest_new) == 1:
        a, b = old[rest_old[0]], new[rest_new[0]]
        if isinstance(a, dict) and isinstance(b, dict) and (_link_key(a) is None or _link_key(b) is None):
            pairs.append((a, b))
            return [], []
    return rest_old, rest_new


def name_of(item: Any) -> str:
    """How a report names an item that came or went: by its identity, else by its content."""
    if isinstance(item, dict):
        for key in IDENTITY_KEYS:
            if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
                return f"{key}={item[key]}"
        if isinstance(item.get("href"), str):
            parts = [f"{k}={item[k]}" for k in LINK_KEYS if isinstance(item.get(k), str)]
            return " ".join(parts)
    text = json.dumps(item, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
