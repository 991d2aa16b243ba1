"""`cassettes unused` end to end, on tests/unused_project.

The project's suite records its cassettes against the v1 demo services (then written under
the public hosts, as a suite records production); then a test is retired and a request
dropped from another, so one cassette file and one interaction are no longer used. The
CLI runs the suite in replay mode and must find exactly those, change no file, and claim
nothing on a red run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from cassettes_tool import cassette
from cassettes_tool.demo.services import HOSTS, DemoServer

PROJECT = Path(__file__).resolve().parents[1] / "unused_project"
CASSETTES = Path("tests/cassettes")
SHOP = CASSETTES / "test_shop" / "test_users_then_catalog.yaml"
DIRECT = CASSETTES / "direct" / "users.yaml"
RETIRED = CASSETTES / "test_retired" / "test_catalog.yaml"

Run = Callable[..., Result]


def _pytest(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, v1_server: DemoServer) -> Path:
    """The project with its cassettes recorded by its own suite, then one test retired and
    one request dropped: the state `unused` exists to find."""
    project = tmp_path_factory.mktemp("unused") / "project"
    shutil.copytree(PROJECT, project)
    env = {
        "USERS_BASE_URL": v1_server.base_url("users.example.com"),
        "CATALOG_BASE_URL": v1_server.base_url("catalog.example.com"),
        "RECORD_MODE": "once",
    }
    done = _pytest(project, env, "-q", "--record-mode=once", "--allowed-hosts=127.0.0.1")
    assert done.returncode == 0, done.stdout + done.stderr
    for path in (project / CASSETTES).rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for host, prefix in HOSTS.items():
            text = text.replace(v1_server.origin + prefix, f"https://{host}")
        path.write_text(text, encoding="utf-8")
    assert {p.relative_to(project) for p in (project / CASSETTES).rglob("*.yaml")} == {SHOP, DIRECT, RETIRED}
    (project / "tests" / "test_retired.py").unlink()
    shop = project / "tests" / "test_shop.py"
    shop.write_text(
        "".join(line for line in shop.read_text().splitlines(True) if "dropped after" not in line)
    )
    return project


@pytest.fixture
def project(recorded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(recorded, copy)
    return copy


def _snapshot(project: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((project / CASSETTES).rglob("*.yaml"))}


def test_unused_finds_exactly_the_retired_cassette_and_the_dropped_request(project: Path, run: Run) -> None:
    before = _snapshot(project)

    result = run("unused", "--", "-q", cwd=project)

    assert result.exit_code == 1, result.output
    assert _snapshot(project) == before  # replayed read-only: drop_unused_requests wrote nothing
    assert "2 passed" in result.stderr  # pytest's own output, on stderr
    found = [line for line in result.stdout.splitlines() if ": U00" in line]
    line = cassette.load(project / SHOP).interactions[1].line
    assert found == [
        f"{RETIRED}: U001 unused-cassette: no test opened it",
        f"{SHOP}:{line}: U002 unused-interaction: #1 GET https://catalog.example.com/items: no test played it",
    ]
    assert "1 no test opened, 1 interaction no test played" in result.stdout

    report = json.loads(run("unused", "--format", "json", "-q", cwd=project).stdout)
    assert report["command"] == "unused" and report["summary"]["problems"] == 2
    by_path = {c["path"]: c for c in report["cassettes"]}
    assert [i["status"] for i in by_path[str(DIRECT)]["interactions"]] == ["ok"]
    assert [(i["status"], i.get("reason")) for i in by_path[str(SHOP)]["interactions"]] == [
        ("ok", None),
        ("skipped", "no test played it"),
    ]
    assert by_path[str(SHOP)]["note"].startswith("opened by test tests/test_shop.py::test_users_then_catalog")
    assert by_path[str(RETIRED)]["note"] == "no test opened it"

    # every other format renders the same findings from the JSON report
    saved = project / "unused.json"
    saved.write_text(json.dumps(report))
    junit = run("report", "merge", saved, "--format", "junit", cwd=project)
    assert junit.exit_code == 1 and 'failures="2"' in junit.stdout
    markdown = run("report", "merge", saved, "--format", "markdown", cwd=project).stdout
    assert "`U001` unused-cassette" in markdown and "`U002` unused-interaction" in markdown
    page = run("report", "merge", saved, "--format", "html", cwd=project).stdout
    assert "U001" in page and "no test played it" in page


def test_a_red_run_claims_nothing_unused(project: Path, run: Run) -> None:
    (project / "tests" / "test_broken.py").write_text("def test_broken() -> None:\n    assert False\n")

    result = run("unused", "--", "-q", cwd=project)

    assert result.exit_code == 3, result.output
    assert "U00" not in result.stdout  # no orphan, no unplayed interaction claimed
    assert "error    tests/test_broken.py::test_broken: test failed (call)" in result.stdout
    assert f"skipped  {RETIRED}: no test opened it, but 1 test failed: not claimed unused" in result.stdout
    assert "INCOMPLETE: the test run was not green" in result.stdout


def test_a_deselected_test_is_noted(project: Path, run: Run) -> None:
    result = run("unused", "-q", "--", "-q", "-k", "own_vcr", cwd=project)
    assert result.exit_code == 1, result.output
    assert "1 test deselected (-k, -m, --deselect)" in result.stdout
    assert f"{SHOP}: U001 unused-cassette" in result.stdout


def test_a_session_without_the_plugin_is_refused(project: Path, run: Run) -> None:
    result = run("unused", "--", "-q", "-p", "no:cassettes", cwd=project)
    assert result.exit_code == 3, result.output
    assert "the cassettes pytest plugin was not active" in result.output
