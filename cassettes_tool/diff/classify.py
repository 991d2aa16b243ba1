"""Compare an old cassette with a new one by meaning: pair interactions, classify every change.

Pure: cassettes in, changes out. A field added to every item of a list is one change at
`$.items[*].sku`; a timestamp that moved is `volatile`; a number that became a string
is `breaking`. The rules are SPEC.md's "Drift classification".
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cassettes_tool.diff import streams, volatile
from cassettes_tool.diff.pairing import normal_uri, pair, uri_shape
from cassettes_tool.diff.rules import DEPRECATION_HEADERS, DiffRules
from cassettes_tool.diff.walker import Changes, Walker
from cassettes_tool.model.body import Body, BodyKind, parse_media_type
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Request
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
    _compare_requests(old.request, new.request, rules, changes)
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


def _compare_requests(old: Request, new: Request, rules: DiffRules, changes: Changes) -> None:
    """What the code under test sent: method, URI and body. Request headers belong to the
    machine that recorded (User-Agent, Accept-Encoding, Content-Length) or to the project's
    own filters, and are not compared. A difference only in generated values is volatile."""
    if old.method != new.method:
        changes.add(
            Severity.VALUE, ChangeKind.REQUEST_CHANGED, Where.INTERACTION, "method", old.method, new.method
        )
    if old.uri != new.uri:
        severity = Severity.VOLATILE if _uri_differs_in_ids(old.uri, new.uri) else Severity.VALUE
        changes.add(severity, ChangeKind.REQUEST_CHANGED, Where.INTERACTION, "uri", old.uri, new.uri)
    if old.body.data == new.body.data:
        return
    inner = Changes()
    _compare_bodies(old.body, new.body, DiffRules(ignore_body=rules.ignore_body), inner)
    found = inner.freeze()
    if not found:
        return
    severity = Severity.VOLATILE if all(c.severity is Severity.VOLATILE for c in found) else Severity.VALUE
    shown = [c for c in found if c.severity is severity] or list(found)
    detail = "; ".join(_said(c) for c in shown[:6]) + (f"; {len(shown) - 6} more" if len(shown) > 6 else "")
    changes.add(severity, ChangeKind.REQUEST_CHANGED, Where.INTERACTION, "body", None, None, detail)


def _said(change: Change) -> str:
    where = change.path or "body"
    if change.kind is ChangeKind.FIELD_REMOVED:
        return f"{where} removed"
    if change.kind is ChangeKind.FIELD_ADDED:
        return f"{where} added"
    if change.kind in (ChangeKind.VALUE_CHANGED, ChangeKind.TYPE_CHANGED, ChangeKind.FORMAT_CHANGED):
        return f"{where}: {_short(change.old)} -> {_short(change.new)}"
    return f"{where}: {change.detail or change.kind.value}".splitlines()[0]


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _uri_differs_in_ids(old: str, new: str) -> bool:
    """`/charges/ch_1a2b3c` vs `/charges/ch_9z8y7x`: the same request but for generated ids.
    A page number or a `limit` that changed is a value: the code under test asked otherwise."""
    before, after = urlsplit(normal_uri(old)), urlsplit(normal_uri(new))
    if before.netloc != after.netloc or before.scheme != after.scheme:
        return False
    old_parts = [*before.path.split("/"), *parse_qsl(before.query, keep_blank_values=True)]
    new_parts = [*after.path.split("/"), *parse_qsl(after.query, keep_blank_values=True)]
    if len(old_parts) != len(new_parts):
        return False
    for a, b in zip(old_parts, new_parts, strict=True):
        if a == b:
            continue
        if isinstance(a, tuple) and isinstance(b, tuple):
            if a[0] != b[0]:
                return False
            a, b = a[1], b[1]
        if not isinstance(a, str) or not isinstance(b, str) or volatile.classify(a, b) != "volatile":
            return False
    return True


def _joined(headers: Headers) -> dict[str, str]:
    """Values by lower-case name, a repeated header's joined with commas in recorded order."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = value if key not in joined else f"{joined[key]}, {value}"
    return joined


def _compare_headers(old: Headers, new: Headers, rules: DiffRules, changes: Changes) -> None:
    if old.items == new.items:
        return
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
    if old_media != new_media and _family(old_media) == _family(new_media):
        changes.add(Severity.VALUE, ChangeKind.MEDIA_TYPE_CHANGED, Where.HEADER, "content-type", was, now)
    elif old_media != new_media:
        changes.add(Severity.BREAKING, ChangeKind.MEDIA_TYPE_CHANGED, Where.HEADER, "content-type", was, now)
    elif old_charset != new_charset:
        changes.add(Severity.VALUE, ChangeKind.HEADER_CHANGED, Where.HEADER, "content-type", was, now)
    else:  # spacing or case only
        changes.add(Severity.VOLATILE, ChangeKind.HEADER_CHANGED, Where.HEADER, "content-type", was, now)


def _family(media: str | None) -> str | None:
    """`application/geo+json` reads as JSON, as `application/json` does: one family.
    `text/html` is another, and so is `application/xml` with its `+xml` kin."""
    if media is None:
        return None
    for suffix in ("json", "xml"):
        if media.endswith((f"/{suffix}", f"+{suffix}")) and media.startswith(("application/", "text/")):
            return suffix
    return media


def _same_shape(was: str, now: str) -> bool:
    """`/charges/ch_1` vs `/charges/ch_2`: the same header value but for ids."""
    if "/" in was or "/" in now:
        return uri_shape(was.strip("<>")) == uri_shape(now.strip("<>"))
    return volatile.classify(was, now) == "volatile"


def _compare_bodies(old: Body, new: Body, rules: DiffRules, changes: Changes) -> None:
    if old.data == new.data:
        return
    if streams.is_stream(old) and streams.is_stream(new):
        old_events, new_events = streams.events(old), streams.events(new)
        if old_events is not None and new_events is not None:
            streams.compare(old_events, new_events, Walker(rules, changes))
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
