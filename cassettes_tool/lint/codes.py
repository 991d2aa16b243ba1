"""Every lint problem's stable code, and which of them a run reports (`--select`, `--ignore`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cassettes_tool.config import Config, LintRules
from cassettes_tool.errors import ConfigError
from cassettes_tool.secrets.rules import OPT_IN_CODES, SECRET_RULES

if TYPE_CHECKING:
    from cassettes_tool.cassette.exclude import Exclude

#: The problems of a cassette file and their stable codes (C); credentials (S) come from
#: the secret rule table, so a new rule is one row there.
FILE_CODES: dict[str, str] = {
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
}
CODES: dict[str, str] = {**FILE_CODES, **{rule.kind: rule.code for rule in SECRET_RULES}}
#: how a lint message names each kind of credential
SECRET_NAMES: dict[str, str] = {rule.kind: rule.name for rule in SECRET_RULES}


#: Codes a plain `lint` leaves out: real suites call one endpoint twice on purpose (vcrpy
#: plays each recording once), so a repeated interaction is a hint, not a default failure;
#: and credential lookalikes (S201: cursors, CDN cookies) are no credential at all.
OPT_IN = frozenset({"C009"}) | OPT_IN_CODES


@dataclass(frozen=True, slots=True)
class Selection:
    """Which problems to report, as ruff chooses rules: by code prefix (`S`, `S105`) or kind name.

    The more specific entry wins between `select` and `ignore`; an empty `select` is all
    but the opt-in codes, which only an entry that names them (`C009`, `C`, `ALL`) turns on.
    `dropped` (the file's per-file ignores) always wins, as ruff's `per-file-ignores` do.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()

    def wants(self, code: str, kind: str) -> bool:
        if self.dropped and _specificity(self.dropped, code, kind) is not None:
            return False
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
    for glob, codes in config.lint.per_file_ignores:
        for code in codes:
            if not _known(code):
                raise ConfigError(
                    f"unknown lint code {code!r} ({known_codes()})",
                    source=config.source,
                    key=f"lint.per-file-ignores.{glob!r}",
                )
    for entries, flag, key in ((select, "--select", "select"), (ignore, "--ignore", "ignore")):
        given = entries is not None
        listed: tuple[str, ...] = entries if entries is not None else getattr(config.lint, key)
        for entry in listed:
            if not _known(entry):
                message = f"unknown lint code {entry!r} ({known_codes()})"
                if given:
                    raise ConfigError(message, key=flag)
                raise ConfigError(message, source=config.source, key=f"lint.{key}")
    return replace(
        config.lint,
        select=config.lint.select if select is None else select,
        ignore=config.lint.ignore if ignore is None else ignore,
    )


def selection(rules: LintRules | None, path: Path, root: Path | None) -> Selection:
    """The codes reported for one file: the run's choice less the per-file ignores whose glob
    (gitignore-style, relative to `root`, the config's folder) matches it."""
    if rules is None:
        return Selection()
    dropped: tuple[str, ...] = ()
    if rules.per_file_ignores:
        dropped = _ignored_in(rules.per_file_ignores, str(root or Path.cwd()), str(path))
    return Selection(rules.select, rules.ignore, dropped)


def _ignored_in(table: tuple[tuple[str, tuple[str, ...]], ...], root: str, path: str) -> tuple[str, ...]:
    dropped: list[str] = []
    for glob, entries in table:
        matcher = _matcher(glob, root)
        if matcher is not None and matcher.matches(Path(path)):
            dropped += entries
    return tuple(dropped)


@lru_cache(maxsize=256)
def _matcher(glob: str, root: str) -> Exclude | None:
    """One glob matched as `exclude` matches: gitignore-style, relative to the config's folder."""
    from cassettes_tool.cassette.exclude import Exclude

    return Exclude.of([glob], Path(root))


def known_codes() -> str:
    """`codes are C001-C010 and S101-S108, or a kind: jwt...`, from the tables as they are."""
    families: dict[str, list[str]] = {}
    for code in sorted(set(CODES.values())):
        families.setdefault(code[0], []).append(code)
    ranges = " and ".join(f"{codes[0]}-{codes[-1]}" for codes in families.values())
    return f"codes are {ranges}, or a kind: jwt..."
