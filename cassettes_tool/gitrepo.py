"""Every git call: cassette ages from one pass over history, blame for interaction ages,
the files of a commit range (`diff --git`), and the refresh commit.

Git runs as a plain subprocess under `clean_env()`. GitPython's command layer copies
`os.environ` and can only add to it, so it cannot drop the `GIT_DIR` / `GIT_INDEX_FILE`
a hook leaks into our process; and importing GitPython fails outright when git is
missing, where `age` must still list the cassettes. The commit is git's own too:
GitPython's `index.add` rewrites the whole index in Python (no clean filters such as
LFS or eol, no index v4 or sparse index) and its `index.commit` ignores
`commit.gpgSign`. Output is read with `-z`, so names with spaces, quotes or non-ASCII
characters arrive verbatim (no `core.quotepath`).
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from cassettes_tool.errors import CassettesError, ConfigError
from cassettes_tool.model.age import Age, AgeSource, days_between, utc_now

#: Above this many folders, ls-files lists the whole repository instead.
_MAX_PATHSPECS = 200
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
_UNCOMMITTED_SHA = b"0" * 40
_HEX = frozenset(b"0123456789abcdef")
_HEADER = b"\x1e"
_LOG_FORMAT = "--format=%x1e%H%x00%at%x00%aN%x00%s"


@dataclass(frozen=True, slots=True)
class FileAges:
    """The age of every file asked about, and what a user should hear once (shallow clone, no git)."""

    ages: Mapping[Path, Age]
    notes: tuple[tuple[Path, str], ...] = ()


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


class _GitFailed(Exception):
    """A git command failed; carries git's first line of complaint for a note."""


def _git(
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
        raise _GitFailed(_first_line(done.stderr) or f"git {args[0]} exited with {done.returncode}")
    return done.stdout


def _first_line(stderr: bytes) -> str:
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip().removeprefix("fatal: ").removeprefix("error: ")
    return ""


# ---------------------------------------------------------------------------- repositories


@dataclass(frozen=True, slots=True)
class _Repo:
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


def _open_repo(candidate: Path) -> _Repo:
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
        raise _GitFailed(_first_line(done.stderr) or "not a git repository")
    root = Path(os.path.realpath(lines[0]))
    shallow = lines[1] == "true"
    boundary: frozenset[bytes] = frozenset()
    if shallow:
        with contextlib.suppress(OSError):
            boundary = frozenset((candidate / lines[2]).read_bytes().split())
    has_head = done.returncode == 0 and len(lines) > 3
    abbrev = len(lines[3]) if has_head else 7
    return _Repo(root=root, has_head=has_head, shallow=shallow, boundary=boundary, abbrev=abbrev)


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a file lives: its folder with symlinks resolved (git tracks a link, not its
    target), and the nearest folder above holding `.git` (a folder, or a file for
    worktrees and submodules)."""

    folder: Path
    root: Path | None


def _places(paths: Iterable[Path]) -> dict[Path, _Place]:
    """Each path's place, resolving each folder once (thousands of cassettes share a few folders)."""
    by_parent: dict[Path, _Place] = {}
    roots: dict[Path, Path | None] = {}
    result: dict[Path, _Place] = {}
    for path in paths:
        place = by_parent.get(path.parent)
        if place is None:
            folder = Path(os.path.realpath(path.parent))
            place = by_parent[path.parent] = _Place(folder, _root_of(folder, roots))
        result[path] = place
    return result


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


def _names(repo: _Repo, places: Mapping[Path, _Place]) -> dict[bytes, list[Path]]:
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


# ---------------------------------------------------------------------------- file ages


def _unknown(source: AgeSource = AgeSource.NO_GIT) -> Age:
    return Age(None, None, None, None, None, source)


def _fresh(source: AgeSource) -> Age:
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
    places = _places(paths)
    groups: dict[Path, dict[Path, _Place]] = {}
    outside: list[Path] = []
    for path, place in places.items():
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
            repo = _open_repo(candidate)
            ages.update(_repo_ages(repo, members, now, notes))
        except FileNotFoundError:
            without_git.extend(members)
        except _GitFailed as exc:
            ages.update(dict.fromkeys(members, _unknown()))
            notes.append((candidate, f"git: {exc}: ages are unknown"))
    for unplaced, why in (
        (without_git, "git is not installed (or not on PATH)"),
        (outside, "not in a git repository"),
    ):
        if unplaced:
            ages.update(dict.fromkeys(unplaced, _unknown()))
            where = Path(os.path.commonpath([places[p].folder for p in unplaced]))
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
    repo: _Repo, members: Mapping[Path, _Place], now: datetime, notes: list[tuple[Path, str]]
) -> dict[Path, Age]:
    """Ages of one repository's files; git walks history while we ask ls-files and status."""
    with _log_pass(repo) as log:
        names = _names(repo, members)
        specs = ["--", *_pathspecs(names)]
        tracked = set(_git(["ls-files", "-z", *specs], repo.root).split(b"\0"))
        # the whole index, not the cassette folders: a staged move's source may lie outside them
        status = _git(["status", "--porcelain=v2", "-z", "--untracked-files=no"], repo.root)
        changed, renamed_from = _status(status)

        fixed: dict[bytes, Age] = {}
        want: dict[bytes, bytes] = {}
        for name in names:
            if name not in tracked:
                fixed[name] = _fresh(AgeSource.UNTRACKED)
            elif name in changed or not repo.has_head:
                fixed[name] = _fresh(AgeSource.UNCOMMITTED)
            else:
                want[renamed_from.get(name, name)] = name
        found = log.last_changes(want)
    for name, commit in found.items():
        fixed[name] = commit.age(repo, now)
    for name in set(want.values()) - found.keys():
        # only in grafted or shallow histories does a tracked file have no commit of its own
        fixed[name] = _unknown(AgeSource.SHALLOW if repo.shallow else AgeSource.GIT)
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

    def age(self, repo: _Repo, now: datetime) -> Age:
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
def _log_pass(repo: _Repo) -> Iterator[_LogReader]:
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
            raise _GitFailed(_first_line(errors.read()) or f"git log exited with {returncode}")


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


