"""Each file's changes, newest first, from one streamed `git log --raw` pass over history."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from cassettes_tool.git.runner import (
    GitFailed,
    Repo,
    clean_env,
    first_line,
    open_repo,
    repo_root,
    widen,
)
from cassettes_tool.model.age import Age, days_between

_HEADER = b"\x1e"
#: how many pieces (64 KiB to 1 MiB) git may run ahead of us: enough for it to walk the whole
#: history of a large suite while the cassettes are found and read, few enough to bound memory
_AHEAD = 64
#: the least handed over at once, and the most taken from the pipe in one system call
_PIECE = 1 << 16
_PIPE_READ = 1 << 20
#: after a small read, how long (s) to let git's output gather in the pipe before the next
_GATHER = 0.002
#: how many versions to read are handed to `prefetch` at once
_PREFETCH = 32
_LOG_FORMAT = "--format=%x1e%H%x00%at%x00%aN%x00%s"


@dataclass(frozen=True, slots=True)
class Commit:
    sha: bytes
    author_time: bytes
    author: bytes
    subject: bytes

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(int(self.author_time), tz=timezone.utc)

    def age(self, repo: Repo, now: datetime) -> Age:
        return Age(
            days=days_between(self.when, now),
            last_recorded=self.when,
            commit=repo.short(self.sha),
            subject=self.subject.decode("utf-8", "replace"),
            author=self.author.decode("utf-8", "replace"),
            source=repo.source(self.sha),
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One change of a file: the commit (None for the working tree), and the blob it changed."""

    commit: Commit | None
    #: the file's blob before the change; None when the change added it
    old_blob: bytes | None


@dataclass(slots=True)
class Lineage:
    """A file's changes that may have recorded it, newest first (pure renames left out)."""

    steps: list[Step] = field(default_factory=list)
    #: the change that added the file was reached: there is nothing older
    added: bool = False


class LogReader:
    """The output of a running `git log`, drained by a thread so that git never waits on us."""

    def __init__(self, stdout: IO[bytes] | None):
        self.finished = stdout is None
        # bounded for memory only: git waiting on a full pipe while we find cassettes leaves a core idle
        self._chunks: queue.Queue[bytes] = queue.Queue(maxsize=_AHEAD)
        self._thread = threading.Thread(target=self._drain, args=(stdout,), daemon=True)
        self._thread.start()
        self._tokens = self._split()
        self._watch: dict[bytes, bytes] = {}
        self._lineages: dict[bytes, Lineage] = {}
        #: files whose start was reached: they wait for nothing more
        self._added: set[bytes] = set()
        self._held: bytes | None = None
        self._prefetch: Callable[[list[bytes]], object] | None = None

    def _drain(self, stdout: IO[bytes] | None) -> None:
        """Hand git's output over in pieces of 64 KiB or more: git writes a few hundred bytes at a
        time, and each hand-over costs. Each read takes all the pipe holds, in one system call,
        and after a small one the thread lets the pipe fill a little: every wake-up costs it a
        turn of the interpreter, taken from the comparisons (a thousand of them cost 30 ms)."""
        if stdout is not None:
            pieces: list[bytes] = []
            size = 0
            while chunk := os.read(stdout.fileno(), _PIPE_READ):
                pieces.append(chunk)
                size += len(chunk)
                if size >= _PIECE:
                    self._chunks.put(b"".join(pieces))
                    pieces.clear()
                    size = 0
                elif len(chunk) < _PIECE // 4:
                    time.sleep(_GATHER)
            if pieces:
                self._chunks.put(b"".join(pieces))
        self._chunks.put(b"")

    def join(self) -> None:
        """Wait for the drain to end (git stopped), emptying the bounded queue it may wait on."""
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                while True:
                    self._chunks.get_nowait()
            self._thread.join(timeout=0.01)

    def _split(self) -> Iterator[bytes]:
        """NUL-separated fields, as git writes them."""
        rest = b""
        while chunk := self._chunks.get():
            parts = (rest + chunk).split(b"\0")
            rest = parts.pop()
            yield from parts
        if rest:
            yield rest

    def follow(
        self, want: dict[bytes, bytes], prefetch: Callable[[list[bytes]], object] | None = None
    ) -> dict[bytes, Lineage]:
        """Start following files (`want`: name in history -> current name); their lineages fill as
        history is read. `prefetch` is given, a few at a time, the version before each file's
        newest change as soon as it is read: the version its first look compares with."""
        self._watch = dict(want)
        self._lineages = {current: Lineage() for current in want.values()}
        self._added = set()
        self._prefetch = prefetch
        return self._lineages

    def read(self, needed: set[bytes], enough: int | None = None) -> set[bytes]:
        """Read history until every file in `needed` (current names) has one more step or its
        start, or `enough` of them have, or history ends; the other files followed are kept up to
        date meanwhile. Returns the files of `needed` that have one more step."""
        waiting = needed - self._added
        if self.finished or not waiting:
            return set()
        asked = set(waiting)
        first: list[bytes] = []
        left = max(0, len(waiting) - enough) if enough is not None else 0
        commit: Commit | None = None
        header: tuple[bytes, bytes, bytes, bytes] | None = None
        pending: list[tuple[bytes, bytes]] = []
        held, self._held = self._held, None
        # chain, not a generator: leaving this loop early must leave git's output open for the next read
        tokens = itertools.chain((held,), self._tokens) if held is not None else self._tokens
        for token in tokens:
            if token[:1] == _HEADER:
                self._watch.update(pending)
                pending.clear()
                if len(first) >= _PREFETCH or len(waiting) <= left:
                    self._ask(first)
                if len(waiting) <= left:
                    self._held = token
                    return asked - waiting
                header = (token[1:], next(tokens, b"0"), next(tokens, b""), next(tokens, b""))
                commit = None
                continue
            raw = token.lstrip(b"\n")
            if raw[:1] != b":" or header is None:
                continue
            # `:MODE MODE OLD NEW STATUS`: modes of 6 digits, then two full blob names (SHA-1 or SHA-256)
            end = raw.rfind(b" ")
            status = raw[end + 1 : end + 2]
            path = next(tokens, b"")
            old_path = path
            if status in (b"R", b"C"):
                path = next(tokens, b"")
            current = self._watch.pop(path, None)
            if current is None or status == b"D":
                continue
            lineage = self._lineages[current]
            added = status in (b"A", b"C")
            size = (end - 16) // 2
            old_blob = raw[15 : 15 + size]
            if added or old_blob != raw[16 + size : end]:
                commit = commit or Commit(*header)
                if not lineage.steps and not added:
                    first.append(old_blob)
                lineage.steps.append(Step(commit, None if added else old_blob))
                waiting.discard(current)
            if added:
                lineage.added = True
                self._added.add(current)
            else:
                pending.append((old_path, current))
        self._ask(first)
        self.finished = True
        return asked - waiting

    def _ask(self, blobs: list[bytes]) -> None:
        if blobs and self._prefetch is not None:
            self._prefetch(blobs)
        blobs.clear()


