"""`check --history`: streaks over real runs against the demo services, the file's safety,
`--fail-on-drifting`, the reports' order and timeline, and merging shard histories."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

from cassettes_tool.commands import check
from cassettes_tool.config import Config, Target
from cassettes_tool.demo.services import STAGING_TOKEN, DemoApp, DemoServer
from cassettes_tool.demo.watch import drift_to
from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import Report
from cassettes_tool.report.html import render_html
from cassettes_tool.report.json import read_report, render_json
from cassettes_tool.report.markdown import render_markdown
from cassettes_tool.report.text import render_check_text

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
HISTORY = Path(".cassettes/history.jsonl")


@pytest.fixture
def project(git_repo: Any, record_cassette: Any) -> GitRepo:
    repo: GitRepo = git_repo("project")
    root = repo.root / "tests" / "cassettes"
    record_cassette("auth/login.yaml", "login", root=root)
    record_cassette("payments/charges.json", "payments", client="httpx", root=root)
    repo.commit("Record cassettes against v1", date=T0 - timedelta(days=30))
    return repo


def _target(server: DemoServer) -> Target:
    return Target(
        name="staging",
        hosts=server.host_map(),
        headers={"Authorization": f"Bearer {STAGING_TOKEN}"},
        methods=("GET", "POST"),
        timeout=5.0,
    )


def _check(root: Path, server: DemoServer, day: int, *, since: datetime = T0, **options: Any) -> Report:
    """One scheduled run, `day` days after `since`, from the project's folder."""
    before = Path.cwd()
    os.chdir(root)
    try:
        gate = check.GateOptions(history=HISTORY, now=since + timedelta(days=day), **options)
        return check.run((Path("tests/cassettes"),), Config(root=root), gate, target=_target(server))
    finally:
        os.chdir(before)


def _drift(report: Report, cassette: str) -> list[tuple[str, float | None, datetime | None]]:
    result = next(r for r in report.cassettes if r.path.as_posix().endswith(cassette))
    return [
        (ch.path or ch.kind.value, ch.drifting_days, ch.drifting_since)
        for i in result.interactions
        for ch in i.changes
        if ch.severity is not Severity.VOLATILE
    ]


def test_a_change_drifts_since_the_first_run_that_saw_it_and_starts_again_after_a_gap(
    project: GitRepo, server: DemoServer
) -> None:
    drift_to(server, 1)  # auth has moved to v2
    first = _check(project.root, server, 0)
    assert _drift(first, "login.yaml") == [("$.session_context", 0.0, T0)]
    assert _drift(first, "charges.json") == []
    drift_to(server, 2)  # payments follows a week later
    second = _check(project.root, server, 7)
    assert _drift(second, "login.yaml") == [("$.session_context", 7.0, T0)]
    assert {days for _, days, _ in _drift(second, "charges.json")} == {0.0}
    login = ("POST", "/auth/login")  # auth goes back to v1 for a week: the streak ends
    server.add_route(*login, DemoApp("v1").routes[login])
    third = _check(project.root, server, 14)
    assert _drift(third, "login.yaml") == []
    drift_to(server, 2)
    fourth = _check(project.root, server, 21)
    assert _drift(fourth, "login.yaml") == [("$.session_context", 0.0, T0 + timedelta(days=21))]
    assert {days for _, days, _ in _drift(fourth, "charges.json")} == {14.0}
    login = next(r for r in fourth.cassettes if r.path.name == "login.yaml")
    assert [mark for _, mark in login.timeline] == ["drift", "drift", "aligned", "drift"]
    lines = (project.root / HISTORY).read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(line)["schema"] == "cassettes-history/1" for line in lines)
    assert "session_context" not in (project.root / HISTORY).read_text()  # identities, not values


def test_a_run_that_could_not_check_neither_breaks_nor_extends_the_streak(
    project: GitRepo, server: DemoServer
) -> None:
    drift_to(server, 2)
    _check(project.root, server, 0)
    before = Path.cwd()
    os.chdir(project.root)
    try:
        gate = check.GateOptions(history=HISTORY, now=T0 + timedelta(days=7))
        # nothing listens on the discard port: every interaction errs, the cassette is not checked
        unreachable = Target(name="staging", hosts={"auth.example.com": "http://127.0.0.1:9"}, timeout=2.0)
        check.run((Path("tests/cassettes"),), Config(root=project.root), gate, target=unreachable)
    finally:
        os.chdir(before)
    later = _check(project.root, server, 14)
    assert _drift(later, "login.yaml") == [("$.session_context", 14.0, T0)]
    login = next(r for r in later.cassettes if r.path.name == "login.yaml")
    assert [mark for _, mark in login.timeline] == ["drift", "error", "drift"]


