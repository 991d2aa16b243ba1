"""Re-record through the project's own test suite: `refresh --via pytest`.

Replay cannot reproduce a flow whose requests depend on earlier answers (a token from a
login, an id a create returned); the user's own tests can. This module runs them in a
subprocess (`python -m pytest`, the user's environment passed through) with our plugin
(`pytest_plugin.py`) active, which makes vcrpy record every cassette into the scratch run
instead of over the original. It then turns what the plugin logged into the run's
manifest, the same `cassettes-manifest/1` a replay writes, so `diff --scratch`, `check`,
`--apply` and `--commit` read it unchanged.

The plugin and this module share two files in the run's `.via-pytest/` folder: the plan
(what the plugin needs: the root, the reverse host map, the redact rules), written here
before the run, and the event log (a JSON object a line: cassettes opened and saved,
tests and their outcomes), appended to by the plugin. Neither holds a credential.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from cassettes_tool import cassette, record
from cassettes_tool.cassette import read
from cassettes_tool.config import Config, RedactRules, Target
from cassettes_tool.errors import CassetteError, CassettesError, ConfigError, NotACassette
from cassettes_tool.model import Masked
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, RunManifest

#: Set by `refresh --via pytest` to the run's folder: the plugin is active only then.
RUN_ENV = "CASSETTES_SCRATCH_RUN"
#: The plugin's module, named with `-p` when the user's environment turns plugin autoloading off.
PLUGIN = "cassettes_tool.pytest_plugin"
#: The manifest's `target` when no target was given: the tests reach what their environment names.
NO_TARGET = "pytest"
#: The plan's modes: record every cassette into the run (`refresh --via pytest`), or replay
#: the originals read-only and log what each test opened and played (`cassettes unused`).
RECORD_MODE, UNUSED_MODE = "record", "unused"
#: Where the plan, the event log and the copies of cassettes outside the root go in a run.
PRIVATE = ".via-pytest"
PLAN_SCHEMA = "cassettes-pytest-plan/1"
_PLAN = "plan.json"
_EVENTS = "events.jsonl"
#: pytest's exit codes: tests failed, interrupted, internal error, usage error, no test collected
_TESTS_FAILED, _USAGE_ERROR, _NO_TESTS = 1, 4, 5
#: Lines of pytest's output kept to explain a run that could not start.
_TAIL = 20


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    """`--via pytest`: the arguments after `--`, handed to pytest as given."""

    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """What the plugin needs to record a run, read from the run folder in the pytest process."""

    #: the folder the cassettes' paths are relative to (the manifest's root)
    root: Path
    #: the run's folder in the scratch area
    folder: Path
    #: (staging base URL, recorded origin): a request under the base is written under the origin
    bases: tuple[tuple[str, str], ...] = ()
    redact: RedactRules = field(default_factory=RedactRules)
    #: the project's own serializer (`[tool.cassettes] serializer`), to read what it wrote
    serializer: str | None = None
    #: RECORD_MODE or UNUSED_MODE
    mode: str = RECORD_MODE

    def copy_of(self, original: Path) -> tuple[str | None, Path]:
        """Where the run records a cassette vcrpy opened at `original` (absolute), and the path
        relative to the root it stands for (None when it is outside the root: it is still
        kept away from the original, but is no part of the run)."""
        if record.is_under(original, self.folder):  # a path the run already handed out
            inside = Path(os.path.relpath(original, self.folder))
            return (None if inside.parts[:1] == (PRIVATE,) else inside.as_posix()), original
        relative = Path(os.path.relpath(original, self.root))
        if relative.parts[:1] == ("..",) or relative.is_absolute():
            return None, self.folder / PRIVATE / "outside" / original.relative_to(original.anchor)
        return relative.as_posix(), self.folder / relative


def write_plan(plan: Plan) -> None:
    data = {
        "schema": PLAN_SCHEMA,
        "root": str(plan.root),
        "folder": str(plan.folder),
        "bases": [list(pair) for pair in plan.bases],
        "redact": {"headers": plan.redact.headers, "query": plan.redact.query, "body": plan.redact.body},
        "serializer": plan.serializer,
        "mode": plan.mode,
    }
    cassette.write_atomic(plan.folder / PRIVATE / _PLAN, json.dumps(data, indent=2) + "\n")


def read_plan(folder: Path) -> Plan:
    """The plan of the run in `folder`; ValueError or OSError when there is none to trust."""
    data = json.loads((folder / PRIVATE / _PLAN).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema") != PLAN_SCHEMA:
        raise ValueError(f"{folder / PRIVATE / _PLAN}: not a {PLAN_SCHEMA} plan")
    try:
        redact = data["redact"]
        return Plan(
            root=Path(data["root"]),
            folder=Path(data["folder"]),
            bases=tuple((str(base), str(origin)) for base, origin in data["bases"]),
            redact=RedactRules(
                headers=tuple(redact["headers"]), query=tuple(redact["query"]), body=tuple(redact["body"])
            ),
            serializer=data["serializer"],
            mode=str(data.get("mode", RECORD_MODE)),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{folder / PRIVATE / _PLAN}: {type(exc).__name__}: {exc}") from None


# ---------------------------------------------------------------------------- reverse host map


def reverse_bases(hosts: Mapping[str, str], originals: Iterable[Cassette]) -> tuple[tuple[str, str], ...]:
    """Each mapped host's staging base URL with the origin the originals recorded it under.

    The map names hosts, not schemes: the scheme (and port) come from the originals'
    requests to that host, `https` when none says.
    """
    seen: dict[str, str] = {}
    for loaded in originals:
        for interaction in loaded.interactions:
            parts = urlsplit(interaction.request.uri)
            origin = _origin(parts)
            host = (parts.hostname or "").lower()
            if origin is None or not host:
                continue
            if parts.port is not None:
                seen.setdefault(f"{host}:{parts.port}", origin)
            seen.setdefault(host, origin)
    return tuple((base, seen.get(host.lower(), f"https://{host.lower()}")) for host, base in hosts.items())


def recorded_uri(uri: str, bases: Sequence[tuple[str, str]]) -> str | None:
    """The URI as the originals recorded it, for a request the tests sent to staging.

    `http://127.0.0.1:8080/auth/login` under the base `http://127.0.0.1:8080/auth`, recorded
    as `https://auth.example.com`, is `https://auth.example.com/login`: the inverse of how
    replay builds a staging URL. The longest base that holds the URI wins; None when none does.
    """
    parts = urlsplit(uri)
    origin = _origin(parts)
    best: tuple[str, str] | None = None
    for base, recorded in bases:
        staging = urlsplit(base)
        prefix = staging.path.rstrip("/")
        if origin is None or _origin(staging) != origin:
            continue
        if prefix and parts.path != prefix and not parts.path.startswith(prefix + "/"):
            continue
        if best is None or len(prefix) > len(best[0]):
            best = (prefix, recorded)
    if best is None:
        return None
    prefix, recorded = best
    target = urlsplit(recorded)
    return urlunsplit((target.scheme, target.netloc, parts.path[len(prefix) :] or "/", parts.query, ""))


def origin_of(uri: str) -> str:
    """`scheme://host[:port]` of a URI: what a report may say of a request without its query."""
    return _origin(urlsplit(uri)) or "an unreadable URL"


def _origin(parts: SplitResult) -> str | None:
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(scheme)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


# ---------------------------------------------------------------------------- the event log


def append_event(folder: Path, event: Mapping[str, Any]) -> None:
    """One line, appended in one write: pytest-xdist workers share the log."""
    line = (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")
    (folder / PRIVATE).mkdir(parents=True, exist_ok=True)
    handle = os.open(folder / PRIVATE / _EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(handle, line)
    finally:
        os.close(handle)


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One test as the run saw it."""

    #: the node id pytest shows
    test: str
    #: the node id with its file relative to the root: where a report puts the test
    where: str
    #: passed, failed or skipped
    outcome: str
    #: the phase it failed in (setup, call, teardown)
    when: str | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    """What the plugin saw of one cassette: the tests that opened it and what was saved."""

    tests: tuple[str, ...] = ()
    saved: bool = False
    masked: tuple[Masked, ...] = ()
    #: origins requests went to that no staging base of the target holds
    unmapped: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SuiteLog:
    #: the plugin was active in the session (else nothing was redirected)
    active: bool
    recordings: Mapping[str, Recording]
    tests: Mapping[str, CaseResult]
    #: UNUSED_MODE: (cassette path, interaction index) -> the tests that played it
    played: Mapping[tuple[str, int], tuple[str | None, ...]] = field(default_factory=dict)
    #: tests deselected (`-k`, `-m`, `--deselect`): their cassettes went unseen
    deselected: int = 0


