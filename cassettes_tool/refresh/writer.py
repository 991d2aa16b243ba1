"""Copies written in processes of their own, so the request threads keep the interpreter lock.

Scrubbing a cassette and writing it through vcrpy's YAML is a few milliseconds of pure
Python per cassette; on the request threads it held the lock while the other workers'
answers waited to be read (100 cassettes at concurrency 16: ~60 ms a request against a
50 ms server, ~53 ms now). A request thread hands its cassette over and takes up the next.

One job at a time goes to each process, so a process that dies costs exactly the copy it
was writing: that cassette is an error saying so, a new process takes the next job. Ctrl-C
is the run's to handle: a writer process ignores it, and `stop` waits for the copies being
written and drops the ones not begun.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from cassettes_tool.refresh.copy import Copied, CopyJob, internal_error, write_copy

#: what a finished copy is handed to, on the writer's thread: the key given with the job
Done = Callable[[Any, Copied], None]


class Writer:
    """`processes` writer processes, each fed one job at a time by a thread of its own."""

    def __init__(self, processes: int, done: Done, work: Callable[[CopyJob], Copied] = write_copy):
        self.done = done
        self.work = work
        self.jobs: queue.Queue[tuple[Any, CopyJob] | None] = queue.Queue()
        self.state = threading.Condition()
        #: jobs handed over and not yet done (queued or being written)
        self.pending = 0
        #: jobs a process is writing now
        self.writing = 0
        self.stopping = False
        self.threads = [
            threading.Thread(target=self._feed, daemon=True, name=f"refresh-writer-{n}")
            for n in range(processes)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, key: Any, job: CopyJob) -> None:
        with self.state:
            self.pending += 1
        self.jobs.put((key, job))

    def idle(self) -> bool:
        with self.state:
            return self.pending == 0

    def stop(self) -> None:
        """Take no more jobs; wait for the copies being written, whose `done` has then run."""
        with self.state:
            self.stopping = True
            while self.writing:
                self.state.wait()
        self.close()

    def close(self) -> None:
        """End the processes once the jobs handed over are done (or dropped, after `stop`)."""
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join()

    def _feed(self) -> None:
        process: _Process | None = None
        process = self._start()  # now, to be ready by the first copy
        try:
            while (item := self.jobs.get()) is not None:
                with self.state:
                    if self.stopping:
                        self.pending -= 1
                        continue
                    self.writing += 1
                try:
                    process = self._write(process, *item)
                finally:
                    with self.state:
                        self.writing -= 1
                        self.pending -= 1
                        self.state.notify_all()
        finally:
            if process is not None:
                process.close()

    def _write(self, process: _Process | None, key: Any, job: CopyJob) -> _Process | None:
        """One job in a live process (a new one after a death); its answer handed to `done`.
        Where no process can be started, the copy is written here, as a small run writes it."""
        if process is None or not process.alive():
            process = self._start()
        copied = process.write(job) if process is not None else _here(self.work, job)
        self.done(key, copied)
        return process

    def _start(self) -> _Process | None:
        try:
            return _Process(self.work)
        except Exception:  # no forkserver, no spawn (a sandbox): slower, not wrong
            return None


def _context() -> Any:
    """A clean process forked from a server that imported the writer once; spawn where there is none."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class _Process:
    def __init__(self, work: Callable[[CopyJob], Copied]):
        context = _context()
        self.conn, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(theirs, work), daemon=True, name="cassettes-refresh-writer"
        )
        self.process.start()
        theirs.close()

    def alive(self) -> bool:
        return not self.conn.closed and self.process.is_alive()

    def write(self, job: CopyJob) -> Copied:
        """The job's answer, or why there is none: the process died writing it."""
        try:
            self.conn.send(job)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it died before this job
        except Exception as exc:  # a job that does not pickle: the process is fine
            return Copied(failure=internal_error(exc))
        else:
            answer = self._answer()
            if answer is not None:
                return answer
        self.close()
        return Copied(
            failure=f"cannot write its copy: the process writing it {_death(self.process.exitcode)}"
        )

    def _answer(self) -> Copied | None:
        wait([self.conn, self.process.sentinel])
        try:
            if self.conn.poll():
                answer: Copied = self.conn.recv()
                return answer
        except (EOFError, ConnectionResetError):
            pass
        return None

    def close(self) -> None:
        self.conn.close()  # the process reads the end of its input and returns
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def _serve(conn: Connection, work: Callable[[CopyJob], Copied]) -> None:
    """A writer process: one job in, its answer out, until the run closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's: it waits for this copy
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(_here(work, job))


def _here(work: Callable[[CopyJob], Copied], job: CopyJob) -> Copied:
    """The job's answer whatever it raised: one cassette's bug is its entry, not the run's end."""
    try:
        return work(job)
    except Exception as exc:
        return Copied(failure=internal_error(exc))
