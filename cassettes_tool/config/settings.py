"""The settings every command reads: targets, ignore, redact and lint rules, defaults."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassettes_tool.errors import ConfigError

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised on 3.10 only
    pass


DEFAULT_SCRATCH = ".cassettes/scratch"
DEFAULT_METHODS = ("GET", "HEAD", "OPTIONS")
DEFAULT_REDACT_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "x-access-token",
    "x-amz-security-token",
)
DEFAULT_REDACT_QUERY = (
    "api_key",
    "apikey",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "password",
    "secret",
    "signature",
    "sig",
)
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: enough to compare the last few runs (`diff --scratch RUN`) or apply an earlier one, while
#: each run holds a copy of every cassette it refreshed
DEFAULT_KEEP_RUNS = 5


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to re-record: a map from recorded host to staging base URL."""

    name: str
    hosts: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    verify: bool | str = True
    timeout: float = 10.0
    concurrency: int = 8
    methods: tuple[str, ...] = DEFAULT_METHODS
    #: recorded hosts deliberately not checked: their interactions are skipped by choice
    skip_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    body: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RedactRules:
    headers: tuple[str, ...] = DEFAULT_REDACT_HEADERS
    query: tuple[str, ...] = DEFAULT_REDACT_QUERY
    body: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LintRules:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: `[tool.cassettes.lint.per-file-ignores]`, ruff's shape: (glob, codes) in the file's order
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    #: the file the settings came from, or None when there is none
    source: Path | None = None
    #: the folder relative paths in the config are resolved against
    root: Path = field(default_factory=Path.cwd)
    paths: tuple[Path, ...] = ()
    scratch: Path = Path(DEFAULT_SCRATCH)
    #: the runs `refresh` keeps in `scratch` (`--keep`): older runs it made are removed
    keep_runs: int = DEFAULT_KEEP_RUNS
    serializer: str | None = None
    #: gitignore-style globs (relative to `root`) of files and folders no command reads
    exclude: tuple[str, ...] = ()
    fail_on: str = "breaking"
    max_age: float | None = None
    #: `check --history`: the drift history file, its horizon, and the grace period for drift
    history: Path | None = None
    history_keep: float = 180.0
    fail_on_drifting: float | None = None
    targets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    ignore: IgnoreRules = IgnoreRules()
    redact: RedactRules = RedactRules()
    lint: LintRules = LintRules()
    #: arrays whose order is their meaning (a reorder is a value change), and arrays that are sets
    ordered: tuple[str, ...] = ()
    unordered: tuple[str, ...] = ()
    #: `[tool.cassettes.specs]`: host (optionally with the API's base path) -> OpenAPI documents,
    #: files resolved against the config's folder, or http(s) URLs
    specs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def cassette_paths(self, overrides: tuple[Path, ...] = ()) -> tuple[Path, ...]:
        """PATH arguments win; then the configured folders; then the current folder."""
        if overrides:
            return overrides
        if self.paths:
            return self.paths
        return (Path("."),)

    def target(self, name: str) -> Target:
        """The named target, with `${ENV}` interpolated now (only targets in use need their secrets)."""
        if name not in self.targets:
            known = ", ".join(sorted(self.targets)) or "none configured"
            raise ConfigError(f"unknown target {name!r} (known: {known})", source=self.source)
        raw = self.targets[name]
        prefix = f"targets.{name}"
        hosts = {
            h: interpolate(u, self.source, f"{prefix}.hosts.{h}") for h, u in raw.get("hosts", {}).items()
        }
        headers = {
            h: interpolate(v, self.source, f"{prefix}.headers.{h}") for h, v in raw.get("headers", {}).items()
        }
        return Target(
            name=name,
            hosts=hosts,
            headers=headers,
            verify=raw.get("verify", True),
            timeout=float(raw.get("timeout", 10.0)),
            concurrency=int(raw.get("concurrency", 8)),
            methods=tuple(m.upper() for m in raw.get("methods", DEFAULT_METHODS)),
            skip_hosts=frozenset(h.lower() for h in raw.get("skip_hosts", ())),
        )


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def interpolate(value: str, source: Path | None, key: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"environment variable {name} is not set", source=source, key=key)
        return os.environ[name]

    return _ENV.sub(sub, value)
