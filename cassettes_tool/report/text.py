"""The drift a person reads in a terminal: by cassette, most severe first; and check's and apply's summaries."""

from __future__ import annotations

from collections.abc import Iterator

from cassettes_tool.model.change import Change, Severity
from cassettes_tool.model.result import (
    ApplyInfo,
    CassetteResult,
    Report,
    Status,
)
from cassettes_tool.model.summary import Summary
from cassettes_tool.report.common import (
    counts_text,
    describe,
    describe_age,
    describe_drifting,
    drift_order,
    drift_summary,
    drifting_since,
    failing_lines,
    located,
    notes_lines,
    outcome_counts,
    problem_lines,
    skipped_reasons,
    verdict_line,
    visible,
)
from cassettes_tool.report.gaps import callout_lines
from cassettes_tool.words import display_path, plural

_COLORS = {
    Severity.BREAKING: "\x1b[31;1m",
    Severity.ADDITIVE: "\x1b[33m",
    Severity.VALUE: "\x1b[36m",
    Severity.VOLATILE: "\x1b[2m",
}


_RESET = "\x1b[0m"


def render_drift_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """Grouped by cassette, most severe first; aligned cassettes folded into one count."""

    def paint(severity: Severity, text: str) -> str:
        return f"{_COLORS[severity]}{text}{_RESET}" if color else text

    aligned: list[CassetteResult] = []
    for result in sorted(report.cassettes, key=lambda r: drift_order(report, r)):
        path = display_path(result.path)
        if result.status in (Status.ERROR, Status.SKIPPED):
            yield f"{result.status.value:<8} {located(result)}: {result.error}"
            continue
        changes = visible(report, report.changes(result))
        if not changes:
            if result.status is Status.ALIGNED:
                aligned.append(result)
            continue
        drifting = describe_drifting(changes)
        yield f"{path}  {result.status.value}: {counts_text(changes)}" + (
            f" · {drifting}" if drifting else ""
        )
        if result.note:
            yield f"  note: {result.note}"
        for interaction in result.interactions:
            shown = visible(report, interaction.changes)
            if not shown:
                continue
            yield f"  {interaction.method} {interaction.uri}"
            width = max(len(c.kind.value) for c in shown)
            where_width = max(len(c.path or c.where.value) for c in shown)
            for change in shown:
                label = paint(change.severity, f"{change.severity.value:<9}")
                where = change.path or change.where.value
                later = _later_since(change, changes)
                yield f"    {label} {change.kind.value:<{width}}  {where:<{where_width}}  {describe(change)}{later}".rstrip()
                if change.detail and "\n" in change.detail:
                    yield from (f"        {line}" for line in change.detail.splitlines())
    if aligned:
        names = f": {', '.join(display_path(r.path) for r in aligned)}" if verbose else ""
        yield f"{plural(len(aligned), 'cassette')} aligned{names}"
    yield from notes_lines(report)
    if not quiet:
        yield drift_summary(report)


def _later_since(change: Change, changes: list[Change]) -> str:
    """A change that started drifting after its cassette's first one says when."""
    first = drifting_since(changes)
    if change.drifting_since is None or first is None or change.drifting_since == first:
        return ""
    return f" (since {change.drifting_since.date().isoformat()})"


def render_check_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """The summary a person reads first, the verdict, then the drift, lint problems and stale cassettes."""
    yield from check_summary(report)
    details = list(render_drift_text(report, quiet=True, verbose=verbose, color=color))
    details += list(problem_lines(report))
    details += [
        f"stale    {display_path(c.path)}: frozen {c.age.days:.0f} days (--max-age {report.max_age:g})"
        for c in report.cassettes
        if report.stale(c) and c.age and c.age.days is not None and report.max_age is not None
    ]
    if details and not quiet:
        yield ""
        yield from details


def check_summary(report: Report) -> Iterator[str]:
    """The gate's count (it adds up), what was found, and each cassette that did not pass and why."""
    summary = Summary.of(report)
    counts = summary.counts
    against = f" against {report.target}" if report.target else " offline (lint and age)"
    yield f"cassettes check: {plural(counts.cassettes, 'cassette')}{against}: {outcome_counts(summary, total=False)}"
    changes = [c for c in report.changes() if c.severity is not Severity.VOLATILE]
    found = [
        f"aligned {counts.status(Status.ALIGNED)}" if report.target else f"ok {counts.status(Status.OK)}",
        f"drifted {counts.status(Status.DRIFTED)}" + (f" ({counts_text(changes)})" if changes else ""),
        f"older than --max-age {counts.over_max_age}",
        f"skipped {counts.status(Status.SKIPPED)}",
        f"errors {counts.status(Status.ERROR)}",
        f"lint problems {counts.problems}",
    ]
    yield "  " + " · ".join(found)
    yield from callout_lines(report)
    skipped = skipped_reasons(i for c in report.cassettes for i in c.interactions)
    if skipped:
        yield "  skipped interactions: " + ", ".join(f"{n} {why}" for why, n in skipped.most_common())
    dated = [c for c in report.cassettes if c.age and c.age.days is not None and c.age.last_recorded]
    if dated:
        oldest = max(dated, key=lambda c: c.age.days if c.age and c.age.days is not None else 0.0)
        assert oldest.age is not None and oldest.age.last_recorded is not None
        since = oldest.age.last_recorded.date().isoformat()
        commit = f", {oldest.age.commit}" if oldest.age.commit else ""
        yield f"  oldest: {display_path(oldest.path)}, frozen {oldest.age.days:.0f} days (since {since}{commit})"
    longest = min(report.cassettes, key=lambda c: drift_order(report, c), default=None)
    drifting = describe_drifting(visible(report, report.changes(longest))) if longest else ""
    if longest is not None and drifting:
        yield f"  longest drifting: {display_path(longest.path)}, {drifting}"
    if report.run is not None:
        state = "" if report.run.complete else " (incomplete: interrupted)"
        yield f"  scratch run {report.run.run_id}: {display_path(report.run.folder)}{state}"
    yield verdict_line(report, summary)
    yield from (f"  {line}" for line in failing_lines(summary))


def render_apply_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """The call-outs, the drift of the run, then what was written back, kept or withheld, and the commit."""
    yield from callout_lines(report)
    yield from render_drift_text(report, quiet=True, verbose=verbose, color=color)
    yield from problem_lines(report)
    applied = report.applied or ApplyInfo()
    ages = {r.path: r.age for r in report.cassettes}
    for path in applied.written:
        age = ages.get(path)
        yield f"wrote     {display_path(path)}" + (f": was {describe_age(age)}" if age else "")
    for path, why in applied.kept:
        yield f"kept      {display_path(path)}: {why}"
    for path, why in applied.withheld:
        yield f"withheld  {display_path(path)}: {why}"
    if applied.commit:
        where = f"on new branch {applied.branch}" if applied.branch else "on the current branch"
        yield f"committed {applied.commit[:12]} {where} (not pushed)"
    if report.run is not None and not quiet:
        state = "" if report.run.complete else " (incomplete: interrupted)"
        yield f"run {report.run.run_id}{state}: {display_path(report.run.folder)}"
    if not quiet:
        drifted = len(applied.written) + len(applied.kept) + len(applied.withheld)
        if drifted:
            yield f"summary: wrote {len(applied.written)} of {drifted} drifted cassettes back"
        else:
            yield "summary: nothing to write back: no cassette drifted"
