"""Re-record cassettes against a staging target into a scratch run, with its manifest.

The safety rules of SPEC.md are enforced here: only mapped hosts are contacted, only
allowed methods are sent, a redirect is an answer (`exchange` sends and reads), the
originals are only read, and every file written has been through redaction and the
secret scanner first.

A refreshed cassette keeps each request exactly as recorded (a credential in it is
masked all the same) and takes the new answer, stored as the client saw it: the body
decoded, `Content-Encoding` dropped and `Content-Length` fixed, as vcrpy's
`decode_compressed_response` stores it. That keeps redaction and masking on the text
that is written, lets a JSON cassette hold a gzip answer, and replays under vcrpy with
requests and httpx alike. A body in an encoding we cannot undo (`zstd`) is kept as
sent, with its header.
"""

from __future__ import annotations

import hashlib
import os
import queue
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from cassettes_tool import cassette, secrets
from cassettes_tool.cassette import read
from cassettes_tool.config import Config, Target
from cassettes_tool.errors import CassetteError, NotACassette
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Interaction, Response
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, Progress, RunManifest
from cassettes_tool.refresh.budget import Budget
from cassettes_tool.refresh.copy import Copied, CopyJob, internal_error, write_copy
from cassettes_tool.refresh.exchange import Exchange
from cassettes_tool.refresh.http import (
    DEFAULT_LIMITS,
    Failure,
    Limits,
    base_url,
    mib,
    outgoing_headers,
    ssl_context,
    staging_url,
    stored,
)
from cassettes_tool.refresh.mapping import map_back_response, reverse_bases
from cassettes_tool.refresh.scratch import (
    check_settings,
    common_root,
    entry_text,
    finish_run,
    is_under,
    start_run,
)
from cassettes_tool.refresh.writer import Writer

#: How often the waiting main thread looks up, so Ctrl-C is taken at once.
_TICK = 0.1

#: Cassettes from which a run writes its copies in a writer process: starting one (~0.2 s
#: the first time, a fork after) is less than a small run's copies cost the request threads.
_WRITER_MIN_CASSETTES = 16


# ---------------------------------------------------------------------------- the run


