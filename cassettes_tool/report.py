"""The report model every command returns, its verdict, and its renderers.

Deciding happens in the stages; this module only counts and writes. JSON exists only
here (schema `cassettes-report/1`, documented in docs/report-schema.md).
"""

from __future__ import annotations

import enum
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from cassettes_tool.errors import ExitCode
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, Severity
from cassettes_tool.model.result import (
    ApplyInfo,
    CassetteResult,
    InteractionSummary,
    Report,
    RunInfo,
    Status,
)

SCHEMA = "cassettes-report/1"


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    JUNIT = "junit"
    HTML = "html"


def plural(count: int, noun: str) -> str:
    """`1 cassette`, `2 cassettes`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def display_path(path: Path) -> str:
    """Paths in reports are relative to the current folder when they are under it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def located(result: CassetteResult) -> str:
    """`path:line` when the line is known."""
    path = display_path(result.path)
    return f"{path}:{result.line}" if result.line else path


# ---------------------------------------------------------------------------- json


def to_json(report: Report) -> dict[str, Any]:
    statuses = Counter(c.status.value for c in report.cassettes)
    return {
        "schema": SCHEMA,
        "command": report.command,
        "target": report.target,
        "summary": {
            "cassettes": len(report.cassettes),
            "interactions": sum(len(c.interactions) for c in report.cassettes),
            **{status.value: statuses.get(status.value, 0) for status in Status},
            "errors": statuses.get(Status.ERROR.value, 0),
            "problems": report.problems,
            "changes": _severity_counts(report.changes()),
        },
        "fail_on": report.fail_on.value,
        "max_age": report.max_age,
        **({"run": _run_json(report.run)} if report.run else {}),
        **({"apply": _apply_json(report.applied)} if report.applied else {}),
        "cassettes": [_cassette_json(c) for c in report.cassettes],
        "notes": [{"path": display_path(p), "note": n} for p, n in report.notes],
    }


def _severity_counts(changes: list[Change]) -> dict[str, int]:
    counts = Counter(c.severity for c in changes)
    return {severity.value: counts.get(severity, 0) for severity in sorted(Severity, key=lambda s: -s.rank)}


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "severity": change.severity.value,
        "kind": change.kind.value,
        "where": change.where.value,
        "path": change.path,
        "old": change.old,
        "new": change.new,
        "detail": change.detail,
        "count": change.count,
    }


def _cassette_json(result: CassetteResult) -> dict[str, Any]:
    """Complete, volatile changes included (each carries its severity): the human renderers
    hide volatile ones unless --show-volatile, and shard reports merge back exactly."""
    return {
        "path": display_path(result.path),
        "status": result.status.value,
        "age": age_json(result.age),
        "serializer": result.serializer,
        "size": result.size,
        "error": result.error,
        "line": result.line,
        "note": result.note,
        "interactions": [
            {
                "index": i.index,
                "method": i.method,
                "uri": i.uri,
                "host": i.host,
                "path": i.path,
                "status_code": i.status_code,
                "media_type": i.media_type,
                "body_kind": i.body_kind,
                "body_size": i.body_size,
                "line": i.line,
                "age": age_json(i.age),
                "status": i.status.value if i.status else None,
                "changes": [_change_json(c) for c in i.changes],
                **({"reason": i.reason} if i.reason else {}),
                **({"masked": [{"where": w, "kind": k} for w, k in i.masked]} if i.masked else {}),
            }
            for i in result.interactions
        ],
        "problems": [
            {"code": p.code, "kind": p.kind, "message": p.message, "line": p.line} for p in result.problems
        ],
        **(
            {
                "fixed": [
                    {"code": p.code, "kind": p.kind, "message": p.message, "line": p.line}
                    for p in result.fixed
                ]
            }
            if result.fixed
            else {}
        ),
    }


def _run_json(run: RunInfo) -> dict[str, Any]:
    return {"id": run.run_id, "folder": display_path(run.folder), "complete": run.complete}


def _apply_json(applied: ApplyInfo) -> dict[str, Any]:
    return {
        "written": [display_path(p) for p in applied.written],
        "kept": [{"path": display_path(p), "reason": why} for p, why in applied.kept],
        "withheld": [{"path": display_path(p), "reason": why} for p, why in applied.withheld],
        "branch": applied.branch,
        "commit": applied.commit,
    }


