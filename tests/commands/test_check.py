"""`check`, `--shard`, `report merge` and `demo`, end to end on real repositories and servers."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, file_hashes

from cassettes_tool.demo.services import STAGING_TOKEN, DemoServer

RECORDED = datetime.now(timezone.utc) - timedelta(days=100)


@pytest.fixture
def project(git_repo: Any, record_cassette: Any) -> GitRepo:
    """A repository whose cassettes were recorded against v1 and committed 100 days ago."""
    repo: GitRepo = git_repo("project")
    root = repo.root / "tests" / "cassettes"
    record_cassette("auth/login.yaml", "login", root=root)
    record_cassette("payments/charges.json", "payments", client="httpx", root=root)
    record_cassette("users/list.yaml", "users", client="httpx", root=root)
    record_cassette("catalog/items.yaml", "catalog", client="httpx", root=root)
    (repo.root / "pyproject.toml").write_text('[tool.cassettes]\npaths = ["tests/cassettes"]\n')
    repo.commit("Record cassettes against v1", date=RECORDED)
    return repo


def staging_args(server: DemoServer) -> list[str]:
    args = [f"--map={host}={url}" for host, url in server.host_map().items()]
    return [*args, f"--header=Authorization=Bearer {STAGING_TOKEN}", "--allow-method=POST"]


def test_check_against_drifted_staging_fails_on_breaking(
    project: GitRepo, v2_server: DemoServer, run: Any
) -> None:
    before = file_hashes(project.root / "tests")
    result = run("check", "--format", "json", *staging_args(v2_server), cwd=project.root)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    by_path = {c["path"]: c for c in report["cassettes"]}
    login = by_path["tests/cassettes/auth/login.yaml"]
    assert login["status"] == "drifted"
    assert [
        (c["severity"], c["path"])
        for i in login["interactions"]
        for c in i["changes"]
        if c["severity"] != "volatile"
    ] == [("additive", "$.session_context")]
    assert login["age"]["source"] == "git" and round(login["age"]["days"]) == 100
    payments = by_path["tests/cassettes/payments/charges.json"]
    kinds = {c["kind"] for i in payments["interactions"] for c in i["changes"] if c["severity"] == "breaking"}
    assert kinds == {"type_changed"}
    assert report["summary"]["changes"]["breaking"] == 2  # $.amount and $.users[*].phone
    assert file_hashes(project.root / "tests") == before  # originals untouched
    assert project.git("status", "--porcelain") == ""  # the scratch area keeps itself out of git


def test_check_text_summary_comes_first(project: GitRepo, v2_server: DemoServer, run: Any) -> None:
    result = run("check", *staging_args(v2_server), "--fail-on", "additive", cwd=project.root)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "cassettes check: 4 cassettes against command-line: 0 pass, 4 fail, 0 incomplete, 0 skipped"
    )
    assert lines[1].startswith("  aligned 0 · drifted 4 (2 breaking, 4 additive, 1 value)")
    assert lines[2].startswith("  oldest: tests/cassettes/") and "frozen 100 days" in lines[2]
    assert lines[4].startswith("FAIL: 2 breaking, 4 additive changes (--fail-on additive)")
    assert "$.session_context" in result.stdout


def test_check_offline_max_age(project: GitRepo, run: Any) -> None:
    failing = run("check", "--offline", "--max-age", "30", cwd=project.root)
    assert failing.exit_code == 1
    assert "FAIL: 4 older than --max-age 30 days" in failing.stdout
    assert "stale    tests/cassettes/auth/login.yaml: frozen 100 days (--max-age 30)" in failing.stdout
    passing = run("check", "--offline", "--max-age", "365", cwd=project.root)
    assert passing.exit_code == 0, passing.output
    assert "PASS: nothing at or above breaking, nothing older than 365 days" in passing.stdout


def test_check_with_staging_down_is_incomplete_and_changes_nothing(project: GitRepo, run: Any) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    before = file_hashes(project.root / "tests")
    hosts = ["auth", "payments", "users", "catalog"]
    maps = [f"--map={h}.example.com=http://127.0.0.1:{closed}/{h}" for h in hosts]
    result = run("check", *maps, "--timeout", "2", cwd=project.root)
    assert result.exit_code == 3, result.output
    assert "INCOMPLETE" in result.stdout and "connection refused" in result.stdout.lower()
    assert file_hashes(project.root / "tests") == before


def test_check_reports_lint_problems(project: GitRepo, record_cassette: Any, run: Any) -> None:
    record_cassette(
        "leaky.yaml",
        "login",
        root=project.root / "tests" / "cassettes",
        filter_headers=[],
        filter_post_data_parameters=[],
        before_record_response=None,
    )
    result = run("check", "--offline", cwd=project.root)
    assert result.exit_code == 1
    assert "tests/cassettes/leaky.yaml:" in result.stdout and "S101 bearer-token" in result.stdout


def test_shards_cover_every_cassette_once_and_merge_to_the_whole(
    project: GitRepo, run: Any, tmp_path: Path
) -> None:
    whole = json.loads(run("check", "--offline", "--format", "json", cwd=project.root).stdout)
    shard_files = []
    seen: list[str] = []
    for k in (1, 2, 3):
        out = tmp_path / f"shard-{k}.json"
        done = run(
            "check", "--offline", "--shard", f"{k}/3", "--format", "json", "--output", out, cwd=project.root
        )
        assert done.exit_code == 0, done.output
        seen += [c["path"] for c in json.loads(out.read_text())["cassettes"]]
        shard_files.append(out)
    assert sorted(seen) == sorted(c["path"] for c in whole["cassettes"])  # each exactly once
    merged = run("report", "merge", "--format", "json", *shard_files, cwd=project.root)
    assert merged.exit_code == 0, merged.output
    assert json.loads(merged.stdout) == whole
    markdown = run("report", "merge", "--format", "markdown", *shard_files, cwd=project.root)
    assert markdown.stdout.startswith("### cassettes check: PASS")
    assert "4 cassettes: 4 pass, 0 fail, 0 incomplete, 0 skipped" in markdown.stdout


def test_merge_refuses_what_is_not_a_report(tmp_path: Path, run: Any) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"hello": 1}')
    result = run("report", "merge", bogus)
    assert result.exit_code == 2
    assert "bogus.json: not a cassettes-report/1 report" in result.stderr


def test_bad_shard_is_a_usage_error(project: GitRepo, run: Any) -> None:
    result = run("check", "--offline", "--shard", "4/3", cwd=project.root)
    assert result.exit_code == 2 and "--shard '4/3'" in result.stderr


def test_demo_from_an_installed_package_outside_the_checkout(run_installed: Any, tmp_path: Path) -> None:
    done = run_installed("demo", cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr  # the drift it found is the demonstration
    assert "FAIL: 2 breaking changes (--fail-on breaking)" in done.stdout  # check's own verdict
    out = done.stdout
    assert out.startswith("cassettes check: 5 cassettes against demo-staging")
    assert "additive  field_added  $.session_context" in out
    assert "breaking  type_changed  $.amount" in out
    assert "frozen 187 days" in out
    assert "On your own cassettes:" in out


def test_output_file_still_says_the_verdict_on_stderr(project: GitRepo, run: Any, tmp_path: Path) -> None:
    """The README's CI recipe (`--format junit --output`) printed nothing and exited 1."""
    out = tmp_path / "cassettes.xml"
    result = run(
        "check", "--offline", "--max-age", "30", "--format", "junit", "--output", out, cwd=project.root
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "FAIL: 4 older than --max-age 30 days (4 of 4 cassettes failing)",
        f"report written to {out}",
    ]
    assert out.read_text().count('type="stale"') == 4


