"""The one way git runs: a cleaned environment, NUL-separated output, one error type.

Git runs as a plain subprocess under `clean_env()`. GitPython's command layer copies
`os.environ` and can only add to it, so it cannot drop the `GIT_DIR` / `GIT_INDEX_FILE`
a hook leaks into our process; and importing GitPython fails outright when git is
missing, where `age` must still list the cassettes. Output is read with `-z`, so names
with spaces, quotes or non-ASCII characters arrive verbatim (no `core.quotepath`).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cassettes_tool.model.age import AgeSource

if sys.platform == "linux":
    import fcntl

#: room in a pipe between a streaming git and the thread reading it (Linux's unprivileged maximum)
_PIPE_SIZE = 1 << 20

#: Git variables that choose config, transport and credentials, never a repository.
_KEPT_GIT_VARS = frozenset(
    {
        "GIT_EXEC_PATH",
        "GIT_SSH",
        "GIT_SSH_COMMAND",
        "GIT_SSL_CAINFO",
        "GIT_SSL_NO_VERIFY",
        "GIT_ASKPASS",
        "GIT_HTTP_PROXY_AUTHMETHOD",
        "GIT_ALLOW_PROTOCOL",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_COUNT",
    }
)


def clean_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment without the GIT_* variables that point git at another repository or index.

    Hooks export GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE...; left in, they make git answer
    for the hook's repository instead of the one a cassette lives in (pre-commit's
    `no_git_env`). Reads take no optional locks, so an editor's git stays unblocked.
    """
    source = os.environ if environ is None else environ
    env = {
        key: value
        for key, value in source.items()
        if not key.startswith("GIT_")
        or key in _KEPT_GIT_VARS
        or key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
    }
    env["GIT_OPTIONAL_LOCKS"] = "0"
    return env


def widen(pipe: IO[bytes] | None) -> None:
    """Let git write (or be written) up to 1 MiB ahead: the thread reading it waits its turn
    for the interpreter while we compare versions, and git must not stop meanwhile. Linux
    only; elsewhere, and when the system refuses, the pipe stays as it is."""
    if sys.platform == "linux" and pipe is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


class GitFailed(Exception):
    """A git command failed; carries git's first line of complaint for a note."""


def run(
    args: Sequence[str], cwd: Path, *, stdin: bytes | None = None, env: Mapping[str, str] | None = None
) -> bytes:
    """Run one git command to completion and return its stdout; `env` adds to the cleaned one."""
    done = subprocess.run(
        ["git", "--literal-pathspecs", *args],
        cwd=cwd,
        env={**clean_env(), **(env or {})},
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise GitFailed(first_line(done.stderr) or f"git {args[0]} exited with {done.returncode}")
    return done.stdout


def first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return ""


@dataclass(frozen=True, slots=True)
class Repo:
    """A repository as far as ages need it."""

    root: Path
    has_head: bool
    shallow: bool = False
    #: commits at the edge of a shallow clone (`.git/shallow`): history behind them is missing
    boundary: frozenset[bytes] = frozenset()
    #: length of git's abbreviated names in this repository (grows with its size)
    abbrev: int = 7

    def short(self, sha: bytes) -> str:
        return sha[: self.abbrev].decode("ascii")

    def source(self, sha: bytes) -> AgeSource:
        """`shallow` for a change on the clone's edge, where an older one may hide; when the
        edge cannot be read, for every change of a shallow clone."""
        if self.shallow and (sha in self.boundary or not self.boundary):
            return AgeSource.SHALLOW
        return AgeSource.GIT


def open_repo(candidate: Path) -> Repo:
    """Ask git once about the repository at `candidate`: its top, whether shallow, HEAD."""
    done = subprocess.run(
        [
            "git",
            "rev-parse",
            "--show-toplevel",
            "--is-shallow-repository",
            "--git-path",
            "shallow",
            "--verify",
            "-q",
            "--short",
            "HEAD",
        ],
        cwd=candidate,
        env=clean_env(),
        capture_output=True,
        check=False,
    )
    lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
    # exit 1 with the first three answers: a repository without commits yet
    if done.returncode not in (0, 1) or len(lines) < 3:
        raise GitFailed(first_line(done.stderr) or "not a git repository")
    root = Path(os.path.realpath(lines[0]))
    shallow = lines[1] == "true"
    boundary: frozenset[bytes] = frozenset()
    if shallow:
        with contextlib.suppress(OSError):
            boundary = frozenset((candidate / lines[2]).read_bytes().split())
    has_head = done.returncode == 0 and len(lines) > 3
    abbrev = len(lines[3]) if has_head else 7
    return Repo(root=root, has_head=has_head, shallow=shallow, boundary=boundary, abbrev=abbrev)


UNCOMMITTED_SHA = b"0" * 40


HEX = frozenset(b"0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a file lives: its folder with symlinks resolved (git tracks a link, not its
    target), and the nearest folder above holding `.git` (a folder, or a file for
    worktrees and submodules)."""

    folder: Path
    root: Path | None


def places(paths: Iterable[Path]) -> dict[Path, Place]:
    """Each path's place, resolving each folder once (thousands of cassettes share a few folders)."""
    # keyed by the folder's name as text: a Path's `parent` is a new Path to build and hash
    by_parent: dict[str, Place] = {}
    roots: dict[Path, Path | None] = {}
    result: dict[Path, Place] = {}
    for path in paths:
        parent = os.path.dirname(path)
        place = by_parent.get(parent)
        if place is None:
            folder = Path(os.path.realpath(path.parent))
            place = by_parent[parent] = Place(folder, _root_of(folder, roots))
        result[path] = place
    return result


def repo_root(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` (symlinks resolved) holding `.git`."""
    return _root_of(folder, {})


def _root_of(folder: Path, roots: dict[Path, Path | None]) -> Path | None:
    walked: list[Path] = []
    root: Path | None = None
    for candidate in (folder, *folder.parents):
        if candidate in roots:
            root = roots[candidate]
            break
        walked.append(candidate)
        if (candidate / ".git").exists():
            root = candidate
            break
    roots.update(dict.fromkeys(walked, root))
    return root


def repo_names(repo: Repo, places: Mapping[Path, Place]) -> dict[bytes, list[Path]]:
    """Each file's name as git writes it (from the top, `/`-separated), and the paths that name it."""
    prefixes: dict[Path, bytes] = {}
    names: dict[bytes, list[Path]] = {}
    for path, place in places.items():
        prefix = prefixes.get(place.folder)
        if prefix is None:
            relative = place.folder.relative_to(repo.root).as_posix()
            prefix = prefixes[place.folder] = b"" if relative == "." else os.fsencode(relative) + b"/"
        names.setdefault(prefix + os.fsencode(path.name), []).append(path)
    return names
