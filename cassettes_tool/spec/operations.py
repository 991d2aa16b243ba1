"""Which documented operation a recorded request is: server URL + path template + method.

Built once per host from its documents; a look-up is a dict hit for literal paths and a
few regular expressions (grouped by segment count) for templated ones.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cassettes_tool.spec.document import Document, Version

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Operation:
    document: Document
    method: str
    template: str
    #: JSON pointer of the operation object in its document
    pointer: str
    node: Mapping[str, Any]
    path_item: Mapping[str, Any]

    @property
    def name(self) -> str:
        """What a reviewer searches the document for: the operationId, else `GET /template`."""
        op_id = self.node.get("operationId")
        return str(op_id) if op_id else f"{self.method.upper()} {self.template}"

    @property
    def location(self) -> str:
        return f"{self.document.uri}#{self.pointer}"


@dataclass(frozen=True, slots=True)
class PathOnly:
    """The path is documented, the method is not."""

    template: str
    methods: tuple[str, ...]
    location: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """Under the API's base path, but no template matches."""

    path: str


Match = Operation | PathOnly | Unknown | None


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class OperationIndex:
    """Every operation of the documents given for one host, with their base paths."""

    def __init__(self, documents: Sequence[Document], prefix: str | None = None) -> None:
        self.documents = tuple(documents)
        self._prefixes = _prefixes(self.documents, prefix)
        self._literal: dict[str, list[tuple[Document, str, Mapping[str, Any]]]] = {}
        self._templated: dict[
            tuple[int, str | None], list[tuple[re.Pattern[str], Document, str, Mapping[str, Any]]]
        ] = {}
        for document in self.documents:
            for template, item in (document.contents.get("paths") or {}).items():
                if not isinstance(item, dict):
                    continue
                item = _resolved(document, item)
                if "{" in template:
                    entry = (template, document, template, item)
                    self._templated.setdefault(_bucket(template), []).append(entry)
                else:
                    self._literal.setdefault(_norm(template), []).append((document, template, item))

    def match(self, method: str, path: str) -> Match:
        """None when the path is not under any base path of the documents (not this API)."""
        relative = self._relative(path)
        if relative is None:
            return None
        found = list(self._candidates(relative))
        if not found:
            return Unknown(relative)
        wanted = method.lower()
        for document, template, item in found:
            if wanted in item:
                pointer = f"/paths/{escape(template)}/{wanted}"
                node = _resolved(document, item[wanted])
                return Operation(document, wanted, template, pointer, node, item)
        document, template, item = found[0]
        methods = tuple(m.upper() for f in found for m in METHODS if m in f[2])
        return PathOnly(template, methods, f"{document.uri}#/paths/{escape(template)}")

    def _relative(self, path: str) -> str | None:
        for prefix in self._prefixes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/") or not prefix.strip("/"):
                rest = path[len(prefix.rstrip("/")) :] if prefix.strip("/") else path
                return rest or "/"
        return None

    def _candidates(self, relative: str) -> Iterator[tuple[Document, str, Mapping[str, Any]]]:
        norm = _norm(relative)
        yield from self._literal.get(norm, [])
        count, first = _bucket(norm)
        for key in ((count, first), (count, None)):
            for source, document, template, item in self._templated.get(key, []):
                if _pattern(source).fullmatch(norm):
                    yield document, template, item


def _norm(path: str) -> str:
    """A trailing slash is the same path (`/api/stac/v1/` and `/api/stac/v1`)."""
    return path.rstrip("/") or "/"


def _bucket(path: str) -> tuple[int, str | None]:
    """Segment count and first segment (None when it is a template): a few candidates per
    look-up among thousands of templated paths."""
    parts = path.strip("/").split("/")
    first = parts[0] if "{" not in parts[0] else None
    return len(parts), first


@functools.lru_cache(maxsize=65536)
def _pattern(template: str) -> re.Pattern[str]:
    """Compiled on first use: a 10 MB document has thousands of templates, a suite calls few."""
    parts = re.split(r"(\{[^}/]+\})", _norm(template))
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _resolved(document: Document, node: Mapping[str, Any]) -> Mapping[str, Any]:
    """A path item or operation given as a `$ref` (rare, allowed)."""
    if isinstance(node, dict) and "$ref" in node:
        resolved = document.registry.resolver(base_uri=document.uri).lookup(node["$ref"]).contents
        return resolved if isinstance(resolved, dict) else {}
    return node


def _prefixes(documents: Sequence[Document], given: str | None) -> tuple[str, ...]:
    """The path part of the base URL: the one the user gave with the host, else the documents'
    servers (variables at their defaults) or Swagger's basePath; longest first."""
    if given is not None:
        return (given.rstrip("/") or "/",)
    found: list[str] = []
    for document in documents:
        if document.version is Version.SWAGGER2:
            found.append(str(document.contents.get("basePath") or "/"))
            continue
        for server in document.contents.get("servers") or [{"url": "/"}]:
            found.append(_server_path(server))
    unique = sorted(set(found), key=len, reverse=True)
    return tuple(unique) or ("/",)


def _server_path(server: Mapping[str, Any]) -> str:
    url = str(server.get("url", "/"))
    for name, variable in (server.get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(variable.get("default", "")))
    return urlsplit(url).path or "/"
