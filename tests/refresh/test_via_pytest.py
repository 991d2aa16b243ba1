"""`refresh --via pytest` and `check --via pytest` end to end, on tests/sample_project.

The sample project's own suite records its cassettes against the v1 demo services (as
if against the public hosts), then re-records them through `cassettes` against v2
staging: a login whose second request carries the token the first answer gave, a
`vcr.use_cassette` call, a `VCR` of the suite's own, and a test that fails on staging.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import Result
from conftest import GitRepo
from helpers import RawServer, read_request

from cassettes_tool.demo.services import HOSTS, DemoServer
from cassettes_tool.model.manifest import Outcome
from cassettes_tool.refresh.scratch import load_manifest

SAMPLE = Path(__file__).resolve().parents[1] / "sample_project"
CASSETTES = Path("tests/cassettes")
AUTH = CASSETTES / "test_auth" / "test_login_then_me.yaml"
USERS = CASSETTES / "direct" / "users.yaml"
CHARGE = CASSETTES / "payments" / "charge.yaml"
FAILING_TEST = "tests/test_payments.py::test_charge_amount_in_cents"
#: what the sample suite reads to find each service
VARIABLES = {"auth.example.com": "AUTH_BASE_URL", "users.example.com": "USERS_BASE_URL"}
VARIABLES["payments.example.com"] = "PAYMENTS_BASE_URL"
RAW_TOKEN = re.compile(r"tok_[0-9a-f]{32}")

Run = Callable[..., Result]


def _suite(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The sample project's own `pytest`, run as its developers run it."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES.values()}
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=project,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _bases(server: DemoServer) -> dict[str, str]:
    return {variable: server.base_url(host) for host, variable in VARIABLES.items()}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, v1_server: DemoServer) -> Path:
    """The sample project with the cassettes its suite recorded against v1, written under the
    public hosts (as a suite records production), never committed as hand-made files."""
    project = tmp_path_factory.mktemp("sample") / "project"
    shutil.copytree(SAMPLE, project)
    done = _suite(project, _bases(v1_server), "-q", "--record-mode=once", "--allowed-hosts=127.0.0.1")
    assert done.returncode == 0, done.stdout + done.stderr
    for path in (project / CASSETTES).rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        for host, prefix in HOSTS.items():
            text = text.replace(v1_server.origin + prefix, f"https://{host}")
        path.write_text(text, encoding="utf-8")
    assert {AUTH, USERS, CHARGE} <= {p.relative_to(project) for p in (project / CASSETTES).rglob("*.yaml")}
    replayed = _suite(project, {}, "-q")  # the suite replays them, offline, as in its CI
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    return project


@pytest.fixture
def project(recorded: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(recorded, copy)
    return copy


@pytest.fixture
def staging(v2_server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tests pointed at v2 staging by their own variables; the target's map for it."""
    for variable, url in _bases(v2_server).items():
        monkeypatch.setenv(variable, url)
    return [arg for host in VARIABLES for arg in ("--map", f"{host}={v2_server.base_url(host)}")]


def _snapshot(project: Path) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((project / CASSETTES).rglob("*.yaml"))}


