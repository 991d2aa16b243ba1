"""Validators compiled once per schema location (operation, status, media type, direction),
and the document location of what a validation error complains about.

The validation itself is openapi-schema-validator's (OpenAPI 3.0 `nullable`,
`discriminator`, read/write-only; 3.1's JSON Schema 2020-12) on jsonschema + referencing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin

from jsonschema.protocols import Validator
from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    OAS31Validator,
    oas30_format_checker,
    oas31_format_checker,
)

from cassettes_tool.spec.document import Document, Version


@dataclass(frozen=True, slots=True)
class Compiled:
    validator: Validator
    #: the schema with its references inlined, which the walk for undocumented fields reads too
    schema: Any
    #: id() of each inlined schema -> the location it was defined at, for the report
    origins: dict[int, str]


class Validators:
    """One compiled validator per (document, schema location, direction): a cassette suite
    asks the same operation and status thousands of times."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, bool], Compiled] = {}

    def get(self, document: Document, location: str, *, request: bool = False) -> Compiled:
        key = (location, request)
        found = self._cache.get(key)
        if found is None:
            schema, origins = inline(document, location)
            found = self._cache[key] = Compiled(_compile(document, schema, request), schema, origins)
        return found


def _compile(document: Document, root: Any, request: bool) -> Validator:
    validator: Validator
    if document.version is Version.OAS31:
        validator = OAS31Validator(root, registry=document.registry, format_checker=oas31_format_checker)
    else:  # 3.0, and Swagger 2.0 whose schema objects are the same JSON Schema draft 4 subset
        cls = OAS30WriteValidator if request else OAS30ReadValidator
        validator = cls(root, registry=document.registry, format_checker=oas30_format_checker)
    return validator


def location_of(document: Document, start: str, schema_path: Iterable[str | int]) -> str:
    """`file#/pointer` of the keyword an error names. jsonschema leaves `$ref` hops out of an
    error's schema path, so each is followed here as validation did: a reviewer lands on the
    schema that holds the rule, not on the first reference to it."""
    node: Any = {"$ref": start}
    where = start
    for segment in schema_path:
        try:
            node, where = resolve(document, where, node)
            if segment == "$ref":
                continue
            node = node[segment]
        except (KeyError, IndexError, TypeError, LookupError):
            break
        where = f"{where}/{_escape(str(segment))}"
    return where


def resolve(document: Document, base: str, node: Any) -> tuple[Any, str]:
    """A schema with its `$ref` chain followed, and the location it came from."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 50:
        base = urljoin(base, node["$ref"])
        if "#" not in base:
            base += "#"
        node = lookup(document, base)
        seen += 1
    return node, base


def lookup(document: Document, target: str) -> Any:
    found = document.refs.get(target, _MISSING)
    if found is _MISSING:
        resolver = document.registry.resolver(base_uri=urldefrag(target).url)
        found = document.refs[target] = resolver.lookup(target).contents
    return found


_MISSING = object()


def inline(document: Document, location: str) -> tuple[Any, dict[int, str]]:
    """The schema at `location` with its `$ref`s replaced by what they point at, once, when the
    validator is compiled: jsonschema would otherwise look every reference up again for every
    value of every interaction. A recursive reference stays a `$ref`, made absolute."""
    done: dict[str, Any] = {}
    origins: dict[int, str] = {}

    def visit(node: Any, base: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target = urljoin(base, ref)
                target = target if "#" in target else target + "#"
                if target in stack:
                    return {"$ref": target}
                if target not in done:
                    done[target] = visit(lookup(document, target), target, (*stack, target))
                    origins[id(done[target])] = target
                return done[target]
            out = {k: visit(v, base, stack) if k not in _DATA else v for k, v in node.items()}
            mapping = (node.get("discriminator") or {}).get("mapping")
            if isinstance(mapping, dict):  # the library looks these up from the inlined root
                out["discriminator"] = {**node["discriminator"], "mapping": _absolute(mapping, base)}
            return out
        if isinstance(node, list):
            return [visit(v, base, stack) for v in node]
        return node

    return visit({"$ref": location}, location, ()), origins


def _absolute(mapping: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        k: urljoin(base, v) if isinstance(v, str) and ("#" in v or "/" in v) else v
        for k, v in mapping.items()
    }


#: keywords whose values are data, never schemas: a `$ref` key inside them is not a reference
_DATA = frozenset({"enum", "const", "example", "examples", "default", "x-examples"})


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
