"""Markdown for a pull-request comment, and the refresh commit's message."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import (
    CassetteResult,
    Report,
    Status,
)
from cassettes_tool.model.summary import GateOutcome, Reason, Summary
from cassettes_tool.report.common import (
    counts_text,
    describe,
    describe_age,
    describe_drifting,
    drift_order,
    drifting_days,
    located,
    outcome_counts,
    verdict_line,
    visible,
)
from cassettes_tool.report.safe import markdown_code, markdown_text, printable
from cassettes_tool.secrets.masker import mask_text
from cassettes_tool.words import display_path, plural


def render_markdown(report: Report, **_: Any) -> Iterator[str]:
    """A pull-request comment: the verdict first, the counts, then each cassette that did not
    pass in a collapsed `<details>` (readable at 200 cassettes); `age` and `lint` get their table."""
    summary = Summary.of(report)
    label, _sep, said = verdict_line(report, summary).partition(": ")
    yield f"### cassettes {report.command}: {label}"
    yield ""
    yield f"**{label}**: {said}"
    yield ""
    yield _counts_line(report, summary)
    if report.command == "age":
        yield from _age_table(report, summary)
    elif report.command == "lint":
        yield from _lint_table(report)
    yield from _failing_details(report, summary)
    aligned = summary.counts.outcome(GateOutcome.PASS) - sum(
        1
        for r in report.cassettes
        if r.path not in {f.path for f in summary.failing} and visible(report, report.changes(r))
    )
    if aligned > 0 and report.command != "age":
        yield ""
        yield f"{plural(aligned, 'other cassette')} passed with nothing to show."


def _counts_line(report: Report, summary: Summary) -> str:
    counts = summary.counts
    parts = [outcome_counts(summary)]
    changes = [c for c in report.changes() if c.severity is not Severity.VOLATILE]
    if counts.status(Status.DRIFTED) or changes:
        parts.append(f"drifted {counts.status(Status.DRIFTED)} ({counts_text(changes)})")
    if report.max_age is not None:
        parts.append(f"older than --max-age {report.max_age:g} days: {counts.over_max_age}")
    if counts.problems:
        parts.append(f"lint problems {counts.problems}")
    if counts.status(Status.ERROR):
        parts.append(f"errors {counts.status(Status.ERROR)}")
    return " · ".join(parts)


def _failing_details(report: Report, summary: Summary) -> Iterator[str]:
    """Per cassette that did not pass: its reasons in the one line shown, the rest folded;
    then the drift below the threshold, folded the same way (a reviewer still reads it)."""
    by_path = {r.path: r for r in report.cassettes}
    named = {f.path for f in summary.failing}
    failing = sorted(  # longest drifting first (with a history); otherwise as the summary lists them
        summary.failing,
        key=lambda f: -(drifting_days(report.changes(by_path[f.path])) or -1.0) if f.path in by_path else 1.0,
    )
    below = [
        r
        for r in sorted(report.cassettes, key=lambda r: drift_order(report, r))
        if r.path not in named and visible(report, report.changes(r))
    ]
    Entry = tuple[Path, tuple[str, ...], tuple[Reason, ...]]
    sections: list[tuple[str, list[Entry]]] = [
        (
            "Failing",
            [(f.path, f.tokens, f.reasons) for f in failing if f.outcome is GateOutcome.FAIL],
        ),
        (
            "Not checked",
            [(f.path, f.tokens, f.reasons) for f in failing if f.outcome is not GateOutcome.FAIL],
        ),
        (
            f"Drift below --fail-on {report.fail_on.value}"
            + (
                f" or within --fail-on-drifting {report.fail_on_drifting:g} days"
                if report.fail_on_drifting
                else ""
            ),
            [(r.path, _severities(report, r), ()) for r in below],
        ),
    ]
    for title, shown in sections:
        if not shown:
            continue
        yield ""
        yield f"#### {title} ({len(shown)})"
        for path, tokens, reasons in shown:
            yield ""
            yield (
                f"<details><summary><code>{html.escape(display_path(path))}</code>: "
                f"{html.escape(', '.join(tokens))}</summary>"
            )
            yield ""
            yield from (f"- {r.token}: {markdown_text(r.detail)}" for r in reasons)
            if path in by_path:
                yield from _cassette_body(report, by_path[path])
            yield ""
            yield "</details>"


def _severities(report: Report, result: CassetteResult) -> tuple[str, ...]:
    counts = counts_text(visible(report, report.changes(result)))
    return tuple(counts.split(", "))


def _cassette_body(report: Report, result: CassetteResult) -> Iterator[str]:
    if result.age is not None:
        yield f"- {describe_age(result.age)}"
    drifting = describe_drifting(visible(report, report.changes(result)))
    if drifting:
        yield f"- {drifting}"
    if result.timeline:
        marks = "".join(_TIMELINE_MARKS.get(mark, "?") for _, mark in result.timeline)
        yield f"- last {plural(len(result.timeline), 'run')}, oldest first: {marks} (■ drift, □ aligned, ✕ not checked)"
    if result.status is Status.ERROR and result.line:
        yield f"- at `{located(result)}`"
    yield from _markdown_changes(report, result)
    hidden = sum(1 for c in report.changes(result) if c.severity is Severity.VOLATILE)
    if hidden and not report.show_volatile:
        yield f"- {plural(hidden, 'volatile change')} (not drift; `--show-volatile` lists them)"


_TIMELINE_MARKS = {"drift": "■", "aligned": "□", "error": "✕"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _age_table(report: Report, summary: Summary) -> Iterator[str]:
    """Oldest first, as `age` prints it; stale ones marked."""
    yield ""
    yield "| cassette | days | last recorded | commit | source | |"
    yield "|---|---:|---|---|---|---|"
    for result in report.cassettes:
        age = result.age
        days = f"{age.days:.0f}" if age is not None and age.days is not None else "?"
        recorded = age.last_recorded.date().isoformat() if age and age.last_recorded else ""
        mark = ", ".join(r.token for r in summary.reasons(result.path))
        yield (
            f"| `{_cell(display_path(result.path))}` | {days} | {recorded} | {(age.commit or '') if age else ''} "
            f"| {age.source.value if age else result.status.value} | {mark} |"
        )


def _lint_table(report: Report) -> Iterator[str]:
    """The problems by file and line, as `lint` prints them."""
    rows = [(r, p) for r in report.cassettes for p in r.problems]
    if not rows:
        return
    yield ""
    yield "| where | code | kind | message |"
    yield "|---|---|---|---|"
    for result, problem in rows:
        where = display_path(result.path) + (f":{problem.line}" if problem.line else "")
        yield f"| `{_cell(where)}` | `{problem.code}` | {_cell(problem.kind)} | {_cell(problem.message)} |"


def _markdown_changes(
    report: Report, result: CassetteResult, escape: Callable[[str], str] = markdown_text
) -> Iterator[str]:
    """A cassette's problems, then its changes by interaction, most severe first.

    Recorded values are escaped for markdown in a comment; a commit message is plain text,
    where only control characters are (`printable`)."""
    for problem in result.problems:
        where = f"line {problem.line}: " if problem.line else ""
        yield f"- `{problem.code}` {problem.kind}: {where}{escape(problem.message)}"
    for interaction in result.interactions:
        shown = visible(report, interaction.changes)
        if not shown:
            continue
        yield f"- `{markdown_code(f'{interaction.method} {interaction.uri}')}`"
        for change in shown:
            severity = (
                f"**{change.severity.value}**"
                if change.severity is Severity.BREAKING
                else change.severity.value
            )
            where = f" `{markdown_code(change.path)}`" if change.path else ""
            yield f"  - {severity} `{change.kind.value}`{where}: {escape(describe(change))}".rstrip(": ")


def render_commit_message(report: Report) -> str:
    """The refresh commit's message is its review: a subject, per cassette its age before the
    refresh and its changes by severity (the markdown renderer's lists), and trailers.

    No line starts with `#`: git strips such lines as comments when a message is edited.
    """
    count = len(report.cassettes)
    against = f" against {report.target}" if report.target else ""
    lines = [f"Refresh {plural(count, 'drifted cassette')}{against}"]
    for result in sorted(report.cassettes, key=lambda r: drift_order(report, r)):
        changes = visible(report, report.changes(result))
        lines += ["", f"{display_path(result.path)} ({result.status.value}: {counts_text(changes)})"]
        if result.age is not None:
            lines.append(describe_age(result.age))
        lines += _markdown_changes(report, result, printable)
        lines += [
            f"- masked a {kind} in {where} of `{i.method} {i.uri}`: no redact rule covers it"
            for i in result.interactions
            for where, kind in i.masked
        ]
    trailers = []
    if report.target:
        trailers.append(f"Cassettes-Target: {report.target}")
    if report.run is not None:
        trailers.append(f"Cassettes-Run: {report.run.run_id}")
    if trailers:
        lines += ["", *trailers]
    return mask_text("\n".join(lines) + "\n")