class LogPass:
    """`git log --raw` of HEAD, newest first, started at once: git walks history on its own
    core while we work out which files to look for. `close` stops git once we have read enough."""

    def __init__(self, repo: Repo):
        self.repo = repo
        self._proc: subprocess.Popen[bytes] | None = None
        if not repo.has_head:
            self.reader = LogReader(None)
            return
        command = ["git", "log", "-z", "--raw", "--no-abbrev", "-M", "--root", "--no-show-signature"]
        command += [_LOG_FORMAT, "HEAD", "--"]
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close(), as git is stopped
        self._proc = subprocess.Popen(
            command, cwd=repo.root, env=clean_env(), stdout=subprocess.PIPE, stderr=self._errors
        )
        widen(self._proc.stdout)
        self.reader = LogReader(self._proc.stdout)

    def close(self, *, check: bool = True) -> None:
        """Stop git; with `check`, raise GitFailed when git failed before the end of history."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with self._errors:
            proc.kill()
            self.reader.join()
            if proc.stdout is not None:
                proc.stdout.close()
            returncode = proc.wait()
            if check and returncode not in (0, -9) and self.reader.finished:
                self._errors.seek(0)
                raise GitFailed(first_line(self._errors.read()) or f"git log exited with {returncode}")


@contextlib.contextmanager
def log_pass(repo: Repo, running: LogPass | None = None) -> Iterator[LogReader]:
    """The history of `repo` (from `running` when it was started early), git stopped at the end."""
    running = running or LogPass(repo)
    try:
        yield running.reader
    except BaseException:
        running.close(check=False)
        raise
    running.close()


@contextlib.contextmanager
def history_started(paths: Iterable[Path]) -> Iterator[Mapping[Path, LogPass]]:
    """Start walking the history of the repositories holding `paths` (the PATHs a user gave)
    before the cassettes are even found: git walks on its own core meanwhile. Give what
    this yields to `file_ages`; a repository git cannot open is left to it."""
    with contextlib.ExitStack() as stack:
        started: dict[Path, LogPass] = {}
        for path in paths:
            root = repo_root(Path(os.path.realpath(path if path.is_dir() else path.parent)))
            if root is None or root in started:
                continue
            try:
                running = started[root] = LogPass(open_repo(root))
            except (OSError, GitFailed):
                continue
            stack.callback(running.close, check=False)
        yield started