def test_bad_and_truncated_lines_are_noted_and_skipped_and_old_runs_forgotten(
    project: GitRepo, server: DemoServer
) -> None:
    drift_to(server, 1)
    _check(project.root, server, 0)
    history = project.root / HISTORY
    good = history.read_text()
    old = json.loads(good)
    old["at"] = (T0 - timedelta(days=400)).isoformat()
    history.write_text(json.dumps(old) + "\n" + good + "not json at all\n" + good[: len(good) // 2])
    report = _check(project.root, server, 7, history_keep=180.0)
    notes = [note for _, note in report.notes]
    assert any("line 3 skipped: not JSON" in n for n in notes)
    assert any("line 4 skipped: not JSON (cut short?)" in n for n in notes)
    assert _drift(report, "login.yaml") == [("$.session_context", 7.0, T0)]
    kept = [json.loads(line) for line in history.read_text().splitlines()]
    assert [line["at"] for line in kept] == [T0.isoformat(), (T0 + timedelta(days=7)).isoformat()]


def test_fail_on_drifting_gives_drift_a_grace_period_without_hiding_it(
    project: GitRepo, server: DemoServer, run: Any
) -> None:
    drift_to(server, 3)  # payments' amount became a string: breaking
    maps = [f"--map={h}={u}" for h, u in server.host_map().items()]
    args = ["check", "tests/cassettes", *maps, f"--header=Authorization=Bearer {STAGING_TOKEN}"]
    args += ["--allow-method=POST", "--history", str(HISTORY), "--fail-on-drifting", "10"]
    fresh = run(*args, "--format", "json", "--quiet", cwd=project.root)
    data = json.loads(fresh.output)
    assert fresh.exit_code == 0, fresh.output
    assert data["summary"]["drifted"] == 2 and data["fail_on_drifting"] == 10
    assert data["verdict"] == "pass"
    said = run(*args, "--quiet", cwd=project.root)  # the same drift, a second run: still in its grace
    assert said.exit_code == 0 and "PASS: nothing at or above breaking drifting over 10 days" in said.output
    _check(project.root, server, -20, since=datetime.now(timezone.utc))  # the same drift, 20 days ago
    history = project.root / HISTORY
    lines = history.read_text().splitlines()
    history.write_text("\n".join(sorted(lines, key=lambda line: json.loads(line)["at"])) + "\n")
    old = run(*args, cwd=project.root)
    assert old.exit_code == 1, old.output
    assert "--fail-on-drifting 10" in old.output and "drifting 20 days" in old.output
    usage = run("check", "tests/cassettes", *maps, "--fail-on-drifting", "3", cwd=project.root)
    assert usage.exit_code == 2 and "needs a history" in usage.output


def test_reports_sort_by_drifting_days_and_html_draws_the_timeline(
    project: GitRepo, server: DemoServer
) -> None:
    drift_to(server, 1)
    _check(project.root, server, 0)
    drift_to(server, 3)
    report = _check(project.root, server, 7)
    text = "\n".join(render_check_text(report))
    # auth (7 days, additive) before payments (0 days, breaking): how long, then how bad
    assert text.index("login.yaml  drifted") < text.index("charges.json  drifted")
    assert "longest drifting: tests/cassettes/auth/login.yaml, drifting 7 days, since 2026-03-02" in text
    markdown = "\n".join(render_markdown(report))
    assert "drifting 7 days, since 2026-03-02" in markdown and "■■" in markdown
    page = render_html(report)
    assert page.index("auth/login.yaml</code>") < page.index("payments/charges.json</code>")
    assert (
        page.count('<p class="timeline"') == 2 and '<i class="drift" title="2026-03-02: drift seen">' in page
    )
    assert '<i class="aligned" title="2026-03-02: no drift">' in page  # payments, the first week


def test_shard_histories_merge_and_reports_keep_drifting_since(
    project: GitRepo, server: DemoServer, run: Any, tmp_path: Path
) -> None:
    drift_to(server, 3)
    maps = [f"--map={h}={u}" for h, u in server.host_map().items()]
    common = [*maps, f"--header=Authorization=Bearer {STAGING_TOKEN}", "--allow-method=POST"]
    for k in (1, 2):
        out = tmp_path / f"shard{k}"
        out.mkdir()
        result = run(
            "check", "tests/cassettes", *common, "--shard", f"{k}/2", "--history", out / "history.jsonl",
            "--format", "json", "--output", out / "report.json", cwd=project.root,
        )  # fmt: skip
        assert result.exit_code in (0, 1), result.output
    histories = [tmp_path / f"shard{k}" / "history.jsonl" for k in (1, 2)]
    reports = [tmp_path / f"shard{k}" / "report.json" for k in (1, 2)]
    merged_history = tmp_path / "merged.jsonl"
    merged = run(
        "report", "merge", *reports, "--history", histories[0], "--history", histories[1],
        "--history", histories[0], "--history-out", merged_history, "--format", "json", cwd=project.root,
    )  # fmt: skip
    assert merged.exit_code == 1, merged.output
    data = json.loads(merged.output)
    changes = [ch for c in data["cassettes"] for i in c["interactions"] for ch in i["changes"]]
    drift = [ch for ch in changes if ch["severity"] != "volatile"]
    assert drift and all(ch["drifting_days"] == 0.0 and ch["drifting_since"] for ch in drift)
    lines = merged_history.read_text().splitlines()
    assert len(lines) == 2  # each shard's run once, though the first history was given twice
    paths = set().union(*(json.loads(line)["cassettes"] for line in lines))
    assert paths == {"tests/cassettes/auth/login.yaml", "tests/cassettes/payments/charges.json"}
    again = read_report(reports[0])
    assert render_json(again)  # the reader keeps what the writer wrote


def test_config_names_the_history_and_its_grace_period(tmp_path: Path) -> None:
    from cassettes_tool import config
    from cassettes_tool.errors import ConfigError

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.cassettes]\nhistory = ".cassettes/h.jsonl"\nhistory_keep = 90\nfail_on_drifting = 14\n'
    )
    settings = config.load(pyproject)
    assert settings.history is not None and settings.history.name == "h.jsonl"
    assert (settings.history_keep, settings.fail_on_drifting) == (90, 14)
    pyproject.write_text('[tool.cassettes]\nfail_on_drifting = "two weeks"\n')
    with pytest.raises(ConfigError, match="fail_on_drifting"):
        config.load(pyproject)
