"""Cassette ages from one streamed pass over `git log`, whatever the number of files."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from cassettes_tool.git.runner import (
    GitFailed,
    Place,
    Repo,
    clean_env,
    first_line,
    open_repo,
    places,
    repo_names,
    run,
)
from cassettes_tool.model.age import Age, AgeSource, days_between, utc_now

#: Above this many folders, ls-files lists the whole repository instead.
_MAX_PATHSPECS = 200


_HEADER = b"\x1e"


_LOG_FORMAT = "--format=%x1e%H%x00%at%x00%aN%x00%s"


@dataclass(frozen=True, slots=True)
class FileAges:
    """The age of every file asked about, and what a user should hear once (shallow clone, no git)."""

    ages: Mapping[Path, Age]
    notes: tuple[tuple[Path, str], ...] = ()


def unknown_age(source: AgeSource = AgeSource.NO_GIT) -> Age:
    return Age(None, None, None, None, None, source)


def fresh_age(source: AgeSource) -> Age:
    """Content git has not recorded yet: being recorded now, so 0 days."""
    return Age(0.0, None, None, None, None, source)


def file_ages(paths: Sequence[Path], *, now: datetime | None = None) -> FileAges:
    """The age of every file, from one `git log` pass per repository (never a process per file).

    Per repository: one `rev-parse`, one `ls-files` (tracked or not: ignored files count
    as untracked), one `status` (differs from HEAD or not), and one `log` read newest to
    oldest until every file is placed. A pure rename keeps the age of the content. In a
    shallow clone only files last changed by an edge commit are `shallow` (their age is a
    lower bound); changes inside the clone are exact.
    """
    now = now or utc_now()
    ages: dict[Path, Age] = {}
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
        try:
            repo = open_repo(candidate)
            ages.update(_repo_ages(repo, members, now, notes))
        except FileNotFoundError:
            without_git.extend(members)
        except GitFailed as exc:
            ages.update(dict.fromkeys(members, unknown_age()))
            notes.append((candidate, f"git: {exc}: ages are unknown"))
    for unplaced, why in (
        (without_git, "git is not installed (or not on PATH)"),
        (outside, "not in a git repository"),
    ):
        if unplaced:
            ages.update(dict.fromkeys(unplaced, unknown_age()))
            where = Path(os.path.commonpath([found[p].folder for p in unplaced]))
            count = "1 cassette" if len(unplaced) == 1 else f"{len(unplaced)} cassettes"
            notes.append((where, f"{why}: ages of {count} are unknown"))
    return FileAges(ages={path: ages[path] for path in paths}, notes=tuple(notes))


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
    repo: Repo, members: Mapping[Path, Place], now: datetime, notes: list[tuple[Path, str]]
) -> dict[Path, Age]:
    """Ages of one repository's files; git walks history while we ask ls-files and status."""
    with _log_pass(repo) as log:
        names = repo_names(repo, members)
        specs = ["--", *_pathspecs(names)]
        tracked = set(run(["ls-files", "-z", *specs], repo.root).split(b"\0"))
        # the whole index, not the cassette folders: a staged move's source may lie outside them
        status = run(["status", "--porcelain=v2", "-z", "--untracked-files=no"], repo.root)
        changed, renamed_from = _status(status)

        fixed: dict[bytes, Age] = {}
        want: dict[bytes, bytes] = {}
        for name in names:
            if name not in tracked:
                fixed[name] = fresh_age(AgeSource.UNTRACKED)
            elif name in changed or not repo.has_head:
                fixed[name] = fresh_age(AgeSource.UNCOMMITTED)
            else:
                want[renamed_from.get(name, name)] = name
        found = log.last_changes(want)
    for name, commit in found.items():
        fixed[name] = commit.age(repo, now)
    for name in set(want.values()) - found.keys():
        # only in grafted or shallow histories does a tracked file have no commit of its own
        fixed[name] = unknown_age(AgeSource.SHALLOW if repo.shallow else AgeSource.GIT)
    at_edge = sum(1 for name in want.values() if fixed[name].source is AgeSource.SHALLOW)
    if at_edge:
        notes.append((repo.root, _shallow_note(at_edge)))
    return {path: fixed[name] for name, paths in names.items() for path in paths}


def _shallow_note(count: int) -> str:
    which = "1 cassette was" if count == 1 else f"{count} cassettes were"
    return (
        f"shallow clone: {which} last changed at the clone's edge and may be older; fetch the "
        "full history (`git fetch --unshallow`, or `fetch-depth: 0` for actions/checkout)"
    )


