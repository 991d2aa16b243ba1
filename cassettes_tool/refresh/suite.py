"""Re-record through the project's own test suite: `refresh --via pytest`.

Replay cannot reproduce a flow whose requests depend on earlier answers (a token from a
login, an id a create returned); the user's own tests can. This module runs them in a
subprocess (`python -m pytest`, the user's environment passed through) with our plugin
(`plugin.py`) active, which makes vcrpy record every cassette into the scratch run
instead of over the original. It then turns what the plugin logged into the run's
manifest, the same `cassettes-manifest/1` a replay writes, so `diff --scratch`, `check`,
`--apply` and `--commit` read it unchanged.

The plugin and this module share two files in the run's `.via-pytest/` folder: the plan
(what the plugin needs: the root, the reverse host map, the redact rules), written here
before the run, and the event log (a JSON object a line: cassettes opened and saved,
tests and their outcomes), appended to by the plugin. Neither holds a credential.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cassette import read
from cassettes_tool.config import Config, Target
from cassettes_tool.errors import CassetteError, CassettesError, ConfigError, NotACassette
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, RunManifest
from cassettes_tool.refresh.mapping import reverse_bases
from cassettes_tool.refresh.scratch import check_settings, common_root, finish_run, is_under, start_run
from cassettes_tool.refresh.suite_log import (
    NO_TARGET,
    PLUGIN,
    RUN_ENV,
    Plan,
    Recording,
    SuiteLog,
    SuiteOptions,
    read_log,
    write_plan,
)

#: pytest's exit codes: tests failed, interrupted, internal error, usage error, no test collected
_TESTS_FAILED, _USAGE_ERROR, _NO_TESTS = 1, 4, 5
#: Lines of pytest's output kept to explain a run that could not start.
_TAIL = 20


# ---------------------------------------------------------------------------- reverse host map


# ---------------------------------------------------------------------------- the event log


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
    check_settings(config)
    scratch_root = scratch if scratch is not None else config.scratch
    files = [
        f for f in cassette.discover(paths, cassette.excluder(config)).files if not is_under(f, scratch_root)
    ]
    root = common_root(paths, files)
    originals = {
        Path(os.path.relpath(os.path.abspath(f), root)).as_posix(): read(f, config.serializer) for f in files
    }
    readable = [c for c in originals.values() if isinstance(c, Cassette)]
    bases = reverse_bases(target.hosts, readable) if target is not None else ()
    manifest = start_run(scratch_root, target.name if target is not None else NO_TARGET, root)
    write_plan(Plan(root, manifest.folder, bases, config.redact, config.serializer))
    code, interrupted, said = run_pytest(options.args, manifest.folder, output)
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
    return replace(finish_run(manifest, cassettes, complete=complete), interrupted=interrupted)


def run_pytest(
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
    recorded = {path for path in log.recordings if any(is_under(root / path, p) for p in scope)}
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
            mapped_back=dict(recording.mapped_back).get(i.index, 0),
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
        if any(is_under(root / path, p) for p in scope)
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
