"""Compare an old cassette with a new one by meaning: pair interactions, classify every change.

Pure: cassettes in, changes out. A field added to every item of a list is one change at
`$.items[*].sku`; a timestamp that moved is `volatile`; a number that became a string
is `breaking`. The rules are SPEC.md's "Drift classification".
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any

from cassettes_tool.diff import volatile
from cassettes_tool.diff.pairing import pair, uri_shape
from cassettes_tool.diff.rules import DEPRECATION_HEADERS, DiffRules
from cassettes_tool.diff.walker import Changes, Walker
from cassettes_tool.model.body import Body, BodyKind, parse_media_type
from cassettes_tool.model.cassette import Cassette, Headers, Interaction
from cassettes_tool.model.change import CassetteDiff, Change, ChangeKind, InteractionDiff, Severity, Where


def diff(old: Cassette, new: Cassette, rules: DiffRules | None = None) -> CassetteDiff:
    rules = rules or DiffRules()
    results = []
    for before, after in pair(old.interactions, new.interactions):
        if before is not None and after is not None:
            results.append(compare_interactions(before, after, rules))
        elif before is not None:
            results.append(
                InteractionDiff(
                    before.index,
                    None,
                    before.request.method,
                    before.request.uri,
                    (Change(Severity.BREAKING, ChangeKind.INTERACTION_MISSING, Where.INTERACTION),),
                )
            )
        elif after is not None:
            results.append(
                InteractionDiff(
                    None,
                    after.index,
                    after.request.method,
                    after.request.uri,
                    (Change(Severity.ADDITIVE, ChangeKind.INTERACTION_ADDED, Where.INTERACTION),),
                )
            )
    return CassetteDiff(tuple(results))


def compare_interactions(old: Interaction, new: Interaction, rules: DiffRules) -> InteractionDiff:
    changes = Changes()
    if old.request.uri != new.request.uri:
        changes.add(
            Severity.VOLATILE,
            ChangeKind.VALUE_CHANGED,
            Where.INTERACTION,
            "uri",
            old.request.uri,
            new.request.uri,
        )
    if old.response.status != new.response.status:
        changes.add(
            Severity.BREAKING,
            ChangeKind.STATUS_CHANGED,
            Where.STATUS,
            None,
            old.response.status,
            new.response.status,
        )
    _compare_headers(old.response.headers, new.response.headers, rules, changes)
    _compare_bodies(old.response.body, new.response.body, rules, changes)
    return InteractionDiff(old.index, new.index, old.request.method, old.request.uri, changes.freeze())


def _joined(headers: Headers) -> dict[str, str]:
    values: dict[str, list[str]] = defaultdict(list)
    for name, value in headers:
        values[name.lower()].append(value)
    return {name: ", ".join(v) for name, v in values.items()}


def _compare_headers(old: Headers, new: Headers, rules: DiffRules, changes: Changes) -> None:
    before, after = _joined(old), _joined(new)
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if name in DEPRECATION_HEADERS and was is None:
            changes.add(Severity.ADDITIVE, ChangeKind.DEPRECATION_ANNOUNCED, Where.HEADER, name, None, now)
        elif rules.header_is_volatile(name):
            kind = (
                ChangeKind.HEADER_ADDED
                if was is None
                else ChangeKind.HEADER_REMOVED
                if now is None
                else ChangeKind.HEADER_CHANGED
            )
            changes.add(Severity.VOLATILE, kind, Where.HEADER, name, was, now)
        elif was is None:
            changes.add(Severity.ADDITIVE, ChangeKind.HEADER_ADDED, Where.HEADER, name, None, now)
        elif now is None:
            changes.add(Severity.BREAKING, ChangeKind.HEADER_REMOVED, Where.HEADER, name, was, None)
        elif name == "content-type":
            _compare_content_type(was, now, changes)
        elif rules.header_is_acted(name) and not _same_shape(was, now):
            changes.add(Severity.VALUE, ChangeKind.HEADER_CHANGED, Where.HEADER, name, was, now)
        else:
            changes.add(Severity.VOLATILE, ChangeKind.HEADER_CHANGED, Where.HEADER, name, was, now)


def _compare_content_type(was: str, now: str, changes: Changes) -> None:
    old_media, old_charset = parse_media_type(was)
    new_media, new_charset = parse_media_type(now)
    if old_media != new_media:
        changes.add(Severity.BREAKING, ChangeKind.MEDIA_TYPE_CHANGED, Where.HEADER, "content-type", was, now)
    elif old_charset != new_charset:
        changes.add(Severity.VALUE, ChangeKind.HEADER_CHANGED, Where.HEADER, "content-type", was, now)
    else:  # spacing or case only
        changes.add(Severity.VOLATILE, ChangeKind.HEADER_CHANGED, Where.HEADER, "content-type", was, now)


def _same_shape(was: str, now: str) -> bool:
    """`/charges/ch_1` vs `/charges/ch_2`: the same header value but for ids."""
    if "/" in was or "/" in now:
        return uri_shape(was.strip("<>")) == uri_shape(now.strip("<>"))
    return volatile.classify(was, now) == "volatile"


def _compare_bodies(old: Body, new: Body, rules: DiffRules, changes: Changes) -> None:
    if old.data == new.data:
        return
    if old.kind is BodyKind.JSON and new.kind is BodyKind.JSON:
        Walker(rules, changes).compare(old.value, new.value, ())
        return
    if old.kind is BodyKind.FORM and new.kind is BodyKind.FORM:
        Walker(rules, changes).compare(_form(old.value), _form(new.value), ())
        return
    if old.kind is BodyKind.EMPTY or new.kind is BodyKind.EMPTY:
        severity = Severity.VALUE if old.kind is BodyKind.EMPTY else Severity.BREAKING
        detail = f"body {'appeared' if old.kind is BodyKind.EMPTY else 'is now empty'} ({old.size} -> {new.size} bytes)"
        changes.add(severity, ChangeKind.BODY_CHANGED, Where.BODY, None, None, None, detail)
        return
    if old.kind is not new.kind and BodyKind.JSON in (old.kind, new.kind):
        detail = f"{old.kind.value} body became {new.kind.value}"
        changes.add(Severity.BREAKING, ChangeKind.BODY_CHANGED, Where.BODY, None, None, None, detail)
        return
    if old.kind is BodyKind.TEXT and new.kind is BodyKind.TEXT:
        before, after = volatile.mask_text(old.value), volatile.mask_text(new.value)
        severity = Severity.VOLATILE if before == after else Severity.VALUE
        changes.add(severity, ChangeKind.BODY_CHANGED, Where.BODY, None, None, None, _excerpt(before, after))
        return
    detail = f"{old.size} -> {new.size} bytes, sha256 {old.sha256[:12]} -> {new.sha256[:12]}"
    changes.add(Severity.VALUE, ChangeKind.BODY_CHANGED, Where.BODY, None, None, None, detail)


def _form(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in grouped.items()}


def _excerpt(before: str, after: str, limit: int = 12) -> str:
    lines = list(
        difflib.unified_diff(before.splitlines(), after.splitlines(), "old", "new", n=1, lineterm="")
    )[2:]
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more lines"]
    return "\n".join(line[:200] for line in lines)
