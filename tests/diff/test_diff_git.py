"""`cassettes diff --git A..B`: the cassettes a commit range changed, read from git objects,
on real repositories with cassettes recorded by vcrpy against the v1 and v2 services."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, file_hashes

from cassettes_tool.demo.services import DemoServer

THEN = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 5, 21, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def repo(git_repo: Callable[..., GitRepo]) -> GitRepo:
    return git_repo()


@pytest.fixture
def record(record_cassette: Any, repo: GitRepo) -> Callable[..., Path]:
    """Record a scenario into the repository's tests/cassettes (against v1 unless `server` says)."""

    def recorder(relative: str, scenario: str, **kwargs: Any) -> Path:
        target = repo.root / "tests" / "cassettes" / relative
        target.unlink(missing_ok=True)
        path: Path = record_cassette(relative, scenario, root=repo.root / "tests" / "cassettes", **kwargs)
        return path

    return recorder


@pytest.fixture
def refreshed(repo: GitRepo, record: Callable[..., Path], v2_server: DemoServer) -> GitRepo:
    """Two cassettes recorded against v1 and committed long ago, then re-recorded against v2."""
    record("auth/login.yaml", "login", filter_post_data_parameters=[])
    record("users/list.yaml", "users")
    repo.commit("Record against v1", date=THEN)
    record("auth/login.yaml", "login", server=v2_server, filter_post_data_parameters=[])
    record("users/list.yaml", "users", server=v2_server)
    repo.commit("Re-record against v2", date=LATER)
    return repo


def drift(result: Any) -> dict[str, list[tuple[str, str, str | None]]]:
    """Per cassette path, its changes above volatile as (severity, kind, path)."""
    data = json.loads(result.stdout)
    return {
        c["path"]: [
            (ch["severity"], ch["kind"], ch["path"])
            for i in c["interactions"]
            for ch in i["changes"]
            if ch["severity"] != "volatile"
        ]
        for c in data["cassettes"]
    }


def statuses(result: Any) -> dict[str, tuple[str, str | None]]:
    return {c["path"]: (c["status"], c["error"]) for c in json.loads(result.stdout)["cassettes"]}