def refresh(
    paths: Sequence[Path],
    config: Config,
    target: Target,
    *,
    scratch: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RunManifest:
    """Replay every cassette under `paths` against `target` into a new scratch run.

    Problems with a cassette or an interaction are entries in the manifest; only a
    usage problem (a bad redact rule, an unusable scratch folder) raises. Ctrl-C stops
    the run: what was finished is kept, and the manifest says the run is incomplete.
    """
    check_settings(config)
    tls = any(urlsplit(url).scheme.lower() != "http" for url in target.hosts.values())
    verify = ssl_context(target.verify, tls=tls)
    scratch_root = scratch if scratch is not None else config.scratch
    files = [
        f for f in cassette.discover(paths, cassette.excluder(config)).files if not is_under(f, scratch_root)
    ]
    root = common_root(paths, files)
    manifest = start_run(scratch_root, target.name, root)
    runner = _Runner(manifest, config, target, limits, progress, verify)
    jobs = [(file, Path(os.path.relpath(os.path.abspath(file), root))) for file in files]
    try:
        done = runner.run(jobs)
        complete = True
    except KeyboardInterrupt:
        done = runner.stop()
        complete = False
    else:
        runner.close()
    cassettes = tuple(
        done.get(i) or _unfinished(relative, started=i in runner.started)
        for i, (_, relative) in enumerate(jobs)
    )
    finished = finish_run(manifest, cassettes, complete=complete, entries=runner.entries)
    return replace(finished, interrupted=not complete)


def _longest_first(jobs: Sequence[tuple[Path, Path]]) -> list[int]:
    """The order cassettes are taken up in: the largest file first, so a long cassette is not
    the last one left running while the other workers sit idle (the manifest keeps the
    files' own order). Size on disk stands in for the number of interactions: it costs a
    stat, where counting them would mean parsing every cassette before the first request."""

    def size(index: int) -> int:
        try:
            return os.stat(jobs[index][0]).st_size
        except OSError:
            return 0  # its read will say why

    return sorted(range(len(jobs)), key=lambda index: (-size(index), index))


def _unfinished(relative: Path, *, started: bool) -> CassetteRun:
    """A cassette the interrupted run was sending is an error; one it never reached was not started."""
    if started:
        return CassetteRun(relative, Outcome.ERROR, "interrupted while it was being refreshed")
    return CassetteRun(relative, Outcome.SKIPPED, "not started: the run was interrupted")


class _Runner:
    """Cassettes in parallel on daemon threads, interactions in order within each.

    Daemon threads, because a worker waiting on a server that never answers must not
    keep the process alive after Ctrl-C; `stop` waits for the files being written, so none
    is half-way through when the run is declared stopped. Writes do not wait on each other:
    each copy is its own atomic replace (one lock across write + fsync + rename made ~80% of
    worker time a queue at concurrency 64). In a large run a worker hands its copy to a
    writer process (`writer.py`) and goes on with the next cassette.
    """

    def __init__(
        self,
        manifest: RunManifest,
        config: Config,
        target: Target,
        limits: Limits,
        progress: Callable[[Progress], None] | None,
        verify: ssl.SSLContext,
    ):
        self.manifest = manifest
        self.config = config
        self.target = target
        self.limits = limits
        self.progress = progress
        self.stopping = threading.Event()
        #: copies being written; `stop` waits until none is
        self.writing = 0
        self.write_state = threading.Condition()
        self.events: queue.Queue[tuple[int, Outcome | CassetteRun]] = queue.Queue()
        self.done: dict[int, CassetteRun] = {}
        #: the manifest's entry of each finished cassette, made while the others are waited for
        self.entries: dict[CassetteRun, str] = {}
        #: cassettes a worker took up (read from other threads only after the run stopped)
        self.started: set[int] = set()
        self.known = secrets.secret_values(target.headers.items(), config.redact.headers)
        self.budget = Budget(limits.in_memory)
        self.exchange = Exchange(target, limits, self.budget, self.stopping, verify)
        self.writer: Writer | None = None

    def run(self, jobs: list[tuple[Path, Path]]) -> dict[int, CassetteRun]:
        pending: queue.Queue[tuple[int, Path, Path]] = queue.Queue()
        for i in _longest_first(jobs):
            pending.put((i, *jobs[i]))
        processes = self._writers(len(jobs))
        if processes:
            self.writer = Writer(processes, self._copied)
        workers = [
            threading.Thread(target=self._work, args=(pending,), daemon=True, name=f"refresh-{n}")
            for n in range(min(self.target.concurrency, len(jobs)))
        ]
        for worker in workers:
            worker.start()
        interactions = errors = 0
        while len(self.done) < len(jobs):
            try:
                index, event = self.events.get(timeout=_TICK)
            except queue.Empty:
                writing = self.writer is not None and not self.writer.idle()
                if not any(w.is_alive() for w in workers) and not writing and self.events.empty():
                    break
                continue
            finished = None
            if isinstance(event, CassetteRun):
                self.done[index] = finished = event
                self.entries[event] = entry_text(event)
                errors += event.outcome is Outcome.ERROR and not event.interactions  # unreadable
            else:
                interactions += 1
                errors += event is Outcome.ERROR
            if self.progress is not None:
                self.progress(
                    Progress(self.manifest.root, len(jobs), len(self.done), interactions, errors, finished)
                )
        return self.done

    def stop(self) -> dict[int, CassetteRun]:
        """Stop taking work; wait for a file being written, not for a server."""
        with self.write_state:
            self.stopping.set()
            while self.writing:
                self.write_state.wait()
        if self.writer is not None:
            self.writer.stop()
        while True:
            try:
                index, event = self.events.get_nowait()
            except queue.Empty:
                return self.done
            if isinstance(event, CassetteRun):
                self.done[index] = event

    def close(self) -> None:
        self.exchange.close()
        if self.writer is not None:
            self.writer.close()

    def _writers(self, cassettes: int) -> int:
        """Writer processes for a run of `cassettes`: none for a project's own serializer,
        imported in this process, nor for a run too small to pay for starting one."""
        if self.config.serializer is not None:
            return 0
        if self.limits.writers is not None:
            return self.limits.writers
        return 1 if cassettes >= _WRITER_MIN_CASSETTES else 0

    def _work(self, pending: queue.Queue[tuple[int, Path, Path]]) -> None:
        while not self.stopping.is_set():
            try:
                index, file, relative = pending.get_nowait()
            except queue.Empty:
                return
            self.started.add(index)
            try:
                result = self._cassette(file, relative, index)
            except Exception as exc:  # one cassette's bug must not end the run: it is its entry
                result = CassetteRun(relative, Outcome.ERROR, internal_error(exc))
            finally:
                self.budget.give_back()
            if result is not None:
                self.events.put((index, result))

    def _cassette(self, file: Path, relative: Path, index: int) -> CassetteRun | None:
        loaded = read(file, self.config.serializer)
        if isinstance(loaded, NotACassette):
            return CassetteRun(relative, Outcome.SKIPPED, loaded.reason)
        if isinstance(loaded, CassetteError):
            where = f"line {loaded.line}: " if loaded.line else ""
            return CassetteRun(relative, Outcome.ERROR, f"cannot read it: {where}{loaded.reason}")
        runs: list[InteractionRun] = []
        answers: dict[int, Response] = {}
        bases = reverse_bases(self.target.hosts, [loaded])
        for interaction in loaded.interactions:
            if self.stopping.is_set():
                return None
            run, answer = self._interaction(interaction, bases)
            runs.append(run)
            if answer is not None:
                answers[interaction.index] = answer
            self.events.put((index, run.outcome))
        result = CassetteRun(
            relative,
            Outcome.SKIPPED,
            serializer=loaded.serializer,
            interactions=tuple(runs),
            original_sha256=hashlib.sha256(loaded.text.encode("utf-8")).hexdigest(),
        )
        if not answers:
            return _settled(result, None)
        job = CopyJob(
            loaded,
            answers,
            self.manifest.folder / relative,
            self.config.serializer,
            self.config.redact,
            self.known,
        )
        return self._copy(index, result, job)

    def _copy(self, index: int, result: CassetteRun, job: CopyJob) -> CassetteRun | None:
        """The copy handed to the writer, whose answer makes the entry, or written here.
        None when there is no entry yet (handed over), or none to make (the run stopped)."""
        if self.writer is not None:
            self.writer.submit((index, result, self.budget.hand_over()), job)
            return None
        with self.write_state:
            if self.stopping.is_set():
                return None
            self.writing += 1
        try:
            copied = write_copy(job)
        finally:
            with self.write_state:
                self.writing -= 1
                self.write_state.notify_all()
        return _settled(result, copied)

    def _copied(self, key: tuple[int, CassetteRun, int], copied: Copied) -> None:
        """A writer's answer for a cassette handed over: its entry, and its answers' bytes given back."""
        index, result, held = key
        self.events.put((index, _settled(result, copied)))
        self.budget.release(held)

    # ------------------------------------------------------------------------ one interaction

    def _interaction(
        self, interaction: Interaction, bases: Sequence[tuple[str, str]]
    ) -> tuple[InteractionRun, Response | None]:
        request = interaction.request
        base = base_url(request.uri, self.target.hosts)
        entry = InteractionRun(interaction.index, request.method, request.uri, Outcome.SKIPPED)
        hostname = (urlsplit(request.uri).hostname or "").lower()
        if hostname in self.target.skip_hosts:
            reason = f"host {hostname} is in skip_hosts: skipped by choice"
            return replace(entry, reason=reason, by_choice=True), None
        if base is None:
            host = urlsplit(request.uri).netloc
            return replace(entry, reason=f"host {host} is not mapped (--map {host}=BASE_URL)"), None
        if request.method not in self.target.methods:
            method = request.method
            return replace(entry, reason=f"method {method} is not allowed (--allow-method {method})"), None
        url = staging_url(request.uri, base)
        headers = outgoing_headers(request.headers, self.target.headers)
        answer = self.exchange.send(request.method, url, headers, request.body.stored)
        if isinstance(answer, Failure):
            return replace(entry, outcome=Outcome.ERROR, reason=answer.reason, attempts=answer.attempts), None
        recorded = interaction.response.status or 0
        if answer.status >= 500 and recorded < 500:
            reason = f"staging answered {answer.status} {answer.reason}".rstrip()
            if answer.attempts > 1:
                reason += f" (after {answer.attempts} attempts)"
            return replace(entry, outcome=Outcome.ERROR, reason=reason, attempts=answer.attempts), None
        response = stored(answer)
        if response.body.size > self.limits.max_bytes or response.body.note:
            reason = f"the answer decompresses to more than {mib(self.limits.max_bytes)}: not stored"
            return replace(entry, outcome=Outcome.ERROR, reason=reason, attempts=answer.attempts), None
        response, mapped_back = map_back_response(response, bases)
        kind = _kind_of(response.body)
        refreshed = replace(
            entry,
            outcome=Outcome.REFRESHED,
            status_code=answer.status,
            media_type=response.body.media_type,
            body_kind=kind.value,
            body_size=response.body.size,
            attempts=answer.attempts,
            mapped_back=mapped_back,
        )
        return refreshed, response


#: one large body parsed at a time: parsing holds the GIL anyway, and each parse of a 5 MB
#: JSON answer builds some 40 MB of objects
_PARSING = threading.Lock()


def _kind_of(body: Body) -> BodyKind:
    """The manifest's kind of a body, parsed on a copy: the answer kept until the cassette is
    written does not carry its parsed form (most of the memory a large answer took)."""
    if body.size < 1 << 20:
        return body.kind
    with _PARSING:
        return replace(body).kind


def _settled(result: CassetteRun, copied: Copied | None) -> CassetteRun:
    """A cassette's entry once its copy is written (or not), or when there was none to write."""
    runs = result.interactions
    if copied is not None:
        if copied.failure is not None:
            return replace(result, outcome=Outcome.ERROR, reason=copied.failure)
        result = replace(result, written=True, masked=copied.masked, outcome=Outcome.REFRESHED)
    errors = sum(1 for r in runs if r.outcome is Outcome.ERROR)
    if errors:
        reason = f"{errors} of {len(runs)} interactions could not be refreshed"
        return replace(result, outcome=Outcome.ERROR, reason=reason)
    if copied is None:
        return replace(result, reason=_unsent_reason(runs))
    return result


def _unsent_reason(runs: Sequence[InteractionRun]) -> str:
    """Why nothing of a cassette was sent, naming the hosts and methods that stopped it."""
    if not runs:
        return "no interactions"
    if all(r.by_choice for r in runs):
        return "skipped by choice: every host it calls is in skip_hosts"
    why = list(dict.fromkeys(r.reason for r in runs if r.reason and not r.by_choice))
    return f"nothing was sent: {'; '.join(why[:3])}{'; ...' if len(why) > 3 else ''}"
