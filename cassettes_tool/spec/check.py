"""One recorded interaction against the documents of its host: the findings, as changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cassettes_tool.model.body import BodyKind
from cassettes_tool.model.cassette import Interaction
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.spec.document import Document, Version
from cassettes_tool.spec.findings import Context, classify, text_of
from cassettes_tool.spec.operations import Operation, OperationIndex, PathOnly, Unknown, escape
from cassettes_tool.spec.request import request_changes
from cassettes_tool.spec.schemas import Validators, resolve
from cassettes_tool.spec.walk import unvalidated


@dataclass(frozen=True, slots=True)
class HostSpec:
    """The documents given for one host (`--spec HOST[/BASE]=FILE`, repeatable)."""

    host: str
    documents: tuple[Document, ...]
    #: the API's base path when the user gave one with the host
    prefix: str | None = None


@dataclass
class SpecChecker:
    """The documents of every host, their operation indexes and compiled validators, built once."""

    hosts: Sequence[HostSpec]
    validators: Validators = field(default_factory=Validators)

    def __post_init__(self) -> None:
        self._indexes: dict[str, list[OperationIndex]] = {}
        for spec in self.hosts:
            self._indexes.setdefault(spec.host.lower(), []).append(
                OperationIndex(spec.documents, spec.prefix)
            )

    def covers(self, interaction: Interaction) -> bool:
        return interaction.request.host.lower() in self._indexes

    def check(self, interaction: Interaction) -> tuple[Change, ...] | None:
        """The findings; None when no document speaks of this host or base path."""
        indexes = self._indexes.get(interaction.request.host.lower())
        if not indexes:
            return None
        request = interaction.request
        for index in indexes:
            found = index.match(request.method, request.path)
            if found is None:
                continue
            if isinstance(found, Unknown):
                return (_removed(f"no operation documents {request.method} {found.path}", None),)
            if isinstance(found, PathOnly):
                documented = ", ".join(found.methods) or "none"
                detail = f"{found.template} documents {documented}, not {request.method}"
                return (_removed(detail, found.location),)
            return tuple(_grouped(self._operation(found, interaction)))
        return None

    def _operation(self, operation: Operation, interaction: Interaction) -> Iterator[Change]:
        if operation.node.get("deprecated") is True:
            yield Change(
                severity=Severity.ADDITIVE,
                kind=ChangeKind.DEPRECATION_ANNOUNCED,
                where=Where.SPEC,
                detail=text_of(operation.node),
                operation=operation.name,
                schema=operation.location,
            )
        yield from request_changes(operation, interaction.request, self.validators)
        yield from self._response(operation, interaction)

    def _response(self, operation: Operation, interaction: Interaction) -> Iterator[Change]:
        response = interaction.response
        responses = operation.node.get("responses") or {}
        key = _status_key(responses, response.status)
        if key is None:
            documented = ", ".join(str(k) for k in responses) or "none"
            yield Change(
                severity=Severity.VALUE,
                kind=ChangeKind.STATUS_CHANGED,
                where=Where.SPEC,
                old=response.status,
                new=documented,
                detail=f"status {response.status} is not documented (documented: {documented})",
                operation=operation.name,
                schema=f"{operation.location}/responses",
            )
            return
        if response.body.kind is not BodyKind.JSON:
            return
        start = _schema_location(operation, key, response.body.media_type)
        if start is None:
            return
        compiled = self.validators.get(operation.document, start)
        ctx = Context(operation.document, start, operation.name, origins=compiled.origins)
        instance = response.body.value
        for error in compiled.validator.iter_errors(instance):
            yield from classify(error, ctx)
        yield from unvalidated(ctx, compiled.schema, instance)


def _removed(detail: str, location: str | None) -> Change:
    return Change(
        severity=Severity.BREAKING,
        kind=ChangeKind.OPERATION_REMOVED,
        where=Where.SPEC,
        detail=detail,
        schema=location,
    )


def _status_key(responses: Mapping[str, Any], status: int | None) -> str | None:
    """The exact code, then its range (`4XX`), then `default`."""
    if status is None:
        return None
    for key in (str(status), f"{status // 100}XX", f"{status // 100}xx", "default"):
        if key in responses:
            return key
    return None


def _schema_location(operation: Operation, key: str, media_type: str | None) -> str | None:
    """Where the response's schema lives: Swagger's `schema`, or the content entry of the
    recorded media type (exact, then `type/*`, `*/*`, then the one JSON entry there is)."""
    document = operation.document
    base = f"{operation.location}/responses/{escape(key)}"
    node, base = resolve(document, base, operation.node["responses"][key])
    if not isinstance(node, dict):
        return None
    if document.version is Version.SWAGGER2:
        return f"{base}/schema" if "schema" in node else None
    content = node.get("content") or {}
    chosen = _media_entry(content, media_type)
    if chosen is None or "schema" not in (content.get(chosen) or {}):
        return None
    return f"{base}/content/{escape(chosen)}/schema"


def _media_entry(content: Mapping[str, Any], media_type: str | None) -> str | None:
    recorded = (media_type or "").split(";")[0].strip().lower()
    if recorded in content:
        return recorded
    family = recorded.split("/")[0] + "/*"
    for candidate in (family, "*/*"):
        if candidate in content:
            return candidate
    jsonish = [m for m in content if m.split(";")[0].endswith("json")]
    return jsonish[0] if len(jsonish) == 1 else None


def _grouped(changes: Iterable[Change]) -> list[Change]:
    """The same finding at every item of an array is one change with a count (`$.features[*]`)."""
    counts: Counter[Change] = Counter()
    first: dict[Change, Change] = {}
    for change in changes:
        key = replace(change, path=_star(change.path), old=None, new=_hashable(change.new))
        counts[key] += 1
        first.setdefault(key, change)
    out = []
    for key, n in counts.items():
        original = first[key]
        out.append(replace(original, path=key.path, count=n) if n > 1 else original)
    return out


def _star(path: str | None) -> str | None:
    import re

    return re.sub(r"\[\d+\]", "[*]", path) if path else path


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, list | dict) else value
