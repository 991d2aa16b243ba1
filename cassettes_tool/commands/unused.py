"""`unused`: run the test suite once in replay mode and report what no test used.

A cassette file no test opens, or an interaction no test plays, is dead weight that still
has to be kept fresh and scrubbed. Only the suite knows which it uses, so this runs it
(`python -m pytest`, as `refresh --via pytest` does) with our pytest plugin in its
`unused` mode: every cassette is replayed read-only in record mode `none`, and the plugin
logs per test the files vcrpy loaded and the interactions it played.

An absence is only evidence when the whole suite ran green: a failed test may have
stopped before it opened its cassette. So on a red or unfinished run nothing is claimed
unused; the failures are the report's errors and the verdict is incomplete.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from cassettes_tool.cassette import find, interaction_summary, read, unread, unsearched
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError, CassettesError, ConfigError
from cassettes_tool.model import Interaction
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Problem, Report, Status
from cassettes_tool.refresh.scratch import is_under
from cassettes_tool.refresh.suite import run_pytest
from cassettes_tool.refresh.suite_log import (
    UNUSED_MODE,
    CaseResult,
    Plan,
    SuiteLog,
    SuiteOptions,
    read_log,
    write_plan,
)
from cassettes_tool.words import plural

#: The problems `unused` reports, with codes of their own family (U).
UNUSED_CASSETTE = ("U001", "unused-cassette")
UNUSED_INTERACTION = ("U002", "unused-interaction")
#: pytest's exit codes: all passed, tests failed, usage error, no test collected
_PASSED, _TESTS_FAILED, _USAGE_ERROR, _NO_TESTS = 0, 1, 4, 5


def replay_args() -> tuple[str, ...]:
    """pytest-recording's own replay switches, where it is installed and loaded: record mode
    `none` and its network blocking (`--allowed-hosts` after `--` lets a local service through).
    The plugin forces record mode `none` on every cassette either way."""
    if importlib.util.find_spec("pytest_recording") is None or os.environ.get(
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    ):
        return ()
    return ("--record-mode=none", "--block-network")


def run(
    paths: Sequence[Path],
    config: Config,
    options: SuiteOptions,
    *,
    output: Callable[[str], None] | None = None,
) -> Report:
    """Run the suite in replay mode; a report of the cassettes under `paths` and what used them.

    Raises ConfigError when pytest could not start or collected no test, CassettesError when
    the plugin was not active in the session.
    """
    found = find(paths, config)
    files = [f for f in found.files if not is_under(f, config.scratch)]
    with tempfile.TemporaryDirectory(prefix="cassettes-unused-") as folder:
        run = Path(folder)
        write_plan(Plan(Path.cwd(), run, mode=UNUSED_MODE))
        code, interrupted, said = run_pytest((*replay_args(), *options.args), run, output)
        log = read_log(run)
    if code == _USAGE_ERROR and not interrupted:
        raise ConfigError(f"pytest could not start (exit {code}): {said}")
    if code == _NO_TESTS and not interrupted:
        raise ConfigError("pytest collected no test (exit 5): check the arguments after --")
    if not log.active:
        raise CassettesError(
            f"the cassettes pytest plugin was not active in the test session (exit {code}): nothing "
            "was counted. It is the `cassettes` pytest plugin: is `-p no:cassettes` in the pytest options?"
        )
    failed = sorted((t for t in log.tests.values() if t.outcome == "failed"), key=lambda t: t.where)
    unfinished = interrupted or code not in (_PASSED, _TESTS_FAILED) or (code == _TESTS_FAILED and not failed)
    doubt = _doubt(failed, code if unfinished else None)
    results = [_result(f, config, log, doubt) for f in files]
    results += [unread(exc) for exc in unsearched(found)]
    results += [
        CassetteResult(path=Path(t.where), status=Status.ERROR, error=f"test failed ({t.when or 'call'})")
        for t in failed
    ]
    if unfinished:
        results.append(
            CassetteResult(
                path=Path("pytest"),
                status=Status.ERROR,
                error=f"the test run did not finish (exit {code}{', interrupted' if interrupted else ''}): {said}",
            )
        )
    return Report(command="unused", cassettes=tuple(results), notes=found.notes + _unseen(log))


def _doubt(failed: Sequence[CaseResult], unfinished: int | None) -> str | None:
    """Why no absence can be claimed on this run; None when the suite ran green."""
    if unfinished is not None:
        return f"the test run did not finish (exit {unfinished})"
    if failed:
        return f"{plural(len(failed), 'test')} failed"
    return None


def _result(path: Path, config: Config, log: SuiteLog, doubt: str | None) -> CassetteResult:
    """One cassette file: who opened it, which interactions were played, what was not."""
    loaded = read(path, config.serializer)
    if isinstance(loaded, CassetteError):
        return unread(loaded)
    key = os.path.realpath(path)
    recording = log.recordings.get(key)
    size = len(loaded.text.encode("utf-8"))
    if recording is None:
        summaries = tuple(interaction_summary(i) for i in loaded.interactions)
        if doubt is not None:
            reason = f"no test opened it, but {doubt}: not claimed unused"
            return CassetteResult(
                path, Status.SKIPPED, loaded.serializer, reason, size=size, interactions=summaries
            )
        code, kind = UNUSED_CASSETTE
        problem = Problem(code, kind, "no test opened it")
        return CassetteResult(
            path,
            Status.OK,
            loaded.serializer,
            note="no test opened it",
            size=size,
            interactions=summaries,
            problems=(problem,),
        )
    interactions = tuple(
        _interaction(i, log.played.get((key, i.index), ()), doubt) for i in loaded.interactions
    )
    played = sum(1 for i in interactions if i.status is Status.OK)
    problems = tuple(
        Problem(*UNUSED_INTERACTION, f"#{i.index} {i.method} {i.uri}: no test played it", i.line)
        for i in interactions
        if i.status is Status.SKIPPED and doubt is None
    )
    note = f"opened by {_tests(recording.tests)}; {played} of {len(interactions)} interactions played"
    return CassetteResult(
        path,
        Status.OK,
        loaded.serializer,
        note=note,
        size=size,
        interactions=interactions,
        problems=problems,
    )


def _interaction(
    interaction: Interaction, tests: Sequence[str | None], doubt: str | None
) -> InteractionSummary:
    if tests:
        return interaction_summary(interaction, status=Status.OK)
    reason = "no test played it" if doubt is None else f"not played, but {doubt}: not claimed unused"
    return interaction_summary(interaction, status=Status.SKIPPED, reason=reason)


def _tests(tests: Sequence[str]) -> str:
    if not tests:
        return "no test (a fixture outside the tests)"
    shown = ", ".join(tests[:3])
    more = f" and {len(tests) - 3} more" if len(tests) > 3 else ""
    return ("test " if len(tests) == 1 else "tests ") + shown + more


def _unseen(log: SuiteLog) -> tuple[tuple[Path, str], ...]:
    """Tests whose cassettes the run could not see: a file only they open shows as unused."""
    notes: list[tuple[Path, str]] = [
        (Path(t.where), "skipped: a cassette only this test opens shows as unused")
        for t in sorted(log.tests.values(), key=lambda t: t.where)
        if t.outcome == "skipped"
    ]
    if log.deselected:
        count = log.deselected
        notes.append(
            (
                Path("pytest"),
                f"{plural(count, 'test')} deselected (-k, -m, --deselect): "
                "a cassette only they open shows as unused",
            )
        )
    return tuple(notes)
