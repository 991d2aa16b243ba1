"""Cassette ages from one streamed pass over `git log`, whatever the number of files.

An interaction's age is the time since its answer was recorded: the newest change in
its file's history that recorded it anew (`git/lineage.py`), or, where git cannot
tell, the answer's own `Date` header. A cassette is as old as its oldest interaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.cassette.recording import looks_like_a_cassette
from cassettes_tool.git.blobs import blob_reader
from cassettes_tool.git.lineage import Walker, dates_of, fresh, unknown, witnessed
from cassettes_tool.git.log import Lineage, LogPass, LogReader, Step, log_pass
from cassettes_tool.git.runner import (
    GitFailed,
    Place,
    Repo,
    open_repo,
    places,
    repo_names,
    run,
)
from cassettes_tool.model.age import Age, AgeSource, utc_now
from cassettes_tool.words import plural

#: Above this many folders, ls-files lists the whole repository instead.
_MAX_PATHSPECS = 200

#: how many files a round of the log reaches before they are told (git walks on meanwhile)
_ROUND = 100

#: the blob name status gives a file that is not in HEAD
_NO_BLOB = b"0" * 40


@dataclass(frozen=True, slots=True)
class FileAges:
    """Each cassette's age and its interactions' (in file order), and what a user should hear
    once (shallow clone, no git)."""

    ages: Mapping[Path, Age]
    interactions: Mapping[Path, tuple[Age, ...]]
    notes: tuple[tuple[Path, str], ...] = ()


def unknown_age(source: AgeSource = AgeSource.NO_GIT) -> Age:
    return unknown(source)


def fresh_age(source: AgeSource) -> Age:
    """Content git has not recorded yet: being recorded now, so 0 days."""
    return fresh(source)


def oldest(ages: tuple[Age, ...] | None, otherwise: Age) -> Age:
    """A cassette's age: its oldest interaction's; unknown when one of them is unknown."""
    if not ages:
        return otherwise
    unknown_one = next((a for a in ages if a.days is None), None)
    if unknown_one is not None:
        return unknown_one
    return max(ages, key=lambda a: a.days or 0.0)


def file_ages(
    paths: Sequence[Path],
    *,
    now: datetime | None = None,
    custom: CustomSerializer | None = None,
    started: Mapping[Path, LogPass] | None = None,
) -> FileAges:
    """The age of every cassette and of its interactions, from one `git log` pass per repository.

    Per repository: one `rev-parse`, one `ls-files` (tracked or not: ignored files count
    as untracked), one `status` (differs from HEAD or not), one `log --raw` read newest to
    oldest until every file is dated, and `cat-file --batch` for the versions compared.
    Without git (not installed, outside a repository, untracked) the answers' `Date`
    headers are the witness. `started`: walks begun by `log.history_started`, by repository.
    Only cassettes are aged: a file that fails the content test `scan` uses (a fixture, a
    workflow file) is left out of the result.
    """
    now = now or utc_now()
    told: dict[Path, tuple[Age, ...] | None] = {}
    fallback: dict[Path, Age] = {}
    notes: list[tuple[Path, str]] = []
    found = places(paths)
    groups: dict[Path, dict[Path, Place]] = {}
    outside: list[Path] = []
    for path, place in found.items():
        if place.root is None:
            outside.append(path)
        else:
            groups.setdefault(place.root, {})[path] = place
    without_git: list[Path] = []
    for candidate, members in groups.items():
        if without_git:
            without_git.extend(members)
            continue
        running = (started or {}).get(candidate)
        try:
            repo = running.repo if running is not None else open_repo(candidate)
            told.update(_repo_ages(repo, members, now, notes, custom, fallback, running))
        except FileNotFoundError:
            without_git.extend(members)
        except GitFailed as exc:
            told.update(_without_history(members, now, custom))
            notes.append(
                (candidate, f"git: {exc}: ages come from the answers' Date headers, where they have one")
            )
    for unplaced, why in (
        (without_git, "git is not installed (or not on PATH)"),
        (outside, "not in a git repository"),
    ):
        dated = _without_history(unplaced, now, custom)
        told.update(dated)
        unplaced = list(dated)
        if unplaced:
            where = Path(os.path.commonpath([found[p].folder for p in unplaced]))
            count = "1 cassette" if len(unplaced) == 1 else f"{len(unplaced)} cassettes"
            notes.append(
                (where, f"{why}: ages of {count} come from their answers' Date headers, where they have one")
            )
    return FileAges(
        ages={path: oldest(told[path], fallback.get(path, unknown_age())) for path in paths if path in told},
        interactions={path: ages for path in paths if (ages := told.get(path)) is not None},
        notes=tuple(notes),
    )


def _pathspecs(names: Iterable[bytes]) -> list[str]:
    """The fewest folders covering the files, so ls-files lists only there."""
    kept: set[bytes] = set()
    for folder in sorted({name.rpartition(b"/")[0] for name in names}, key=len):
        if not folder:
            return []
        parts = folder.split(b"/")
        if not any(b"/".join(parts[:i]) in kept for i in range(1, len(parts))):
            kept.add(folder)
    if len(kept) > _MAX_PATHSPECS:
        return []
    return sorted(os.fsdecode(folder) for folder in kept)


def _repo_ages(
    repo: Repo,
    members: Mapping[Path, Place],
    now: datetime,
    notes: list[tuple[Path, str]],
    custom: CustomSerializer | None,
    fallback: dict[Path, Age],
    running: LogPass | None = None,
) -> dict[Path, tuple[Age, ...] | None]:
    """Interaction ages of one repository's files; git walks history while we ask ls-files and
    status. `fallback` gets the age of a file whose interactions cannot be dated one by one."""
    with log_pass(repo, running) as log, blob_reader(repo) as blobs:
        contents = {path: _read(path) for path in members}
        members = {p: place for p, place in members.items() if _is_cassette(contents[p], custom)}
        names = repo_names(repo, members)
        specs = ["--", *_pathspecs(names)]
        tracked = set(run(["ls-files", "-z", *specs], repo.root).split(b"\0"))
        # the whole index, not the cassette folders: a staged move's source may lie outside them
        status = run(["status", "--porcelain=v2", "-z", "--untracked-files=no"], repo.root)
        changed, renamed_from = _status(status)

        result: dict[Path, tuple[Age, ...] | None] = {}
        want: dict[bytes, bytes] = {}
        working: dict[Path, bytes] = {}
        for name, paths in names.items():
            if name not in tracked or not repo.has_head or changed.get(name) == _NO_BLOB:
                source = AgeSource.UNTRACKED if name not in tracked else AgeSource.UNCOMMITTED
                for path in paths:
                    fallback[path] = unknown_age(source)
                    result[path] = _witnessed(path, contents[path], now, fallback[path], custom)
                continue
            want[renamed_from.get(name, name)] = name
            for path in paths:
                working[path] = contents[path] or b""
        lineages = log.follow(want, prefetch=blobs.ask)
        uncommitted = changed.keys() & lineages.keys()
        for name in uncommitted:
            # the working tree's change comes first: it may re-record, or only mask
            lineages[name].steps.append(Step(None, changed[name]))
        blobs.ask(changed[name] for name in uncommitted)
        walker = Walker(repo, blobs.get, now, custom)
        result.update(_tell(repo, log, walker, lineages, names, working, now, custom, fallback))
    if walker.missing:
        notes.append((repo.root, _missing_note(len(walker.missing), len(walker.gapped))))
    at_edge = sum(1 for ages in result.values() if ages and any(a.source is AgeSource.SHALLOW for a in ages))
    if at_edge:
        notes.append((repo.root, _shallow_note(at_edge)))
    return result


def _tell(
    repo: Repo,
    log: LogReader,
    walker: Walker,
    lineages: Mapping[bytes, Lineage],
    names: Mapping[bytes, list[Path]],
    working: Mapping[Path, bytes],
    now: datetime,
    custom: CustomSerializer | None,
    fallback: dict[Path, Age],
) -> dict[Path, tuple[Age, ...] | None]:
    """Date the files as history is read, a round at a time: the files a round of the log
    reached are told while git walks on, so that little is left to do when it ends."""
    by_path = {path: lineages[name] for name in lineages for path in names[name]}
    result: dict[Path, tuple[Age, ...] | None] = {}
    pending = set(lineages)
    while pending:
        reached = log.read(pending, enough=_ROUND)
        telling = pending if log.finished or not reached else reached
        told = walker.tell({p: by_path[p] for n in telling for p in names[n]}, working)
        for path, answer in told.items():
            steps = by_path[path].steps
            if steps and not answer.ages:
                # no interaction to date (none, or unreadable): the file's last change tells
                commit = steps[0].commit
                fallback[path] = fresh_age(AgeSource.UNCOMMITTED) if commit is None else commit.age(repo, now)
            if not answer.needs_more or log.finished:
                result[path] = (
                    answer.ages
                    if answer.ages is not None
                    else _unplaced(repo, path, working[path], now, custom)
                )
        pending -= {n for n in telling if all(p in result for p in names[n])}
    return result


def _unplaced(
    repo: Repo, path: Path, data: bytes, now: datetime, custom: CustomSerializer | None
) -> tuple[Age, ...] | None:
    """A tracked file whose recording history cannot show (grafted or shallow): its `Date`s, if any."""
    return _witnessed(
        path, data, now, unknown_age(AgeSource.SHALLOW if repo.shallow else AgeSource.GIT), custom
    )


def _without_history(
    paths: Iterable[Path],
    now: datetime,
    custom: CustomSerializer | None,
) -> dict[Path, tuple[Age, ...] | None]:
    """Cassettes git cannot date at all (no git, no repository): their answers' `Date`s."""
    told: dict[Path, tuple[Age, ...] | None] = {}
    for path in paths:
        data = _read(path)
        if _is_cassette(data, custom):
            told[path] = _witnessed(path, data, now, unknown_age(), custom)
    return told


