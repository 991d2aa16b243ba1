"""OpenAPI documents read once: their version, and one registry that resolves their `$ref`s,
across files and (for a document the user gave as a URL) across URLs.

A URL is fetched only because the user named it (or a document they named refers to it);
with a cache folder, what was fetched is kept there and read from there next time, so CI
can run offline.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from cassettes_tool.errors import ConfigError

try:  # the C loader reads a 10 MB document several times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


class Version(str, enum.Enum):
    SWAGGER2 = "2.0"
    OAS30 = "3.0"
    OAS31 = "3.1"


@dataclass(frozen=True, slots=True)
class Document:
    #: as the user gave it: a path or an URL
    source: str
    #: the absolute URI every `$ref` of the document is resolved against
    uri: str
    contents: Mapping[str, Any]
    version: Version
    registry: Registry[Any] = field(repr=False)
    #: `$ref` targets already looked up (absolute URI -> contents): read-only documents
    refs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Fetching:
    """How URLs are read: only when given explicitly; kept in `cache` when there is one."""

    cache: Path | None = None
    timeout: float = 30.0


def load(source: str, fetching: Fetching | None = None, base: Path | None = None) -> Document:
    """The document at `source` (a path, relative to `base`, or an http(s) URL)."""
    fetching = fetching or Fetching()
    uri = _uri_of(source, base)
    contents = _read(uri, fetching)
    if not isinstance(contents, dict):
        raise ConfigError(f"{source}: not an OpenAPI document (the top is not a mapping)")
    version = version_of(contents, source)
    spec = DRAFT202012 if version is Version.OAS31 else DRAFT4

    def retrieve(other: str) -> Resource[Any]:
        return spec.create_resource(_read(other, fetching))

    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    registry = registry.with_resource(uri, spec.create_resource(contents))
    return Document(source=source, uri=uri, contents=contents, version=version, registry=registry)


def version_of(contents: Mapping[str, Any], source: str) -> Version:
    if str(contents.get("swagger", "")).startswith("2."):
        return Version.SWAGGER2
    openapi = str(contents.get("openapi", ""))
    if openapi.startswith("3.0"):
        return Version.OAS30
    if openapi.startswith(("3.1", "3.2")):
        return Version.OAS31
    raise ConfigError(f"{source}: neither `openapi: 3.x` nor `swagger: 2.0`: not an OpenAPI document")


def _uri_of(source: str, base: Path | None) -> str:
    if urlsplit(source).scheme in ("http", "https"):
        return source
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path.resolve().as_uri()


def _read(uri: str, fetching: Fetching) -> Any:
    uri = urldefrag(uri).url
    parts = urlsplit(uri)
    if parts.scheme == "file":
        path = Path(_unquote_path(parts.path))
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the OpenAPI document {path}: {exc.strerror or exc}") from None
    elif parts.scheme in ("http", "https"):
        text = _fetch(uri, fetching)
    else:
        raise ConfigError(f"cannot read {uri}: only files and http(s) URLs hold OpenAPI documents")
    return parse(text, uri)


def parse(text: str, name: str) -> Any:
    """JSON when it looks like JSON (several times faster than YAML), else YAML."""
    try:
        if text.lstrip().startswith("{"):
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{name}: not JSON or YAML: {str(exc).splitlines()[0]}") from None


def _unquote_path(path: str) -> str:
    from urllib.parse import unquote

    return unquote(path)


def _fetch(url: str, fetching: Fetching) -> str:
    cached = (
        fetching.cache / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".doc") if fetching.cache else None
    )
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    import httpx

    try:
        response = httpx.get(url, timeout=fetching.timeout, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot fetch the OpenAPI document {url}: {exc}") from None
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(response.text, encoding="utf-8")
    return response.text
