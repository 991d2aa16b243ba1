"""Re-record cassettes against a staging target into a scratch run, with its manifest.

The one module that speaks HTTP. The safety rules of SPEC.md are enforced here: only
mapped hosts are contacted, only allowed methods are sent, a redirect is an answer,
the originals are only read, and every file written has been through redaction and
the secret scanner first.

A refreshed cassette keeps each request exactly as recorded (a credential in it is
masked all the same) and takes the new answer, stored as the client saw it: the body
decoded, `Content-Encoding` dropped and `Content-Length` fixed, as vcrpy's
`decode_compressed_response` stores it. That keeps redaction and masking on the text
that is written, lets a JSON cassette hold a gzip answer, and replays under vcrpy with
requests and httpx alike. A body in an encoding we cannot undo (`zstd`) is kept as
sent, with its header.
"""

from __future__ import annotations

import errno
import json
import os
import queue
import ssl
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from cassettes_tool import cassette, secrets
from cassettes_tool.cassette import CustomSerializer, check_serializer, custom_serializer, decode, read
from cassettes_tool.config import Config, RedactRules, Target
from cassettes_tool.errors import CassetteError, ConfigError, NotACassette
from cassettes_tool.model import Masked
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Response
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, Progress, RunManifest
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Report, RunInfo, Status

MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "cassettes-manifest/1"
#: `<scratch>/LATEST` holds the id of the newest run, for `diff --scratch` without a RUN.
LATEST = "LATEST"

#: Headers of one hop or of one body's framing: the client computes its own.
_NOT_FORWARDED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)
_RETRY_STATUSES = frozenset({502, 503, 504})
#: Methods safe to send again after the connection broke once the request was out.
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: Content-codings `body.decode` undoes; an answer in any other is stored as sent.
_DECODABLE = frozenset({"gzip", "x-gzip", "deflate", "br", "identity", ""})
#: How often the waiting main thread looks up, so Ctrl-C is taken at once.
_TICK = 0.1


@dataclass(frozen=True, slots=True)
class Limits:
    """How hard to try and how much to take, so one bad endpoint cannot stall or swamp a run."""

    max_bytes: int = 50 * 1024 * 1024
    attempts: int = 3
    #: seconds before the second attempt, doubled before each next one
    backoff: float = 0.25


# ---------------------------------------------------------------------------- the run


def refresh(
    paths: Sequence[Path],
    config: Config,
    target: Target,
    *,
    scratch: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    limits: Limits = Limits(),
) -> RunManifest:
    """Replay every cassette under `paths` against `target` into a new scratch run.

    Problems with a cassette or an interaction are entries in the manifest; only a
    usage problem (a bad redact rule, an unusable scratch folder) raises. Ctrl-C stops
    the run: what was finished is kept, and the manifest says the run is incomplete.
    """
    check_settings(config)
    verify = _ssl_context(target.verify)
    scratch_root = scratch if scratch is not None else config.scratch
    files = [f for f in cassette.discover(paths).files if not is_under(f, scratch_root)]
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
        done.get(i) or CassetteRun(relative, Outcome.ERROR, "not refreshed: the run was interrupted")
        for i, (_, relative) in enumerate(jobs)
    )
    return finish_run(manifest, cassettes, complete=complete)


