"""Validators compiled once per schema location (operation, status, media type, direction),
and the document location of what a validation error complains about.

The validation itself is openapi-schema-validator's (OpenAPI 3.0 `nullable`,
`discriminator`, read/write-only; 3.1's JSON Schema 2020-12) on jsonschema + referencing.
"""

from __future__ import annotations

from collections.abc import Iterable
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


class Validators:
    """One compiled validator per (document, schema location, direction): a cassette suite
    asks the same operation and status thousands of times."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, bool], Validator] = {}

    def get(self, document: Document, location: str, *, request: bool = False) -> Validator:
        key = (location, request)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = _compile(document, location, request)
        return found


def _compile(document: Document, location: str, request: bool) -> Validator:
    root = {"$ref": location}
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
        node = document.registry.resolver(base_uri=urldefrag(base).url).lookup(base).contents
        seen += 1
    return node, base


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
