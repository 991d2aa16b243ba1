"""Issue 16, "Honest verdicts": the gate never says PASS for what it did not check.

Each case is one a new user (or CI's default checkout) meets; the verdict must be INCOMPLETE
(exit 3) with the reason and the fix, or a declared choice that is listed as such.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    Reply,
    Stage,
    interaction,
    no_traceback,
    path_without_git,
    run_bounded,
    tree_bytes,
    write_cassette,
)

USERS = "https://users.example.com/users?page=1"
USERS_BODY = '{"users": [{"id": 1, "name": "Ada"}], "total": 1}'


def ago(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days, hours=2)


def users_stage() -> Stage:
    """A staging that answers exactly what the cassette recorded: the cassette is aligned."""
    return Stage(lambda method, path, body: Reply(200, USERS_BODY.encode()))


@pytest.fixture
def old_project(git_repo: Any) -> Any:
    """A cassette recorded 600 days ago, then a recent unrelated commit on top."""
    repo = git_repo("origin")
    write_cassette(repo.root / "tests/cassettes/users.yaml", interaction(USERS, body=USERS_BODY))
    (repo.root / "pyproject.toml").write_text('[tool.cassettes]\npaths = ["tests/cassettes"]\n')
    repo.commit("Record the users cassette", date=ago(600))
    (repo.root / "README.md").write_text("a project\n")
    repo.commit("Docs", date=ago(1))
    return repo


# ---------------------------------------------------------------------------- age unknown


def test_shallow_clone_with_max_age_is_incomplete_and_names_fetch_depth(
    old_project: Any, run: Any, tmp_path: Path
) -> None:
    full = run("check", "--offline", "--max-age", "500", cwd=old_project.root)
    assert full.exit_code == 1, full.output  # the full history sees a 600-day-old cassette

    shallow = tmp_path / "shallow"
    old_project.git("clone", "-q", "--depth", "1", f"file://{old_project.root}", str(shallow))
    result = run("check", "--offline", "--max-age", "500", cwd=shallow)

    assert result.exit_code == 3, result.output  # today: 0, PASS on a history it never saw
    assert "users.yaml" in result.output
    assert "fetch-depth: 0" in result.output
    no_traceback(result.output)


def test_no_git_on_path_with_max_age_is_incomplete_and_says_install_git(
    old_project: Any, tmp_path: Path
) -> None:
    env = {"PATH": path_without_git(), "HOME": str(tmp_path / "home"), "LANG": "C.UTF-8"}
    result = run_bounded(["check", "--offline", "--max-age", "10"], cwd=old_project.root, env=env, timeout=60)
    out = result.stdout + result.stderr
    assert result.returncode == 3, out  # today: 0, "nothing older than 10 days" with every age unknown
    assert "users.yaml" in out
    assert "git" in out.lower() and "install" in out.lower()
    no_traceback(out)


def test_outside_any_repository_with_max_age_is_incomplete(run: Any, tmp_path: Path) -> None:
    project = tmp_path / "not-a-repo"
    write_cassette(project / "tests/cassettes/users.yaml", interaction(USERS, body=USERS_BODY))
    (project / "pyproject.toml").write_text('[tool.cassettes]\npaths = ["tests/cassettes"]\n')

    result = run("check", "--offline", "--max-age", "10", cwd=project)

    assert result.exit_code == 3, result.output  # today: 0
    assert "users.yaml" in result.output
    assert "age" in result.output.lower() and "unknown" in result.output.lower()
    no_traceback(result.output)


# ---------------------------------------------------------------------------- nothing sent


def test_a_mistyped_map_sends_nothing_and_is_incomplete(run: Any, tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS, body=USERS_BODY))
    with users_stage() as stage:
        result = run("check", "cassettes", "--map", f"user.example.com={stage.url}", "--format", "json")
        assert stage.count() == 0  # the typo: no mapping for users.example.com

    assert result.exit_code == 3, result.output  # today: 0, PASS with nothing sent
    report = json.loads(result.stdout)
    assert report["verdict"] == "incomplete"
    (entry,) = report["cassettes"]
    assert entry["path"].endswith("users.yaml") and entry["status"] == "skipped", entry


def test_a_mistyped_map_text_report_names_the_unmapped_host(run: Any, tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS, body=USERS_BODY))
    with users_stage() as stage:
        result = run("check", "cassettes", "--map", f"user.example.com={stage.url}")
    assert result.exit_code == 3, result.output
    assert "users.yaml" in result.output and "users.example.com" in result.output
    assert "skipped" in result.output.lower()


def test_skip_hosts_are_skipped_by_choice_and_do_not_fail(run: Any, tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS, body=USERS_BODY))
    write_cassette(
        tmp_path / "cassettes/legacy.yaml", interaction("https://legacy.example.com/v0/ping", body="{}")
    )
    with users_stage() as stage:
        (tmp_path / "pyproject.toml").write_text(
            "[tool.cassettes]\n"
            'paths = ["cassettes"]\n'
            "[tool.cassettes.targets.staging]\n"
            f'hosts = {{ "users.example.com" = "{stage.url}" }}\n'
            'skip_hosts = ["legacy.example.com"]\n'
        )
        result = run("check", "--target", "staging", "--format", "json")
        sent = stage.count("GET")

    assert result.exit_code == 0, result.output  # today: 2, `skip_hosts` is an unknown key
    assert sent == 1  # users.example.com checked, legacy.example.com never called
    report = json.loads(result.stdout)
    assert report["verdict"] == "pass"
    by_name = {Path(c["path"]).name: c for c in report["cassettes"]}
    assert by_name["users.yaml"]["status"] == "aligned"
    assert by_name["legacy.yaml"]["status"] == "skipped"
    assert "choice" in json.dumps(by_name["legacy.yaml"]).lower()  # skipped by choice, said so


def test_a_partly_skipped_cassette_is_not_silently_aligned(run: Any, tmp_path: Path) -> None:
    """Guard (passes today): a GET re-checked and a POST not sent (not allowed) is not a plain
    `aligned`: the skipped interaction is listed, with why, in text and JSON."""
    write_cassette(
        tmp_path / "cassettes/users.yaml",
        interaction(USERS, body=USERS_BODY),
        interaction("https://users.example.com/users", method="POST", request_body='{"name": "B"}'),
    )
    with users_stage() as stage:
        text = run("check", "cassettes", "--map", f"users.example.com={stage.url}")
        result = run("check", "cassettes", "--map", f"users.example.com={stage.url}", "--format", "json")
        assert stage.count("POST") == 0
    assert "POST" in text.output and "not allowed" in text.output, text.output
    (entry,) = json.loads(result.stdout)["cassettes"]
    statuses = [i["status"] for i in entry["interactions"]]
    assert entry["status"] != "aligned" or "skipped" in statuses, entry


# ---------------------------------------------------------------------------- Git LFS pointers

LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 48213\n"
)


@pytest.mark.parametrize("command", ["check", "scan"])
def test_git_lfs_pointers_are_reported_and_make_the_run_incomplete(
    command: str, run: Any, tmp_path: Path
) -> None:
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS, body=USERS_BODY))
    (tmp_path / "cassettes/payments.yaml").write_text(LFS_POINTER)
    args = ["check", "cassettes", "--offline"] if command == "check" else ["scan", "cassettes"]

    result = run(*args)

    assert result.exit_code == 3, result.output  # today: 0, "not a cassette" and PASS
    assert "payments.yaml" in result.output
    assert "git lfs pull" in result.output
    no_traceback(result.output)


# ---------------------------------------------------------------------------- answers that became errors


def test_a_mis_mapped_staging_404_is_called_out_and_not_applied(
    record_cassette: Any, v2_server: Any, run: Any, tmp_path: Path
) -> None:
    cassette = record_cassette("users/list.yaml", "users")  # real vcrpy, 200 from v1
    before = tree_bytes(tmp_path / "cassettes")
    wrong = f"{v2_server.origin}/no-such-prefix"  # staging is up, the map is wrong: 404

    result = run("refresh", "cassettes", "--map", f"users.example.com={wrong}", "--apply")

    assert tree_bytes(tmp_path / "cassettes") == before, "a 404 was written over a good cassette"
    assert result.exit_code in (1, 3), result.output  # today: 0
    head = "\n".join(result.output.splitlines()[:6])
    assert "404" in head and "list.yaml" in result.output, result.output  # called out at the top
    assert "--accept-errors" in result.output
    assert cassette.read_bytes() == before["users/list.yaml"]


def test_accept_errors_writes_the_error_answer_on_purpose(
    record_cassette: Any, v2_server: Any, run: Any, tmp_path: Path
) -> None:
    cassette = record_cassette("users/list.yaml", "users")
    wrong = f"{v2_server.origin}/no-such-prefix"

    result = run("refresh", "cassettes", "--map", f"users.example.com={wrong}", "--apply", "--accept-errors")

    assert result.exit_code != 2, result.output  # today: 2, no such option
    assert "code: 404" in cassette.read_text()


def test_check_calls_out_answers_that_became_errors_with_the_map_hint(
    record_cassette: Any, v2_server: Any, run: Any, tmp_path: Path
) -> None:
    record_cassette("users/list.yaml", "users")
    wrong = f"{v2_server.origin}/no-such-prefix"
    result = run("check", "cassettes", "--map", f"users.example.com={wrong}")
    assert result.exit_code != 0, result.output
    head = "\n".join(result.output.splitlines()[:6]).lower()
    assert "404" in head and ("map" in head or "token" in head), result.output
