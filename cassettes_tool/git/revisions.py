"""The cassettes a commit range changed, read from git objects (`diff --git`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool.errors import ConfigError
from cassettes_tool.git.runner import GitFailed, run

#: git's empty tree, written by `hash-object` so that SHA-256 repositories get theirs
_EMPTY_TREE_INPUT = b""


#: modes of files whose blob is the file's content (not a symlink's target or a submodule's commit)
_REGULAR_MODES = frozenset({b"100644", b"100755"})


@dataclass(frozen=True, slots=True)
class ChangedFile:
    """One file a commit range changed, with its bytes at each end (None where it is absent).

    `status` is git's letter: A added, M modified, R renamed, D deleted, T type changed.
    Names are git's (from the top of the repository, `/`-separated).
    """

    status: str
    old_name: str | None
    new_name: str | None
    old: bytes | None
    new: bytes | None
    #: why a side was not read (a symlink, a submodule): the file is listed, not compared
    note: str | None = None


@dataclass(frozen=True, slots=True)
class RangeFiles:
    """The files a range changed, and how to name them to the user."""

    #: the repository's top as seen from the current folder (symlinks kept, so paths display short)
    top: Path
    #: the range's ends as the user named them (`HEAD~1`, `HEAD`)
    old_rev: str
    new_rev: str
    files: tuple[ChangedFile, ...]


def range_files(
    rev_range: str,
    cwd: Path,
    paths: Sequence[Path] = (),
    keep: Callable[[str], bool] | None = None,
) -> RangeFiles:
    """The files `A..B` (or one commit `REV`, meaning `REV~1..REV`) changed, read from git objects.

    One `rev-parse`, one `diff-tree -M` (plumbing: a user's diff settings cannot change
    what it says) and one `cat-file --batch` for every blob, whatever the number of
    files: the working tree and the index are never read or written, so a reviewer can
    diff a commit with edits in progress. `paths` narrow the diff (relative to `cwd`);
    `keep` chooses files by name before any blob is read. Raises ConfigError with
    git's complaint when the range or a path is wrong.
    """
    old_rev, new_rev = _range_ends(rev_range)
    try:
        top, old, new = _resolve_range(rev_range, old_rev, new_rev, cwd)
        specs = [os.path.realpath(p) if p.is_absolute() else os.fspath(p) for p in paths]
        raw = run(["diff-tree", "-r", "-z", "-M", "--no-abbrev", old, new, "--", *specs], cwd)
        changes = [c for c in _raw_changes(raw) if keep is None or any(map(keep, c.names))]
        blobs = _read_blobs(cwd, {oid for c in changes for oid in c.blobs})
    except FileNotFoundError:
        raise ConfigError("git is not installed (or not on PATH)") from None
    except GitFailed as exc:
        raise ConfigError(f"--git {rev_range}: {exc}") from None
    files = tuple(c.read(blobs) for c in changes)
    return RangeFiles(top=top, old_rev=old_rev, new_rev=new_rev, files=files)


def _range_ends(rev_range: str) -> tuple[str, str]:
    """`A..B` as (A, B), an empty side meaning HEAD as git reads it; `REV` as (REV~1, REV)."""
    if "..." in rev_range:
        raise ConfigError(
            f"--git {rev_range}: give a range as A..B (for a branch's own changes: "
            "`$(git merge-base A B)..B`)"
        )
    old, dots, new = rev_range.partition("..")
    if not dots:
        old, new = f"{rev_range}~1", rev_range
    old, new = old or "HEAD", new or "HEAD"
    if not rev_range.strip() or old.startswith("-") or new.startswith("-"):
        raise ConfigError(f"--git {rev_range!r}: not a revision range")
    return old, new


def _resolve_range(rev_range: str, old_rev: str, new_rev: str, cwd: Path) -> tuple[Path, str, str]:
    """The top as seen from `cwd`, and both ends as object names. The first commit of a
    history, named alone, is compared with the empty tree."""
    try:
        lines = run(["rev-parse", "--show-cdup", old_rev, new_rev, "--"], cwd).decode().splitlines()
    except GitFailed:
        if ".." in rev_range:
            raise
        lines = run(["rev-parse", "--show-cdup", new_rev, "--"], cwd).decode().splitlines()
        empty = run(["hash-object", "-t", "tree", "--stdin"], cwd, stdin=_EMPTY_TREE_INPUT).strip()
        lines[1:1] = [empty.decode()]
    top = Path(os.path.normpath(cwd.absolute() / lines[0])) if lines[0] else cwd.absolute()
    return top, lines[1], lines[2]


@dataclass(frozen=True, slots=True)
class _RawChange:
    status: str
    old_mode: bytes
    new_mode: bytes
    old_oid: bytes
    new_oid: bytes
    old_name: str | None
    new_name: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.old_name, self.new_name) if n is not None)

    @property
    def blobs(self) -> tuple[bytes, ...]:
        return tuple(
            oid
            for oid, mode, name in (
                (self.old_oid, self.old_mode, self.old_name),
                (self.new_oid, self.new_mode, self.new_name),
            )
            if name is not None and mode in _REGULAR_MODES
        )

    def read(self, blobs: Mapping[bytes, bytes]) -> ChangedFile:
        note = None
        for mode, name, side in (
            (self.old_mode, self.old_name, "old"),
            (self.new_mode, self.new_name, "new"),
        ):
            if name is not None and mode not in _REGULAR_MODES:
                what = (
                    "a symlink" if mode == b"120000" else "a submodule" if mode == b"160000" else "not a file"
                )
                note = f"{what} on the {side} side"
        old = blobs.get(self.old_oid) if self.old_name is not None else None
        new = blobs.get(self.new_oid) if self.new_name is not None else None
        return ChangedFile(self.status, self.old_name, self.new_name, old, new, note)


def _raw_changes(output: bytes) -> Iterator[_RawChange]:
    """`diff-tree -r -z --raw`: `:mode mode oid oid STATUS\\0name\\0` (a rename: two names)."""
    tokens = iter(output.split(b"\0"))
    for token in tokens:
        if not token.startswith(b":"):
            continue
        old_mode, new_mode, old_oid, new_oid, status = token[1:].split(b" ")
        letter = status[:1].decode("ascii")
        first = os.fsdecode(next(tokens, b""))
        if letter in ("R", "C"):
            old_name: str | None = first
            new_name: str | None = os.fsdecode(next(tokens, b""))
        else:
            old_name = None if letter == "A" else first
            new_name = None if letter == "D" else first
        yield _RawChange(letter, old_mode, new_mode, old_oid, new_oid, old_name, new_name)


def _read_blobs(cwd: Path, oids: Iterable[bytes]) -> dict[bytes, bytes]:
    """Every blob at once through one `git cat-file --batch`, never a process per file."""
    wanted = sorted(oids)
    if not wanted:
        return {}
    output = run(["cat-file", "--batch"], cwd, stdin=b"".join(oid + b"\n" for oid in wanted))
    blobs: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(output):
        end = output.index(b"\n", pos)
        header = output[pos:end].split(b" ")
        pos = end + 1
        if len(header) != 3:  # `<oid> missing`: a partial clone without the blob
            continue
        size = int(header[2])
        blobs[header[0]] = output[pos : pos + size]
        pos += size + 1
    return blobs
