"""Compare two JSON values by meaning: fields added and removed, types, formats and values."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

from cassettes_tool.diff import volatile
from cassettes_tool.diff.items import json_type, pair_items
from cassettes_tool.diff.rules import DiffRules
from cassettes_tool.jsonpath import WILD, render_path
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where


class Changes:
    """Collects changes, folding repeats (the same field in every item) into one with a count."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[Any, ...], Change] = {}

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
        self._fold(Change(severity, kind, where, path, old, new, detail))

    def _fold(self, change: Change) -> None:
        key = (change.severity, change.kind, change.where, change.path)
        seen = self._by_key.get(key)
        self._by_key[key] = change if seen is None else replace(seen, count=seen.count + change.count)

    def only_volatile(self) -> bool:
        return all(c.severity is Severity.VOLATILE for c in self._by_key.values())

    def absorb(self, other: Changes) -> None:
        for change in other._by_key.values():
            self._fold(change)

    def freeze(self) -> tuple[Change, ...]:
        return tuple(
            sorted(self._by_key.values(), key=lambda c: (-c.severity.rank, c.where.value, c.path or ""))
        )


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
        self.changes.add(severity, kind, Where.BODY, render_path(path), old, new, detail)

    def compare(self, old: Any, new: Any, path: tuple[Any, ...]) -> None:
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
        if self.rules.is_ordered(path):
            for index, (a, b) in enumerate(zip(old, new, strict=False)):
                self.compare(a, b, (*path, index))
            if len(old) != len(new):
                self._count_changed(old, new, path)
            return
        containers = any(isinstance(v, dict | list) for v in old) or any(
            isinstance(v, dict | list) for v in new
        )
        if not containers:
            self._scalar_multiset(old, new, path)
            return
        item_path = (*path, WILD)
        if self._in_recorded_order(old, new, item_path):
            return
        pairs, extra_old, extra_new = pair_items(old, new)
        for a, b in pairs:
            self.compare(a, b, item_path)
        if extra_old or extra_new:
            self._shape_of_extras(old, new, extra_old, extra_new, item_path)
            self._count_changed(old, new, path)

    def _count_changed(self, old: list[Any], new: list[Any], path: tuple[Any, ...]) -> None:
        detail = f"{len(old)} -> {len(new)} items"
        self.add(Severity.VALUE, ChangeKind.ITEMS_CHANGED, path, len(old), len(new), detail)

    def _in_recorded_order(self, old: list[Any], new: list[Any], item_path: tuple[Any, ...]) -> bool:
        """The common case first: the same items in the same order, differing only in volatile
        values. Walk them pairwise on trial; keep the result only if nothing but volatile changed."""
        if len(old) != len(new):
            return False
        trial = Walker(self.rules, Changes())
        for a, b in zip(old, new, strict=True):
            trial.compare(a, b, item_path)
        if not trial.changes.only_volatile():
            return False
        self.changes.absorb(trial.changes)
        return True

    def _shape_of_extras(
        self,
        old: list[Any],
        new: list[Any],
        extra_old: list[Any],
        extra_new: list[Any],
        item_path: tuple[Any, ...],
    ) -> None:
        """Items without a partner still tell the shape: fields no item on the other side has."""
        old_keys = {k for item in old if isinstance(item, dict) for k in item}
        new_keys = {k for item in new if isinstance(item, dict) for k in item}
        for item in extra_new:
            if isinstance(item, dict):
                for key in item.keys() - old_keys:
                    if old_keys:
                        self.add(
                            Severity.ADDITIVE, ChangeKind.FIELD_ADDED, (*item_path, key), None, item[key]
                        )
        for item in extra_old:
            if isinstance(item, dict):
                for key in item.keys() - new_keys:
                    if new_keys:
                        self.add(
                            Severity.BREAKING, ChangeKind.FIELD_REMOVED, (*item_path, key), item[key], None
                        )

    def _scalar_multiset(self, old: list[Any], new: list[Any], path: tuple[Any, ...]) -> None:
        before = Counter((json_type(v), v) for v in old)
        after = Counter((json_type(v), v) for v in new)
        if before == after:
            return  # the same items reshuffled
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


def _same(old: Any, new: Any) -> bool:
    """Python's == with JSON's types: `1 == True` in Python, a type change in JSON.

    The C-speed == decides first; only equal containers pay for one canonical dump each.
    """
    if old != new:
        return False
    if isinstance(old, dict | list):
        return json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)
    return True


def _formats(old: Any, new: Any) -> str:
    return f"{volatile.format_of(old)} -> {volatile.format_of(new)}"