# ---------------------------------------------------------------------------- interaction ages


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
    repos: dict[Path, _Repo | None] = {}
    jobs: dict[Path, tuple[_Repo, bytes]] = {}
    for path, place in _places(cassettes).items():
        age = files.ages.get(path)
        if place.root is None or age is None or age.source in (AgeSource.NO_GIT, AgeSource.UNTRACKED):
            continue
        if place.root not in repos:
            try:
                repos[place.root] = _open_repo(place.root)
            except (FileNotFoundError, _GitFailed):
                repos[place.root] = None
        repo = repos[place.root]
        if repo is not None and repo.has_head:
            (name,) = _names(repo, {path: place})
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


def _block_age(blame: _Blame, block: range | None, repo: _Repo, now: datetime) -> Age | None:
    if block is None:
        return None
    shas = {blame.lines[line] for line in block if line in blame.lines}
    if not shas:
        return None
    if _UNCOMMITTED_SHA in shas:
        return _fresh(AgeSource.UNCOMMITTED)
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
        return _parse_blame(_git(["blame", "--porcelain", "--no-textconv", "--", os.fsdecode(name)], root))
    except (FileNotFoundError, _GitFailed):
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
        if len(key) == 40 and _HEX.issuperset(key):
            sha, final, info = key, int(value.split(b" ")[1]), {}
        elif key:
            info[key] = value
    return _Blame(lines=lines, commits=commits)


def record_history(folder: Path, message: str, when: datetime) -> bool:
    """Make `folder` a repository whose one commit, dated `when`, holds all it has.

    The demo uses it so that ages have a history to come from; False when git is missing.
    """
    dated = {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    identity = [
        "-c",
        "user.name=cassettes demo",
        "-c",
        "user.email=demo@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    steps = (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", message])
    try:
        for step in steps:
            _git(step, folder, env=dated)
    except (OSError, _GitFailed):
        return False
    return True


