"""`cassettes age` end to end: the table, the filter and the JSON report, on real repositories."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, splice_recording

from cassettes_tool.model.age import utc_now


def ago(days: int) -> datetime:
    """`days` whole days before the real now, plus two hours: the day count holds for the test's run."""
    return utc_now() - timedelta(days=days, hours=2)


@pytest.fixture
def project(git_repo: Callable[..., GitRepo], record_cassette: Any) -> tuple[GitRepo, dict[str, str]]:
    """A repository with three cassettes recorded 300, 20 and 120 days ago; their short shas by name."""
    repo = git_repo("project")
    folder = repo.root / "tests" / "cassettes"
    shas = {}
    for name, scenario, days in (
        ("auth/login.yaml", "login", 300),
        ("users.yaml", "users", 20),
        ("payments.json", "payments", 120),
    ):
        record_cassette(name, scenario, root=folder)
        shas[name] = repo.commit(f"Record {name}", date=ago(days), paths=(str(folder / name),))
    return repo, shas


def test_the_table_lists_cassettes_oldest_first(project: tuple[GitRepo, dict[str, str]], run: Any) -> None:
    repo, shas = project
    result = run("age", "tests/cassettes", cwd=repo.root)
    assert result.exit_code == 0, result.output
    header, *rows, total = result.stdout.splitlines()
    assert header.split() == ["days", "recorded", "commit", "source", "cassette"]
    cells = [row.split() for row in rows]
    assert [c[0] for c in cells] == ["300", "120", "20"]
    assert [c[4] for c in cells] == [
        "tests/cassettes/auth/login.yaml",
        "tests/cassettes/payments.json",
        "tests/cassettes/users.yaml",
    ]
    recorded = repo.git("log", "-1", "--format=%ad", "--date=short", shas["auth/login.yaml"])
    assert cells[0][1:4] == [recorded, shas["auth/login.yaml"], "git"]
    # columns line up: every path starts at the same place
    assert len({row.index("tests/") for row in rows}) == 1
    assert total == "total: 3 cassettes, oldest 300 days"


def test_older_than_keeps_only_the_older_cassettes(project: tuple[GitRepo, dict[str, str]], run: Any) -> None:
    repo, _ = project
    result = run("age", "--older-than", "100", "-q", cwd=repo.root)
    assert result.exit_code == 0, result.output
    assert [row.split()[4] for row in result.stdout.splitlines()] == [
        "tests/cassettes/auth/login.yaml",
        "tests/cassettes/payments.json",
    ]


def test_json_report_carries_the_spec_age_fields(
    project: tuple[GitRepo, dict[str, str]], run: Any, tmp_path: Path
) -> None:
    repo, shas = project
    out = tmp_path / "age.json"
    result = run("age", "--format", "json", "--output", out, cwd=repo.root)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["command"] == "age"
    first = report["cassettes"][0]
    assert first["path"] == "tests/cassettes/auth/login.yaml"
    age = first["age"]
    assert set(age) >= {"days", "last_recorded", "commit", "source"}
    assert 300 < age["days"] < 300.2 and age["days"] == round(age["days"], 1)
    committed = repo.git("log", "-1", "--format=%aI", shas["auth/login.yaml"])
    assert datetime.fromisoformat(age["last_recorded"]) == datetime.fromisoformat(committed)
    assert age["last_recorded"].endswith("+00:00")
    assert (age["commit"], age["source"]) == (shas["auth/login.yaml"], "git")
    assert (age["subject"], age["author"]) == ("Record auth/login.yaml", "Ada Lovelace")
    assert [c["path"] for c in report["cassettes"]][1:] == [
        "tests/cassettes/payments.json",
        "tests/cassettes/users.yaml",
    ]


def test_per_interaction_rows_sit_under_their_cassette(
    project: tuple[GitRepo, dict[str, str]], run: Any
) -> None:
    repo, _ = project
    result = run("age", "--per-interaction", "tests/cassettes/auth", cwd=repo.root)
    assert result.exit_code == 0, result.output
    _, cassette_row, *interaction_rows, _ = result.stdout.splitlines()
    assert cassette_row.split()[0] == "300" and cassette_row.endswith("tests/cassettes/auth/login.yaml")
    assert [row.split()[0] for row in interaction_rows] == ["300", "300"]
    assert interaction_rows[0].split()[4:] == ["#0", "POST", "https://auth.example.com/login"]
    assert interaction_rows[1].split()[4:] == ["#1", "GET", "https://auth.example.com/me"]


