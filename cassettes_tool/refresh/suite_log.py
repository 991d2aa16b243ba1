"""What the CLI and the pytest plugin share in a run's `.via-pytest/` folder: the plan and the event log.

Neither holds a credential.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cassettes_tool import cassette
from cassettes_tool.config import RedactRules
from cassettes_tool.model import Masked
from cassettes_tool.refresh.scratch import is_under

#: Set by `refresh --via pytest` to the run's folder: the plugin is active only then.
#: The plan's modes: record every cassette into the run (`refresh --via pytest`), or replay
#: the originals read-only and log what each test opened and played (`cassettes unused`).
RECORD_MODE, UNUSED_MODE = "record", "unused"

RUN_ENV = "CASSETTES_SCRATCH_RUN"


#: The plugin's module, named with `-p` when the user's environment turns plugin autoloading off.
PLUGIN = "cassettes_tool.refresh.plugin"


#: The manifest's `target` when no target was given: the tests reach what their environment names.
NO_TARGET = "pytest"


#: Where the plan, the event log and the copies of cassettes outside the root go in a run.
PRIVATE = ".via-pytest"


PLAN_SCHEMA = "cassettes-pytest-plan/1"


_PLAN = "plan.json"


_EVENTS = "events.jsonl"


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
        if is_under(original, self.folder):  # a path the run already handed out
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
    #: (interaction index, staging base URLs in its answer written back as the recorded origin)
    mapped_back: tuple[tuple[int, int], ...] = ()


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
        return replace(known, tests=tests)
    if event["event"] == "failed":
        return replace(known, tests=tests, error=event["reason"])
    masked = tuple(Masked(m["kind"], m["interaction"], m["where"]) for m in event["masked"])
    return Recording(
        tests,
        True,
        tuple(dict.fromkeys(known.masked + masked)),
        tuple(dict.fromkeys(known.unmapped + tuple(event["unmapped"]))),
        known.error,
        tuple((int(i), int(n)) for i, n in event.get("mapped_back", ())),  # each save holds them all
    )


def _test_result(known: CaseResult | None, event: Mapping[str, Any]) -> CaseResult:
    """A failure in any phase makes the test failed; else a passed call makes it passed."""
    if known is not None and (known.outcome == "failed" or event["outcome"] == "skipped"):
        return known
    return CaseResult(event["test"], event["where"], event["outcome"], event.get("when"))
