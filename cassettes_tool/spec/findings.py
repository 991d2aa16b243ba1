"""What the document says of a recorded body, in the drift model's words.

The recording is the old side, the document the new one: a field the schema now requires
and the recording lacks was `field_added` (additive, "missing in mock"); a recorded field
the schema no longer allows was `field_removed` (breaking), one it merely does not
document may go (`field_removed`, value).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import ValidationError

from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.secrets.masker import mask_at
from cassettes_tool.spec.document import Document
from cassettes_tool.spec.schemas import location_of

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


@dataclass(frozen=True, slots=True)
class Context:
    """Where a body is checked: the document, the schema's location, the operation's name."""

    document: Document
    start: str
    operation: str
    #: request bodies: every violation is the document no longer accepting what the code sends
    request: bool = False
    #: id() of each inlined schema -> where the document defines it (see schemas.inline)
    origins: Mapping[int, str] = field(default_factory=dict)


def json_path(parts: Iterator[str | int] | Any) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(part):
            out += f".{part}"
        else:
            out += "[" + repr(part) + "]"
    return out


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def classify(error: ValidationError, ctx: Context) -> Iterator[Change]:
    """One validation error as changes; a failed oneOf/anyOf speaks through its closest branch."""
    keyword = error.validator
    if keyword in ("oneOf", "anyOf"):
        for branch_error in _closest_branch(error):
            yield from classify(branch_error, ctx)
        return
    path = json_path(error.absolute_path)
    where = location_of(ctx.document, ctx.start, error.absolute_schema_path)
    if keyword == "required":
        match = _REQUIRED.match(error.message)
        names = [match.group(1)] if match else []
        for name in names:
            yield _change(
                ctx,
                Severity.ADDITIVE,
                ChangeKind.FIELD_ADDED,
                _child(path, name),
                where,
                detail=f"the document requires {name!r}; the recording has no such field",
            )
        return
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        for name in _extras(error):
            yield _change(
                ctx,
                Severity.BREAKING,
                ChangeKind.FIELD_REMOVED,
                _child(path, name),
                where,
                old=error.instance.get(name) if isinstance(error.instance, dict) else None,
                detail="the document no longer allows this field (additionalProperties: false)",
            )
        return
    yield _value_change(error, ctx, path, where)


def _value_change(error: ValidationError, ctx: Context, path: str, where: str) -> Change:
    """A recorded value the schema refuses: its type, enum, format (breaking), or a range."""
    keyword = error.validator
    if keyword == "type":
        return _change(
            ctx,
            Severity.BREAKING,
            ChangeKind.TYPE_CHANGED,
            path,
            where,
            old=_type_name(error.instance),
            new=error.validator_value,
        )
    if keyword in ("enum", "const"):
        return _change(
            ctx,
            Severity.BREAKING,
            ChangeKind.VALUE_CHANGED,
            path,
            where,
            old=error.instance,
            new=error.validator_value,
            detail="outside the documented values",
        )
    if keyword == "format":
        return _change(
            ctx,
            Severity.BREAKING,
            ChangeKind.FORMAT_CHANGED,
            path,
            where,
            old=error.instance,
            new=error.validator_value,
        )
    if keyword == "not":
        return _change(
            ctx,
            Severity.BREAKING,
            ChangeKind.VALUE_CHANGED,
            path,
            where,
            old=error.instance,
            detail=error.message,
        )
    # minimum, pattern, maxLength...: the same type, a value out of the documented range
    return _change(
        ctx,
        Severity.VALUE,
        ChangeKind.VALUE_CHANGED,
        path,
        where,
        old=error.instance,
        detail=error.message[:200],
    )


def _closest_branch(error: ValidationError) -> list[ValidationError]:
    """The errors of the branch the value most nearly fits: fewest errors, and not refused at
    its top by type. A value valid under several oneOf branches has no context: that is the
    document's ambiguity, not drift, and is not reported."""
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        key = sub.relative_schema_path[0] if sub.relative_schema_path else None
        by_branch.setdefault(key, []).append(sub)
    if not by_branch:
        return []

    def badness(errors: list[ValidationError]) -> tuple[int, int]:
        refused = any(e.validator == "type" and not e.relative_path for e in errors)
        return (1 if refused else 0, len(errors))

    best = min(by_branch.values(), key=badness)
    if badness(best)[0]:  # every branch refuses the value's type: say it once, at the value
        return [_as_type_error(error)]
    return best


def _as_type_error(error: ValidationError) -> ValidationError:
    wanted = sorted({str(e.validator_value) for e in error.context or () if e.validator == "type"})
    made = ValidationError(
        error.message,
        validator="type",
        validator_value=" | ".join(wanted),
        instance=error.instance,
        schema_path=error.relative_schema_path,
    )
    made.parent = error.parent
    made.path = error.path
    made.relative_path = error.relative_path
    return made


def _extras(error: ValidationError) -> list[str]:
    instance, schema = error.instance, error.schema
    if not isinstance(instance, dict) or not isinstance(schema, dict):
        return []
    known = set(schema.get("properties") or {})
    patterns = [re.compile(p) for p in schema.get("patternProperties") or {}]
    return [k for k in instance if k not in known and not any(p.search(k) for p in patterns)]


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if _IDENT.match(name) else f"{path}[{name!r}]"


def _change(
    ctx: Context,
    severity: Severity,
    kind: ChangeKind,
    path: str,
    where: str,
    *,
    old: Any = None,
    new: Any = None,
    detail: str | None = None,
) -> Change:
    if ctx.request:
        severity, kind = Severity.BREAKING, ChangeKind.REQUEST_CHANGED
        detail = f"request body: {detail or kind.value}"
    return Change(
        severity=severity,
        kind=kind,
        where=Where.SPEC,
        path=path,
        old=mask_at(path, old),
        new=mask_at(path, new),
        detail=detail,
        operation=ctx.operation,
        schema=where,
    )


def text_of(node: Mapping[str, Any]) -> str:
    """The document's own words on a deprecation, trimmed to a line a report can carry."""
    text = node.get("description") or node.get("summary")
    for branch in node.get("anyOf") or node.get("oneOf") or ():  # `deprecated` beside a nullable union
        text = text or (branch.get("description") if isinstance(branch, dict) else None)
    text = str(text or "deprecated").strip()
    return " ".join(text.split())[:300]
