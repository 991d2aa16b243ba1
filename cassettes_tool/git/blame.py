"""Interaction ages from `git blame` of each interaction's lines."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cassettes_tool.git.ages import FileAges, fresh_age
from cassettes_tool.git.runner import (
    HEX,
    UNCOMMITTED_SHA,
    GitFailed,
    Repo,
    open_repo,
    places,
    repo_names,
    run,
)
from cassettes_tool.model.age import Age, AgeSource, days_between, utc_now


@dataclass(frozen=True, slots=True)
class _BlameCommit:
    author_time: int
    author: str
    subject: str


@dataclass(frozen=True, slots=True)
class _Blame:
    """Which commit wrote each line of the working-tree file (1-based), and those commits."""

    lines: Mapping[int, bytes]
    commits: Mapping[bytes, _BlameCommit]

    @property
    def line_count(self) -> int:
        return max(self.lines, default=0)


def interaction_ages(
    cassettes: Mapping[Path, Sequence[int | None]],
    files: FileAges,
    *,
    now: datetime | None = None,
) -> dict[Path, tuple[Age | None, ...]]:
    """Each interaction's age: the newest line of its block, by one `git blame` per cassette.

    `cassettes` maps a file to its interactions' 1-based start lines; a block runs to the
    next start (the last one to the end of the file). A file git cannot blame (untracked,
    outside a repository, no commit yet) gives every interaction the file's own age; an
    interaction whose start line is unknown gets None.
    """
    now = now or utc_now()
    repos: dict[Path, Repo | None] = {}
    jobs: dict[Path, tuple[Repo, bytes]] = {}
    for path, place in places(cassettes).items():
        age = files.ages.get(path)
        if place.root is None or age is None or age.source in (AgeSource.NO_GIT, AgeSource.UNTRACKED):
            continue
        if place.root not in repos:
            try:
                repos[place.root] = open_repo(place.root)
            except (FileNotFoundError, GitFailed):
                repos[place.root] = None
        repo = repos[place.root]
        if repo is not None and repo.has_head:
            (name,) = repo_names(repo, {path: place})
            jobs[path] = (repo, name)
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        blames = dict(
            zip(jobs, pool.map(lambda job: _blame(job[0].root, job[1]), jobs.values()), strict=True)
        )

    result: dict[Path, tuple[Age | None, ...]] = {}
    for path, starts in cassettes.items():
        blame = blames.get(path)
        if blame is None:
            result[path] = tuple(files.ages.get(path) for _ in starts)
            continue
        repo = jobs[path][0]
        blocks = _blocks(starts, blame.line_count)
        result[path] = tuple(_block_age(blame, block, repo, now) for block in blocks)
    return result


def _blocks(starts: Sequence[int | None], line_count: int) -> Iterator[range | None]:
    """Each interaction's 1-based lines: from its start to the next start, the last to the end."""
    for index, start in enumerate(starts):
        if start is None:
            yield None
            continue
        following = next((s for s in starts[index + 1 :] if s is not None), line_count + 1)
        yield range(start, max(start + 1, following))


def _block_age(blame: _Blame, block: range | None, repo: Repo, now: datetime) -> Age | None:
    if block is None:
        return None
    shas = {blame.lines[line] for line in block if line in blame.lines}
    if not shas:
        return None
    if UNCOMMITTED_SHA in shas:
        return fresh_age(AgeSource.UNCOMMITTED)
    sha = max(shas, key=lambda s: blame.commits[s].author_time)
    info = blame.commits[sha]
    recorded = datetime.fromtimestamp(info.author_time, tz=timezone.utc)
    return Age(
        days=days_between(recorded, now),
        last_recorded=recorded,
        commit=repo.short(sha),
        subject=info.subject,
        author=info.author,
        source=repo.source(sha),
    )


def _blame(root: Path, name: bytes) -> _Blame | None:
    """`git blame --porcelain` of the working-tree file, or None when git cannot blame it.

    No textconv: a diff driver (such as `cassettes show --textconv`) would renumber the lines.
    """
    try:
        return _parse_blame(run(["blame", "--porcelain", "--no-textconv", "--", os.fsdecode(name)], root))
    except (FileNotFoundError, GitFailed):
        return None


def _parse_blame(output: bytes) -> _Blame:
    """Porcelain blame: a `SHA ORIG FINAL [COUNT]` line per line, commit details the first time."""
    lines: dict[int, bytes] = {}
    commits: dict[bytes, _BlameCommit] = {}
    sha = b""
    final = 0
    info: dict[bytes, bytes] = {}
    for line in output.split(b"\n"):
        if line[:1] == b"\t":
            if sha not in commits:
                commits[sha] = _BlameCommit(
                    author_time=int(info.get(b"author-time", b"0")),
                    author=info.get(b"author", b"").decode("utf-8", "replace"),
                    subject=info.get(b"summary", b"").decode("utf-8", "replace"),
                )
            lines[final] = sha
            continue
        key, _, value = line.partition(b" ")
        if len(key) == 40 and HEX.issuperset(key):
            sha, final, info = key, int(value.split(b" ")[1]), {}
        elif key:
            info[key] = value
    return _Blame(lines=lines, commits=commits)