def test_older_than_per_interaction_finds_old_calls_in_a_recently_touched_cassette(
    project: tuple[GitRepo, dict[str, str]], record_cassette: Any, run: Any, tmp_path: Path
) -> None:
    repo, shas = project
    login = repo.root / "tests" / "cassettes" / "auth" / "login.yaml"
    splice_recording(login, record_cassette("login.yaml", "login", root=tmp_path / "fresh"))
    repo.commit("Re-record GET /me", date=ago(5))
    result = run(
        "age", "--per-interaction", "--older-than", "100", "-q", "tests/cassettes/auth", cwd=repo.root
    )
    assert result.exit_code == 0, result.output
    cassette_row, interaction_row = result.stdout.splitlines()
    # a cassette is as old as its oldest interaction: the fresh one does not make it young
    assert cassette_row.split()[:3] == ["300", interaction_row.split()[1], shas["auth/login.yaml"]]
    assert cassette_row.endswith("auth/login.yaml")
    assert interaction_row.split()[0] == "300" and interaction_row.split()[2] == shas["auth/login.yaml"]
    assert interaction_row.split()[4:] == ["#0", "POST", "https://auth.example.com/login"]


def test_outside_a_repository_the_answers_date_headers_tell(
    record_cassette: Any, run: Any, tmp_path: Path
) -> None:
    record_cassette("login.yaml", "login", root=tmp_path / "unpacked")
    result = run("age", "unpacked")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["0", utc_now().date().isoformat(), "-", "recorded", "unpacked/login.yaml"]
    assert (
        "not in a git repository: ages of 1 cassette come from their answers' Date headers" in result.stdout
    )


def test_the_installed_command_ignores_a_git_dir_leaked_by_a_hook(
    project: tuple[GitRepo, dict[str, str]],
    git_repo: Callable[..., GitRepo],
    run_installed: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, shas = project
    other = git_repo("other")
    monkeypatch.setenv("GIT_DIR", str(other.root / ".git"))
    done = run_installed("age", "--format", "json", cwd=repo.root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [c["age"]["commit"] for c in report["cassettes"]] == [
        shas["auth/login.yaml"],
        shas["payments.json"],
        shas["users.yaml"],
    ]


def test_only_cassettes_are_aged_and_checked(project: tuple[GitRepo, dict[str, str]], run: Any) -> None:
    """Fixtures and workflow files are never listed or dated, by `age`, `check` or `scan`."""
    repo, _ = project
    (repo.root / "tests" / "data").mkdir()
    (repo.root / "tests" / "data" / "collection.json").write_text('{"type": "Collection", "request": "x"}')
    (repo.root / ".github" / "workflows").mkdir(parents=True)
    (repo.root / ".github" / "workflows" / "ci.yml").write_text("on: [push]\njobs: {}\n")
    repo.commit("Add a fixture and a workflow", date=ago(900))
    listed = {}
    for command in (
        ["age"],
        ["age", "--per-interaction"],
        ["check", "--offline", "--max-age", "2000"],
        ["scan"],
    ):
        result = run(*command, "--format", "json", ".", cwd=repo.root)
        report = json.loads(result.stdout)
        listed[command[0] + " ".join(command[1:2])] = {
            c["path"] for c in report["cassettes"] if c["status"] != "skipped"
        }
        if command[0] == "check":
            assert result.exit_code == 0, result.output
    assert len({frozenset(paths) for paths in listed.values()}) == 1, listed
    assert listed["age"] == {
        "tests/cassettes/auth/login.yaml",
        "tests/cassettes/payments.json",
        "tests/cassettes/users.yaml",
    }


def test_per_interaction_shows_the_numbers_the_cassette_age_is_made_of(
    project: tuple[GitRepo, dict[str, str]], run: Any
) -> None:
    repo, _ = project
    result = run("age", "--per-interaction", "--format", "json", cwd=repo.root)
    for entry in json.loads(result.stdout)["cassettes"]:
        oldest = max(entry["interactions"], key=lambda i: i["age"]["days"])["age"]
        assert entry["age"] == oldest


def test_a_history_git_cannot_read_is_a_note_and_the_dates_in_the_answers(
    project: tuple[GitRepo, dict[str, str]], run: Any
) -> None:
    """An object of an old commit is gone (a broken clone, a pruned alternate): git's walk fails
    part-way, started before the cassettes were even found; the table still comes, dated by
    each answer's `Date`, and says why."""
    repo, shas = project
    tree = repo.git("rev-parse", f"{shas['auth/login.yaml']}^{{tree}}")
    (repo.root / ".git" / "objects" / tree[:2] / tree[2:]).unlink()

    result = run("age", "tests/cassettes", "--format", "json", cwd=repo.root)

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {c["path"] for c in report["cassettes"]} == {
        "tests/cassettes/auth/login.yaml",
        "tests/cassettes/users.yaml",
        "tests/cassettes/payments.json",
    }
    (note,) = [n["note"] for n in report["notes"] if n["note"].startswith("git: ")]
    assert "Date headers" in note and "unable to read" in note, note