#: above this many cassettes, each is written on one line: `indent` makes json use its
#: pure-Python encoder, which took 4 s of a 20,000-cassette scan
_PRETTY_MAX = 500


def render_json(report: Report) -> str:
    data = to_json(report)
    if len(report.cassettes) <= _PRETTY_MAX:
        return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    cassettes = data.pop("cassettes")
    head = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    lines = ",\n    ".join(json.dumps(c, ensure_ascii=False, default=str) for c in cassettes)
    return head[:-2] + ',\n  "cassettes": [\n    ' + lines + "\n  ]\n}\n"


# ---------------------------------------------------------------------------- text


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def render_scan_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """An aligned table: a line per cassette, a row per interaction, totals at the end."""
    rows = {i: _scan_row(i) for result in report.cassettes for i in result.interactions}
    widths = [max((len(r[col]) for r in rows.values()), default=0) for col in range(7)]
    right = {0, 4, 6}
    for result in report.cassettes:
        path = display_path(result.path)
        if result.status is Status.ERROR:
            yield f"error    {located(result)}: {result.error}"
            continue
        if result.status is Status.SKIPPED:
            if not quiet:
                yield f"skipped  {path}: {result.error}"
            continue
        count = len(result.interactions)
        note = f"  ({result.note})" if result.note else ""
        noun = "interaction" if count == 1 else "interactions"
        yield f"{path}  [{result.serializer}]  {count} {noun}, {human_size(result.size)}{note}"
        for i in result.interactions:
            cells = rows[i]
            line = "  ".join(
                cell.rjust(widths[col]) if col in right else cell.ljust(widths[col])
                for col, cell in enumerate(cells)
            )
            yield "    " + line.rstrip()
    if not quiet:
        yield from _notes(report)
        yield _scan_totals(report)


_MAX_PATH_WIDTH = 56


def _scan_row(i: InteractionSummary) -> tuple[str, ...]:
    path = i.path if len(i.path) <= _MAX_PATH_WIDTH else i.path[: _MAX_PATH_WIDTH - 1] + "…"
    status = str(i.status_code) if i.status_code is not None else "-"
    return (str(i.index), i.method, i.host, path, status, i.media_type or "-", human_size(i.body_size))


def _scan_totals(report: Report) -> str:
    read = [c for c in report.cassettes if c.status not in (Status.ERROR, Status.SKIPPED)]
    interactions = sum(len(c.interactions) for c in read)
    serializers = Counter(c.serializer for c in read)
    by_serializer = ", ".join(f"{name} {n}" for name, n in sorted(serializers.items(), key=str))
    parts = [f"{len(read)} cassettes" + (f" ({by_serializer})" if by_serializer else "")]
    parts.append(f"{interactions} interactions")
    parts.append(human_size(sum(c.size for c in read)))
    tail = []
    if report.count(Status.SKIPPED):
        tail.append(f"{report.count(Status.SKIPPED)} skipped")
    if report.count(Status.ERROR):
        tail.append(f"{report.count(Status.ERROR)} could not be read")
    return "total: " + ", ".join(parts) + ("; " + ", ".join(tail) if tail else "")


def _notes(report: Report) -> Iterator[str]:
    for path, note in report.notes:
        yield f"note     {display_path(path)}: {note}"


def problem_lines(report: Report) -> Iterator[str]:
    for result in report.cassettes:
        path = display_path(result.path)
        for problem in result.problems:
            where = f"{path}:{problem.line}" if problem.line else path
            yield f"{where}: {problem.code} {problem.kind}: {problem.message}"


