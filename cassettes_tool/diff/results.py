"""The diff of each pair of cassettes as the report's results: per interaction, what changed and what a run did."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Protocol

from cassettes_tool.cassette import (
    interaction_summary,
    unread,
)
from cassettes_tool.cassette.parallel import imap_items
from cassettes_tool.cassette.read import collector_paused
from cassettes_tool.config import Config
from cassettes_tool.diff import DiffRules, diff
from cassettes_tool.errors import CassetteError
from cassettes_tool.model import Severity
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.result import CassetteResult, Report, RunInfo, Status


@dataclass(frozen=True, slots=True)
class Pair:
    """One cassette to compare: the path a user knows it by, and the two sides (or why not)."""

    path: Path
    old: Cassette | CassetteError | None
    new: Cassette | CassetteError | None
    #: said when a side is missing: "not refreshed", "not in NEW"...
    missing_reason: str | None = None
    missing_status: Status = Status.SKIPPED
    #: what the run said of the cassette as a whole (a test that failed while recording it)
    note: str | None = None
    #: what a refresh did with each interaction (by index in the copy): skipped or failed ones say why
    outcomes: Mapping[int, tuple[Status, str | None, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )


def compare_pair(pair: Pair, rules: DiffRules) -> CassetteResult:
    if pair.old is None or pair.new is None:
        return CassetteResult(
            path=pair.path, status=pair.missing_status, error=pair.missing_reason or "no counterpart"
        )
    for side in (pair.old, pair.new):
        if isinstance(side, CassetteError):
            failed = unread(side)
            return CassetteResult(path=pair.path, status=failed.status, error=f"{side.path}: {failed.error}")
    assert isinstance(pair.old, Cassette) and isinstance(pair.new, Cassette)
    result = result_of(pair.path, pair.old, pair.new, rules, pair.outcomes)
    return replace(result, note=pair.note) if pair.note else result


def result_of(
    path: Path,
    old: Cassette,
    new: Cassette,
    rules: DiffRules,
    outcomes: Mapping[int, tuple[Status, str | None, tuple[tuple[str, str], ...]]] | None = None,
) -> CassetteResult:
    """The diff as a result; `outcomes` (by index in the NEW cassette: a refresh's copy, whose
    interactions a test suite may have made in another order) say what the run did to each."""
    compared = diff(old, new, rules)
    interactions = []
    for item in compared.interactions:
        # the report speaks of the cassette the user has, where the interaction is in it
        if item.old_index is not None:
            source = old.interactions[item.old_index]
        else:
            source = new.interactions[item.new_index or 0]
        summary = interaction_summary(
            source, status=Status.DRIFTED if item.drifted else Status.ALIGNED, changes=item.changes
        )
        if outcomes and item.new_index is not None:
            status, reason, masked = outcomes.get(item.new_index, (None, None, ()))
            if status in (Status.SKIPPED, Status.ERROR):
                summary = replace(summary, status=status, reason=reason)
            if masked:
                summary = replace(summary, masked=masked)
        interactions.append(summary)
    return CassetteResult(
        path=path,
        status=Status.DRIFTED if compared.drifted else Status.ALIGNED,
        serializer=old.serializer,
        size=len(old.text.encode("utf-8")),
        interactions=tuple(interactions),
    )


class Unread(Protocol):
    """A pair not yet read (picklable): read where it is compared, in a worker process."""

    def files(self) -> tuple[Path, ...]: ...

    def read(self) -> Pair: ...


def compare_each(pairs: Iterable[Pair] | Sequence[Unread], rules: DiffRules) -> tuple[CassetteResult, ...]:
    """Each pair compared and let go before the next is read, and the results keep only
    what the report shows (summaries and changes, never the cassettes). Unread pairs (a
    folder, a scratch run: files on disk) are read and compared on all cores, one pair at a
    time in each worker; read pairs (a git range's blobs, given lazily) in this process, one
    pair at a time."""
    if isinstance(pairs, Sequence) and not all(isinstance(pair, Pair) for pair in pairs):
        files = (path for pair in pairs if not isinstance(pair, Pair) for path in pair.files())
        return tuple(imap_items(partial(_read_and_compare, rules=rules), pairs, files))
    results = []
    for pair in pairs:
        results.append(_read_and_compare(pair, rules))
        del pair  # before the next pair is read, not after
    return tuple(results)


def _read_and_compare(pair: Pair | Unread, rules: DiffRules) -> CassetteResult:
    # the diff keeps what it allocates until the pair is let go and makes no cycles:
    # each collection would only walk both cassettes again
    with collector_paused():
        read = pair if isinstance(pair, Pair) else pair.read()
        result = compare_pair(read, rules)
        del read  # freed before the collector runs again: else its first pass walks the pair
    return result


def report_of(
    pairs: Iterable[Pair] | Sequence[Unread],
    config: Config,
    *,
    command: str = "diff",
    target: str | None = None,
    fail_on: Severity = Severity.BREAKING,
    show_volatile: bool = False,
    notes: tuple[tuple[Path, str], ...] = (),
    run: RunInfo | None = None,
) -> Report:
    rules = DiffRules.from_config(config)
    return Report(
        command=command,
        cassettes=compare_each(pairs, rules),
        notes=notes,
        target=target,
        fail_on=fail_on,
        show_volatile=show_volatile,
        run=run,
    )
