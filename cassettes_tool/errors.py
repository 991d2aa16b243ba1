"""Exception types and exit codes. Each exception carries a message a user can act on."""

from __future__ import annotations

from pathlib import Path

from cassettes_tool.model.exit import ExitCode

__all__ = ["CassetteError", "CassettesError", "ConfigError", "ExitCode", "NotACassette", "TargetError"]


class CassettesError(Exception):
    """Base of every error the tool reports to a user without a traceback."""

    exit_code = ExitCode.INCOMPLETE


class ConfigError(CassettesError):
    """The configuration or the command line is wrong: the user must change it."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, source: Path | None = None, key: str | None = None):
        self.source = source
        self.key = key
        parts = [str(source) if source else None, key, message]
        super().__init__(": ".join(p for p in parts if p))


class CassetteError(CassettesError):
    """One cassette file cannot be read; the run goes on without it."""

    def __init__(self, path: Path, message: str, *, line: int | None = None, kind: str = "unparseable"):
        self.path = path
        self.line = line
        self.kind = kind
        self.reason = message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class TargetError(CassettesError):
    """Staging could not be asked: names the host and the reason."""

    def __init__(self, host: str, message: str):
        self.host = host
        super().__init__(f"{host}: {message}")


class NotACassette(CassetteError):
    """A YAML or JSON file that does not hold vcrpy interactions: skipped with a note."""

    def __init__(self, path: Path, message: str):
        super().__init__(path, message, kind="not-a-cassette")
