"""`cassettes demo`: the main job on the bundled samples, against an embedded staging server.

Copies the sample cassettes (recorded against the v1 services) into a temporary project
whose git history says they were recorded months ago, starts the v2 services as
staging on a free loopback port, and runs `check` against them with the host map.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cassettes_tool.commands import check
from cassettes_tool.config import Config, Target
from cassettes_tool.demo import sample_cassettes_dir
from cassettes_tool.demo.services import STAGING_TOKEN, DemoServer
from cassettes_tool.git.commit import record_history
from cassettes_tool.model import utc_now
from cassettes_tool.model.result import Report

#: how long ago the samples "were recorded" in the demo's history
FROZEN_DAYS = 187


@dataclass(frozen=True, slots=True)
class DemoRun:
    report: Report
    project: Path
    staging: str
    target: Target
    #: `demo --watch`: the drift history its three runs wrote
    history: Path | None = None


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """Run from the demo project so that paths read as a user's would (`tests/cassettes/...`)."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _project(keep: Path | None) -> Path:
    """The samples copied into a project whose git history says they are months old."""
    project = keep or Path(tempfile.mkdtemp(prefix="cassettes-demo-"))
    cassettes = project / "tests" / "cassettes"
    if cassettes.exists():
        shutil.rmtree(cassettes)
    shutil.copytree(sample_cassettes_dir(), cassettes)
    record_history(
        project, "Record cassettes against the v1 services", utc_now() - timedelta(days=FROZEN_DAYS)
    )
    return project


def _target(staging: DemoServer) -> Target:
    return Target(
        name="demo-staging",
        hosts=staging.host_map(),
        headers={"Authorization": f"Bearer {STAGING_TOKEN}"},
        methods=("GET", "HEAD", "OPTIONS", "POST"),
        concurrency=4,
        timeout=10.0,
    )


def run(*, keep: Path | None = None) -> DemoRun:
    """The demo's check; its project stays in `keep` when given, else in a fresh temporary folder."""
    project = _project(keep)
    with DemoServer("v2") as staging, _inside(project):
        target = _target(staging)
        config = Config(root=project, scratch=Path(".cassettes/scratch"))
        report = check.run(
            (Path("tests/cassettes"),), config, check.GateOptions(max_age=180.0), target=target
        )
        return DemoRun(report, project, staging.origin, target)


def watch(*, keep: Path | None = None) -> DemoRun:
    """`demo --watch`: the demo's check run once a (simulated) week for three weeks against a
    staging that drifts a little more each time, with a history; the last run's report."""
    from cassettes_tool.demo.watch import DAYS_APART, WEEKS, drift_to

    project = _project(keep)
    history = project / ".cassettes" / "history.jsonl"
    history.unlink(missing_ok=True)
    today = utc_now()
    with DemoServer("v2") as staging, _inside(project):
        target = _target(staging)
        config = Config(root=project, scratch=Path(".cassettes/scratch"))
        for week in range(1, len(WEEKS) + 1):
            drift_to(staging, week)
            options = check.GateOptions(
                max_age=180.0,
                history=Path(".cassettes/history.jsonl"),
                now=today - timedelta(days=DAYS_APART * (len(WEEKS) - week)),
            )
            report = check.run((Path("tests/cassettes"),), config, options, target=target)
        return DemoRun(report, project, staging.origin, target, history)


def guide(demo: DemoRun) -> list[str]:
    """What to look at, and how to do the same on your own cassettes."""
    return _watch_guide(demo) if demo.history is not None else _guide(demo)


def _watch_guide(demo: DemoRun) -> list[str]:
    assert demo.history is not None
    return [
        "",
        f"What happened: `check --history` ran three times, {DAYS_APART_WORDS}, against a staging",
        "that drifted a little more each week: auth first, then payments, then everything else.",
        "Each run added a line to the history; each change now says since when it has been drifting,",
        "and the report lists the longest-drifting cassettes first: the mocks to refresh first.",
        "",
        f"The history is {demo.history}; try in {demo.project}:",
        "  cassettes check --history .cassettes/history.jsonl --fail-on-drifting 10 ...",
        "                                                # a grace period: fail on drift older than 10 days",
        "",
        "On a schedule: the GitHub Action in this repository (action.yml) runs it weekly and",
        "keeps the history in the Actions cache; see README, 'Scheduled drift watch'.",
    ]


#: how far apart the watch's runs are, as the guide says it
DAYS_APART_WORDS = "a simulated week apart"


def _guide(demo: DemoRun) -> list[str]:
    return [
        "",
        "What happened: the sample cassettes were recorded against v1 of five fake services,",
        f"{FROZEN_DAYS} days ago by their git history; the embedded staging server ({demo.staging}) runs v2.",
        "Each cassette was replayed against staging into a scratch run (the originals are untouched),",
        "then old and new were compared by meaning: `breaking` changes fail the gate, `additive` ones",
        "(like auth's new `session_context`) are what your code ignores today, volatile values are hidden.",
        "`cassettes check` exits 1 on this drift (a CI job would fail); the demo exits 0: finding it",
        "is what it was built to show.",
        "",
        f"The demo project is kept in {demo.project}; try there:",
        "  cassettes diff --scratch --show-volatile     # the same drift, with the noise",
        "  cassettes age tests/cassettes                # how long each cassette has been frozen",
        "",
        "On your own cassettes:",
        "  cassettes scan && cassettes lint             # what you have, and what is wrong with it",
        "  cassettes check --map api.example.com=https://staging.example.com \\",
        "                  --header Authorization=env:STAGING_TOKEN",
    ]
