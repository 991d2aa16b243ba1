"""Find and validate `[tool.cassettes]`, interpolate `${ENV}`, merge command-line overrides.

Every mistake is reported as `FILE: key: what is wrong` (a ConfigError, exit 2), and
unknown keys are mistakes: a misspelt `[tool.cassettes.redcat]` must not silently
leave secrets in cassettes.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cassettes_tool.errors import ConfigError
from cassettes_tool.jsonpath import parse_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

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


@dataclass(frozen=True, slots=True)
class Config:
    #: the file the settings came from, or None when there is none
    source: Path | None = None
    #: the folder relative paths in the config are resolved against
    root: Path = field(default_factory=Path.cwd)
    paths: tuple[Path, ...] = ()
    scratch: Path = Path(DEFAULT_SCRATCH)
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
            h: _interpolate(u, self.source, f"{prefix}.hosts.{h}") for h, u in raw.get("hosts", {}).items()
        }
        headers = {
            h: _interpolate(v, self.source, f"{prefix}.headers.{h}")
            for h, v in raw.get("headers", {}).items()
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


# ---------------------------------------------------------------------------- schema

Check = Callable[[Any], str | None]


def _is_str(value: Any) -> str | None:
    return None if isinstance(value, str) else f"expected a string, got {_type_name(value)}"


def _is_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else f"expected an integer, got {_type_name(value)}"


def _is_positive_int(value: Any) -> str | None:
    return _is_int(value) or (None if value > 0 else f"expected a positive integer, got {value}")


def _is_number(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        return f"expected a number, got {_type_name(value)}"
    return None if value >= 0 else f"expected a number >= 0, got {value}"


def _is_str_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected a list of strings, got {_type_name(value)}"
    for i, item in enumerate(value):
        if not isinstance(item, str):
            return f"item {i}: expected a string, got {_type_name(item)}"
    return None


def _is_json_path_list(value: Any) -> str | None:
    """A list of JSONPaths, each read by the one parser the rules use."""
    problem = _is_str_list(value)
    if problem:
        return problem
    for i, item in enumerate(value):
        try:
            parse_path(item)
        except ValueError as exc:
            return f"item {i}: {exc}"
    return None


def _is_glob_list(value: Any) -> str | None:
    """A list of gitignore-style globs, each read by the matcher discovery uses."""
    problem = _is_str_list(value)
    if problem:
        return problem
    from cassettes_tool.cassette.exclude import glob_problem

    return glob_problem(value)


def _is_str_table(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a table of strings, got {_type_name(value)}"
    for key, item in value.items():
        if not isinstance(item, str):
            return f"{key}: expected a string, got {_type_name(item)}"
    return None


def _is_spec_table(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a table of HOST = FILE or URL, got {_type_name(value)}"
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        if not items or not all(isinstance(i, str) for i in items):
            return f"{key}: expected a file, an URL or a list of them, got {_type_name(item)}"
    return None


def _is_verify(value: Any) -> str | None:
    ok = isinstance(value, bool | str)
    return None if ok else f"expected true, false or a CA bundle path, got {_type_name(value)}"


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        if value in choices:
            return None
        return f"expected one of {', '.join(choices)}, got {value!r}"

    return check


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


TARGET_SCHEMA: dict[str, Check] = {
    "hosts": _is_str_table,
    "headers": _is_str_table,
    "verify": _is_verify,
    "timeout": _is_number,
    "concurrency": _is_positive_int,
    "methods": _is_str_list,
    "skip_hosts": _is_str_list,
}
SECTION_SCHEMAS: dict[str, dict[str, Check]] = {
    "ignore": {"body": _is_json_path_list, "headers": _is_str_list},
    "redact": {"headers": _is_str_list, "query": _is_str_list, "body": _is_json_path_list},
    "lint": {"select": _is_str_list, "ignore": _is_str_list, "max_body_bytes": _is_positive_int},
}
TOP_SCHEMA: dict[str, Check] = {
    "paths": _is_str_list,
    "scratch": _is_str,
    "serializer": _is_str,
    "exclude": _is_glob_list,
    "fail_on": _one_of("breaking", "additive", "value"),
    "max_age": _is_number,
    "history": _is_str,
    "history_keep": _is_number,
    "fail_on_drifting": _is_number,
    "ordered": _is_json_path_list,
    "unordered": _is_json_path_list,
    "specs": _is_spec_table,
}


def _check_table(table: Any, schema: Mapping[str, Check], source: Path, prefix: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"expected a table, got {_type_name(table)}", source=source, key=prefix)
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        check = schema.get(key)
        if check is None:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"unknown key (known keys: {known})", source=source, key=name)
        problem = check(value)
        if problem:
            raise ConfigError(problem, source=source, key=name)


def validate(settings: Any, source: Path) -> None:
    """Raise ConfigError on the first unknown key or wrong type, naming it."""
    known = {**TOP_SCHEMA, **dict.fromkeys(SECTION_SCHEMAS), "targets": None}
    if not isinstance(settings, dict):
        raise ConfigError("expected a table", source=source, key="tool.cassettes")
    for key, value in settings.items():
        if key not in known:
            raise ConfigError(f"unknown key (known keys: {', '.join(sorted(known))})", source=source, key=key)
        if key in SECTION_SCHEMAS:
            _check_table(value, SECTION_SCHEMAS[key], source, key)
        elif key == "targets":
            if not isinstance(value, dict):
                raise ConfigError(f"expected a table, got {_type_name(value)}", source=source, key=key)
            for name, target in value.items():
                _check_table(target, TARGET_SCHEMA, source, f"targets.{name}")
        else:
            problem = TOP_SCHEMA[key](value)
            if problem:
                raise ConfigError(problem, source=source, key=key)


# ---------------------------------------------------------------------------- loading

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _interpolate(value: str, source: Path | None, key: str) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"environment variable {name} is not set", source=source, key=key)
        return os.environ[name]

    return _ENV.sub(sub, value)


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
        path = Path(_interpolate(value, source, key)).expanduser()
        return path if path.is_absolute() else _relative_to_cwd(root / path)

    ignore = settings.get("ignore", {})
    redact = settings.get("redact", {})
    lint = settings.get("lint", {})
    return Config(
        source=source,
        root=root,
        paths=tuple(path_of(p, f"paths[{i}]") for i, p in enumerate(settings.get("paths", []))),
        scratch=path_of(settings.get("scratch", DEFAULT_SCRATCH), "scratch"),
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


# ---------------------------------------------------------------------------- targets

#: The name a target made only of command-line flags (`--map`, no `--target`) goes by.
COMMAND_LINE_TARGET = "command-line"


@dataclass(frozen=True, slots=True)
class TargetFlags:
    """The target options as typed (`--target`, `--map`, `--header`...); empty when not given."""

    name: str | None = None
    hosts: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    methods: tuple[str, ...] = ()
    concurrency: int | None = None
    timeout: float | None = None

    @property
    def given(self) -> bool:
        """A target was asked for: `check` re-records only then."""
        return self.name is not None or bool(self.hosts)


def resolve_target(config: Config, flags: TargetFlags) -> Target:
    """The configured target (when named) with the flags on top; `env:VAR` header values read now.

    A `--header` replaces a configured header of the same name whatever its case, so a
    token on the command line wins over the one in the file.
    """
    if flags.name is None and not flags.hosts:
        raise ConfigError("no target: name one with --target NAME or map hosts with --map HOST=BASE_URL")
    base = config.target(flags.name) if flags.name is not None else Target(name=COMMAND_LINE_TARGET)
    hosts = {host.lower(): url for host, url in base.hosts.items()}
    for host, url in flags.hosts:
        hosts[host.lower()] = url
    for host, url in hosts.items():
        _check_base_url(host, url, config.source if flags.name else None)
    headers = dict(base.headers)
    for name, value in flags.headers:
        for known in [h for h in headers if h.lower() == name.lower()]:
            del headers[known]
        headers[name] = _flag_value(name, value)
    for name, value in headers.items():
        _check_header(name, value, config.source if flags.name else None)
    methods = tuple(dict.fromkeys([*base.methods, *(m.upper() for m in flags.methods)]))
    return replace(
        base,
        hosts=hosts,
        headers=headers,
        methods=methods,
        verify=_verify_path(base.verify, config),
        timeout=flags.timeout if flags.timeout is not None else base.timeout,
        concurrency=flags.concurrency if flags.concurrency is not None else base.concurrency,
    )


def _check_base_url(host: str, url: str, source: Path | None) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"{host} = {url!r}: a base URL is http(s)://host[:port][/prefix], without query or fragment",
            source=source,
        )


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_TOKEN_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _check_header(name: str, value: str, source: Path | None) -> None:
    """A target header is sent as is to staging: a newline would smuggle another header.
    Checked before any request; the value is never echoed (it is usually the token)."""
    if not _TOKEN_NAME.match(name):
        raise ConfigError(f"header name {name!r} is not a valid HTTP header name", source=source)
    if _CONTROL.search(value):
        raise ConfigError(
            f"header {name}: its value holds a control character or a line break (value not shown)",
            source=source,
        )


def _flag_value(name: str, value: str) -> str:
    if not value.startswith("env:"):
        return value
    variable = value[len("env:") :]
    if variable not in os.environ:
        raise ConfigError(f"--header {name}: environment variable {variable} is not set")
    return os.environ[variable]


def _verify_path(verify: bool | str, config: Config) -> bool | str:
    """A CA bundle path in the file is relative to the file's folder, and must exist."""
    if isinstance(verify, bool):
        return verify
    path = Path(verify).expanduser()
    if not path.is_absolute():
        path = config.root / path
    if not path.exists():
        raise ConfigError(f"verify: CA bundle {str(path)!r} does not exist", source=config.source)
    return str(path)
