"""Every git call: cassette ages from one pass over history, and blame for interaction ages.

Git runs as a plain subprocess under `clean_env()`. GitPython's command layer copies
`os.environ` and can only add to it, so it cannot drop the `GIT_DIR` / `GIT_INDEX_FILE`
a hook leaks into our process; and importing GitPython fails outright when git is
missing, where `age` must still list the cassettes. Output is read with `-z`, so names
with spaces, quotes or non-ASCII characters arrive verbatim (no `core.quotepath`).
"""

from __future__ import annotations

import contextlib
import enum
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

SECONDS_PER_DAY = 86_400.0
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


class AgeSource(str, enum.Enum):
    """How far an age can be trusted (the spec's `age.source`)."""

    GIT = "git"
    UNCOMMITTED = "uncommitted"
    UNTRACKED = "untracked"
    SHALLOW = "shallow"
    NO_GIT = "no-git"


@dataclass(frozen=True, slots=True)
class Age:
    """When a cassette (or one interaction) was last recorded, and how we know."""

    days: float | None
    last_recorded: datetime | None
    commit: str | None
    subject: str | None
    author: str | None
    source: AgeSource


@dataclass(frozen=True, slots=True)
class FileAges:
    """The age of every file asked about, and what a user should hear once (shallow clone, no git)."""

    ages: Mapping[Path, Age]
    notes: tuple[tuple[Path, str], ...] = ()


def days_between(then: datetime, now: datetime) -> float:
    """The one place days are computed; a commit dated after `now` (clock skew) counts as 0, not negative."""
    return max(0.0, (now - then).total_seconds() / SECONDS_PER_DAY)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


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


def _git(args: Sequence[str], cwd: Path) -> bytes:
    """Run one git command to completion and return its stdout."""
    done = subprocess.run(
        ["git", "--literal-pathspecs", *args],
        cwd=cwd,
        env=clean_env(),
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
    env = {**clean_env(), "GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
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
            subprocess.run(["git", *step], cwd=folder, env=env, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    return True