def render_lint_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """`path:line: CODE kind: message`, one line each, then a count (as ruff does).

    After `lint --fix`, first what it masked: `path:line: kind: masked (CODE, placeholder in where)`.
    """
    for result in report.cassettes:
        for fixed in result.fixed:
            where = f"{display_path(result.path)}:{fixed.line}" if fixed.line else display_path(result.path)
            yield f"{where}: {fixed.kind}: masked ({fixed.code}, {fixed.message})"
    yield from problem_lines(report)
    if verbose:
        for result in report.cassettes:
            if result.status is Status.SKIPPED:
                yield f"skipped  {display_path(result.path)}: {result.error}"
    yield from _notes(report)
    if quiet:
        return
    checked = len(report.cassettes) - report.count(Status.SKIPPED)
    masked = sum(len(c.fixed) for c in report.cassettes)
    if masked:
        changed = sum(1 for c in report.cassettes if c.fixed)
        yield f"Masked {plural(masked, 'value')} in {changed} of {checked} cassettes."
    if report.problems:
        files = sum(1 for c in report.cassettes if c.problems)
        noun = "problem" if report.problems == 1 else "problems"
        yield f"Found {report.problems} {noun} in {files} of {checked} cassettes."
    else:
        yield f"All {checked} cassettes clean."


# ---------------------------------------------------------------------------- drift


_COLORS = {
    Severity.BREAKING: "\x1b[31;1m",
    Severity.ADDITIVE: "\x1b[33m",
    Severity.VALUE: "\x1b[36m",
    Severity.VOLATILE: "\x1b[2m",
}
_RESET = "\x1b[0m"


def visible(report: Report, changes: Iterable[Change]) -> list[Change]:
    """The changes a human renderer shows: volatile ones only with --show-volatile."""
    return [c for c in changes if report.show_volatile or c.severity is not Severity.VOLATILE]


def _short(value: Any, limit: int = 60) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        if not isinstance(value, str)
        else json.dumps(value)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(change: Change) -> str:
    """One line a reviewer reads: what changed, from what to what."""
    kind = change.kind.value
    if kind == "field_added" or kind == "header_added" or kind == "deprecation_announced":
        text = f"new: {_short(change.new)}"
    elif kind in ("field_removed", "header_removed"):
        text = f"was: {_short(change.old)}"
    elif kind in ("interaction_added", "interaction_missing"):
        text = "recorded only in the new cassette" if kind == "interaction_added" else "no longer recorded"
    elif change.old is None and change.new is None:
        text = ""
    else:
        text = f"{_short(change.old)} -> {_short(change.new)}"
    if change.detail and "\n" not in change.detail:
        text = f"{text} ({change.detail})" if text else change.detail
    if change.count > 1:
        text += f" (in {change.count} places)"
    return text


def _counts_text(changes: list[Change]) -> str:
    counts = Counter(c.severity for c in changes)
    order = sorted(counts, key=lambda s: -s.rank)
    return ", ".join(f"{counts[s]} {s.value}" for s in order)


def drift_order(report: Report, result: CassetteResult) -> tuple[int, str]:
    top = max((c.severity.rank for c in visible(report, report.changes(result))), default=-1)
    return (-top, display_path(result.path))


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
        yield f"{path}  {result.status.value}: {_counts_text(changes)}"
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
                yield f"    {label} {change.kind.value:<{width}}  {where:<{where_width}}  {describe(change)}".rstrip()
                if change.detail and "\n" in change.detail:
                    yield from (f"        {line}" for line in change.detail.splitlines())
    if aligned:
        names = f": {', '.join(display_path(r.path) for r in aligned)}" if verbose else ""
        yield f"{plural(len(aligned), 'cassette')} aligned{names}"
    yield from _notes(report)
    if not quiet:
        yield drift_summary(report)


def drift_summary(report: Report) -> str:
    drifted = [c for c in report.cassettes if c.status is Status.DRIFTED]
    parts = [f"{len(report.cassettes)} cassettes", f"{report.count(Status.ALIGNED)} aligned"]
    changes = [c for c in report.changes() if c.severity is not Severity.VOLATILE]
    parts.append(f"{len(drifted)} drifted" + (f" ({_counts_text(changes)})" if changes else ""))
    for status in (Status.SKIPPED, Status.ERROR, Status.STALE):
        if report.count(status):
            parts.append(f"{report.count(status)} {status.value}")
    return "summary: " + ", ".join(parts) + f"; failing on {report.fail_on.value} and above"


# ---------------------------------------------------------------------------- markdown


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
        counts = _counts_text(changes) if changes else f"{len(result.problems)} problems"
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


