"""Old versions of files from one `git cat-file --batch`, kept running for the whole pass.

Versions are asked for as the log names them, while git log still walks history; a
thread reads git's answers, so that asking never waits on git's output and git never
waits on us.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from typing import IO

from cassettes_tool.git.runner import GitFailed, Repo, clean_env, first_line, widen

#: the most of git's answers taken at one turn of the reading thread
_PIPE_READ = 1 << 20
#: after a small read nobody waits for, how long (s) to let answers gather in the pipe
_GATHER = 0.002
#: seconds without an answer after which git is told that no more is coming, so that it
#: ends: a damaged object git sends shorter than it announced cannot stall the run
_STALL = 1.0


class BlobReader:
    """`git cat-file --batch`, started at the first request (again after it was told to end)
    and stopped by `close`. A missing object is left out of the answers."""

    def __init__(self, repo: Repo):
        self.repo = repo
        self._proc: subprocess.Popen[bytes] | None = None
        self._stdin: IO[bytes] | None = None
        self._errors: IO[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._asked: set[bytes] = set()
        self._answered: set[bytes] = set()
        self._found: dict[bytes, bytes] = {}
        #: the running git answers no more (none runs, it ended, or its output made no sense)
        self._stopped = True
        self._problem: str | None = None
        self._changed = threading.Condition()
        #: set while `get` waits for answers: the reading thread then reads them at once
        self._waited = threading.Event()

    def ask(self, shas: Iterable[bytes]) -> None:
        """Have git look the objects up, without waiting for its answers."""
        new = [sha for sha in dict.fromkeys(shas) if sha not in self._asked]
        if not new or self._problem is not None:
            return
        stdin = self._stdin or self._start()
        self._asked.update(new)
        try:
            stdin.write(b"".join(sha + b"\n" for sha in new))
            stdin.flush()
        except OSError:
            pass  # git stopped: `get` says why

    def get(self, shas: Iterable[bytes]) -> dict[bytes, bytes]:
        """The objects asked for (a missing one left out), once git has answered for all of them."""
        wanted = list(dict.fromkeys(shas))
        self.ask(wanted)
        self._waited.set()
        try:
            with self._changed:
                while not (self._stopped or self._answered.issuperset(wanted)):
                    if not self._changed.wait(timeout=_STALL):
                        self._end_input()
                if not self._answered.issuperset(wanted):
                    raise GitFailed(self._problem or self._complaint())
                return {sha: self._found[sha] for sha in wanted if sha in self._found}
        finally:
            self._waited.clear()

    def close(self) -> None:
        """Stop git and the thread reading it."""
        self._stop(kill=True)

    def _start(self) -> IO[bytes]:
        self._stop(kill=False)
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _stop(), as git is stopped
        proc = self._proc = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=self.repo.root,
            env=clean_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        assert proc.stdin is not None
        widen(proc.stdin)
        widen(proc.stdout)
        self._stdin, self._stopped = proc.stdin, False
        self._thread = threading.Thread(target=self._drain, args=(proc,), daemon=True)
        self._thread.start()
        return proc.stdin

    def _drain(self, proc: subprocess.Popen[bytes]) -> None:
        """Git's answers, taken a pipeful at a time: each turn of this thread costs the
        comparisons a wait for the interpreter, so it takes few turns."""
        buffer = bytearray()
        problem = None
        try:
            while proc.stdout is not None and (chunk := os.read(proc.stdout.fileno(), _PIPE_READ)):
                buffer += chunk
                answers, problem = _answers(buffer)
                with self._changed:
                    for sha, data in answers:
                        if data is not None:
                            self._found[sha] = data
                        self._answered.add(sha)
                    self._changed.notify_all()
                if problem is not None:
                    proc.kill()
                    break
                if len(chunk) < _PIPE_READ // 16:
                    # git flushes each answer: let a few gather unless they are waited for
                    self._waited.wait(_GATHER)
            else:
                if buffer:
                    problem = "git cat-file stopped in the middle of an object"
        except (OSError, ValueError):
            pass  # the pipe closed under us: git was stopped
        finally:
            with self._changed:
                self._stopped, self._problem = True, self._problem or problem
                self._changed.notify_all()

    def _end_input(self) -> None:
        """Tell git that nothing more is coming: it answers what it was asked, then ends."""
        stdin, self._stdin = self._stdin, None
        if stdin is not None:
            with contextlib.suppress(OSError):
                stdin.close()

    def _complaint(self) -> str:
        code = None
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self._proc.wait(timeout=_STALL)
        stderr = b""
        if self._errors is not None:
            self._errors.seek(0)
            stderr = self._errors.read()
        return first_line(stderr) or f"git cat-file exited with {code}"

    def _stop(self, *, kill: bool) -> None:
        """End the running git: at once, or once it has answered what it was asked."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if kill:
                proc.kill()
            self._end_input()
            if self._thread is not None:
                self._thread.join()
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
            if self._errors is not None:
                self._errors.close()
            # what it was asked and did not answer must be asked again of the next one
            self._asked &= self._answered


@contextlib.contextmanager
def blob_reader(repo: Repo) -> Iterator[BlobReader]:
    """A `BlobReader` whose git is stopped at the end, whatever happens."""
    reader = BlobReader(repo)
    try:
        yield reader
    finally:
        reader.close()


def _answers(buffer: bytearray) -> tuple[list[tuple[bytes, bytes | None]], str | None]:
    """The whole answers at the start of `buffer`, taken out of it: `NAME TYPE SIZE`, the
    object and a newline, or `NAME missing` (None); and what is wrong when they make no sense."""
    answers: list[tuple[bytes, bytes | None]] = []
    at = 0
    problem = None
    while (end := buffer.find(b"\n", at)) >= 0:
        fields = bytes(buffer[at:end]).split()
        if len(fields) == 3 and fields[2].isdigit():
            stop = end + 1 + int(fields[2])
            if len(buffer) <= stop:
                break  # the rest of the object is still on its way
            if buffer[stop] != ord("\n"):
                problem = f"object {fields[0].decode('ascii', 'replace')} is damaged: shorter than announced"
                break
            answers.append((fields[0], bytes(buffer[end + 1 : stop])))
            at = stop + 1
        elif len(fields) == 2:
            answers.append((fields[0], None))
            at = end + 1
        else:
            problem = f"git cat-file answered {bytes(buffer[at:end])[:80]!r}"
            break
    del buffer[:at]
    return answers, problem