# ---------------------------------------------------------------------------- files of a commit range

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
        raw = _git(["diff-tree", "-r", "-z", "-M", "--no-abbrev", old, new, "--", *specs], cwd)
        changes = [c for c in _raw_changes(raw) if keep is None or any(map(keep, c.names))]
        blobs = _read_blobs(cwd, {oid for c in changes for oid in c.blobs})
    except FileNotFoundError:
        raise ConfigError("git is not installed (or not on PATH)") from None
    except _GitFailed as exc:
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
        lines = _git(["rev-parse", "--show-cdup", old_rev, new_rev, "--"], cwd).decode().splitlines()
    except _GitFailed:
        if ".." in rev_range:
            raise
        lines = _git(["rev-parse", "--show-cdup", new_rev, "--"], cwd).decode().splitlines()
        empty = _git(["hash-object", "-t", "tree", "--stdin"], cwd, stdin=_EMPTY_TREE_INPUT).strip()
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
    output = _git(["cat-file", "--batch"], cwd, stdin=b"".join(oid + b"\n" for oid in wanted))
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


# ---------------------------------------------------------------------------- the refresh commit

#: files git leaves while an operation waits for the user; committing then would join it
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase (or `git am`)"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
)


@dataclass(frozen=True, slots=True)
class CommitPlan:
    """A repository found fit for `refresh --commit`; nothing is written before one exists."""

    root: Path
    #: the commit HEAD names (full object name)
    head: str
    #: the branch HEAD is on (`refs/heads/...`), None when detached
    branch: str | None
    #: the branch to create and commit on, None to commit on the current one
    new_branch: str | None
    #: the files to stage and commit, as git names them
    names: tuple[str, ...] = ()


def prepare_commit(where: Path, files: Sequence[Path] = (), *, new_branch: str | None) -> CommitPlan:
    """Check every reason `--commit` refuses, before any file is written; raise ConfigError naming it.

    Refused: not in a repository, no commit yet, an operation in progress (merge, rebase,
    cherry-pick, revert), anything already staged (it would ride along), a detached HEAD
    without a branch to create, an existing or malformed branch name, no author identity
    in git config, a file outside the repository or ignored by it. Only reads: `rev-parse`,
    `diff-index --cached` and `ls-files` take no lock and write nothing.
    """
    try:
        return _prepare_commit(where, files, new_branch)
    except FileNotFoundError:
        raise ConfigError("--commit: git is not installed (or not on PATH)") from None
    except _GitFailed as exc:
        raise ConfigError(f"--commit: {exc}") from None


def _prepare_commit(where: Path, files: Sequence[Path], new_branch: str | None) -> CommitPlan:
    folder = where if where.is_dir() else where.parent
    try:
        repo = _open_repo(folder)
    except _GitFailed:
        raise ConfigError(f"--commit: {folder} is not in a git repository") from None
    if not repo.has_head:
        raise ConfigError(f"--commit: {repo.root} has no commit yet: commit once, then refresh")
    root = repo.root
    asked = [arg for name, _ in _IN_PROGRESS for arg in ("--git-path", name)]
    found = _git(["rev-parse", *asked], root).decode().splitlines()
    for line, (_, what) in zip(found, _IN_PROGRESS, strict=True):
        if (root / line).exists():
            raise ConfigError(f"--commit: {what} is in progress in {root}: finish or abort it first")
    head = _git(["rev-parse", "--verify", "HEAD^{commit}"], root).decode().strip()
    branch = _symbolic_head(root)
    if new_branch is None and branch is None:
        raise ConfigError("--commit --no-branch: HEAD is detached: name a branch with --branch NAME")
    if new_branch is not None:
        _check_new_branch(root, new_branch)
    staged = [
        os.fsdecode(n)
        for n in _git(["diff-index", "--cached", "--name-only", "-z", "HEAD", "--"], root).split(b"\0")
        if n
    ]
    if staged:
        shown = ", ".join(staged[:3]) + (f" and {len(staged) - 3} more" if len(staged) > 3 else "")
        raise ConfigError(
            f"--commit: changes are already staged ({shown}): commit or unstage them first, "
            "so that the refresh commit holds only cassettes"
        )
    for kind in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            _git(["var", kind], root)
        except _GitFailed as exc:
            raise ConfigError(
                f"--commit: no identity in git config ({exc}): set user.name and user.email"
            ) from None
    names = _commit_names(repo, files)
    return CommitPlan(root=root, head=head, branch=branch, new_branch=new_branch, names=names)


def _symbolic_head(root: Path) -> str | None:
    try:
        return _git(["symbolic-ref", "-q", "HEAD"], root).decode().strip() or None
    except _GitFailed:
        return None  # exit 1 without a word: HEAD is detached


