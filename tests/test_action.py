"""The GitHub Action: its steps' script run as the runner runs it, with a fake GITHUB_*
environment, against the demo services; and action.yml's wiring of inputs to the script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import GitRepo

from cassettes_tool.demo.services import STAGING_TOKEN, DemoServer

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "drift_watch.py"

#: a `gh` that logs each call (arguments and stdin) and answers `issue list` / `api` reads with []
FAKE_GH = """#!{python}
import json, os, sys
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps({{"args": sys.argv[1:], "stdin": sys.stdin.read() if "-" in sys.argv else "",
                          "token": os.environ.get("GH_TOKEN")}}) + "\\n")
if sys.argv[1:3] == ["issue", "list"] or (sys.argv[1] == "api" and "--method" not in sys.argv):
    print("[]")
"""


@pytest.fixture
def project(git_repo: Any, record_cassette: Any) -> GitRepo:
    repo: GitRepo = git_repo("project")
    root = repo.root / "tests" / "cassettes"
    record_cassette("auth/login.yaml", "login", root=root)
    record_cassette("payments/charges.json", "payments", client="httpx", root=root)
    repo.commit("Record cassettes against v1", date=datetime.now(timezone.utc) - timedelta(days=40))
    return repo


def _step(step: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, str(SCRIPT), step], cwd=cwd, env=full, capture_output=True, text=True, timeout=60
    )


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_the_action_checks_writes_reports_summary_outputs_and_one_issue(
    project: GitRepo, v2_server: DemoServer, tmp_path: Path
) -> None:
    github = tmp_path / "github"
    github.mkdir()
    (github / "bin").mkdir()
    gh = github / "bin" / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_STEP_SUMMARY": str(github / "summary.md"),
        "GITHUB_OUTPUT": str(github / "output"),
        "PATH": f"{github / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GH_LOG": str(github / "gh.log"),
        "INPUT_PATHS": "tests/cassettes",
        "INPUT_MAPS": "\n".join(f"{h}={u}" for h, u in v2_server.host_map().items()),
        "INPUT_HEADERS": f"Authorization=Bearer {STAGING_TOKEN}\n",
        "INPUT_FAIL_ON": "breaking",
        "INPUT_MAX_AGE": "180",
        "INPUT_HISTORY": ".cassettes/history.jsonl",
        "INPUT_ARGS": "--allow-method POST",
        "INPUT_REPORT_DIR": "cassettes-report",
    }
    done = _step("check", project.root, env)
    assert done.returncode == 0, done.stderr  # the gate is the last step, after the reports are kept
    assert f"::add-mask::Bearer {STAGING_TOKEN}" in done.stdout
    outputs = _outputs(github / "output")
    assert outputs["exit-code"] == "1" and outputs["verdict"] == "fail"
    reports = project.root / "cassettes-report"
    data = json.loads((reports / "report.json").read_text())
    assert data["summary"]["drifted"] == 2 and data["target"] == "command-line"
    assert "drifting_since" in data["cassettes"][0]["interactions"][0]["changes"][0]
    assert (reports / "report.html").read_text().startswith("<!DOCTYPE html>")
    summary = (github / "summary.md").read_text()
    assert summary.startswith("### cassettes check: FAIL") and "drifting 0 days" in summary
    history = (project.root / ".cassettes" / "history.jsonl").read_text().splitlines()
    assert len(history) == 1
    written = [*reports.iterdir(), github / "summary.md", project.root / ".cassettes" / "history.jsonl"]
    assert not any(STAGING_TOKEN in path.read_text() for path in written)

    posted = _step(
        "comment",
        project.root,
        {**env, "INPUT_COMMENT": "issue", "INPUT_VERDICT": "fail", "GH_TOKEN": "ghs_fake"},
    )
    assert posted.returncode == 0, posted.stderr
    calls = [json.loads(line) for line in (github / "gh.log").read_text().splitlines()]
    assert [c["args"][:2] for c in calls] == [["issue", "list"], ["issue", "create"]]
    assert calls[1]["stdin"].startswith("<!-- cassettes-drift-watch -->\n### cassettes check: FAIL")
    assert calls[1]["token"] == "ghs_fake"

    gate = _step("finish", project.root, {"INPUT_EXIT_CODE": outputs["exit-code"]})
    assert gate.returncode == 1


def test_a_pr_comment_is_edited_not_repeated(project: GitRepo, tmp_path: Path) -> None:
    """`comment: pr` finds its own comment by the marker and edits it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    script = FAKE_GH.format(python=sys.executable).replace(
        'print("[]")', 'print(json.dumps([{"id": 7, "body": "<!-- cassettes-drift-watch -->\\\\nold"}]))'
    )
    gh.write_text(script)
    gh.chmod(0o755)
    report_dir = project.root / "cassettes-report"
    report_dir.mkdir()
    (report_dir / "report.md").write_text("### cassettes check: PASS\n")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 12}}))
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GH_LOG": str(tmp_path / "gh.log"),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_EVENT_PATH": str(event),
        "INPUT_COMMENT": "pr",
        "INPUT_REPORT_DIR": "cassettes-report",
    }
    done = _step("comment", project.root, env)
    assert done.returncode == 0, done.stderr
    calls = [json.loads(line)["args"] for line in (tmp_path / "gh.log").read_text().splitlines()]
    assert calls[1][:4] == ["api", "--method", "PATCH", "repos/acme/shop/issues/comments/7"]


def test_action_yml_passes_every_input_the_script_reads() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    inputs = set(action["inputs"])
    assert {"paths", "target", "maps", "headers", "fail-on", "max-age", "shard"} <= inputs
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert {"actions/cache/restore", "actions/cache/save", "actions/upload-artifact"} <= set(uses)
    passed = {k for s in steps for k in s.get("env", {}) if k.startswith("INPUT_")}
    read = set(__import__("re").findall(r'_input\("([a-z-]+)"', SCRIPT.read_text()))
    assert {f"INPUT_{name.upper().replace('-', '_')}" for name in read} <= passed
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"]  # inputs reach scripts through env, never spliced into code
