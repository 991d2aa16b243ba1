"""The one summary of a report: its verdict, its counts, and each cassette that did not pass
with the reasons why. Computed once from the `Report`; every format renders this record, so
the text, markdown, junit, html and JSON of one run cannot tell different stories.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import CassetteResult, ExitCode, Report, Status


class GateOutcome(str, enum.Enum):
    """What the gate made of one cassette; the four add up to the cassettes."""

    PASS = "pass"
    FAIL = "fail"
    INCOMPLETE = "incomplete"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a cassette did not pass. `token` is the name every format uses: `breaking`,
    `stale`, `lint:S105`, `fixed:S105`, `error`, `incomplete`."""

    kind: str
    detail: str
    code: str | None = None

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.code}" if self.code else self.kind

    @property
    def finding(self) -> bool:
        """A finding fails the gate (exit 1); the others leave it incomplete (exit 3)."""
        return self.kind not in ("error", "incomplete")


@dataclass(frozen=True, slots=True)
class Failing:
    """A cassette that failed the gate or could not be checked, with every reason."""

    path: Path
    reasons: tuple[Reason, ...]

    @property
    def outcome(self) -> GateOutcome:
        return GateOutcome.FAIL if any(r.finding for r in self.reasons) else GateOutcome.INCOMPLETE

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(r.token for r in self.reasons)


@dataclass(frozen=True, slots=True)
class Counts:
    cassettes: int
    interactions: int
    #: the cassettes by status: these add up to `cassettes`
    statuses: tuple[tuple[Status, int], ...]
    #: the cassettes by what the gate made of them: these add up to `cassettes` too
    outcomes: tuple[tuple[GateOutcome, int], ...]
    #: cassettes frozen longer than `--max-age`, whatever their status (drifted ones too)
    over_max_age: int
    problems: int
    #: changes by severity, most severe first, volatile included
    changes: tuple[tuple[Severity, int], ...]

    def status(self, status: Status) -> int:
        return dict(self.statuses).get(status, 0)

    def outcome(self, outcome: GateOutcome) -> int:
        return dict(self.outcomes).get(outcome, 0)

    def severity(self, severity: Severity) -> int:
        return dict(self.changes).get(severity, 0)


@dataclass(frozen=True, slots=True)
class Summary:
    verdict: ExitCode
    counts: Counts
    #: findings first, then what could not be checked; by path within each
    failing: tuple[Failing, ...]

    @classmethod
    def of(cls, report: Report) -> Summary:
        failing = [
            Failing(c.path, reasons) for c in report.cassettes if (reasons := cassette_reasons(report, c))
        ]
        known = {f.path for f in failing}
        if report.applied is not None:  # withheld from --apply: the work is not done
            failing += [
                Failing(path, (Reason("incomplete", f"withheld from --apply: {why}"),))
                for path, why in report.applied.withheld
                if path not in known
            ]
        failing.sort(key=lambda f: (f.outcome is not GateOutcome.FAIL, str(f.path)))
        return cls(verdict=report.verdict, counts=_counts(report, failing), failing=tuple(failing))

    def reasons(self, path: Path) -> tuple[Reason, ...]:
        return next((f.reasons for f in self.failing if f.path == path), ())


def cassette_reasons(report: Report, cassette: CassetteResult) -> tuple[Reason, ...]:
    """Every reason this cassette did not pass, in the order a reviewer weighs them."""
    reasons: list[Reason] = []
    if cassette.status is Status.ERROR:
        reasons.append(Reason("error", cassette.error or "could not be read"))
    if report.applied is None:  # after --apply the drift is what was written back
        severities = Counter(ch.severity for ch in report.changes(cassette) if report.gating(ch))
        lasted = (
            f" drifting over {report.fail_on_drifting:g} days" if report.fail_on_drifting is not None else ""
        )
        for severity in sorted(severities, key=lambda s: -s.rank):
            count = severities[severity]
            reasons.append(
                Reason(severity.value, f"{count} {severity.value} change{'s' * (count != 1)}{lasted}")
            )
    if report.stale(cassette):
        reasons.append(Reason("stale", _stale_detail(report, cassette)))
    for code, n in Counter(p.code for p in cassette.problems).items():
        reasons.append(Reason("lint", f"{n} {code} problem{'s' * (n != 1)}", code))
    for code, n in Counter(p.code for p in cassette.fixed).items():
        reasons.append(Reason("fixed", f"{n} {code} value{'s' * (n != 1)} masked by --fix", code))
    unchecked = [i for i in cassette.interactions if i.status is Status.ERROR]
    if unchecked:
        first = unchecked[0].reason or "failed"
        reasons.append(Reason("incomplete", f"{len(unchecked)} interaction(s) not checked: {first}"))
    withheld = dict(report.applied.withheld) if report.applied is not None else {}
    if cassette.path in withheld:
        reasons.append(Reason("incomplete", f"withheld from --apply: {withheld[cassette.path]}"))
    return tuple(reasons)


def _stale_detail(report: Report, cassette: CassetteResult) -> str:
    days = cassette.age.days if cassette.age is not None else None
    if days is None or report.max_age is None:
        return cassette.note or "stale"
    return f"frozen {days:.0f} days (--max-age {report.max_age:g})"


def _counts(report: Report, failing: list[Failing]) -> Counts:
    statuses = Counter(c.status for c in report.cassettes)
    paths = {c.path for c in report.cassettes}
    outcomes = Counter(f.outcome for f in failing if f.path in paths)
    named = {f.path for f in failing}
    skipped = sum(1 for c in report.cassettes if c.status is Status.SKIPPED and c.path not in named)
    passed = len(report.cassettes) - skipped - sum(outcomes.values())
    severities = Counter(ch.severity for ch in report.changes())
    return Counts(
        cassettes=len(report.cassettes),
        interactions=sum(len(c.interactions) for c in report.cassettes),
        statuses=tuple((s, statuses.get(s, 0)) for s in Status),
        outcomes=(
            (GateOutcome.PASS, passed),
            (GateOutcome.FAIL, outcomes.get(GateOutcome.FAIL, 0)),
            (GateOutcome.INCOMPLETE, outcomes.get(GateOutcome.INCOMPLETE, 0)),
            (GateOutcome.SKIPPED, skipped),
        ),
        over_max_age=sum(1 for c in report.cassettes if report.stale(c)),
        problems=report.problems,
        changes=tuple((s, severities.get(s, 0)) for s in sorted(Severity, key=lambda s: -s.rank)),
    )