# ---------------------------------------------------------------------------- commit message


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
        lines += ["", f"{display_path(result.path)} ({result.status.value}: {_counts_text(changes)})"]
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
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- junit


def render_junit(report: Report, **_: Any) -> Iterator[str]:
    """A test case per cassette: failures for findings at or above the threshold."""
    import xml.etree.ElementTree as ET

    cases = []
    failures = errors = skipped = 0
    for result in report.cassettes:
        path = display_path(result.path)
        case = ET.Element("testcase", classname=f"cassettes.{report.command}", name=path, time="0")
        findings = [c for c in report.changes(result) if c.severity.rank >= report.fail_on.rank]
        if result.status is Status.ERROR:
            errors += 1
            ET.SubElement(case, "error", message=result.error or "could not be read", type="error")
        elif result.status is Status.SKIPPED:
            skipped += 1
            ET.SubElement(case, "skipped", message=result.error or "skipped")
        elif findings or result.problems or result.status is Status.STALE:
            failures += 1
            lines = [f"{p.code} {p.kind}: {p.message}" for p in result.problems]
            lines += [
                f"{c.severity.value} {c.kind.value} {c.path or c.where.value}: {describe(c)}"
                for c in findings
            ]
            if result.status is Status.STALE:
                lines.append(result.note or "older than --max-age")
            first = lines[0] if lines else result.status.value
            failure = ET.SubElement(case, "failure", message=first, type=result.status.value)
            failure.text = "\n".join(lines)
        cases.append(case)
    suite = ET.Element(
        "testsuite",
        name=f"cassettes {report.command}",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(skipped),
    )
    suite.extend(cases)
    suites = ET.Element("testsuites", name="cassettes")
    suites.append(suite)
    ET.indent(suites)
    yield '<?xml version="1.0" encoding="utf-8"?>'
    yield ET.tostring(suites, encoding="unicode")


def render(
    report: Report,
    fmt: Format,
    text: Callable[..., Iterable[str]],
    *,
    quiet: bool = False,
    verbose: bool = False,
    color: bool = False,
) -> str:
    """The report in the asked format; `text` is the command's own human renderer."""
    if fmt is Format.JSON:
        return render_json(report)
    if fmt is Format.HTML:
        from cassettes_tool.html_report import render_html  # it imports this module

        return render_html(report)
    renderer: Callable[..., Iterable[str]] = {
        Format.MARKDOWN: render_markdown,
        Format.JUNIT: render_junit,
    }.get(fmt, text)
    kwargs: dict[str, Any] = {"quiet": quiet, "verbose": verbose}
    if renderer is render_drift_text:
        kwargs["color"] = color
    return "".join(f"{line}\n" for line in renderer(report, **kwargs))


# ---------------------------------------------------------------------------- age


def age_json(age: Age | None) -> dict[str, Any] | None:
    """The spec's `age` object: days to one decimal, UTC time last recorded, short sha, source."""
    if age is None:
        return None
    return {
        "days": None if age.days is None else round(age.days, 1),
        "last_recorded": age.last_recorded.isoformat() if age.last_recorded else None,
        "commit": age.commit,
        "source": age.source.value,
        "subject": age.subject,
        "author": age.author,
    }


def render_age_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """An aligned table in the report's order (oldest first): days, date recorded, commit, source, path.

    Interactions (`--per-interaction`) are rows under their cassette; `--verbose` adds
    each commit's author and subject. Notes, such as a shallow clone's, come at the end.
    """
    rows: list[tuple[str, ...]] = []
    for result in report.cassettes:
        if result.status is Status.SKIPPED:
            continue
        rows.append(_age_cells(result.age, display_path(result.path), verbose))
        for i in result.interactions:
            rows.append(_age_cells(i.age, f"  #{i.index} {i.method} {i.uri}", verbose))
    if rows and not quiet:
        header = ("days", "recorded", "commit", "source", "cassette")
        rows.insert(0, header + (("author", "subject") if verbose else ()))
    widths = [max(len(row[col]) for row in rows) for col in range(len(rows[0]))] if rows else []
    for row in rows:
        cells = (cell.ljust(widths[col]) if col else cell.rjust(widths[0]) for col, cell in enumerate(row))
        yield "  ".join(cells).rstrip()
    for result in report.cassettes:
        if result.status is Status.ERROR:
            yield f"error    {display_path(result.path)}: {result.error}"
        elif result.status is Status.SKIPPED and verbose:
            yield f"skipped  {display_path(result.path)}: {result.error}"
    if not quiet:
        yield from _notes(report)
        yield _age_totals(report)


