"""Every lint problem's stable code, and which of them a run reports (`--select`, `--ignore`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from cassettes_tool.config import Config, LintRules
from cassettes_tool.errors import ConfigError

#: Problem kinds and their stable codes: C for the file, S for secrets.
CODES: dict[str, str] = {
    "unparseable": "C001",
    "unreadable": "C002",
    "empty-file": "C003",
    "old-format": "C004",
    "unsafe-tag": "C005",
    "no-interactions": "C006",
    "malformed": "C007",
    "large-body": "C008",
    "duplicate-interaction": "C009",
    "staging-host": "C010",
    "credential-header": "S101",
    "bearer-token": "S101",
    "basic-auth": "S101",
    "cookie": "S102",
    "secret-parameter": "S103",
    "url-password": "S103",
    "password": "S103",
    "token-in-body": "S104",
    "jwt": "S105",
    "aws-access-key": "S106",
    "google-api-key": "S106",
    "github-token": "S107",
    "stripe-key": "S107",
    "slack-token": "S107",
    "private-key": "S108",
}


#: Codes a plain `lint` leaves out: real suites call one endpoint twice on purpose (vcrpy
#: plays each recording once), so a repeated interaction is a hint, not a default failure.
OPT_IN = frozenset({"C009"})


SECRET_NAMES = {
    "credential-header": "credential",
    "bearer-token": "bearer token",
    "basic-auth": "basic-auth credentials",
    "cookie": "cookie value",
    "secret-parameter": "secret-named parameter",
    "url-password": "password in the URL",
    "password": "password",
    "token-in-body": "token",
    "jwt": "JWT",
    "aws-access-key": "AWS access key id",
    "google-api-key": "Google API key",
    "github-token": "GitHub token",
    "stripe-key": "Stripe live key",
    "slack-token": "Slack token",
    "private-key": "private key block",
}


@dataclass(frozen=True, slots=True)
class Selection:
    """Which problems to report, as ruff chooses rules: by code prefix (`S`, `S105`) or kind name.

    The more specific entry wins between `select` and `ignore`; an empty `select` is all
    but the opt-in codes, which only an entry that names them (`C009`, `C`, `ALL`) turns on.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, code: str, kind: str) -> bool:
        chosen = _specificity(self.select, code, kind) if self.select else 0
        if chosen is None or (not self.select and code in OPT_IN):
            return False
        dropped = _specificity(self.ignore, code, kind)
        return dropped is None or chosen > dropped


def _specificity(entries: Iterable[str], code: str, kind: str) -> int | None:
    best: int | None = None
    for entry in entries:
        if entry.upper() == "ALL":
            score = 0
        elif entry.lower() == kind:
            score = len(code) + 1  # a kind is narrower than its code
        elif code.startswith(entry.upper()):
            score = len(entry)
        else:
            continue
        best = score if best is None else max(best, score)
    return best


def _known(entry: str) -> bool:
    upper = entry.upper()
    return upper == "ALL" or entry.lower() in CODES or any(code.startswith(upper) for code in CODES.values())


def lint_rules(config: Config, select: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> LintRules:
    """`[tool.cassettes.lint]` with `--select` / `--ignore` in place of the file's lists when given.

    Raises ConfigError (exit 2) naming an entry that is no code, code prefix or kind.
    """
    for entries, flag, key in ((select, "--select", "select"), (ignore, "--ignore", "ignore")):
        given = entries is not None
        listed: tuple[str, ...] = entries if entries is not None else getattr(config.lint, key)
        for entry in listed:
            if not _known(entry):
                message = (
                    f"unknown lint code {entry!r} (codes are C001-C010 and S101-S108, or a kind: jwt...)"
                )
                if given:
                    raise ConfigError(message, key=flag)
                raise ConfigError(message, source=config.source, key=f"lint.{key}")
    return replace(
        config.lint,
        select=config.lint.select if select is None else select,
        ignore=config.lint.ignore if ignore is None else ignore,
    )
