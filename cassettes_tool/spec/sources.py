"""`--spec HOST[/BASE]=FILE|URL` and `[tool.cassettes.specs]` as documents loaded once per host."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool.errors import ConfigError
from cassettes_tool.spec.check import HostSpec, SpecChecker
from cassettes_tool.spec.document import Fetching, load


@dataclass(frozen=True, slots=True)
class SpecSource:
    """One document for one host; `base` is the API's base path when given with the host."""

    host: str
    document: str
    base: str | None = None
    #: what relative paths are relative to (the config's folder, or the current one)
    root: Path | None = None


def parse_spec_flag(text: str, root: Path | None = None) -> SpecSource:
    key, sep, document = text.partition("=")
    if not sep or not key.strip() or not document.strip():
        raise ConfigError(
            f"--spec {text!r}: expected HOST=FILE or HOST=URL, e.g. api.github.com=openapi.yaml"
        )
    return source_of(key.strip(), document.strip(), root)


def source_of(key: str, document: str, root: Path | None = None) -> SpecSource:
    key = key.split("://", 1)[-1]
    host, slash, base = key.partition("/")
    return SpecSource(host=host.lower(), document=document, base="/" + base if slash else None, root=root)


def checker_for(sources: Iterable[SpecSource], cache: Path | None = None) -> SpecChecker:
    """Every document read once; several for one host (and base) are searched in order."""
    fetching = Fetching(cache=cache)
    grouped: dict[tuple[str, str | None], list[SpecSource]] = {}
    for source in sources:
        grouped.setdefault((source.host, source.base), []).append(source)
    hosts = [
        HostSpec(host, tuple(load(s.document, fetching, s.root) for s in group), base)
        for (host, base), group in grouped.items()
    ]
    return SpecChecker(hosts)