def _age_cells(age: Age | None, what: str, verbose: bool) -> tuple[str, ...]:
    if age is None:
        cells: tuple[str, ...] = ("?", "-", "-", "-", what)
    else:
        cells = (
            "?" if age.days is None else str(int(age.days)),
            age.last_recorded.date().isoformat() if age.last_recorded else "-",
            age.commit or "-",
            age.source.value,
            what,
        )
    if verbose:
        cells += (age.author or "-", age.subject or "-") if age else ("-", "-")
    return cells


def _age_totals(report: Report) -> str:
    listed = [c for c in report.cassettes if c.status is not Status.SKIPPED]
    ages = [c.age for c in listed if c.age is not None]
    known = [a.days for a in ages if a.days is not None]
    parts = [f"{len(listed)} cassette" + ("" if len(listed) == 1 else "s")]
    if known:
        parts.append(f"oldest {int(max(known))} days")
    sources = Counter(a.source.value for a in ages if a.source is not AgeSource.GIT)
    tail = ", ".join(f"{n} {source}" for source, n in sorted(sources.items()))
    return "total: " + ", ".join(parts) + (f"; {tail}" if tail else "")


# ---------------------------------------------------------------------------- refresh


def render_refresh_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """A line per cassette, then what was skipped, failed or masked in it, then totals and the run."""
    for result in report.cassettes:
        path = display_path(result.path)
        refreshed = sum(1 for i in result.interactions if i.status is Status.OK)
        if result.status is Status.OK:
            if not quiet:
                yield f"refreshed  {path}  {refreshed} of {len(result.interactions)} interactions"
        elif result.status is Status.ERROR or not quiet:
            word = "error" if result.status is Status.ERROR else "skipped"
            yield f"{word:<9}  {path}: {result.error}"
        for i in result.interactions:
            shown = i.status is Status.ERROR or (i.status is Status.SKIPPED and not quiet) or verbose
            if shown:
                outcome = {Status.OK: f"refreshed, {i.status_code}", Status.SKIPPED: "skipped"}.get(
                    i.status or Status.ERROR, "error"
                )
                reason = f": {i.reason}" if i.reason else ""
                yield f"    #{i.index} {i.method} {i.uri}  {outcome}{reason}"
            for where, kind in i.masked:
                yield f"    #{i.index} masked a {kind} in {where}: add a [tool.cassettes.redact] rule for it"
    if not quiet:
        yield _refresh_totals(report)
    if report.run is not None:
        state = "" if report.run.complete else " (incomplete: interrupted)"
        yield f"run {report.run.run_id}{state}: {display_path(report.run.folder)}"


def skipped_reasons(interactions: Iterable[InteractionSummary]) -> Counter[str]:
    """Skipped interactions grouped by what happened, without the per-line hint (`(--allow-method POST)`)."""
    return Counter((i.reason or "").partition(" (")[0] for i in interactions if i.status is Status.SKIPPED)


def _refresh_totals(report: Report) -> str:
    interactions = [i for c in report.cassettes for i in c.interactions]
    refreshed = sum(1 for i in interactions if i.status is Status.OK)
    skipped = skipped_reasons(interactions)
    errors = sum(1 for i in interactions if i.status is Status.ERROR)
    errors += sum(1 for c in report.cassettes if c.status is Status.ERROR and not c.interactions)
    masked = sum(len(i.masked) for i in interactions)
    parts = [
        f"refreshed {report.count(Status.OK)} of {len(report.cassettes)} cassettes ({refreshed} interactions)"
    ]
    if skipped:
        why = ", ".join(f"{n} {reason}" for reason, n in skipped.most_common())
        count = sum(skipped.values())
        parts.append(f"skipped {plural(count, 'interaction')} ({why})")
    if errors:
        parts.append(plural(errors, "error"))
    if masked:
        parts.append(f"{plural(masked, 'credential')} masked")
    return "; ".join(parts)


