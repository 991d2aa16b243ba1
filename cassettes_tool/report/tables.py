"""Aligned tables for the commands that list cassettes: scan, lint, age, refresh and unused."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from cassettes_tool.errors import ExitCode
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.manifest import Pruned
from cassettes_tool.model.result import (
    InteractionSummary,
    Report,
    Status,
)
from cassettes_tool.report.common import (
    located,
    notes_lines,
    problem_lines,
    skipped_reasons,
)
from cassettes_tool.words import display_path, human_size, plural


def render_scan_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """An aligned table: a line per cassette, a row per interaction, totals at the end.

    The column widths come from a first pass over the rows, which are made again as they
    are printed rather than held: a large tree has hundreds of thousands."""
    widths = [0] * 7
    for result in report.cassettes:
        for i in result.interactions:
            widths = [max(width, len(cell)) for width, cell in zip(widths, _scan_row(i), strict=True)]
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
            cells = _scan_row(i)
            line = "  ".join(
                cell.rjust(widths[col]) if col in right else cell.ljust(widths[col])
                for col, cell in enumerate(cells)
            )
            yield "    " + line.rstrip()
    if not quiet:
        yield from notes_lines(report)
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


def render_lint_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """`path:line: CODE kind: message`, one line each, then a count (as ruff does).

    After `lint --fix`, first what it masked: `path:line: kind: masked (CODE, placeholder in where)`.
    """
    for result in report.cassettes:
        for fixed in result.fixed:
            where = f"{display_path(result.path)}:{fixed.line}" if fixed.line else display_path(result.path)
            yield f"{where}: {fixed.kind}: masked ({fixed.code}, {fixed.message})"
    yield from problem_lines(report)
    for result in report.cassettes:
        if result.status is Status.ERROR and not result.problems:  # not checked: incomplete
            yield f"error    {display_path(result.path)}: {result.error}"
    if verbose:
        for result in report.cassettes:
            if result.status is Status.SKIPPED:
                yield f"skipped  {display_path(result.path)}: {result.error}"
    yield from notes_lines(report)
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


def render_age_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
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
        yield from notes_lines(report)
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


def render_refresh_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
    """A line per cassette refreshed or failed; then one per reason interactions were skipped
    (an unmapped host, a method not allowed) with how many interactions and cassettes it
    stopped, rather than a line per interaction; then totals and the run. --verbose adds
    each skipped interaction and each cassette nothing was sent of."""
    for result in report.cassettes:
        path = display_path(result.path)
        refreshed = sum(1 for i in result.interactions if i.status is Status.OK)
        grouped = any(i.status is Status.SKIPPED for i in result.interactions)
        if result.status is Status.OK:
            if not quiet:
                yield f"refreshed  {path}  {refreshed} of {len(result.interactions)} interactions"
        elif result.status is Status.ERROR or (not quiet and (verbose or not grouped)):
            word = "error" if result.status is Status.ERROR else "skipped"
            yield f"{word:<9}  {path}: {result.error}"
        for i in result.interactions:
            if i.status is Status.ERROR or verbose:
                outcome = {Status.OK: f"refreshed, {i.status_code}", Status.SKIPPED: "skipped"}.get(
                    i.status or Status.ERROR, "error"
                )
                reason = f": {i.reason}" if i.reason else ""
                yield f"    #{i.index} {i.method} {i.uri}  {outcome}{reason}"
            for where, kind in i.masked:
                yield f"    #{i.index} masked a {kind} in {where}: add a [tool.cassettes.redact] rule for it"
    if not quiet:
        yield from _skip_lines(report)
        yield from notes_lines(report)
        yield _refresh_totals(report)
    if report.run is not None:
        state = "" if report.run.complete else " (incomplete: interrupted)"
        yield f"run {report.run.run_id}{state}: {display_path(report.run.folder)}"


def _skip_lines(report: Report) -> Iterator[str]:
    """`skipped    host api.example.com is not mapped: 12 interactions in 4 cassettes (--map ...)`."""
    interactions: Counter[str] = Counter()
    cassettes: dict[str, set[str]] = {}
    hints: dict[str, str] = {}
    for result in report.cassettes:
        for i in result.interactions:
            if i.status is Status.SKIPPED:
                why, _sep, hint = (i.reason or "no reason given").partition(" (")
                interactions[why] += 1
                cassettes.setdefault(why, set()).add(str(result.path))
                hints.setdefault(why, f" ({hint}" if hint else "")
    for why, n in sorted(interactions.items(), key=lambda item: (-item[1], item[0])):
        counts = f"{plural(n, 'interaction')} in {plural(len(cassettes[why]), 'cassette')}"
        yield f"skipped    {why}: {counts}{hints[why]}"


_NAMED = re.compile(r"^(host|method) \S+ is ")


def _refresh_totals(report: Report) -> str:
    interactions = [i for c in report.cassettes for i in c.interactions]
    refreshed = sum(1 for i in interactions if i.status is Status.OK)
    skipped = Counter(_NAMED.sub(r"\1 ", why) for why in skipped_reasons(interactions).elements())
    errors = sum(1 for i in interactions if i.status is Status.ERROR)
    errors += sum(1 for c in report.cassettes if c.status is Status.ERROR and not c.interactions)
    masked = sum(len(i.masked) for i in interactions)
    parts = [
        f"refreshed {report.count(Status.OK)} of {len(report.cassettes)} cassettes "
        f"({plural(refreshed, 'interaction')})"
    ]
    if skipped:
        why = ", ".join(f"{n} {reason}" for reason, n in skipped.most_common())
        count = sum(skipped.values())
        parts.append(f"skipped {plural(count, 'interaction')} ({why})")
    unsent = sum(1 for c in report.cassettes if c.status is Status.SKIPPED)
    if unsent:
        parts.append(f"{plural(unsent, 'cassette')} not refreshed")
    if errors:
        parts.append(plural(errors, "error"))
    if masked:
        parts.append(f"{plural(masked, 'credential')} masked")
    return "; ".join(parts)


def render_prune_text(pruned: Pruned, *, quiet: bool = False) -> Iterator[str]:
    """`removed  RUN-FOLDER` each, what was left alone and why, then what is kept."""
    if not quiet:
        yield from (f"removed  {display_path(pruned.scratch / run_id)}" for run_id in pruned.removed)
    yield from (f"left     {display_path(pruned.scratch / name)}: {why}" for name, why in pruned.left)
    if quiet:
        return
    latest = f", LATEST {pruned.latest}" if pruned.latest else ""
    yield (
        f"kept {plural(len(pruned.kept), 'run')} in {display_path(pruned.scratch)}{latest}; "
        f"removed {len(pruned.removed)}"
    )


def render_unused_text(
    report: Report, *, quiet: bool = False, verbose: bool = False, color: bool = False
) -> Iterator[str]:
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
    yield from notes_lines(report)
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