def read_log(folder: Path) -> SuiteLog:
    """The event log made into one record per cassette and per test. A line a killed worker
    left half-written is passed over; xdist's controller repeats its workers' test reports."""
    try:
        lines = (folder / PRIVATE / _EVENTS).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    active = False
    recordings: dict[str, Recording] = {}
    tests: dict[str, CaseResult] = {}
    played: dict[tuple[str, int], tuple[str | None, ...]] = {}
    deselected = 0
    for line in lines:
        try:
            event = json.loads(line)
            kind = event["event"]
        except (ValueError, TypeError, KeyError):
            continue
        if kind == "configured":
            active = True
        elif kind in ("opened", "saved", "failed"):
            path = event["path"]
            recordings[path] = _recorded(recordings.get(path, Recording()), event)
        elif kind == "test":
            tests[event["test"]] = _test_result(tests.get(event["test"]), event)
        elif kind == "played":
            for path, index in event["interactions"]:
                played[(path, index)] = (*played.get((path, index), ()), event["test"])
        elif kind == "deselected":
            deselected += event["count"]
    return SuiteLog(active, recordings, tests, played, deselected)


def _recorded(known: Recording, event: Mapping[str, Any]) -> Recording:
    tests = known.tests
    if event.get("test") and event["test"] not in tests:
        tests += (event["test"],)
    if event["event"] == "opened":
        return Recording(tests, known.saved, known.masked, known.unmapped, known.error)
    if event["event"] == "failed":
        return Recording(tests, known.saved, known.masked, known.unmapped, event["reason"])
    masked = tuple(Masked(m["kind"], m["interaction"], m["where"]) for m in event["masked"])
    return Recording(
        tests,
        True,
        tuple(dict.fromkeys(known.masked + masked)),
        tuple(dict.fromkeys(known.unmapped + tuple(event["unmapped"]))),
        known.error,
    )