def test_an_incomplete_run_written_to_a_file_points_to_the_file(
    project: GitRepo, run: Any, tmp_path: Path
) -> None:
    """The errors are in the report, not below the verdict on stderr."""
    broken = project.root / "tests" / "cassettes" / "broken.yaml"
    broken.write_text("interactions:\n- request: {method: GET\n")
    out = tmp_path / "scan.json"
    result = run("scan", "--format", "json", "--output", out, cwd=project.root)
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "INCOMPLETE: 1 cassette could not be checked (see the report)",
        f"report written to {out}",
    ]
    errors = [c for c in json.loads(out.read_text())["cassettes"] if c["error"]]
    assert [(c["path"], c["size"]) for c in errors] == [
        ("tests/cassettes/broken.yaml", broken.stat().st_size)
    ]


@pytest.mark.parametrize(("command", "said"), [("scan", "read"), ("lint", "clean"), ("age", "aged")])
def test_a_passing_command_that_compares_nothing_says_what_it_did(
    project: GitRepo, run: Any, tmp_path: Path, command: str, said: str
) -> None:
    """Not `nothing at or above breaking`: scan, lint and age have no --fail-on."""
    out = tmp_path / f"{command}.json"
    result = run(command, "--format", "json", "--output", out, cwd=project.root)
    count = json.loads(out.read_text())["summary"]["cassettes"]
    assert result.exit_code == 0 and result.stderr.splitlines()[0] == f"PASS: {count} cassettes {said}"


