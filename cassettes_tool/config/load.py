"""Find `[tool.cassettes]` (the nearest pyproject.toml, or --config), interpolate `${ENV}`, build Config."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cassettes_tool.config.schema import validate
from cassettes_tool.config.settings import (
    DEFAULT_KEEP_RUNS,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REDACT_HEADERS,
    DEFAULT_REDACT_QUERY,
    DEFAULT_SCRATCH,
    Config,
    IgnoreRules,
    LintRules,
    RedactRules,
    interpolate,
)
from cassettes_tool.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


# ---------------------------------------------------------------------------- loading


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a `[tool.cassettes]` table, walking up from `start`."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _read_toml(candidate)
            except ConfigError:
                return candidate  # report its syntax error rather than skip past it
            if "cassettes" in data.get("tool", {}):
                return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", source=path) from None


def load(explicit: Path | None = None, cwd: Path | None = None) -> Config:
    """Settings from `--config FILE`, else from the nearest pyproject.toml, else defaults."""
    cwd = cwd or Path.cwd()
    if explicit is not None:
        source: Path | None = explicit
        data = _read_toml(explicit)
        if explicit.name == "pyproject.toml" or "tool" in data:
            settings = data.get("tool", {}).get("cassettes", {})
        else:
            settings = data  # a standalone file holds the table's contents
    else:
        source = find_pyproject(cwd.resolve())
        if source is None:
            return Config(root=cwd)
        settings = _read_toml(source).get("tool", {}).get("cassettes", {})
    assert source is not None
    validate(settings, source)
    root = source.parent
    return from_settings(settings, source, root)


def from_settings(settings: Mapping[str, Any], source: Path, root: Path) -> Config:
    def path_of(value: str, key: str) -> Path:
        path = Path(interpolate(value, source, key)).expanduser()
        return path if path.is_absolute() else _relative_to_cwd(root / path)

    ignore = settings.get("ignore", {})
    redact = settings.get("redact", {})
    lint = settings.get("lint", {})
    return Config(
        source=source,
        root=root,
        paths=tuple(path_of(p, f"paths[{i}]") for i, p in enumerate(settings.get("paths", []))),
        scratch=path_of(settings.get("scratch", DEFAULT_SCRATCH), "scratch"),
        keep_runs=settings.get("keep_runs", DEFAULT_KEEP_RUNS),
        serializer=settings.get("serializer"),
        exclude=tuple(settings.get("exclude", ())),
        fail_on=settings.get("fail_on", "breaking"),
        max_age=settings.get("max_age"),
        history=path_of(settings["history"], "history") if "history" in settings else None,
        history_keep=settings.get("history_keep", 180.0),
        fail_on_drifting=settings.get("fail_on_drifting"),
        ordered=tuple(settings.get("ordered", ())),
        unordered=tuple(settings.get("unordered", ())),
        targets=settings.get("targets", {}),
        specs={
            host: tuple(_spec_source(d, root) for d in (docs if isinstance(docs, list) else [docs]))
            for host, docs in settings.get("specs", {}).items()
        },
        ignore=IgnoreRules(
            body=tuple(ignore.get("body", ())), headers=tuple(h.lower() for h in ignore.get("headers", ()))
        ),
        redact=RedactRules(
            headers=tuple(h.lower() for h in redact.get("headers", DEFAULT_REDACT_HEADERS)),
            query=tuple(redact.get("query", DEFAULT_REDACT_QUERY)),
            body=tuple(redact.get("body", ())),
        ),
        lint=LintRules(
            select=tuple(lint.get("select", ())),
            ignore=tuple(lint.get("ignore", ())),
            max_body_bytes=lint.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES),
            per_file_ignores=tuple(
                (glob, tuple(codes)) for glob, codes in lint.get("per-file-ignores", {}).items()
            ),
        ),
    )


def _spec_source(document: str, root: Path) -> str:
    """URLs as written; files relative to the config's folder."""
    if document.startswith(("http://", "https://")):
        return document
    path = Path(document).expanduser()
    return str(path if path.is_absolute() else root / path)


def _relative_to_cwd(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line flags win over the file; `None` means the flag was not given."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(config, **given)