def _test_result(known: CaseResult | None, event: Mapping[str, Any]) -> CaseResult:
    """A failure in any phase makes the test failed; else a passed call makes it passed."""
    if known is not None and (known.outcome == "failed" or event["outcome"] == "skipped"):
        return known
    return CaseResult(event["test"], event["where"], event["outcome"], event.get("when"))


# ---------------------------------------------------------------------------- the run


def refresh(
    paths: Sequence[Path],
    config: Config,
    target: Target | None,
    options: SuiteOptions,
    *,
    scratch: Path | None = None,
    output: Callable[[str], None] | None = None,
) -> RunManifest:
    """Run the test suite with vcrpy recording into a new scratch run; its manifest.

    `paths` are the cassettes the run is about: those no test opened are `skipped`, and
    only cassettes under them are in the manifest. `output` gets pytest's output line by
    line. A test failure is the entry of each cassette its test opened (an error), or an
    entry of its own. Raises ConfigError when pytest could not start or collected no test,
    CassettesError when the plugin was not active in the session.
    """
    record.check_settings(config)
    scratch_root = scratch if scratch is not None else config.scratch
    files = [f for f in cassette.discover(paths).files if not record.is_under(f, scratch_root)]
    root = record.common_root(paths, files)
    originals = {
        Path(os.path.relpath(os.path.abspath(f), root)).as_posix(): read(f, config.serializer) for f in files
    }
    readable = [c for c in originals.values() if isinstance(c, Cassette)]
    bases = reverse_bases(target.hosts, readable) if target is not None else ()
    manifest = record.start_run(scratch_root, target.name if target is not None else NO_TARGET, root)
    write_plan(Plan(root, manifest.folder, bases, config.redact, config.serializer))
    code, interrupted, said = _run_pytest(options.args, manifest.folder, output)
    if code == _USAGE_ERROR and not interrupted:
        raise ConfigError(f"pytest could not start (exit {code}): {said}")
    if code == _NO_TESTS and not interrupted:
        raise ConfigError("pytest collected no test (exit 5): check the arguments after --")
    log = read_log(manifest.folder)
    if not log.active:
        raise CassettesError(
            f"the cassettes pytest plugin was not active in the test session (exit {code}): nothing was "
            "recorded into the run. It is the `cassettes` pytest plugin: is `-p no:cassettes` in the "
            "pytest options?"
        )
    scope = [Path(os.path.abspath(p)) for p in paths]
    cassettes = _cassette_runs(originals, log, root, scope, manifest.folder, config)
    cassettes += _failed_elsewhere(log, root, scope)
    complete = not interrupted and code in (0, _TESTS_FAILED)
    return record.finish_run(manifest, cassettes, complete=complete)


