"""From a report to the run it adds to the history, and from the history back to the report:
how long each change has been drifting, and each cassette's timeline. Pure: no I/O."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from cassettes_tool.model.age import days_between
from cassettes_tool.model.change import Change, Severity
from cassettes_tool.model.history import CassetteSeen, HistoryRun
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Report, Status
from cassettes_tool.words import display_path

#: runs drawn per cassette in the html timeline
TIMELINE_RUNS = 12


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def interaction_ids(interactions: Sequence[InteractionSummary]) -> Iterator[tuple[InteractionSummary, str]]:
    """Each interaction's identity: its request and which repeat of that request it is, so that
    an interaction recorded before it or a renumbering does not change it."""
    seen: Counter[tuple[str, str]] = Counter()
    for interaction in interactions:
        request = (interaction.method.upper(), interaction.uri)
        yield interaction, _digest(f"{request[0]} {request[1]} #{seen[request]}")
        seen[request] += 1


def change_id(change: Change) -> str:
    """The same drift whatever its values or wording: where, what kind, at which path."""
    return _digest(f"{change.where.value}|{change.kind.value}|{change.path or ''}|{change.operation or ''}")


def _drift(change: Change) -> bool:
    return change.severity is not Severity.VOLATILE


def path_key(result: CassetteResult) -> str:
    return display_path(result.path).replace("\\", "/")


def seen_of(result: CassetteResult) -> CassetteSeen | None:
    """What this run can say about the cassette; None when it was not compared at all."""
    if result.status is Status.ERROR or result.unchecked:
        return CassetteSeen(path_key(result), error=True)
    if result.status not in (Status.ALIGNED, Status.DRIFTED, Status.STALE):
        return None
    drift: list[tuple[str, tuple[str, ...]]] = []
    unchecked: list[str] = []
    for interaction, ident in interaction_ids(result.interactions):
        if interaction.status in (Status.ERROR, Status.SKIPPED):
            unchecked.append(ident)
            continue
        changes = tuple(dict.fromkeys(change_id(c) for c in interaction.changes if _drift(c)))
        if changes:
            drift.append((ident, changes))
    return CassetteSeen(path_key(result), tuple(drift), tuple(unchecked))


def run_of(report: Report, at: datetime) -> HistoryRun:
    """The line this run adds: every cassette it compared, with the drift it saw."""
    seen = [s for r in report.cassettes if (s := seen_of(r)) is not None]
    shard = f"{report.shard.index}/{report.shard.count}" if report.shard else None
    return HistoryRun(at=at, cassettes=tuple(seen), target=report.target, shard=shard)


def annotate(report: Report, runs: Sequence[HistoryRun], now: datetime) -> Report:
    """Every drift change with the first run of its unbroken streak, and every compared
    cassette with its timeline. A run that did not check a cassette or interaction neither
    breaks a streak nor extends it; one that checked and did not see the change ends it."""
    ordered = sorted(runs, key=lambda r: r.at, reverse=True)
    index: dict[str, list[tuple[datetime, CassetteSeen]]] = {}
    for run in ordered:
        for seen in run.cassettes:
            index.setdefault(seen.path, []).append((run.at, seen))
    results = tuple(_annotated(r, index.get(path_key(r), []), now) for r in report.cassettes)
    return replace(report, cassettes=results)


def _annotated(
    result: CassetteResult, past: list[tuple[datetime, CassetteSeen]], now: datetime
) -> CassetteResult:
    """`past`: the runs that listed this cassette, newest first."""
    if not past:
        return result
    interactions = []
    for interaction, ident in interaction_ids(result.interactions):
        changes = tuple(
            _since(change, ident, past, now) if _drift(change) else change for change in interaction.changes
        )
        interactions.append(replace(interaction, changes=changes))
    timeline = tuple((at, seen.mark.value) for at, seen in reversed(past[:TIMELINE_RUNS]))
    return replace(result, interactions=tuple(interactions), timeline=timeline)


def _since(
    change: Change, interaction: str, past: list[tuple[datetime, CassetteSeen]], now: datetime
) -> Change:
    ident = change_id(change)
    since: datetime | None = None
    for at, seen in past:
        saw = seen.saw(interaction, ident)
        if saw is None:
            continue
        if not saw:
            break
        since = at
    if since is None:  # not in the history (the run was not recorded): it starts now
        since = now
    return replace(change, drifting_since=since, drifting_days=round(days_between(since, now), 1))