def _witnessed(
    path: Path, data: bytes | None, now: datetime, otherwise: Age, custom: CustomSerializer | None
) -> tuple[Age, ...] | None:
    """Where git cannot tell, each answer's own `Date` header; None when the file cannot be read."""
    dates = dates_of(data, path, custom) if data else None
    if dates is None:
        return None
    return tuple(witnessed(date, now, otherwise) for date in dates)


def _is_cassette(data: bytes | None, custom: CustomSerializer | None) -> bool:
    """The content test; an unreadable file stays, so that the reader reports why."""
    return data is None or custom is not None or looks_like_a_cassette(data)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _missing_note(versions: int, cassettes: int) -> str:
    return (
        f"{plural(versions, 'earlier version')} of {plural(cassettes, 'cassette')} "
        f"{'is' if versions == 1 else 'are'} missing from the repository (a partial or damaged "
        "clone): those cassettes are dated by the versions git still has and their answers' "
        "`Date`, which can make them look older than they are, never younger"
    )


def _shallow_note(count: int) -> str:
    which = "1 cassette was" if count == 1 else f"{count} cassettes were"
    return (
        f"shallow clone: {which} last changed at the clone's edge and may be older; fetch the "
        "full history (`git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout)"
    )


def _status(output: bytes) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
    """Paths that differ from HEAD (-> their blob in HEAD, zeros when new), and staged renames
    (new name -> name in HEAD).

    Porcelain v2 gives a rename's similarity, so a `git mv` not yet committed keeps the age.
    """
    changed: dict[bytes, bytes] = {}
    renamed_from: dict[bytes, bytes] = {}
    tokens = iter(output.split(b"\0"))
    for token in tokens:
        kind = token[:1]
        if kind == b"1":
            fields = token.split(b" ", 8)
            changed[fields[8]] = fields[6]
        elif kind == b"2":
            fields = token.split(b" ", 9)
            old = next(tokens, b"")
            renamed_from[fields[9]] = old
            if not (fields[1] == b"R." and fields[8] == b"R100"):
                changed[fields[9]] = fields[6]
        elif kind == b"u":
            changed[token.split(b" ", 10)[10]] = _NO_BLOB
    return changed, renamed_from
