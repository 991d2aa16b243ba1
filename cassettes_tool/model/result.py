"""What every command returns: a result per cassette and a report that decides its own verdict."""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, ChangeKind, Severity
from cassettes_tool.model.exit import ExitCode as ExitCode  # its home before exit.py


class Status(str, enum.Enum):
    """A cassette's state. `ok`: read without a comparison being asked for (scan, lint)."""

    OK = "ok"
    ALIGNED = "aligned"
    DRIFTED = "drifted"
    ERROR = "error"
    SKIPPED = "skipped"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class InteractionSummary:
    index: int
    method: str
    uri: str
    host: str
    path: str
    status_code: int | None
    media_type: str | None
    body_size: int
    body_kind: str
    line: int | None = None
    #: the last commit that recorded its answer (`age --per-interaction`)
    age: Age | None = None
    #: after a diff: `aligned` or `drifted`, and what changed
    status: Status | None = None
    changes: tuple[Change, ...] = ()
    #: after a refresh: why the interaction was skipped or failed
    reason: str | None = None
    #: after a refresh: credentials masked in its copy, as (where, kind)
    masked: tuple[tuple[str, str], ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its values: a scan's workers send back thousands, and the dataclass's
        own state functions look up the fields again for each one (a tenth of a second of
        the command's process at 20,000 interactions)."""
        return (_rebuilt, (InteractionSummary, _SUMMARY_VALUES(self)))


_SUMMARY_FIELDS = tuple(InteractionSummary.__slots__)
_SUMMARY_VALUES = operator.attrgetter(*_SUMMARY_FIELDS)


def _rebuilt(kind: type[InteractionSummary], values: tuple[Any, ...]) -> InteractionSummary:
    """An InteractionSummary from the values `__reduce__` gave, in `_SUMMARY_FIELDS` order."""
    summary = object.__new__(kind)
    for name, value in zip(_SUMMARY_FIELDS, values, strict=True):
        object.__setattr__(summary, name, value)
    return summary


@dataclass(frozen=True, slots=True)
class Problem:
    """One lint problem: a stable code, a kind name, a message; the line where known."""

    code: str
    kind: str
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CassetteResult:
    path: Path
    status: Status
    serializer: str | None = None
    #: why the cassette could not be read (status error) or was skipped (status skipped)
    error: str | None = None
    note: str | None = None
    size: int = 0
    interactions: tuple[InteractionSummary, ...] = ()
    #: the line `error` is about, when known
    line: int | None = None
    problems: tuple[Problem, ...] = ()
    #: how long the cassette has been frozen, from git history; None when not asked for
    age: Age | None = None
    #: what `lint --fix` masked in the file (a changed file is a finding, as pre-commit fixers say)
    fixed: tuple[Problem, ...] = ()
    #: a cassette nothing of which was checked, not by the user's choice (nothing sent, a Git
    #: LFS pointer): the run is incomplete
    unchecked: bool = False
    #: `--history`: the last runs that checked this cassette, oldest first, as (when, mark):
    #: `drift` (it had drift), `aligned` (none), `error` (it could not be checked)
    timeline: tuple[tuple[datetime, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Where a refresh wrote its copies: `diff --scratch` and the user go there next."""

    run_id: str
    folder: Path
    complete: bool


@dataclass(frozen=True, slots=True)
class ApplyInfo:
    """What `refresh --apply` / `--commit` wrote over the originals, and what it would not."""

    written: tuple[Path, ...] = ()
    #: drifted cassettes left as they were by choice (below `--only`), and why
    kept: tuple[tuple[Path, str], ...] = ()
    #: drifted cassettes not safe to write (a credential in the copy, the original changed
    #: since the run), and why: the work is incomplete until the user looks
    withheld: tuple[tuple[Path, str], ...] = ()
    branch: str | None = None
    commit: str | None = None


@dataclass(frozen=True, slots=True)
class ShardInfo:
    """`--shard K/N`: which slice a report is, and of which selection (the PATHs searched),
    so that `report merge` can tell a missing or overlapping shard."""

    index: int
    count: int
    paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    command: str
    cassettes: tuple[CassetteResult, ...]
    #: things found while searching that are not cassettes: symlink loops, missing paths
    notes: tuple[tuple[Path, str], ...] = ()
    target: str | None = None
    #: drift at or above this severity is a finding (`--fail-on`)
    fail_on: Severity = Severity.BREAKING
    #: a cassette frozen longer than this many days is a finding (`--max-age`)
    max_age: float | None = None
    show_volatile: bool = False
    #: the scratch run a refresh wrote
    run: RunInfo | None = None
    #: what `refresh --apply` / `--commit` did with the run
    applied: ApplyInfo | None = None
    #: the run this command made was stopped by Ctrl-C (exit 130)
    interrupted: bool = False
    #: the slice of a `check --shard K/N` run
    shard: ShardInfo | None = None
    #: `--fail-on-drifting DAYS`: drift fails only once it has lasted longer than DAYS
    fail_on_drifting: float | None = None

    @property
    def problems(self) -> int:
        return sum(len(c.problems) for c in self.cassettes)

    def changes(self, cassette: CassetteResult | None = None) -> list[Change]:
        results = [cassette] if cassette is not None else self.cassettes
        return [ch for c in results for i in c.interactions for ch in i.changes]

    def failing(self, cassette: CassetteResult) -> bool:
        """True when the cassette holds drift at or above the threshold, or is stale."""
        if self.stale(cassette):
            return True
        return any(self.gating(ch) for ch in self.changes(cassette))

    def gating(self, change: Change) -> bool:
        """A change at or above `--fail-on` that has outlasted `--fail-on-drifting`'s grace."""
        if change.severity.rank < self.fail_on.rank:
            return False
        grace = self.fail_on_drifting
        return grace is None or (change.drifting_days or 0.0) > grace

    def stale(self, cassette: CassetteResult) -> bool:
        if cassette.status is Status.STALE:
            return True
        days = cassette.age.days if cassette.age else None
        return self.max_age is not None and days is not None and days > self.max_age

    def age_unknown(self, cassette: CassetteResult) -> bool:
        """Under `--max-age`, a cassette whose age cannot be told cannot pass it: no git, no
        repository, or a shallow clone whose edge makes the age only a lower bound."""
        age = cassette.age
        if self.max_age is None or age is None or cassette.status in (Status.ERROR, Status.SKIPPED):
            return False
        if age.days is None:
            return True
        return age.source is AgeSource.SHALLOW and age.days <= self.max_age

    def incomplete(self, cassette: CassetteResult) -> bool:
        """The cassette (or one of its interactions) could not be checked, not by the user's choice."""
        return (
            cassette.status is Status.ERROR
            or cassette.unchecked
            or self.age_unknown(cassette)
            or any(i.status is Status.ERROR for i in cassette.interactions)
        )

    @property
    def verdict(self) -> ExitCode:
        """Ctrl-C is 130; findings fail (1); otherwise anything that could not be checked
        makes it incomplete (3): never a pass for what was not checked.

        After `refresh --apply` the drift is what was written back, not a finding; a
        drifted cassette withheld from it leaves the work incomplete.
        """
        if self.interrupted:
            return ExitCode.INTERRUPTED
        drift_fails = self.applied is None and any(self.failing(c) for c in self.cassettes)
        if self.problems or drift_fails or any(c.fixed for c in self.cassettes):
            return ExitCode.FINDINGS
        if (self.applied is not None and self.applied.withheld) or any(
            self.incomplete(c) for c in self.cassettes
        ):
            return ExitCode.INCOMPLETE
        return ExitCode.OK

    def became_errors(self, cassette: CassetteResult | None = None) -> list[tuple[Path, str, int, int]]:
        """Answers recorded as 2xx/3xx that staging now gives as 4xx/5xx: (path, request, was, now).

        Usually a wrong map or token, not drift: called out first, and not applied unless asked."""
        results = [cassette] if cassette is not None else self.cassettes
        found = []
        for result in results:
            for interaction in result.interactions:
                for change in interaction.changes:
                    if change.kind is ChangeKind.STATUS_CHANGED and _became_error(change.old, change.new):
                        request = f"{interaction.method} {interaction.uri}"
                        found.append((result.path, request, int(change.old), int(change.new)))
        return found

    def count(self, status: Status) -> int:
        return sum(1 for c in self.cassettes if c.status is status)


def _became_error(old: object, new: object) -> bool:
    return isinstance(old, int) and isinstance(new, int) and old < 400 <= new