def test_check_json_is_an_inventory_too(project: GitRepo, run: Any) -> None:
    """`size: 0` and no interactions for every cassette, unlike `scan`."""
    checked = json.loads(run("check", "--offline", "--format", "json", cwd=project.root).stdout)
    scanned = json.loads(run("scan", "--format", "json", cwd=project.root).stdout)
    sizes = {c["path"]: (c["size"], len(c["interactions"])) for c in checked["cassettes"]}
    assert sizes == {c["path"]: (c["size"], len(c["interactions"])) for c in scanned["cassettes"]}
    assert all(size > 0 and n > 0 for size, n in sizes.values())
    assert checked["summary"]["interactions"] == scanned["summary"]["interactions"]


def _shards(project: GitRepo, run: Any, tmp_path: Path, count: int) -> list[Path]:
    files = []
    for k in range(1, count + 1):
        out = tmp_path / f"shard-{k}.json"
        args = ("check", "--offline", "--shard", f"{k}/{count}", "--format", "json", "--output", out)
        assert run(*args, "tests/cassettes", cwd=project.root).exit_code == 0
        files.append(out)
    return files


def test_a_shard_report_records_which_slice_of_what(project: GitRepo, run: Any, tmp_path: Path) -> None:
    first = json.loads(_shards(project, run, tmp_path, 2)[0].read_text())
    assert first["shard"] == {"index": 1, "count": 2, "paths": ["tests/cassettes"]}


def test_merge_with_a_missing_shard_is_incomplete_and_names_it(
    project: GitRepo, run: Any, tmp_path: Path
) -> None:
    files = _shards(project, run, tmp_path, 3)
    merged = run("report", "merge", files[0], files[2], cwd=project.root)
    assert merged.exit_code == 3, merged.output
    assert "INCOMPLETE" in merged.stdout and "shard 2/3" in merged.stdout
    data = json.loads(run("report", "merge", "--format", "json", files[0], files[2], cwd=project.root).stdout)
    assert data["verdict"] == "incomplete"
    assert [f["path"] for f in data["failing"]] == ["shard 2/3"]


def test_merge_refuses_overlapping_shards(project: GitRepo, run: Any, tmp_path: Path) -> None:
    (tmp_path / "three").mkdir()
    three = _shards(project, run, tmp_path / "three", 3)
    two = _shards(project, run, tmp_path, 2)
    twice = run("report", "merge", three[0], three[0], three[1], three[2], cwd=project.root)
    assert twice.exit_code == 2 and "given twice" in twice.stderr
    mixed = run("report", "merge", three[0], two[1], cwd=project.root)
    assert mixed.exit_code == 2 and "shards of different runs" in mixed.stderr