def check_settings(config: Config) -> None:
    """Settings a run cannot do without, checked before it starts: the serializer, the redact rules."""
    check_serializer(config)
    for rule in config.redact.body:
        try:
            secrets.parse_json_path(rule)
        except ValueError as exc:
            raise ConfigError(str(exc), source=config.source, key="redact.body") from None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def is_under(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


def common_root(paths: Sequence[Path], files: Sequence[Path]) -> Path:
    """The current folder when every cassette is under it, else the PATHs' common folder."""
    cwd = Path.cwd().absolute()
    if all(is_under(f, cwd) for f in files):
        return cwd
    folders = [os.path.abspath(p if p.is_dir() else p.parent) for p in paths]
    return Path(os.path.commonpath(folders))


def start_run(scratch: Path, target: str, root: Path) -> RunManifest:
    """The run's folder, the scratch area's `.gitignore`, and a manifest saying `incomplete`
    from the first moment, so that a run killed outright is still recognisable."""
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        ignore = scratch / ".gitignore"
        if not ignore.exists():
            cassette.write_atomic(ignore, "# cassettes refresh runs: never committed\n*\n")
        started = _now()
        run_id = _new_run_folder(scratch, started)
    except OSError as exc:
        raise ConfigError(f"cannot use scratch folder {scratch}: {exc.strerror or exc}") from None
    manifest = RunManifest(run_id, target, root, (scratch / run_id).absolute(), started)
    write_manifest(manifest)
    return manifest


def finish_run(manifest: RunManifest, cassettes: tuple[CassetteRun, ...], *, complete: bool) -> RunManifest:
    """The run's final manifest, written, and the run made the scratch area's `LATEST`."""
    manifest = replace(manifest, cassettes=cassettes, finished=_now(), complete=complete)
    write_manifest(manifest)
    cassette.write_atomic(manifest.folder.parent / LATEST, manifest.run_id + "\n")
    return manifest


def _new_run_folder(scratch: Path, started: datetime) -> str:
    """A sortable id (`20261124T223000Z-1f2e`); the random tail keeps runs of one second apart."""
    for _ in range(64):
        run_id = f"{started:%Y%m%dT%H%M%SZ}-{os.urandom(2).hex()}"
        try:
            (scratch / run_id).mkdir()
            return run_id
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free run id", str(scratch))


class _Runner:
    """Cassettes in parallel on daemon threads, interactions in order within each.

    Daemon threads, because a worker waiting on a server that never answers must not
    keep the process alive after Ctrl-C; the write lock makes sure none is half-way
    through writing a file when the run is declared stopped.
    """

    def __init__(
        self,
        manifest: RunManifest,
        config: Config,
        target: Target,
        limits: Limits,
        progress: Callable[[Progress], None] | None,
        verify: bool | ssl.SSLContext,
    ):
        self.manifest = manifest
        self.config = config
        self.target = target
        self.limits = limits
        self.progress = progress
        self.stopping = threading.Event()
        self.write_lock = threading.Lock()
        self.events: queue.Queue[tuple[int, Outcome | CassetteRun]] = queue.Queue()
        self.done: dict[int, CassetteRun] = {}
        self.known = secrets.secret_values(target.headers.items(), config.redact.headers)
        origins = {_origin(url) for url in target.hosts.values()}
        self.clients = {origin: _client(target, verify) for origin in origins}

    def run(self, jobs: list[tuple[Path, Path]]) -> dict[int, CassetteRun]:
        pending: queue.Queue[tuple[int, Path, Path]] = queue.Queue()
        for i, (file, relative) in enumerate(jobs):
            pending.put((i, file, relative))
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
                if not any(w.is_alive() for w in workers) and self.events.empty():
                    break
                continue
            finished = None
            if isinstance(event, CassetteRun):
                self.done[index] = finished = event
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
        with self.write_lock:
            self.stopping.set()
        while True:
            try:
                index, event = self.events.get_nowait()
            except queue.Empty:
                return self.done
            if isinstance(event, CassetteRun):
                self.done[index] = event

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def _work(self, pending: queue.Queue[tuple[int, Path, Path]]) -> None:
        while not self.stopping.is_set():
            try:
                index, file, relative = pending.get_nowait()
            except queue.Empty:
                return
            try:
                result = self._cassette(file, relative, index)
            except Exception as exc:  # one cassette's bug must not end the run: it is its entry
                result = CassetteRun(relative, Outcome.ERROR, f"internal error: {type(exc).__name__}: {exc}")
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
        for interaction in loaded.interactions:
            if self.stopping.is_set():
                return None
            run, answer = self._interaction(interaction)
            runs.append(run)
            if answer is not None:
                answers[interaction.index] = answer
            self.events.put((index, run.outcome))
        result = CassetteRun(
            relative, Outcome.SKIPPED, serializer=loaded.serializer, interactions=tuple(runs)
        )
        if answers:
            custom = custom_serializer(self.config.serializer)
            try:
                text, masked = self._render(loaded, answers, custom)
            except Exception as exc:  # serializers (a project's own too) raise what they like
                reason = f"cannot write it with the {loaded.serializer} serializer: {exc}"
                return replace(result, outcome=Outcome.ERROR, reason=reason)
            with self.write_lock:
                if self.stopping.is_set():
                    return None
                try:
                    cassette.write_atomic(self.manifest.folder / relative, text)
                except OSError as exc:
                    reason = f"cannot write its copy: {exc.strerror or exc}"
                    return replace(result, outcome=Outcome.ERROR, reason=reason)
            result = replace(result, written=True, masked=masked, outcome=Outcome.REFRESHED)
        errors = sum(1 for r in runs if r.outcome is Outcome.ERROR)
        if errors:
            reason = f"{errors} of {len(runs)} interactions could not be refreshed"
            return replace(result, outcome=Outcome.ERROR, reason=reason)
        if not answers:
            return replace(result, reason="no interaction was sent" if runs else "no interactions")
        return result

    # ------------------------------------------------------------------------ one interaction

    def _interaction(self, interaction: Interaction) -> tuple[InteractionRun, Response | None]:
        request = interaction.request
        base = _base_url(request.uri, self.target.hosts)
        entry = InteractionRun(interaction.index, request.method, request.uri, Outcome.SKIPPED)
        if base is None:
            host = urlsplit(request.uri).netloc
            return replace(entry, reason=f"host {host} is not mapped (--map {host}=BASE_URL)"), None
        if request.method not in self.target.methods:
            method = request.method
            return replace(entry, reason=f"method {method} is not allowed (--allow-method {method})"), None
        url = _staging_url(request.uri, base)
        headers = _outgoing_headers(request.headers, self.target.headers)
        answer = self._exchange(request.method, url, headers, request.body.stored)
        if isinstance(answer, _Failure):
            return replace(entry, outcome=Outcome.ERROR, reason=answer.reason, attempts=answer.attempts), None
        recorded = interaction.response.status or 0
        if answer.status >= 500 and recorded < 500:
            reason = f"staging answered {answer.status} {answer.reason}".rstrip()
            if answer.attempts > 1:
                reason += f" (after {answer.attempts} attempts)"
            return replace(entry, outcome=Outcome.ERROR, reason=reason, attempts=answer.attempts), None
        response = _stored(answer)
        if response.body.size > self.limits.max_bytes or response.body.note:
            reason = f"the answer decompresses to more than {_mib(self.limits.max_bytes)}: not stored"
            return replace(entry, outcome=Outcome.ERROR, reason=reason, attempts=answer.attempts), None
        refreshed = replace(
            entry,
            outcome=Outcome.REFRESHED,
            status_code=answer.status,
            media_type=response.body.media_type,
            body_kind=response.body.kind.value,
            body_size=response.body.size,
            attempts=answer.attempts,
        )
        return refreshed, response

    def _exchange(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes
    ) -> _Answer | _Failure:
        """Send with bounded retries: connection failures, and 502/503/504 answers."""
        client = self.clients[_origin(url)]
        limits = self.limits
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= limits.attempts
            try:
                with client.stream(method, url, headers=headers, content=body or None) as response:
                    if response.status_code not in _RETRY_STATUSES or last:
                        return self._read(response, attempt)
            except httpx.TransportError as exc:
                if last or not _retryable(exc, method):
                    return _Failure(self._describe(exc, url), attempt)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return _Failure(f"cannot send it to {url}: {exc}", attempt)
            if self.stopping.wait(limits.backoff * 2 ** (attempt - 1)):
                return _Failure("the run was interrupted", attempt)

    def _read(self, response: httpx.Response, attempt: int) -> _Answer | _Failure:
        """The raw body, streamed and cut off past the size limit."""
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return _Failure(
                f"answer too large: {int(declared):,} bytes declared, limit {_mib(limit)}", attempt
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > limit:
                return _Failure(f"answer too large: more than {_mib(limit)}, not stored", attempt)
            chunks.append(chunk)
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
        return _Answer(response.status_code, response.reason_phrase, headers, b"".join(chunks), attempt)

    def _describe(self, exc: httpx.TransportError, url: str) -> str:
        host = urlsplit(url).netloc
        timeout = f"{self.target.timeout:g} s"
        chain = _causes(exc)
        verify_error = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
        if verify_error is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            detail = getattr(verify_error, "verify_message", None) or str(exc)
            verify = json.dumps(self.target.verify)
            return (
                f"TLS certificate of {host} not trusted ({detail}) with verify = {verify}: "
                "set the target's `verify` to the CA bundle that signed it, or to false"
            )
        if isinstance(exc, httpx.ConnectTimeout):
            return f"no connection to {host} within {timeout} (timeout)"
        if isinstance(exc, httpx.ConnectError):
            refused = any(
                isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED
                for e in chain
            )
            return f"connection refused by {host}" if refused else f"cannot connect to {host}: {exc}"
        if isinstance(exc, httpx.ReadTimeout):
            return f"no answer from {host} within {timeout} (timeout)"
        if isinstance(exc, httpx.TimeoutException):
            return f"{host} timed out after {timeout}: {type(exc).__name__}"
        if isinstance(exc, httpx.ProxyError):
            return f"proxy refused the request to {host}: {exc}"
        return f"connection to {host} broken: {exc or type(exc).__name__}"

    # ------------------------------------------------------------------------ writing

    def _render(
        self, loaded: Cassette, answers: Mapping[int, Response], custom: CustomSerializer | None
    ) -> tuple[str, tuple[Masked, ...]]:
        """The scratch cassette's text: redacted, then masked, then written through vcrpy.

        Interactions that were not refreshed are kept as recorded, so the copy replays
        everything the original did. Whatever redaction left untouched is written from
        vcrpy's own reading of the original, byte for byte what it recorded.
        """
        return scrub(
            loaded,
            cassette.serializer_for(loaded.serializer, custom),
            self.config.redact,
            known=self.known,
            recorded=cassette.recorded_pairs(loaded, custom),
            answers=answers,
        )


def scrub(
    loaded: Cassette,
    serializer: cassette.Serializer,
    rules: RedactRules,
    *,
    known: Iterable[str] = (),
    recorded: Sequence[tuple[Any, Any]] | None = None,
    answers: Mapping[int, Response] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> tuple[str, tuple[Masked, ...]]:
    """A cassette's text as the scratch area may hold it: each interaction (with its new
    answer, when `answers` has one) redacted by the rules, then masked by the scanner.

    `recorded` is vcrpy's own `(Request, response dict)` per interaction: what redaction
    and masking leave untouched is written from it, byte for byte. `known` values (a
    target's tokens) are masked wherever they appear.
    """
    pairs: list[tuple[Any, Any]] = []
    masked: list[Masked] = []
    for interaction in loaded.interactions:
        answer = (answers or {}).get(interaction.index)
        written = replace(interaction, response=answer) if answer is not None else interaction
        clean, found = secrets.mask_interaction(
            secrets.redact_interaction(written, rules),
            headers=rules.headers,
            fields=rules.query,
            known=known,
        )
        masked += found
        raw_request, raw_response = recorded[interaction.index] if recorded else (None, None)
        if raw_request is None or clean.request != interaction.request:
            raw_request = cassette.vcr_request(clean.request, like=raw_request)
        if raw_response is None or answer is not None or clean.response != interaction.response:
            raw_response = cassette.vcr_response(clean.response)
        pairs.append((raw_request, raw_response))
    return cassette.dumps(pairs, serializer, metadata=metadata), tuple(masked)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    attempts: int


def _ssl_context(verify: bool | str) -> bool | ssl.SSLContext:
    """A CA bundle path becomes a context (httpx no longer takes a path); booleans pass."""
    if isinstance(verify, bool):
        return verify
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"verify: cannot load the CA bundle {verify}: {exc}") from None


def _client(target: Target, verify: bool | ssl.SSLContext) -> httpx.Client:
    """One pooled client per staging origin: `concurrency` caps its open connections.

    Proxies come from the environment (`trust_env`); redirects are not followed. The
    client's own default headers are dropped so that only what was recorded is sent.
    """
    client = httpx.Client(
        verify=verify,
        timeout=httpx.Timeout(target.timeout, pool=None),
        limits=httpx.Limits(max_connections=target.concurrency, max_keepalive_connections=target.concurrency),
        follow_redirects=False,
        trust_env=True,
    )
    client.headers.clear()
    return client


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _base_url(uri: str, hosts: Mapping[str, str]) -> str | None:
    """The mapped base URL of a recorded URI: by `host:port` when the URI names a port, else host."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and f"{host}:{port}" in hosts:
        return hosts[f"{host}:{port}"]
    return hosts.get(host)


def _staging_url(uri: str, base: str) -> str:
    """`https://api.example.com/v1/x?q=1` on `http://127.0.0.1:8080/api` -> `.../api/v1/x?q=1`."""
    recorded = urlsplit(uri)
    staging = urlsplit(base)
    path = staging.path.rstrip("/") + (recorded.path or "/")
    return urlunsplit((staging.scheme, staging.netloc, path, recorded.query, ""))


def _outgoing_headers(recorded: Headers, extra: Mapping[str, str]) -> list[tuple[str, str]]:
    """The recorded headers, less framing and hop-by-hop ones, with the target's on top."""
    replaced = {name.lower() for name in extra}
    kept = [
        (name, value)
        for name, value in recorded
        if name.lower() not in _NOT_FORWARDED and name.lower() not in replaced
    ]
    return kept + list(extra.items())


def _retryable(exc: httpx.TransportError, method: str) -> bool:
    """Connecting failed: always worth another try (unless the certificate is wrong).
    The connection broke after the request went out: only for methods safe to repeat."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return not any(isinstance(e, ssl.SSLError) for e in _causes(exc))
    return isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError | httpx.WriteError) and (
        method in _IDEMPOTENT
    )


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _stored(answer: _Answer) -> Response:
    """The answer as it is written: decoded when every content-coding it names can be undone."""
    headers = Headers(answer.headers)
    encoding = headers.get("content-encoding")
    body = decode(answer.body, headers.get("content-type"), encoding)
    response = Response(answer.status, answer.reason, headers, body)
    codings = {c.strip().lower() for c in (encoding or "").split(",")}
    if encoding is not None and answer.body and codings <= _DECODABLE and body.note is None:
        return cassette.with_body(response, body.data)
    return response


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


# ---------------------------------------------------------------------------- manifest


def write_manifest(manifest: RunManifest) -> None:
    text = json.dumps(_manifest_json(manifest), indent=2, ensure_ascii=False) + "\n"
    cassette.write_atomic(manifest.folder / MANIFEST, text)


def _manifest_json(manifest: RunManifest) -> dict[str, Any]:
    runs = [i for c in manifest.cassettes for i in c.interactions]
    return {
        "schema": MANIFEST_SCHEMA,
        "run_id": manifest.run_id,
        "target": manifest.target,
        "root": str(manifest.root),
        "started": manifest.started.isoformat(),
        "finished": manifest.finished.isoformat() if manifest.finished else None,
        "complete": manifest.complete,
        "summary": {
            "cassettes": {o.value: sum(c.outcome is o for c in manifest.cassettes) for o in Outcome},
            "interactions": {o.value: sum(i.outcome is o for i in runs) for o in Outcome},
            "masked": sum(len(c.masked) for c in manifest.cassettes),
        },
        "cassettes": [
            {
                "path": run.path.as_posix(),
                "status": run.outcome.value,
                "reason": run.reason,
                "serializer": run.serializer,
                "written": run.written,
                "interactions": [
                    {
                        "index": i.index,
                        "method": i.method,
                        "uri": i.uri,
                        "status": i.outcome.value,
                        "reason": i.reason,
                        "status_code": i.status_code,
                        "media_type": i.media_type,
                        "body_kind": i.body_kind,
                        "body_size": i.body_size,
                        "attempts": i.attempts,
                    }
                    for i in run.interactions
                ],
                "masked": [
                    {
                        "interaction": m.interaction,
                        "where": m.where,
                        "kind": m.kind,
                        "placeholder": m.placeholder,
                    }
                    for m in run.masked
                ],
            }
            for run in manifest.cassettes
        ],
    }


def latest_run(scratch: Path) -> str:
    """The id of the newest run in `scratch`."""
    try:
        run_id = (scratch / LATEST).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"no refresh run in {scratch}: run `cassettes refresh` first") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {scratch / LATEST}: {exc.strerror or exc}") from None
    if not run_id:
        raise ConfigError(f"{scratch / LATEST} is empty: run `cassettes refresh` again")
    return run_id


def load_manifest(scratch: Path, run_id: str | None = None) -> RunManifest:
    """A run's manifest read back (the newest run when `run_id` is None)."""
    run_id = run_id or latest_run(scratch)
    folder = scratch / run_id
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no refresh run {run_id!r} in {scratch}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        if data["schema"] != MANIFEST_SCHEMA:
            raise ValueError(f"schema {data['schema']!r}, expected {MANIFEST_SCHEMA!r}")
        return RunManifest(
            run_id=data["run_id"],
            target=data["target"],
            root=Path(data["root"]),
            folder=folder.absolute(),
            started=datetime.fromisoformat(data["started"]),
            finished=datetime.fromisoformat(data["finished"]) if data["finished"] else None,
            complete=bool(data["complete"]),
            cassettes=tuple(_cassette_run(c) for c in data["cassettes"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a refresh manifest ({type(exc).__name__}: {exc})") from None


def _cassette_run(data: Mapping[str, Any]) -> CassetteRun:
    return CassetteRun(
        path=Path(data["path"]),
        outcome=Outcome(data["status"]),
        reason=data["reason"],
        serializer=data["serializer"],
        written=bool(data["written"]),
        interactions=tuple(
            InteractionRun(
                index=i["index"],
                method=i["method"],
                uri=i["uri"],
                outcome=Outcome(i["status"]),
                reason=i["reason"],
                status_code=i["status_code"],
                media_type=i["media_type"],
                body_kind=i["body_kind"],
                body_size=i["body_size"],
                attempts=i["attempts"],
            )
            for i in data["interactions"]
        ),
        masked=tuple(Masked(m["kind"], m["interaction"], m["where"]) for m in data["masked"]),
    )


# ---------------------------------------------------------------------------- report

_STATUS = {Outcome.REFRESHED: Status.OK, Outcome.SKIPPED: Status.SKIPPED, Outcome.ERROR: Status.ERROR}


def report_of(manifest: RunManifest) -> Report:
    """The run as the common report: a cassette `ok` when refreshed, interactions with why."""
    results = []
    for run in manifest.cassettes:
        interactions = tuple(
            InteractionSummary(
                index=i.index,
                method=i.method,
                uri=i.uri,
                host=urlsplit(i.uri).hostname or "",
                path=urlsplit(i.uri).path or "/",
                status_code=i.status_code,
                media_type=i.media_type,
                body_size=i.body_size or 0,
                body_kind=i.body_kind or "",
                status=_STATUS[i.outcome],
                reason=i.reason,
                masked=tuple((m.where, m.kind) for m in run.masked if m.interaction == i.index),
            )
            for i in run.interactions
        )
        results.append(
            CassetteResult(
                path=manifest.original(run),
                status=_STATUS[run.outcome],
                serializer=run.serializer,
                error=run.reason if run.outcome is not Outcome.REFRESHED else None,
                interactions=interactions,
            )
        )
    run_info = RunInfo(manifest.run_id, manifest.folder, manifest.complete)
    return Report(command="refresh", cassettes=tuple(results), target=manifest.target, run=run_info)