def test_refresh_rerecords_through_the_suite_into_scratch(
    project: Path, staging: list[str], run: Run
) -> None:
    test_auth = project / "tests" / "test_auth.py"
    asserted = '        assert me.json()["name"] == "Ada Lovelace"\n'
    # the suite changed since the recording: it now calls /me twice
    again = '        session.get(f"{auth_url}/me", headers={"Authorization": f"Bearer {token}"})\n'
    test_auth.write_text(test_auth.read_text().replace(asserted, asserted + again))
    shutil.copy(project / USERS, project / CASSETTES / "direct" / "archived.yaml")
    (project / "tests" / "test_new.py").write_text(
        "import pytest\nimport requests\n\n\n@pytest.mark.vcr\n"
        "def test_new(users_url):\n    requests.get(f'{users_url}/users')\n"
    )
    before = _snapshot(project)

    result = run("refresh", "--via", "pytest", *staging, "--", "-q", cwd=project)

    assert result.exit_code == 3, result.output  # a test failed: incomplete, not hidden
    assert f"error      {CHARGE}: test {FAILING_TEST} failed" in result.stdout
    assert "1 failed, 3 passed" in result.stderr  # pytest's own output, on stderr
    assert _snapshot(project) == before  # originals byte-identical, mtimes unchanged

    manifest = load_manifest(project / ".cassettes" / "scratch")
    assert manifest.complete
    runs = {run.path: run for run in manifest.cassettes}
    assert runs[CASSETTES / "direct" / "archived.yaml"].outcome is Outcome.SKIPPED
    assert runs[CASSETTES / "direct" / "archived.yaml"].reason == "no test used it"
    assert runs[USERS].outcome is Outcome.REFRESHED
    new = runs[CASSETTES / "test_new" / "test_new.yaml"]
    assert new.outcome is Outcome.SKIPPED and not new.written
    assert new.reason and new.reason.startswith("a new cassette")
    assert runs[CHARGE].outcome is Outcome.ERROR and runs[CHARGE].written
    auth = runs[AUTH]
    assert auth.outcome is Outcome.REFRESHED
    assert [(i.method, i.uri) for i in auth.interactions] == [
        ("POST", "https://auth.example.com/login"),
        ("GET", "https://auth.example.com/me"),
        ("GET", "https://auth.example.com/me"),
    ]
    assert ("token-in-body", "response.body $.token") in {(m.kind, m.where) for m in auth.masked}
    for copy in (manifest.folder / path for path in (AUTH, USERS, CHARGE)):
        text = copy.read_text(encoding="utf-8")
        assert "127.0.0.1" not in text  # the recorded hosts back, not staging's
        assert not RAW_TOKEN.search(text)  # the login's token masked, the /me header redacted
    assert "Bearer <REDACTED>" in (manifest.folder / AUTH).read_text(encoding="utf-8")

    drift = run("diff", "--scratch", cwd=project)
    assert drift.exit_code == 1, drift.output
    assert re.search(r"additive\s+field_added\s+\$\.session_context", drift.output)
    assert re.search(r"additive\s+interaction_added\s+interaction", drift.output)
    assert re.search(r"breaking\s+field_removed\s+\$\.users\[\*\]\.phone", drift.output)
    # the copy a failing test wrote is diffed, and the failure is said beside its drift
    assert f"note: test {FAILING_TEST} failed" in drift.output
    # the masked login token is noted on the interaction it came from (by the copy's order)
    report = json.loads(run("diff", "--scratch", "--format", "json", cwd=project).stdout)
    (auth_result,) = [c for c in report["cassettes"] if c["path"].endswith("test_login_then_me.yaml")]
    noted = [i["method"] for i in auth_result["interactions"] if i.get("masked")]
    assert noted == ["POST"]


def test_commit_through_the_suite_replays_where_the_originals_did(
    recorded: Path, staging: list[str], run: Run, git_repo: Callable[..., GitRepo]
) -> None:
    repo = git_repo("project")
    shutil.copytree(recorded, repo.root, dirs_exist_ok=True)
    repo.commit("the recorded suite", date=datetime(2026, 1, 5, tzinfo=timezone.utc))

    # --block-network (the project's addopts) is lifted for the run; the failing test deselected
    result = run(
        "refresh", "--via", "pytest", *staging, "--commit", "--", "-q", "-k", "not amount", cwd=repo.root
    )

    assert result.exit_code == 0, result.output
    assert f"skipped  {CHARGE}: not refreshed: no test used it" in result.stdout
    branch = repo.git("branch", "--show-current")
    assert branch.startswith("cassettes/refresh-")
    assert repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == [str(USERS), str(AUTH)]
    assert "session_context" in (repo.root / AUTH).read_text(encoding="utf-8")
    replayed = _suite(repo.root, {}, "-q", "-k", "not amount")  # offline, at the public hosts
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


