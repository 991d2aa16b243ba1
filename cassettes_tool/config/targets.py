"""A target from the config or the command line (`--target`, `--map`, `--header`), checked before use."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from cassettes_tool.config.settings import Config, Target
from cassettes_tool.errors import ConfigError

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised on 3.10 only
    pass


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