def _status(output: bytes) -> tuple[set[bytes], dict[bytes, bytes]]:
    """Paths that differ from HEAD, and staged pure renames (new name -> name in HEAD).

    Porcelain v2 gives a rename's similarity, so a `git mv` not yet committed keeps the age.
    """
    changed: set[bytes] = set()
    renamed_from: dict[bytes, bytes] = {}
    tokens = iter(output.split(b"\0"))
    for token in tokens:
        kind = token[:1]
        if kind == b"1":
            changed.add(token.split(b" ", 8)[8])
        elif kind == b"2":
            fields = token.split(b" ", 9)
            old = next(tokens, b"")
            if fields[1] == b"R." and fields[8] == b"R100":
                renamed_from[fields[9]] = old
            else:
                changed.add(fields[9])
        elif kind == b"u":
            changed.add(token.split(b" ", 10)[10])
    return changed, renamed_from


@dataclass(frozen=True, slots=True)
class _Commit:
    sha: bytes
    author_time: bytes
    author: bytes
    subject: bytes

    def age(self, repo: Repo, now: datetime) -> Age:
        recorded = datetime.fromtimestamp(int(self.author_time), tz=timezone.utc)
        return Age(
            days=days_between(recorded, now),
            last_recorded=recorded,
            commit=repo.short(self.sha),
            subject=self.subject.decode("utf-8", "replace"),
            author=self.author.decode("utf-8", "replace"),
            source=repo.source(self.sha),
        )


class _LogReader:
    """The output of a running `git log`, drained by a thread so that git never waits on us."""

    def __init__(self, stdout: IO[bytes] | None):
        self.placed_all = False
        self._chunks: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._drain, args=(stdout,), daemon=True)
        self._thread.start()

    def _drain(self, stdout: IO[bytes] | None) -> None:
        # whole 64 KiB reads: git writes a few hundred bytes at a time, and each hand-over costs
        if stdout is not None:
            while chunk := stdout.read(1 << 16):
                self._chunks.put(chunk)
        self._chunks.put(b"")

    def join(self) -> None:
        self._thread.join()

    def _tokens(self) -> Iterator[bytes]:
        """NUL-separated fields, as git writes them."""
        rest = b""
        while chunk := self._chunks.get():
            parts = (rest + chunk).split(b"\0")
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest

    def last_changes(self, want: dict[bytes, bytes]) -> dict[bytes, _Commit]:
        """The commit that last changed each wanted file (`want`: name in history -> current name)."""
        found: dict[bytes, _Commit] = {}
        self.placed_all = not want or _scan_log(self._tokens(), dict(want), found)
        return found


@contextlib.contextmanager
def _log_pass(repo: Repo) -> Iterator[_LogReader]:
    """Start `git log` of HEAD, newest first, at once: git walks history on its own core while
    we work out which files to look for. Git is stopped as soon as every file is placed."""
    if not repo.has_head:
        yield _LogReader(None)
        return
    command = ["git", "log", "-z", "--name-status", "-M", "--root", "--no-show-signature"]
    command += [_LOG_FORMAT, "HEAD", "--"]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            command, cwd=repo.root, env=clean_env(), stdout=subprocess.PIPE, stderr=errors
        )
        reader = _LogReader(proc.stdout)
        stopped = True
        try:
            yield reader
            stopped = reader.placed_all
        finally:
            if stopped:
                proc.kill()
            reader.join()
            if proc.stdout is not None:
                proc.stdout.close()
            returncode = proc.wait()
        if returncode != 0 and not stopped:
            errors.seek(0)
            raise GitFailed(first_line(errors.read()) or f"git log exited with {returncode}")


def _scan_log(tokens: Iterator[bytes], want: dict[bytes, bytes], found: dict[bytes, _Commit]) -> bool:
    """Place wanted files on the commits of `log -z --name-status`; True when all were placed early.

    Walking backwards, a pure rename (R100) into a wanted name makes its old name wanted
    from the next commit on; any other change (edit, add, rename with edits) is the
    file's last recording.
    """
    header: tuple[bytes, bytes, bytes, bytes] | None = None
    commit: _Commit | None = None
    pending: list[tuple[bytes, bytes]] = []
    for token in tokens:
        if token[:1] == _HEADER:
            want.update(pending)
            pending.clear()
            if not want:
                return True
            header = (token[1:], next(tokens, b"0"), next(tokens, b""), next(tokens, b""))
            commit = None
            continue
        status = token.lstrip(b"\n")
        if not status or header is None:
            continue
        path = next(tokens, b"")
        old = b""
        if status[:1] in (b"R", b"C"):
            path, old = next(tokens, b""), path
        key = want.pop(path, None)
        if key is None:
            continue
        if status == b"R100":
            pending.append((old, key))
        else:
            commit = commit or _Commit(*header)
            found[key] = commit
    return False
