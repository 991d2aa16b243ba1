"""`spec-check`: every recorded interaction against its provider's OpenAPI document, offline.

`check --spec` adds the same findings to its own results through `with_spec`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cassette import check_serializer, interaction_summary, unread, unsearched
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError
from cassettes_tool.lint import checks as lint_checks
from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Report, Status
from cassettes_tool.spec import SpecChecker


def run(paths: tuple[Path, ...], config: Config, checker: SpecChecker, *, fail_on: Severity) -> Report:
    check_serializer(config)
    found = cassette.discover(paths)
    results = [result_for(path, config, checker) for path in found.files]
    results += [lint_checks.failed(exc) for exc in unsearched(found)]
    return Report(
        command="spec-check",
        cassettes=tuple(sorted(results, key=lambda r: str(r.path))),
        notes=found.notes,
        fail_on=fail_on,
    )


def result_for(path: Path, config: Config, checker: SpecChecker) -> CassetteResult:
    loaded = cassette.read(path, config.serializer)
    if isinstance(loaded, CassetteError):
        return unread(loaded)
    summaries = []
    checked = 0
    for interaction in loaded.interactions:
        changes = checker.check(interaction)
        if changes is None:
            summaries.append(interaction_summary(interaction))
            continue
        checked += 1
        drifted = any(c.severity is not Severity.VOLATILE for c in changes)
        status = Status.DRIFTED if drifted else Status.ALIGNED
        summaries.append(interaction_summary(interaction, status=status, changes=changes))
    status = _status(summaries, checked)
    note = None if checked else "no interaction with a host (and base path) that a document was given for"
    return CassetteResult(
        path=path,
        status=status,
        serializer=loaded.serializer,
        size=len(loaded.text.encode("utf-8")),
        interactions=tuple(summaries),
        note=note,
    )


def with_spec(result: CassetteResult, config: Config, checker: SpecChecker) -> CassetteResult:
    """`check --spec`: the spec's findings added to what lint, age and a refresh found."""
    if result.status in (Status.ERROR, Status.SKIPPED):
        return result
    spec = result_for(result.path, config, checker)
    by_index = {i.index: i for i in spec.interactions if i.status is not None}
    merged = [_merge(i, by_index.get(i.index)) for i in result.interactions] or list(spec.interactions)
    known = {i.index for i in merged}
    merged += [i for i in spec.interactions if i.index not in known]
    status = result.status
    if spec.status is Status.DRIFTED and status in (Status.OK, Status.ALIGNED):
        status = Status.DRIFTED
    return replace(result, status=status, interactions=tuple(sorted(merged, key=lambda i: i.index)))


def _merge(mine: InteractionSummary, spec: InteractionSummary | None) -> InteractionSummary:
    if spec is None or not spec.changes:
        return mine
    status = mine.status if mine.status in (Status.ERROR, Status.SKIPPED) else spec.status
    if mine.status is Status.DRIFTED:
        status = Status.DRIFTED
    return replace(mine, status=status, changes=mine.changes + spec.changes)


def _status(summaries: list[InteractionSummary], checked: int) -> Status:
    if not checked:
        return Status.OK
    return Status.DRIFTED if any(s.status is Status.DRIFTED for s in summaries) else Status.ALIGNED