def test_a_re_recorded_cassette_shows_its_drift(refreshed: GitRepo, run: Any) -> None:
    result = run(
        "diff", "--git", "HEAD~1..HEAD", "--format", "json", "--fail-on", "breaking", cwd=refreshed.root
    )
    assert result.exit_code == 1, result.output  # users lost a field: breaking
    found = drift(result)
    assert found["tests/cassettes/auth/login.yaml"] == [("additive", "field_added", "$.session_context")]
    assert ("breaking", "field_removed", "$.users[*].phone") in found["tests/cassettes/users/list.yaml"]

    # one commit named alone is the range from its parent
    alone = run("diff", "--git", "HEAD", "--format", "json", cwd=refreshed.root)
    assert drift(alone) == found
    # from a subfolder, paths are relative to it
    inside = run("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=refreshed.root / "tests")
    assert set(drift(inside)) == {"cassettes/auth/login.yaml", "cassettes/users/list.yaml"}


def test_the_working_tree_and_the_index_are_not_touched(refreshed: GitRepo, run: Any) -> None:
    root = refreshed.root
    login = root / "tests/cassettes/auth/login.yaml"
    login.write_text(login.read_text() + "# an edit in progress\n")
    (root / "notes.txt").write_text("staged, not committed\n")
    refreshed.git("add", "notes.txt")
    (root / "tests/cassettes/scratch.yaml").write_text("interactions: []\n")  # untracked
    status = refreshed.git("status", "--porcelain")
    before = file_hashes(root)  # .git included: the index and refs too

    result = run("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=root)

    assert result.exit_code == 1, result.output
    assert drift(result)["tests/cassettes/auth/login.yaml"] == [
        ("additive", "field_added", "$.session_context")
    ]
    assert "tests/cassettes/scratch.yaml" not in statuses(result)  # what is committed, not what is on disk
    assert file_hashes(root) == before
    assert refreshed.git("status", "--porcelain") == status


def test_a_renamed_and_re_recorded_cassette_pairs_across_the_rename(
    repo: GitRepo, record: Callable[..., Path], v2_server: DemoServer, run: Any
) -> None:
    record("auth/login.yaml", "login", filter_post_data_parameters=[])
    repo.commit("Record against v1", date=THEN)
    repo.git("mv", "tests/cassettes/auth/login.yaml", "tests/cassettes/auth/session.yaml")
    record("auth/session.yaml", "login", server=v2_server, filter_post_data_parameters=[])
    repo.commit("Rename and re-record", date=LATER)

    result = run("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=repo.root)

    assert result.exit_code == 0, result.output
    assert drift(result) == {
        "tests/cassettes/auth/session.yaml": [("additive", "field_added", "$.session_context")]
    }
    assert statuses(result)["tests/cassettes/auth/session.yaml"] == ("drifted", None)


def test_added_and_deleted_cassettes_are_listed_as_skipped(
    repo: GitRepo, record: Callable[..., Path], run: Any
) -> None:
    record("auth/login.yaml", "login")
    record("users/list.yaml", "users")
    repo.commit("Record", date=THEN)
    (repo.root / "tests/cassettes/users/list.yaml").unlink()
    record("catalog/items.yaml", "catalog")
    repo.commit("Swap a cassette", date=LATER)

    result = run("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=repo.root)

    assert result.exit_code == 0, result.output
    assert statuses(result) == {
        "tests/cassettes/catalog/items.yaml": ("skipped", "added in HEAD"),
        "tests/cassettes/users/list.yaml": ("skipped", "deleted in HEAD"),
    }


def test_only_cassette_files_under_the_configured_paths_are_read(
    refreshed: GitRepo, record_cassette: Any, v2_server: DemoServer, run: Any
) -> None:
    root = refreshed.root
    (root / "package.json").write_text('{"name": "not-a-cassette"}\n')
    (root / "other").mkdir()
    record_cassette("list.yaml", "users", root=root / "other")
    refreshed.commit("Outside the cassette folder", date=LATER)
    record_cassette("list.yaml", "users", root=root / "other", server=v2_server)
    (root / "pyproject.toml").write_text('[tool.cassettes]\npaths = ["tests/cassettes"]\n')
    refreshed.commit("Drift outside the cassette folder", date=LATER)

    configured = run("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=root)
    assert configured.exit_code == 0, configured.output
    assert statuses(configured) == {}

    (root / "pyproject.toml").unlink()
    everything = run("diff", "--git", "HEAD~3..HEAD", "--format", "json", cwd=root)
    assert set(statuses(everything)) == {
        "tests/cassettes/auth/login.yaml",
        "tests/cassettes/users/list.yaml",
        "other/list.yaml",
        "package.json",
    }
    assert statuses(everything)["package.json"][0] == "skipped"  # not a cassette: a note, not an error


def test_a_range_that_changes_no_cassette_says_so(refreshed: GitRepo, run: Any) -> None:
    (refreshed.root / "README.md").write_text("docs\n")
    refreshed.commit("Docs only", date=LATER)

    result = run("diff", "--git", "HEAD~1..HEAD", cwd=refreshed.root)

    assert result.exit_code == 0, result.output
    assert "HEAD~1..HEAD changes no cassette" in result.stdout


@pytest.mark.parametrize(
    ("rev_range", "message"),
    [
        ("nope..HEAD", "bad revision 'nope'"),
        ("HEAD~9..HEAD", "bad revision 'HEAD~9'"),
        ("HEAD~1...HEAD", "give a range as A..B"),
    ],
)
def test_a_bad_range_is_a_usage_error_in_git_s_words(
    refreshed: GitRepo, run: Any, rev_range: str, message: str
) -> None:
    result = run("diff", "--git", rev_range, cwd=refreshed.root)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_outside_a_repository_or_with_other_sources_is_a_usage_error(
    refreshed: GitRepo, run: Any, tmp_path: Path
) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    result = run("diff", "--git", "HEAD~1..HEAD", cwd=outside)
    assert result.exit_code == 2
    assert "not a git repository" in result.stderr

    both = run("diff", "--git", "HEAD", "--scratch", cwd=refreshed.root)
    assert both.exit_code == 2
    assert "not several" in both.stderr


def test_the_first_commit_alone_is_compared_with_nothing(
    repo: GitRepo, record: Callable[..., Path], run: Any
) -> None:
    record("auth/login.yaml", "login")
    repo.commit("Record", date=THEN)
    result = run("diff", "--git", "HEAD", "--format", "json", cwd=repo.root)
    assert result.exit_code == 0, result.output
    assert statuses(result) == {"tests/cassettes/auth/login.yaml": ("skipped", "added in HEAD")}
