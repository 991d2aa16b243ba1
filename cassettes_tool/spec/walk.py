"""What validation does not say: recorded fields the schema does not document (allowed, but
nothing promises them), and fields the schema marks `deprecated`.

Walks the recording and the schema together; `allOf` branches add their properties,
`oneOf`/`anyOf` follow the discriminator when there is one, else the branch that
documents most of the recorded fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.spec.findings import Context, _child, text_of
from cassettes_tool.spec.schemas import resolve

_MAX_DEPTH = 64


def unvalidated(ctx: Context, schema: Any, instance: Any) -> Iterator[Change]:
    """`schema` is the inlined one the validator was compiled from (schemas.inline)."""
    yield from _walk(ctx, schema, ctx.start, instance, "$", 0)


def _deref(ctx: Context, node: Any, base: str) -> tuple[Any, str]:
    """An inlined schema knows where it was defined; only a recursive `$ref` is left to follow."""
    if isinstance(node, dict) and "$ref" in node:
        node, base = resolve(ctx.document, base, node)
    return node, ctx.origins.get(id(node), base)


def _walk(ctx: Context, node: Any, base: str, instance: Any, path: str, depth: int) -> Iterator[Change]:
    if depth > _MAX_DEPTH:
        return
    node, base = _deref(ctx, node, base)
    if not isinstance(node, dict):
        return
    if node.get("deprecated") is True and path != "$":
        yield Change(
            severity=Severity.ADDITIVE,
            kind=ChangeKind.DEPRECATION_ANNOUNCED,
            where=Where.SPEC,
            path=path,
            detail=text_of(node),
            operation=ctx.operation,
            schema=base,
        )
    if isinstance(instance, dict):
        yield from _object(ctx, node, base, instance, path, depth)
    elif isinstance(instance, list):
        items = node.get("items")
        if isinstance(items, dict):
            for i, value in enumerate(instance):
                yield from _walk(ctx, items, f"{base}/items", value, f"{path}[{i}]", depth + 1)


def _object(
    ctx: Context, node: Mapping[str, Any], base: str, instance: Mapping[str, Any], path: str, depth: int
) -> Iterator[Change]:
    shapes = list(_shapes(ctx, node, base, instance, depth))
    properties: dict[str, tuple[Any, str]] = {}
    open_to: list[tuple[Any, str]] = []
    closed = patterned = False
    for shape, where in shapes:
        for name, sub in (shape.get("properties") or {}).items():
            properties.setdefault(name, (sub, f"{where}/properties/{_escape(name)}"))
        extra = shape.get("additionalProperties")
        if isinstance(extra, dict):
            open_to.append((extra, f"{where}/additionalProperties"))
        closed = closed or extra is False or shape.get("unevaluatedProperties") is False
        patterned = patterned or bool(shape.get("patternProperties"))
    if not shapes or not any("properties" in s or "additionalProperties" in s for s, _ in shapes):
        return  # a free-form object (`type: object` alone): nothing is promised, nothing is undocumented
    for name, value in instance.items():
        child = _child(path, name)
        if name in properties:
            sub, where = properties[name]
            yield from _walk(ctx, sub, where, value, child, depth + 1)
        elif open_to:
            yield from _walk(ctx, open_to[0][0], open_to[0][1], value, child, depth + 1)
        elif not closed and not (patterned and _pattern_hit(shapes, name)):
            yield Change(
                severity=Severity.VALUE,
                kind=ChangeKind.FIELD_REMOVED,
                where=Where.SPEC,
                path=child,
                old=None,
                detail="recorded field the document does not describe (undocumented: may go)",
                operation=ctx.operation,
                schema=shapes[0][1],
            )


def _shapes(
    ctx: Context, node: Mapping[str, Any], base: str, instance: Mapping[str, Any], depth: int
) -> Iterator[tuple[Mapping[str, Any], str]]:
    """The schema and every allOf part and chosen oneOf/anyOf branch, resolved."""
    if depth > _MAX_DEPTH:
        return
    yield node, base
    for i, part in enumerate(node.get("allOf") or ()):
        resolved, where = _deref(ctx, part, f"{base}/allOf/{i}")
        if isinstance(resolved, dict):
            yield from _shapes(ctx, resolved, where, instance, depth + 1)
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword) or ()
        if not branches:
            continue
        chosen = _choose(ctx, node, base, keyword, branches, instance)
        if chosen is not None:
            yield from _shapes(ctx, chosen[0], chosen[1], instance, depth + 1)


def _choose(
    ctx: Context, node: Mapping[str, Any], base: str, keyword: str, branches: Any, instance: Mapping[str, Any]
) -> tuple[Mapping[str, Any], str] | None:
    resolved = []
    for i, branch in enumerate(branches):
        schema, where = _deref(ctx, branch, f"{base}/{keyword}/{i}")
        if isinstance(schema, dict):
            resolved.append((schema, where))
    discriminator = node.get("discriminator")
    if isinstance(discriminator, dict) and discriminator.get("propertyName") in instance:
        value = str(instance[discriminator["propertyName"]])
        target = (discriminator.get("mapping") or {}).get(value)
        for schema, where in resolved:
            if (target and where.endswith(target.split("#")[-1])) or where.rsplit("/", 1)[-1] == value:
                return schema, where
    objects = [(s, w) for s, w in resolved if "properties" in s or "allOf" in s]
    if not objects:
        return None
    return max(objects, key=lambda sw: len(set(sw[0].get("properties") or {}) & set(instance)))


def _pattern_hit(shapes: list[tuple[Mapping[str, Any], str]], name: str) -> bool:
    return any(re.search(p, name) for s, _ in shapes for p in (s.get("patternProperties") or {}))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
