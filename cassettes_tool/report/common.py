"""What every renderer says the same way: a change in one line, an age, the verdict, the notes."""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from cassettes_tool.errors import ExitCode
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, ChangeKind, Severity
from cassettes_tool.model.result import (
    CassetteResult,
    InteractionSummary,
    Report,
    Status,
)
from cassettes_tool.model.summary import GateOutcome, Summary
from cassettes_tool.words import display_path, plural

#: how a verdict reads in every format: the JSON `verdict`, the html badge
VERDICT_WORDS = {
    ExitCode.OK: "pass",
    ExitCode.FINDINGS: "fail",
    ExitCode.INCOMPLETE: "incomplete",
    ExitCode.INTERRUPTED: "interrupted",
}


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    HTML = "html"


def located(result: CassetteResult) -> str:
    """`path:line` when the line is known."""
    path = display_path(result.path)
    return f"{path}:{result.line}" if result.line else path


def notes_lines(report: Report) -> Iterator[str]:
    for path, note in report.notes:
        yield f"note     {display_path(path)}: {note}"


def problem_lines(report: Report) -> Iterator[str]:
    for result in report.cassettes:
        path = display_path(result.path)
        for problem in result.problems:
            where = f"{path}:{problem.line}" if problem.line else path
            yield f"{where}: {problem.code} {problem.kind}: {problem.message}"


def visible(report: Report, changes: Iterable[Change]) -> list[Change]:
    """The changes a human renderer shows: volatile ones only with --show-volatile."""
    return [c for c in changes if report.show_volatile or c.severity is not Severity.VOLATILE]