def _check_new_branch(root: Path, name: str) -> None:
    try:
        _git(["check-ref-format", "--branch", name], root)
    except _GitFailed:
        raise ConfigError(f"--branch {name!r}: not a valid branch name") from None
    try:
        _git(["rev-parse", "--verify", "-q", f"refs/heads/{name}"], root)
    except _GitFailed:
        return
    raise ConfigError(f"--commit: branch {name!r} already exists: name another with --branch NAME")


def _commit_names(repo: _Repo, files: Sequence[Path]) -> tuple[str, ...]:
    """The files' names in the repository; each must be inside it and not ignored by it."""
    places = _places(files)
    for path, place in places.items():
        if place.root is None or Path(os.path.realpath(place.root)) != repo.root:
            raise ConfigError(f"--commit: {path} is not in the repository at {repo.root}")
    names = [os.fsdecode(name) for name in _names(repo, places)]
    if not names:
        return ()
    listed = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *names], repo.root)
    known = {os.fsdecode(n) for n in listed.split(b"\0") if n}
    ignored = [name for name in names if name not in known]
    if ignored:
        raise ConfigError(f"--commit: {ignored[0]} is ignored by git: it cannot be committed")
    return tuple(names)


def commit_files(plan: CommitPlan, message: str) -> str:
    """Commit exactly the plan's files, on a new branch unless told otherwise; never push.

    The branch is created at HEAD and HEAD is pointed at it by reference only (same
    commit: the working tree and the index stay as they are, other edits included).
    Only the plan's files are staged (`git add -- names`) and committed (`git commit --
    names`, so nothing else can ride along), with the author and committer from git
    config (their GIT_* variables are cleaned away) and the user's hooks. When git
    fails, HEAD, the branch and those index entries go back as they were and
    CassettesError carries git's complaint; the caller restores the files it wrote.
    """
    root = plan.root
    done: list[str] = []
    try:
        if plan.new_branch is not None:
            ref = f"refs/heads/{plan.new_branch}"
            # an empty old value: create, or fail if someone made the branch meanwhile
            _git(["update-ref", "-m", "cassettes refresh: branch", ref, plan.head, ""], root)
            done.append("branch")
            _git(["symbolic-ref", "-m", "cassettes refresh: switch", "HEAD", ref], root)
            done.append("switch")
        done.append("stage")
        _git(["add", "--", *plan.names], root)
        _git(
            ["commit", "-q", "--cleanup=whitespace", "-F", "-", "--", *plan.names],
            root,
            stdin=message.encode(),
        )
        done.append("commit")
        return _git(["rev-parse", "HEAD"], root).decode().strip()
    except (_GitFailed, FileNotFoundError) as exc:
        _undo_commit(plan, done)
        raise CassettesError(f"git could not commit the refresh: {exc}") from None
    except BaseException:  # Ctrl-C while git works: the repository goes back all the same
        _undo_commit(plan, done)
        raise


def _undo_commit(plan: CommitPlan, done: Sequence[str]) -> None:
    """Best effort: a failing step must not hide why the commit failed.

    HEAD goes back first, then the files' index entries to HEAD's. A commit already made
    (Ctrl-C just after it) stays on its new branch, so nothing is lost; on the current
    branch, the branch goes back and the commit stays in the reflog.
    """
    steps: list[list[str]] = []
    if "commit" in done and plan.new_branch is None:
        steps.append(["update-ref", "-m", "cassettes refresh: undo", "HEAD", plan.head])
    if "switch" in done:
        if plan.branch is not None:
            steps.append(["symbolic-ref", "-m", "cassettes refresh: undo", "HEAD", plan.branch])
        else:
            steps.append(["update-ref", "--no-deref", "-m", "cassettes refresh: undo", "HEAD", plan.head])
    if "stage" in done:
        steps.append(["reset", "-q", "--", *plan.names])
    if "branch" in done and plan.new_branch is not None:
        # only while it still points where it was made: a branch holding a commit is kept
        steps.append(["update-ref", "-d", f"refs/heads/{plan.new_branch}", plan.head])
    for step in steps:
        with contextlib.suppress(_GitFailed, FileNotFoundError):
            _git(step, plan.root)