def test_check_reports_the_failed_test_and_requests_past_the_map(
    project: Path, v2_server: DemoServer, staging: list[str], run: Run
) -> None:
    before = _snapshot(project)
    hosts = ("auth.example.com", "users.example.com")  # payments left out of the map
    maps = [arg for host in hosts for arg in ("--map", f"{host}={v2_server.base_url(host)}")]

    # `rewrite` would have pytest-recording delete each cassette before recording it
    result = run("check", "--via", "pytest", *maps, "--", "-q", "--record-mode=rewrite", cwd=project)

    assert result.exit_code == 1, result.output  # users broke
    assert _snapshot(project) == before
    assert f"error    {CHARGE}: test {FAILING_TEST} failed" in result.stdout
    assert f"requests went to {v2_server.origin}, which the target does not map to" in result.stdout
    assert "scratch run" in result.stdout


def test_a_failed_test_that_recorded_nothing_has_its_own_entry(
    project: Path, staging: list[str], run: Run
) -> None:
    (project / "tests" / "test_health.py").write_text("def test_health() -> None:\n    assert False\n")

    result = run(
        "refresh", "--via", "pytest", *staging, USERS, "--", "-q", "tests/test_health.py", cwd=project
    )

    assert result.exit_code == 3, result.output
    assert "error      tests/test_health.py::test_health: test failed (call)" in result.stdout
    assert f"skipped    {USERS}: no test used it" in result.stdout


def test_a_session_without_the_plugin_is_refused(project: Path, staging: list[str], run: Run) -> None:
    before = _snapshot(project)
    result = run("refresh", "--via", "pytest", *staging, "--", "-q", "-p", "no:cassettes", cwd=project)
    assert result.exit_code == 3, result.output
    assert "the cassettes pytest plugin was not active" in result.output
    assert _snapshot(project) == before


def test_a_suite_that_collects_nothing_is_a_usage_error(project: Path, staging: list[str], run: Run) -> None:
    result = run("refresh", "--via", "pytest", *staging, "--", "-q", "-k", "no_such_test", cwd=project)
    assert result.exit_code == 2, result.output
    assert "pytest collected no test" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["refresh", "--map", "a.example.com=http://127.0.0.1:1", "--", "-q"], "add --via pytest"),
        (["refresh", "--via", "pytest", "--header", "X-Token=1"], "the tests send their own"),
        (["refresh", "--apply", "--from-run", "latest", "--via", "pytest"], "--via pytest is not used"),
        (["check", "--via", "pytest", "--timeout", "3"], "the tests send their own"),
    ],
)
def test_usage_errors(args: list[str], message: str, run: Run) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def _no_content(conn: socket.socket, _stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")


def test_block_network_stays_on_for_every_host_but_staging(
    project: Path, staging: list[str], run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--block-network` is the project's promise that tests reach nothing real: a refresh
    lets them reach staging, and nothing else (a tracker a test calls stays blocked)."""
    (project / "tests" / "test_tracker.py").write_text(
        "import os\n\nimport pytest\nimport requests\n\n\n@pytest.mark.vcr\n"
        "def test_users_then_tracker(users_url):\n"
        "    requests.get(f'{users_url}/users')\n"
        "    requests.get(os.environ['TRACKER_URL'])\n"
    )
    # a third party on another loopback address: the allow-list is by host
    with RawServer(_no_content, host="127.0.0.2") as tracker:
        monkeypatch.setenv("TRACKER_URL", f"{tracker.url}/collect")
        result = run("refresh", "--via", "pytest", *staging, "--", "-q", "-k", "tracker", cwd=project)
    assert tracker.connections == 0, result.output  # blocked in the test, not sent
    assert "test_users_then_tracker failed" in result.output, result.output