def short(value: Any, limit: int = 60) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        if not isinstance(value, str)
        else json.dumps(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(change: Change) -> str:
    """One line a reviewer reads: what changed, from what to what."""
    kind = change.kind
    if kind in (ChangeKind.FIELD_ADDED, ChangeKind.HEADER_ADDED, ChangeKind.DEPRECATION_ANNOUNCED):
        text = f"new: {short(change.new)}"
    elif kind in (ChangeKind.FIELD_REMOVED, ChangeKind.HEADER_REMOVED):
        text = f"was: {short(change.old)}"
    elif kind in (ChangeKind.INTERACTION_ADDED, ChangeKind.INTERACTION_MISSING):
        added = kind is ChangeKind.INTERACTION_ADDED
        text = "recorded only in the new cassette" if added else "no longer recorded"
    elif change.old is None and change.new is None:
        text = ""
    else:
        text = f"{short(change.old)} -> {short(change.new)}"
    if change.detail and "\n" not in change.detail:
        text = f"{text} ({change.detail})" if text else change.detail
    if change.count > 1:
        text += f" (in {change.count} places)"
    return text


def counts_text(changes: list[Change]) -> str:
    counts = Counter(c.severity for c in changes)
    order = sorted(counts, key=lambda s: -s.rank)
    return ", ".join(f"{counts[s]} {s.value}" for s in order)


def drift_order(report: Report, result: CassetteResult) -> tuple[float, int, str]:
    """Longest drifting first (with a history), then most severe, then by path."""
    shown = visible(report, report.changes(result))
    top = max((c.severity.rank for c in shown), default=-1)
    return (-(drifting_days(shown) or -1.0), -top, display_path(result.path))


def drifting_days(changes: Iterable[Change]) -> float | None:
    """How long the longest-drifting of these changes has lasted; None without a history."""
    days = [c.drifting_days for c in changes if c.drifting_days is not None]
    return max(days) if days else None


def drifting_since(changes: Iterable[Change]) -> datetime | None:
    since = [c.drifting_since for c in changes if c.drifting_since is not None]
    return min(since) if since else None


def describe_drifting(changes: Iterable[Change]) -> str:
    """`drifting 14 days, since 2026-05-01`, or '' without a history."""
    changes = list(changes)
    days, since = drifting_days(changes), drifting_since(changes)
    if days is None or since is None:
        return ""
    return f"drifting {plural(int(days), 'day')}, since {since.date().isoformat()}"


def describe_age(age: Age) -> str:
    """How long a cassette had been frozen, as a reviewer reads it: `frozen 187 days, since
    2026-05-21 (3f2c1e0)`."""
    if age.source in (AgeSource.UNTRACKED, AgeSource.UNCOMMITTED):
        return f"not frozen yet ({age.source.value})"
    if age.days is None:
        return f"frozen for an unknown time ({age.source.value})"
    since = f", since {age.last_recorded.date().isoformat()}" if age.last_recorded else ""
    commit = f" ({age.commit})" if age.commit else ""
    shallow = " or longer (shallow clone)" if age.source is AgeSource.SHALLOW else ""
    return f"frozen {plural(int(age.days), 'day')}{shallow}{since}{commit}"


def skipped_reasons(interactions: Iterable[InteractionSummary]) -> Counter[str]:
    """Skipped interactions grouped by what happened, without the per-line hint (`(--allow-method POST)`)."""
    return Counter((i.reason or "").partition(" (")[0] for i in interactions if i.status is Status.SKIPPED)


#: what a passing run of a command that compares nothing did: `--fail-on` is not theirs to name
_COMPARING_NOTHING = {"scan": "read", "lint": "clean", "age": "aged", "unused": "used"}


def verdict_line(report: Report, summary: Summary | None = None, *, errors: str = "see errors below") -> str:
    """`PASS: ...`, `FAIL: ...` or `INCOMPLETE: ...`: the first thing every format says.
    `errors`: where an incomplete run's errors are to be read."""
    summary = summary or Summary.of(report)
    counts = summary.counts
    if summary.verdict is ExitCode.OK and report.command in _COMPARING_NOTHING:
        said = f"PASS: {plural(counts.cassettes, 'cassette')} {_COMPARING_NOTHING[report.command]}"
        return said + (f", nothing older than {report.max_age:g} days" if report.max_age is not None else "")
    if summary.verdict is ExitCode.OK:
        days = report.fail_on_drifting
        lasting = f" drifting over {days:g} days" if days is not None else ""
        return f"PASS: nothing at or above {report.fail_on.value}{lasting}" + (
            f", nothing older than {report.max_age:g} days" if report.max_age is not None else ""
        )
    unchecked = counts.outcome(GateOutcome.INCOMPLETE)
    if summary.verdict is ExitCode.FINDINGS:
        reasons = []
        failing = [ch for ch in report.changes() if report.gating(ch)]
        if failing and report.applied is None:
            grace = (
                f", --fail-on-drifting {report.fail_on_drifting:g}"
                if report.fail_on_drifting is not None
                else ""
            )
            reasons.append(
                f"{counts_text(failing)} change{'s' if len(failing) != 1 else ''} (--fail-on {report.fail_on.value}{grace})"
            )
        if counts.over_max_age:
            limit = f" {report.max_age:g} days" if report.max_age is not None else ""
            reasons.append(f"{counts.over_max_age} older than --max-age{limit}")
        if counts.problems:
            reasons.append(plural(counts.problems, "lint problem"))
        fixed = sum(len(c.fixed) for c in report.cassettes)
        if fixed:
            reasons.append(f"{plural(fixed, 'value')} masked by --fix")
        tail = f"; {unchecked} could not be checked" if unchecked else ""
        failed = counts.outcome(GateOutcome.FAIL)
        return (
            f"FAIL: {'; '.join(reasons)} ({failed} of {plural(counts.cassettes, 'cassette')} failing{tail})"
        )
    what = plural(unchecked, "cassette") if unchecked else "some cassettes or interactions"
    return f"INCOMPLETE: {what} could not be checked ({errors})"


def outcome_counts(summary: Summary, *, total: bool = True) -> str:
    """`4 cassettes: 0 pass, 3 fail, 1 incomplete, 0 skipped`: the gate's count, which adds up."""
    parts = ", ".join(f"{summary.counts.outcome(o)} {o.value}" for o in GateOutcome)
    return f"{plural(summary.counts.cassettes, 'cassette')}: {parts}" if total else parts


def failing_lines(summary: Summary) -> Iterator[str]:
    """`fail        path: breaking, stale, lint:S105`: each cassette that did not pass, and why."""
    for failing in summary.failing:
        yield f"{failing.outcome.value:<11} {display_path(failing.path)}: {', '.join(failing.tokens)}"


def drift_summary(report: Report) -> str:
    drifted = [c for c in report.cassettes if c.status is Status.DRIFTED]
    parts = [f"{len(report.cassettes)} cassettes", f"{report.count(Status.ALIGNED)} aligned"]
    changes = [c for c in report.changes() if c.severity is not Severity.VOLATILE]
    parts.append(f"{len(drifted)} drifted" + (f" ({counts_text(changes)})" if changes else ""))
    for status in (Status.SKIPPED, Status.ERROR, Status.STALE):
        if report.count(status):
            parts.append(f"{report.count(status)} {status.value}")
    return "summary: " + ", ".join(parts) + f"; failing on {report.fail_on.value} and above"
