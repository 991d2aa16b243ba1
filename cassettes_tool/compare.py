"""Turn pairs of cassettes (two files, two folders, a scratch run, a git range) into a Report.

`diff.py` says what changed between two cassettes; this module finds the pairs and
writes the results in the shared report model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cassettes_tool import cassette, diff
from cassettes_tool.cassette import Cassette
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError
from cassettes_tool.inventory import check_serializer, interaction_summary, read, unread
from cassettes_tool.report import CassetteResult, Report, RunInfo, Status

if TYPE_CHECKING:
    from cassettes_tool.record import RunManifest


@dataclass(frozen=True, slots=True)
class Pair:
    """One cassette to compare: the path a user knows it by, and the two sides (or why not)."""

    path: Path
    old: Cassette | CassetteError | None
    new: Cassette | CassetteError | None
    #: said when a side is missing: "not refreshed", "not in NEW"...
    missing_reason: str | None = None
    missing_status: Status = Status.SKIPPED
    #: what a refresh did with each interaction (by index): skipped or failed ones say why
    outcomes: Mapping[int, tuple[Status, str | None, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )


def compare_pair(pair: Pair, rules: diff.DiffRules) -> CassetteResult:
    if pair.old is None or pair.new is None:
        return CassetteResult(
            path=pair.path, status=pair.missing_status, error=pair.missing_reason or "no counterpart"
        )
    for side in (pair.old, pair.new):
        if isinstance(side, CassetteError):
            failed = unread(side)
            return CassetteResult(path=pair.path, status=failed.status, error=f"{side.path}: {failed.error}")
    assert isinstance(pair.old, Cassette) and isinstance(pair.new, Cassette)
    result = result_of(pair.path, pair.old, pair.new, rules)
    if not pair.outcomes:
        return result
    interactions = []
    for item in result.interactions:
        status, reason, masked = pair.outcomes.get(item.index, (None, None, ()))
        if status in (Status.SKIPPED, Status.ERROR):
            item = replace(item, status=status, reason=reason)
        interactions.append(replace(item, masked=masked) if masked else item)
    return replace(result, interactions=tuple(interactions))


def result_of(path: Path, old: Cassette, new: Cassette, rules: diff.DiffRules) -> CassetteResult:
    compared = diff.diff(old, new, rules)
    interactions = []
    for item in compared.interactions:
        # the report speaks of the cassette the user has, where the interaction is in it
        if item.old_index is not None:
            source = old.interactions[item.old_index]
        else:
            source = new.interactions[item.new_index or 0]
        status = Status.DRIFTED if item.drifted else Status.ALIGNED
        interactions.append(interaction_summary(source, status=status, changes=item.changes))
    return CassetteResult(
        path=path,
        status=Status.DRIFTED if compared.drifted else Status.ALIGNED,
        serializer=old.serializer,
        size=len(old.text.encode("utf-8")),
        interactions=tuple(interactions),
    )


def report_of(
    pairs: Iterable[Pair],
    config: Config,
    *,
    command: str = "diff",
    target: str | None = None,
    fail_on: diff.Severity = diff.Severity.BREAKING,
    show_volatile: bool = False,
    notes: tuple[tuple[Path, str], ...] = (),
    run: RunInfo | None = None,
) -> Report:
    rules = diff.DiffRules.from_config(config)
    results = tuple(compare_pair(p, rules) for p in pairs)
    return Report(
        command=command,
        cassettes=results,
        notes=notes,
        target=target,
        fail_on=fail_on,
        show_volatile=show_volatile,
        run=run,
    )


def pairs_of_paths(old: Path, new: Path, config: Config) -> tuple[list[Pair], tuple[tuple[Path, str], ...]]:
    """Two files, or two folders whose cassettes pair by relative path."""
    check_serializer(config)
    if old.is_file() and new.is_file():
        return [Pair(old, read(old, config.serializer), read(new, config.serializer))], ()
    if old.is_dir() and new.is_dir():
        before, after = cassette.discover([old]), cassette.discover([new])
        old_files = {p.relative_to(old): p for p in before.files}
        new_files = {p.relative_to(new): p for p in after.files}
        pairs = []
        for relative in sorted(old_files.keys() | new_files.keys()):
            o, n = old_files.get(relative), new_files.get(relative)
            pairs.append(
                Pair(
                    o or (new / relative),
                    read(o, config.serializer) if o else None,
                    read(n, config.serializer) if n else None,
                    missing_reason=f"not in {new}" if n is None else f"not in {old}",
                )
            )
        return pairs, before.notes + after.notes
    raise CassetteError(new, "OLD and NEW must both be files or both be folders")


def pairs_of_run(manifest: RunManifest, config: Config) -> list[Pair]:
    """Each original against its copy in a scratch run, with what the run did to each."""
    check_serializer(config)
    outcome_status = {"refreshed": Status.OK, "skipped": Status.SKIPPED, "error": Status.ERROR}
    pairs = []
    for run in manifest.cassettes:
        original = manifest.original(run)
        copy = manifest.copy(run)
        if copy is None:
            status = Status.ERROR if run.outcome.value == "error" else Status.SKIPPED
            reason = f"not refreshed: {run.reason}" if run.reason else "not refreshed"
            why = list(
                dict.fromkeys(i.reason for i in run.interactions if i.outcome.value == "error" and i.reason)
            )
            if why:
                reason += f" ({'; '.join(why[:2])}{'; ...' if len(why) > 2 else ''})"
            pairs.append(Pair(original, None, None, missing_reason=reason, missing_status=status))
            continue
        outcomes = {
            i.index: (
                outcome_status[i.outcome.value],
                i.reason,
                tuple((m.where, m.kind) for m in run.masked if m.interaction == i.index),
            )
            for i in run.interactions
        }
        pairs.append(
            Pair(
                original, read(original, config.serializer), read(copy, config.serializer), outcomes=outcomes
            )
        )
    return pairs
