"""Turn pairs of cassettes (two files, two folders, a scratch run, a git range) into a Report.

`diff.py` says what changed between two cassettes; this module finds the pairs and
writes the results in the shared report model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool import cassette, diff
from cassettes_tool.cassette import Cassette
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError
from cassettes_tool.inventory import check_serializer, interaction_summary, read, unread
from cassettes_tool.report import CassetteResult, Report, Status


@dataclass(frozen=True, slots=True)
class Pair:
    """One cassette to compare: the path a user knows it by, and the two sides (or why not)."""

    path: Path
    old: Cassette | CassetteError | None
    new: Cassette | CassetteError | None
    #: said when a side is missing: "not refreshed", "not in NEW"...
    missing_reason: str | None = None


def compare_pair(pair: Pair, rules: diff.DiffRules) -> CassetteResult:
    if pair.old is None or pair.new is None:
        return CassetteResult(
            path=pair.path, status=Status.SKIPPED, error=pair.missing_reason or "no counterpart"
        )
    for side in (pair.old, pair.new):
        if isinstance(side, CassetteError):
            failed = unread(side)
            return CassetteResult(path=pair.path, status=failed.status, error=f"{side.path}: {failed.error}")
    assert isinstance(pair.old, Cassette) and isinstance(pair.new, Cassette)
    return result_of(pair.path, pair.old, pair.new, rules)


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
