"""Compare an old cassette with a new one by meaning: pair interactions, classify every change.

Pure: cassettes in, changes out. A field added to every item of a list is one change at
`$.items[*].sku`; a timestamp that moved is `volatile`; a number that became a string
is `breaking`. The rules are SPEC.md's "Drift classification".
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from cassettes_tool import volatile
from cassettes_tool.config import Config
from cassettes_tool.model.body import Body, BodyKind, parse_media_type
from cassettes_tool.model.cassette import Cassette, Headers, Interaction
from cassettes_tool.model.change import CassetteDiff, Change, ChangeKind, InteractionDiff, Severity, Where

# ---------------------------------------------------------------------------- rules

VOLATILE_HEADERS = frozenset(
    {
        "date",
        "server",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "content-encoding",
        "etag",
        "age",
        "expires",
        "last-modified",
        "cache-control",
        "pragma",
        "vary",
        "via",
        "set-cookie",
        "alt-svc",
        "nel",
        "report-to",
        "server-timing",
        "traceparent",
        "tracestate",
        "x-runtime",
        "x-response-time",
        "x-served-by",
        "x-timer",
        "x-powered-by",
        "strict-transport-security",
        "accept-ranges",
    }
)
_VOLATILE_HEADER_PATTERN = re.compile(
    r"request-?id|trace|correlation|^x-amz|^x-amzn|^x-b3-|^x-cache|^cf-|^x-ratelimit|^x-rate-limit"
    r"|^x-envoy|^x-kong|^x-azure|^x-ms-|^x-goog|^x-guploader|^x-github-request|^x-cloud-trace|^x-fastly"
    r"|^x-varnish|^x-edge|^x-iinfo|^x-akamai|^x-transaction|^x-connection-hash|^x-response"
)
#: headers a client acts on: their changed value is drift (`value`), others are noise
ACTED_HEADERS = frozenset(
    {
        "content-type",
        "location",
        "link",
        "content-disposition",
        "www-authenticate",
        "allow",
        "content-language",
    }
)
DEPRECATION_HEADERS = frozenset({"deprecation", "sunset"})


@dataclass(frozen=True, slots=True)
class DiffRules:
    """What the config adds: ignored body paths and headers, ordered arrays, acted headers."""

    ignore_body: tuple[str, ...] = ()
    ignore_headers: tuple[str, ...] = ()
    ordered: tuple[str, ...] = ()
    acted_headers: tuple[str, ...] = ()
    _ignore: tuple[tuple[Any, ...], ...] = field(default=(), repr=False, compare=False)
    _ordered: tuple[tuple[Any, ...], ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ignore", tuple(parse_path(p) for p in self.ignore_body))
        object.__setattr__(self, "_ordered", tuple(parse_path(p) for p in self.ordered))

    @classmethod
    def from_config(cls, config: Config) -> DiffRules:
        return cls(
            ignore_body=config.ignore.body, ignore_headers=tuple(h.lower() for h in config.ignore.headers)
        )

    def ignores(self, path: tuple[Any, ...]) -> bool:
        return any(_matches_prefix(pattern, path) for pattern in self._ignore)

    def is_ordered(self, path: tuple[Any, ...]) -> bool:
        return any(_matches(pattern, path) for pattern in self._ordered)

    def header_is_volatile(self, name: str) -> bool:
        return (
            name in VOLATILE_HEADERS
            or name in self.ignore_headers
            or bool(_VOLATILE_HEADER_PATTERN.search(name))
        )

    def header_is_acted(self, name: str) -> bool:
        return name in ACTED_HEADERS or name in self.acted_headers


# ---------------------------------------------------------------------------- JSONPath (a subset)


class _Wild:
    """`[*]`: any element of an array."""

    def __repr__(self) -> str:
        return "[*]"


WILD = _Wild()
_DESCEND = object()  # `..name`: at any depth
_PATH_TOKEN = re.compile(
    r"\.\.([A-Za-z_$][\w$-]*|\*)?|\.([A-Za-z_$][\w$-]*|\*)"
    r"|\[(\*|-?\d+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]"
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def parse_path(text: str) -> tuple[Any, ...]:
    """`$.a..b[*][0]['c d']` -> ('a', DESCEND, 'b', WILD, 0, 'c d'). A subset of JSONPath."""
    text = text.strip()
    rest = text[1:] if text.startswith("$") else ("." + text if text and text[0] not in ".[" else text)
    tokens: list[Any] = []
    pos = 0
    while pos < len(rest):
        match = _PATH_TOKEN.match(rest, pos)
        if not match:
            raise ValueError(f"cannot read JSONPath {text!r} at {rest[pos:]!r}")
        pos = match.end()
        descend, name, bracket = match.groups()
        if match.group(0).startswith(".."):
            tokens.append(_DESCEND)
            name = descend
        if name is not None:
            tokens.append(WILD if name == "*" else name)
        elif bracket is not None:
            if bracket == "*":
                tokens.append(WILD)
            elif bracket[0] in "'\"":
                tokens.append(_ESCAPE.sub(r"\1", bracket[1:-1]))
            else:
                tokens.append(int(bracket))
    return tuple(tokens)


def _token_matches(pattern: Any, token: Any) -> bool:
    if pattern is WILD:
        return token is WILD or isinstance(token, int)
    if isinstance(pattern, int):
        return token is WILD or token == pattern
    return bool(pattern == token)


def _matches(pattern: Sequence[Any], path: Sequence[Any]) -> bool:
    if not pattern:
        return not path
    head = pattern[0]
    if head is _DESCEND:
        return any(_matches(pattern[1:], path[i:]) for i in range(len(path) + 1))
    return bool(path) and _token_matches(head, path[0]) and _matches(pattern[1:], path[1:])


def _matches_prefix(pattern: Sequence[Any], path: Sequence[Any]) -> bool:
    """True when the path or one of its ancestors matches: an ignored subtree is all ignored."""
    return any(_matches(pattern, path[:n]) for n in range(len(path), -1, -1))


_SIMPLE_KEY = re.compile(r"[A-Za-z_][\w-]*")


def render_path(path: Iterable[Any]) -> str:
    out = ["$"]
    for token in path:
        if token is WILD:
            out.append("[*]")
        elif isinstance(token, int):
            out.append(f"[{token}]")
        elif _SIMPLE_KEY.fullmatch(token):
            out.append(f".{token}")
        else:
            quoted = token.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{quoted}']")
    return "".join(out)


# ---------------------------------------------------------------------------- pairing


def _normal_uri(uri: str) -> str:
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _id_like(segment: str) -> bool:
    return segment.isdigit() or volatile.format_of(segment) is not None


def _uri_shape(uri: str) -> str:
    """The URI with id-like path segments and query values as wildcards."""
    parts = urlsplit(_normal_uri(uri))
    path = "/".join("{id}" if _id_like(seg) else seg for seg in parts.path.split("/"))
    query = "&".join(
        f"{k}={'{id}' if _id_like(v) else v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _body_key(body: Body) -> str | bytes:
    if body.kind is BodyKind.JSON:
        return json.dumps(body.value, sort_keys=True)
    return body.data


def pair(
    old: Sequence[Interaction], new: Sequence[Interaction]
) -> list[tuple[Interaction | None, Interaction | None]]:
    """Pair by method + URI + body in recorded order, then the rest by method + URI shape."""
    pairs: dict[int, int] = {}  # old index -> new index
    taken_new: set[int] = set()

    def run(keyfn: Any) -> None:
        waiting: dict[Any, deque[int]] = defaultdict(deque)
        for i, interaction in enumerate(old):
            if i not in pairs:
                waiting[keyfn(interaction)].append(i)
        for j, interaction in enumerate(new):
            if j in taken_new:
                continue
            queue = waiting.get(keyfn(interaction))
            if queue:
                pairs[queue.popleft()] = j
                taken_new.add(j)

    run(lambda i: (i.request.method, _normal_uri(i.request.uri), _body_key(i.request.body)))
    run(lambda i: (i.request.method, _uri_shape(i.request.uri)))

    result: list[tuple[float, Interaction | None, Interaction | None]] = []
    for i, interaction in enumerate(old):
        partner = pairs.get(i)
        result.append((i, interaction, new[partner] if partner is not None else None))
    for j, interaction in enumerate(new):
        if j not in taken_new:
            result.append((j + 0.5, None, interaction))
    result.sort(key=lambda entry: entry[0])
    return [(o, n) for _, o, n in result]


# ---------------------------------------------------------------------------- comparing


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
    changes = _Changes()
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


class _Changes:
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

    def absorb(self, other: _Changes) -> None:
        for change in other._by_key.values():
            self._fold(change)

    def freeze(self) -> tuple[Change, ...]:
        return tuple(
            sorted(self._by_key.values(), key=lambda c: (-c.severity.rank, c.where.value, c.path or ""))
        )


def _joined(headers: Headers) -> dict[str, str]:
    values: dict[str, list[str]] = defaultdict(list)
    for name, value in headers:
        values[name.lower()].append(value)
    return {name: ", ".join(v) for name, v in values.items()}


def _compare_headers(old: Headers, new: Headers, rules: DiffRules, changes: _Changes) -> None:
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


def _compare_content_type(was: str, now: str, changes: _Changes) -> None:
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
        return _uri_shape(was.strip("<>")) == _uri_shape(now.strip("<>"))
    return volatile.classify(was, now) == "volatile"


def _compare_bodies(old: Body, new: Body, rules: DiffRules, changes: _Changes) -> None:
    if old.data == new.data:
        return
    if old.kind is BodyKind.JSON and new.kind is BodyKind.JSON:
        _Walker(rules, changes).compare(old.value, new.value, ())
        return
    if old.kind is BodyKind.FORM and new.kind is BodyKind.FORM:
        _Walker(rules, changes).compare(_form(old.value), _form(new.value), ())
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


def _json_type(value: Any) -> str:
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


_IDENTITY_KEYS = ("id", "uuid", "key", "slug", "name", "code")


class _Walker:
    """The structural comparison of two JSON values, under the rules."""

    def __init__(self, rules: DiffRules, changes: _Changes):
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
        old_type, new_type = _json_type(old), _json_type(new)
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
        pairs, extra_old, extra_new = _pair_items(old, new)
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
        trial = _Walker(self.rules, _Changes())
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
        before = Counter((_json_type(v), v) for v in old)
        after = Counter((_json_type(v), v) for v in new)
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


def _pair_items(old: list[Any], new: list[Any]) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
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
    return volatile.format_of(value) or (_json_type(value), value)


def _identity_key(old: list[Any], new: list[Any]) -> str | None:
    """A key every item has, with unique scalar values on each side: items are paired by it."""
    items = old + new
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in _IDENTITY_KEYS:
        present = all(key in item and isinstance(item[key], str | int) for item in items)
        if present and len({i[key] for i in old}) == len(old) and len({i[key] for i in new}) == len(new):
            return key
    return None
