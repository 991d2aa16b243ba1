"""OpenAPI documents -> findings in the drift model.

The only package that knows the OpenAPI library (openapi-schema-validator on jsonschema and
referencing). `document` reads a document and resolves its `$ref`s, across files;
`operations` finds the operation a recorded request is; `check` turns one interaction into
changes with `where: spec`, through `request` (what the document still accepts), `schemas`
(validators compiled once), `findings` (validation errors in the drift model's words) and
`walk` (undocumented and deprecated fields).
"""

from __future__ import annotations

from cassettes_tool.spec.check import HostSpec, SpecChecker
from cassettes_tool.spec.document import Document, Fetching, Version, load
from cassettes_tool.spec.sources import SpecSource, checker_for, parse_spec_flag, source_of

__all__ = [
    "Document",
    "Fetching",
    "HostSpec",
    "SpecChecker",
    "SpecSource",
    "Version",
    "checker_for",
    "load",
    "parse_spec_flag",
    "source_of",
]