# ---------------------------------------------------------------------------- check


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
    checked = len(report.cassettes)
    against = f" against {report.target}" if report.target else " offline (lint and age)"
    yield f"cassettes check: {plural(checked, 'cassette')}{against}"
    drifted = [c for c in report.cassettes if c.status is Status.DRIFTED]
    changes = [c for c in report.changes() if c.severity is not Severity.VOLATILE]
    counts = [
        f"aligned {report.count(Status.ALIGNED)}" if report.target else f"ok {report.count(Status.OK)}",
        f"drifted {len(drifted)}" + (f" ({_counts_text(changes)})" if changes else ""),
        f"stale {sum(1 for c in report.cassettes if report.stale(c))}",
        f"skipped {report.count(Status.SKIPPED)}",
        f"errors {report.count(Status.ERROR)}",
        f"lint problems {report.problems}",
    ]
    yield "  " + " · ".join(counts)
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
    if report.run is not None:
        state = "" if report.run.complete else " (incomplete: interrupted)"
        yield f"  scratch run {report.run.run_id}: {display_path(report.run.folder)}{state}"
    yield verdict_line(report)


def verdict_line(report: Report) -> str:
    verdict = report.verdict
    if verdict is ExitCode.OK:
        return f"PASS: nothing at or above {report.fail_on.value}" + (
            f", nothing older than {report.max_age:g} days" if report.max_age is not None else ""
        )
    if verdict is ExitCode.FINDINGS:
        reasons = []
        failing = [ch for ch in report.changes() if ch.severity.rank >= report.fail_on.rank]
        if failing:
            reasons.append(
                f"{_counts_text(failing)} change{'s' if len(failing) != 1 else ''} (--fail-on {report.fail_on.value})"
            )
        stale = sum(1 for c in report.cassettes if report.stale(c))
        if stale:
            reasons.append(
                f"{stale} stale (--max-age {report.max_age:g})"
                if report.max_age is not None
                else f"{stale} stale"
            )
        if report.problems:
            reasons.append(plural(report.problems, "lint problem"))
        return "FAIL: " + "; ".join(reasons)
    return "INCOMPLETE: some cassettes or interactions could not be checked (see errors below)"


# ---------------------------------------------------------------------------- apply


def render_apply_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """The drift of the run, then what was written back, kept or withheld, and the commit."""
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


# ---------------------------------------------------------------------------- unused


def render_unused_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """What no test used (`path:line: CODE kind: message`), the failed tests, then a summary."""
    yield from problem_lines(report)
    for result in report.cassettes:
        if result.status is Status.ERROR:
            yield f"error    {located(result)}: {result.error}"
        elif result.status is Status.SKIPPED and (verbose or not quiet):
            yield f"skipped  {display_path(result.path)}: {result.error}"
    if verbose:
        for result in report.cassettes:
            if result.status is Status.OK and result.note and result.note != "no test opened it":
                yield f"used     {display_path(result.path)}: {result.note}"
    yield from _notes(report)
    if not quiet:
        yield unused_summary(report)


def unused_summary(report: Report) -> str:
    """One line: how many cassettes and interactions no test used, or why none is claimed."""
    cassettes = [c for c in report.cassettes if c.status is Status.OK]
    orphans = sum(1 for c in cassettes if any(p.kind == "unused-cassette" for p in c.problems))
    unplayed = sum(1 for c in cassettes for p in c.problems if p.kind == "unused-interaction")
    if report.verdict is ExitCode.INCOMPLETE:
        return (
            "INCOMPLETE: the test run was not green, so no cassette or interaction is claimed unused "
            "(a failed test may stop before it opens its cassette)"
        )
    total = plural(len(cassettes), "cassette")
    if not orphans and not unplayed:
        return f"summary: {total}: every cassette opened, every interaction played"
    return f"summary: {total}: {orphans} no test opened, {plural(unplayed, 'interaction')} no test played"
