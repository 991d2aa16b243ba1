"""Compare two JSON values by meaning: fields added and removed, types, formats and values."""

from __future__ import annotations

import contextlib
import functools
import json
import marshal
from collections import Counter
from dataclasses import replace
from typing import Any

from cassettes_tool.diff import volatile
from cassettes_tool.diff.items import ItemPairs, json_type, name_of, pair_items
from cassettes_tool.diff.rules import DiffRules
from cassettes_tool.jsonpath import WILD, render_path
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.secrets.masker import mask_at


class Changes:
    """Collects changes, folding repeats (the same field in every item) into one with a count."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[Any, ...], Change] = {}
        self._counts: dict[tuple[Any, ...], int] = {}

    def add(
        self,
        severity: Severity,
        kind: ChangeKind,
        where: Where,
        path: str | None = None,
        old: Any = None,
        new: Any = None,
        detail: str | None = None,
    ) -> None:
        key = (severity, kind, where, path)
        if key in self._by_key:  # a repeat is only counted: the first one is what the report shows
            self._counts[key] += 1
            return
        if where is Where.BODY and path is not None:  # `$.password: "hunter2" -> ...` never shown
            old, new = mask_at(path, old), mask_at(path, new)
        self._by_key[key] = Change(severity, kind, where, path, old, new, detail)
        self._counts[key] = 1

    def _fold(self, change: Change, count: int | None = None) -> None:
        key = (change.severity, change.kind, change.where, change.path)
        self._by_key.setdefault(key, change)
        self._counts[key] = self._counts.get(key, 0) + (change.count if count is None else count)

    def only_volatile(self) -> bool:
        return all(key[0] is Severity.VOLATILE for key in self._by_key)

    def absorb(self, other: Changes) -> None:
        for key, change in other._by_key.items():
            self._fold(change, other._counts[key])

    def freeze(self) -> tuple[Change, ...]:
        folded = [
            change if change.count == self._counts[key] else replace(change, count=self._counts[key])
            for key, change in self._by_key.items()
        ]
        return tuple(sorted(folded, key=lambda c: (-c.severity.rank, c.where.value, c.path or "")))


class Walker:
    """The structural comparison of two JSON values, under the rules."""

    def __init__(self, rules: DiffRules, changes: Changes):
        self.rules = rules
        self.changes = changes

    def add(
        self,
        severity: Severity,
        kind: ChangeKind,
        path: tuple[Any, ...],
        old: Any,
        new: Any,
        detail: str | None = None,
    ) -> None:
        if severity is not Severity.VOLATILE and self.rules.ignores(path):
            severity = Severity.VOLATILE
        self.changes.add(severity, kind, Where.BODY, _rendered(path), old, new, detail)

    def compare(self, old: Any, new: Any, path: tuple[Any, ...]) -> None:
        same_type = type(old)
        if same_type is type(new) and same_type is not dict and same_type is not list and old == new:
            return  # most leaves: equal scalars of one Python type are equal JSON values
        old_type, new_type = json_type(old), json_type(new)
        if old_type == new_type and _same(old, new):
            return
        if volatile.is_placeholder(old) or volatile.is_placeholder(new):
            self.add(Severity.VOLATILE, ChangeKind.VALUE_CHANGED, path, old, new)
            return
        if old_type != new_type:
            if volatile.classify(old, new) == "format_changed":
                self.add(Severity.BREAKING, ChangeKind.FORMAT_CHANGED, path, old, new, _formats(old, new))
            else:
                self.add(
                    Severity.BREAKING, ChangeKind.TYPE_CHANGED, path, old, new, f"{old_type} -> {new_type}"
                )
            return
        if old_type == "object":
            self._objects(old, new, path)
        elif old_type == "array":
            self._arrays(old, new, path)
        else:
            verdict = volatile.classify(old, new)
            if verdict == "volatile":
                self.add(Severity.VOLATILE, ChangeKind.VALUE_CHANGED, path, old, new)
            elif verdict == "format_changed":
                self.add(Severity.BREAKING, ChangeKind.FORMAT_CHANGED, path, old, new, _formats(old, new))
            else:
                self.add(Severity.VALUE, ChangeKind.VALUE_CHANGED, path, old, new)

    def _objects(self, old: dict[str, Any], new: dict[str, Any], path: tuple[Any, ...]) -> None:
        for key, value in old.items():
            if key not in new:
                self.add(Severity.BREAKING, ChangeKind.FIELD_REMOVED, (*path, key), value, None)
        for key, value in new.items():
            if key not in old:
                self.add(Severity.ADDITIVE, ChangeKind.FIELD_ADDED, (*path, key), None, value)
        for key, value in old.items():
            if key in new:
                self.compare(value, new[key], (*path, key))

    def _arrays(self, old: list[Any], new: list[Any], path: tuple[Any, ...]) -> None:
        if _numeric_items(old) and _numeric_items(new) and not self.rules.is_unordered(path):
            self._positional(old, new, path)
            return
        if not _has_containers(old) and not _has_containers(new):
            self._scalars(old, new, path)
            return
        item_path = (*path, WILD)
        if self.rules.is_ordered(path):
            for a, b in zip(old, new, strict=False):
                self.compare(a, b, item_path)
            if len(old) != len(new):
                self._turnover(path, old[len(new) :], new[len(old) :], len(old), len(new))
            return
        walked: dict[tuple[int, int], Changes] = {}
        if self._in_recorded_order(old, new, item_path, walked):
            return
        items = pair_items(old, new)
        for a, b in items.pairs:
            done = walked.get((id(a), id(b)))
            if done is None:
                self.compare(a, b, item_path)
            else:
                self.changes.absorb(done)
        if items.removed or items.added:
            self._turnover(path, list(items.removed), list(items.added), len(old), len(new))
            self._presence(old, new, items, item_path)

    def _turnover(
        self, path: tuple[Any, ...], removed: list[Any], added: list[Any], before: int, after: int
    ) -> None:
        """Items that came and went: one value change for the array, naming them."""
        gone, came = [name_of(i) for i in removed], [name_of(i) for i in added]
        listed = [*(f"-{n}" for n in gone[:5]), *(f"+{n}" for n in came[:5])]
        more = len(gone) + len(came) - len(listed)
        detail = f"{before} -> {after} items: {len(gone)} removed, {len(came)} added" + (
            f" ({', '.join(listed)}{f', {more} more' if more else ''})" if listed else ""
        )
        self.add(Severity.VALUE, ChangeKind.ITEMS_CHANGED, path, gone, came, detail)

    def _in_recorded_order(
        self,
        old: list[Any],
        new: list[Any],
        item_path: tuple[Any, ...],
        walked: dict[tuple[int, int], Changes],
    ) -> bool:
        """The common case first: the same items in the same order, differing only in volatile
        values. Walk them pairwise on trial; keep the result only if nothing but volatile changed.

        Each pair's changes are kept in `walked` (by identity), so the pairing that follows a
        failed trial reuses them: each pair of subtrees is walked once, whatever the nesting
        depth (walking them again at every level was exponential in the depth)."""
        if len(old) != len(new):
            return False
        for a, b in zip(old, new, strict=True):
            trial = Walker(self.rules, Changes())
            trial.compare(a, b, item_path)
            walked[(id(a), id(b))] = trial.changes
            if not trial.changes.only_volatile():
                return False
        for changes in walked.values():
            self.changes.absorb(changes)
        return True

    def _presence(self, old: list[Any], new: list[Any], items: ItemPairs, item_path: tuple[Any, ...]) -> None:
        """What items without a partner say of the shape. A field no old item had, in an item
        that came, was added. A field every old item had and no new item has was removed; with
        items that pair this is already said by them, so it is judged here only when none did,
        and the change says so: the reviewer tells an API change from a property of the data."""
        old_fields = [_fields(i) for i in old if isinstance(i, dict)]
        new_fields = [_fields(i) for i in new if isinstance(i, dict)]
        if not old_fields or not new_fields:
            return
        known = set().union(*old_fields)
        came = set().union(*(_fields(i) for i in items.added if isinstance(i, dict))) - known
        for field in _outermost(came):
            value = next(_at(i, field) for i in items.added if isinstance(i, dict) and field in _fields(i))
            self.add(Severity.ADDITIVE, ChangeKind.FIELD_ADDED, (*item_path, *field), None, value)
        if items.pairs or len(old_fields) < len(old):
            return
        gone = set.intersection(*old_fields) - set().union(*new_fields)
        for field in _outermost(gone):
            detail = f"every old item had it, no new item has it (judged on {len(old)} -> {len(new)} items that did not pair)"
            self.add(
                Severity.BREAKING,
                ChangeKind.FIELD_REMOVED,
                (*item_path, *field),
                _at(old[0], field),
                None,
                detail,
            )

    def _positional(self, old: list[Any], new: list[Any], path: tuple[Any, ...]) -> None:
        """Numbers in an array are a tuple (a bbox, coordinates): their order is their meaning."""
        if _same(old, new):
            return
        differing = _leaf_pairs(old, new)
        if differing is not None and all(volatile.classify(a, b) == "volatile" for a, b in differing):
            self.add(Severity.VOLATILE, ChangeKind.VALUE_CHANGED, path, old, new)
            return
        flat_old, flat_new = _flatten(old), _flatten(new)
        detail = (
            "the same numbers in another order"
            if sorted(flat_old) == sorted(flat_new)
            else f"{len(flat_old)} -> {len(flat_new)} numbers"
            if len(flat_old) != len(flat_new)
            else None
        )
        self.add(Severity.VALUE, ChangeKind.VALUE_CHANGED, path, old, new, detail)

    def _scalars(self, old: list[Any], new: list[Any], path: tuple[Any, ...]) -> None:
        before = Counter((json_type(v), v) for v in old)
        after = Counter((json_type(v), v) for v in new)
        if before == after:
            if old != new and not self.rules.is_unordered(path):
                severity = Severity.VALUE if self.rules.is_ordered(path) else Severity.VOLATILE
                self.add(
                    severity, ChangeKind.ORDER_CHANGED, path, old, new, "the same items in another order"
                )
            return
        self._scalar_multiset(before, after, path)

    def _scalar_multiset(self, before: Counter[Any], after: Counter[Any], path: tuple[Any, ...]) -> None:
        """Scalars that came and went (strings, booleans): their values, as a multiset."""
        old_types = {t for t, _ in before}
        new_types = {t for t, _ in after}
        if old_types and new_types and old_types != new_types and not (old_types & new_types):
            self.add(
                Severity.BREAKING,
                ChangeKind.TYPE_CHANGED,
                (*path, WILD),
                None,
                None,
                f"items {'/'.join(sorted(old_types))} -> {'/'.join(sorted(new_types))}",
            )
            return
        gone = sorted((before - after).elements(), key=repr)
        came = sorted((after - before).elements(), key=repr)
        if len(gone) == len(came) and all(
            volatile.classify(a, b) == "volatile" for (_, a), (_, b) in zip(gone, came, strict=True)
        ):
            self.add(
                Severity.VOLATILE, ChangeKind.ITEMS_CHANGED, path, [v for _, v in gone], [v for _, v in came]
            )
            return
        detail = ", ".join(
            [*(f"-{json.dumps(v)}" for _, v in gone[:5]), *(f"+{json.dumps(v)}" for _, v in came[:5])]
        )
        self.add(
            Severity.VALUE, ChangeKind.ITEMS_CHANGED, path, [v for _, v in gone], [v for _, v in came], detail
        )


#: the same paths come back in every item of every list (`$.data[*].created`)
_rendered = functools.lru_cache(maxsize=8192)(render_path)


def _same(old: Any, new: Any) -> bool:
    """Python's == with JSON's types: `1 == True` in Python, a type change in JSON.

    The C-speed == decides first; equal containers then compare their marshalled bytes,
    which write each value with its type (`True` is not `1`, nor `1.0`) and read back to it
    alone, at 7x the speed of repr. Bytes can also differ for the same data (keys in
    another order, a string shared on one side only): those pay for reprs, then for one
    canonical dump each. Values marshal cannot write (a YAML timestamp) go that way too.
    """
    if old != new:
        return False
    if isinstance(old, dict | list):
        with contextlib.suppress(ValueError):
            if marshal.dumps(old) == marshal.dumps(new):
                return True
        return repr(old) == repr(new) or json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)
    return True


def _formats(old: Any, new: Any) -> str:
    return f"{volatile.format_of(old)} -> {volatile.format_of(new)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numeric_items(items: list[Any]) -> bool:
    """Numbers, or arrays of them (GeoJSON coordinates): positional, as tuples are."""
    return all(_is_number(v) or (isinstance(v, list) and v and _numeric_items(v)) for v in items)


def _has_containers(items: list[Any]) -> bool:
    return any(isinstance(v, dict | list) for v in items)


def _leaf_pairs(old: list[Any], new: list[Any]) -> list[tuple[Any, Any]] | None:
    """The numbers that differ, position by position; None when the shapes differ."""
    if len(old) != len(new):
        return None
    out: list[tuple[Any, Any]] = []
    for a, b in zip(old, new, strict=True):
        if isinstance(a, list) and isinstance(b, list):
            inner = _leaf_pairs(a, b)
            if inner is None:
                return None
            out.extend(inner)
        elif isinstance(a, list) or isinstance(b, list):
            return None
        elif a != b:
            out.append((a, b))
    return out


def _flatten(items: list[Any]) -> list[float]:
    return [x for v in items for x in (_flatten(v) if isinstance(v, list) else [v])]


def _fields(item: dict[str, Any], depth: int = 6) -> set[tuple[str, ...]]:
    """The object-key paths an item has (`('assets', 'metadata')`), through objects only."""
    out: set[tuple[str, ...]] = set()
    for key, value in item.items():
        out.add((key,))
        if isinstance(value, dict) and depth > 1:
            out.update((key, *rest) for rest in _fields(value, depth - 1))
    return out


def _outermost(paths: set[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A removed object is one change, not one per field inside it."""
    return sorted(p for p in paths if not any(p[:n] in paths for n in range(1, len(p))))


def _at(item: Any, field: tuple[str, ...]) -> Any:
    for key in field:
        item = item[key]
    return item
