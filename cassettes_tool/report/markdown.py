"""Markdown for a pull-request comment, and the refresh commit's message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import (
    CassetteResult,
    Report,
    Status,
)
from cassettes_tool.report.common import (
    counts_text,
    describe,
    describe_age,
    drift_order,
    drift_summary,
    located,
    visible,
)
from cassettes_tool.secrets.masker import mask_text
from cassettes_tool.words import display_path, plural


def render_markdown(report: Report, **_: Any) -> Iterator[str]:
    """Fits a pull-request comment and a commit message body."""
    yield f"### cassettes {report.command}: {drift_summary(report).removeprefix('summary: ')}"
    for result in sorted(report.cassettes, key=lambda r: drift_order(report, r)):
        path = display_path(result.path)
        changes = visible(report, report.changes(result))
        if result.status in (Status.ERROR, Status.SKIPPED):
            yield ""
            yield f"- `{located(result)}`: {result.status.value}: {result.error}"
            continue
        if not changes and not result.problems:
            continue
        yield ""
        counts = counts_text(changes) if changes else f"{len(result.problems)} problems"
        yield f"#### `{path}` ({result.status.value}: {counts})"
        yield ""
        if result.age is not None:
            yield f"{describe_age(result.age)}."
            yield ""
        yield from _markdown_changes(report, result)
    aligned = [
        r for r in report.cassettes if r.status is Status.ALIGNED and not visible(report, report.changes(r))
    ]
    if aligned:
        yield ""
        yield f"{plural(len(aligned), 'cassette')} aligned."


def _markdown_changes(report: Report, result: CassetteResult) -> Iterator[str]:
    """A cassette's problems, then its changes by interaction, most severe first."""
    for problem in result.problems:
        where = f"line {problem.line}: " if problem.line else ""
        yield f"- `{problem.code}` {problem.kind}: {where}{problem.message}"
    for interaction in result.interactions:
        shown = visible(report, interaction.changes)
        if not shown:
            continue
        yield f"- `{interaction.method} {interaction.uri}`"
        for change in shown:
            severity = (
                f"**{change.severity.value}**"
                if change.severity is Severity.BREAKING
                else change.severity.value
            )
            where = f" `{change.path}`" if change.path else ""
            yield f"  - {severity} `{change.kind.value}`{where}: {describe(change)}".rstrip(": ")


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
        lines += _markdown_changes(report, result)
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