def _run_pytest(
    args: Sequence[str], folder: Path, output: Callable[[str], None] | None
) -> tuple[int, bool, str]:
    """pytest's exit code, whether Ctrl-C stopped it, and the last line of its output that
    names an error (else its last line).

    Ctrl-C reaches pytest too (one process group): it stops its tests and reports; we
    wait for that, so what was recorded is kept and the run is marked incomplete.
    """
    command = [sys.executable, "-m", "pytest", *args]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        command[3:3] = ["-p", PLUGIN]
    env = {**os.environ, RUN_ENV: str(folder)}
    tail: deque[str] = deque(maxlen=_TAIL)
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True, errors="replace"
    )
    assert process.stdout is not None
    interrupted = False
    try:
        for line in process.stdout:
            tail.append(line)
            if output is not None:
                output(line)
        code = process.wait()
    except KeyboardInterrupt:
        interrupted = True
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
        code = process.returncode
    lines = [line.strip() for line in tail if line.strip()]
    said = next((line for line in reversed(lines) if "error" in line.lower()), lines[-1] if lines else "")
    return code, interrupted, said or "no output"


def _cassette_runs(
    originals: Mapping[str, Cassette | CassetteError],
    log: SuiteLog,
    root: Path,
    scope: Sequence[Path],
    folder: Path,
    config: Config,
) -> tuple[CassetteRun, ...]:
    """Every cassette under PATH: recorded by a test, or why not."""
    recorded = {path for path in log.recordings if any(record.is_under(root / path, p) for p in scope)}
    runs = []
    for path in sorted(originals.keys() | recorded):
        recording = log.recordings.get(path)
        if recording is None:
            original = originals[path]
            reason = original.reason if isinstance(original, NotACassette) else "no test used it"
            runs.append(CassetteRun(Path(path), Outcome.SKIPPED, reason))
        else:
            runs.append(_cassette_run(Path(path), recording, log, folder, config, new=path not in originals))
    return tuple(runs)


def _cassette_run(
    path: Path, recording: Recording, log: SuiteLog, folder: Path, config: Config, *, new: bool
) -> CassetteRun:
    """A recorded cassette's entry: `error` whenever a test that opened it failed, naming it."""
    failed = [t for t in recording.tests if t in log.tests and log.tests[t].outcome == "failed"]
    problems = [f"{_tests(failed)} failed"] if failed else []
    copy = folder / path
    if recording.error is not None or not recording.saved or new:
        if recording.error is not None:
            problems.append(recording.error)
        elif not recording.saved:
            problems.append("nothing was recorded" if failed else _nothing_sent(recording.tests))
        else:
            problems.append(
                "a new cassette, with no original to compare it with: its recording stays in the run folder"
            )
        failing = failed or recording.error is not None
        return CassetteRun(path, Outcome.ERROR if failing else Outcome.SKIPPED, "; ".join(problems))
    loaded = read(copy, config.serializer)
    if isinstance(loaded, CassetteError):
        return CassetteRun(path, Outcome.ERROR, f"cannot read its copy: {loaded.reason}", written=True)
    interactions = tuple(
        InteractionRun(
            index=i.index,
            method=i.request.method,
            uri=i.request.uri,
            outcome=Outcome.REFRESHED,
            status_code=i.response.status,
            media_type=i.response.body.media_type,
            body_kind=i.response.body.kind.value,
            body_size=i.response.body.size,
            attempts=1,
        )
        for i in loaded.interactions
    )
    if failed:
        problems[0] += ": its recording may be partial"
    if recording.unmapped:
        problems.append(
            f"requests went to {', '.join(recording.unmapped)}, which the target does not map to: "
            "point the tests at staging, or --map the host"
        )
    return CassetteRun(
        path,
        Outcome.ERROR if problems else Outcome.REFRESHED,
        "; ".join(problems) or None,
        serializer=loaded.serializer,
        written=True,
        interactions=interactions,
        masked=recording.masked,
    )


def _nothing_sent(tests: Sequence[str]) -> str:
    return f"{_tests(tests)} sent no request" if tests else "opened outside a test, and nothing was recorded"


def _failed_elsewhere(log: SuiteLog, root: Path, scope: Sequence[Path]) -> tuple[CassetteRun, ...]:
    """Failed tests that opened no cassette under PATH: an entry each, named by the test, so
    a failure is never hidden (a test may fail before it opens the cassette it records)."""
    seen = {
        test
        for path, recording in log.recordings.items()
        if any(record.is_under(root / path, p) for p in scope)
        for test in recording.tests
    }
    return tuple(
        CassetteRun(
            Path(result.where),
            Outcome.ERROR,
            f"test failed ({result.when}); it recorded no cassette under PATH",
        )
        for result in sorted(log.tests.values(), key=lambda r: r.where)
        if result.outcome == "failed" and result.test not in seen
    )


def _tests(tests: Sequence[str]) -> str:
    return ("test " if len(tests) == 1 else "tests ") + ", ".join(tests)
