"""Ages from git history, against real repositories with back-dated commits and real vcrpy recordings."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, splice_recording

from cassettes_tool import cassette
from cassettes_tool.demo.services import DemoServer
from cassettes_tool.git.ages import file_ages
from cassettes_tool.git.runner import clean_env
from cassettes_tool.model.age import Age, AgeSource, days_between

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: int) -> datetime:
    """A commit date `days` whole days before NOW (plus three hours, so the day count is unambiguous)."""
    return NOW - timedelta(days=days, hours=3)


def whole_days(age: Age | None) -> int | None:
    """Days as a user counts them: 12.9 days is 12 days old."""
    return None if age is None or age.days is None else int(age.days)


def age_of(path: Path) -> Age:
    return file_ages([path], now=NOW).ages[path]


def interaction_ages_of(path: Path) -> tuple[Age, ...]:
    return file_ages([path], now=NOW).interactions[path]


@pytest.fixture
def repo(git_repo: Callable[..., GitRepo]) -> GitRepo:
    return git_repo()


@pytest.fixture
def record(record_cassette: Any, repo: GitRepo) -> Callable[..., Path]:
    """Record a cassette into the repository's tests/cassettes, replacing what was there."""

    def recorder(relative: str, scenario: str = "login", **kwargs: Any) -> Path:
        target = repo.root / "tests" / "cassettes" / relative
        target.unlink(missing_ok=True)
        path: Path = record_cassette(relative, scenario, root=repo.root / "tests" / "cassettes", **kwargs)
        return path

    return recorder


def test_days_between_counts_fractions_and_never_goes_negative() -> None:
    assert days_between(NOW - timedelta(days=1, hours=12), NOW) == 1.5
    assert days_between(NOW + timedelta(days=2), NOW) == 0.0


def test_a_re_recorded_cassette_is_as_old_as_its_newest_recording(
    repo: GitRepo, record: Callable[..., Path], v2_server: DemoServer
) -> None:
    login = record("auth/login.yaml")
    repo.commit("Record the login flow", date=ago(300))
    record("auth/login.yaml", server=v2_server)
    sha = repo.commit("Re-record the login flow against v2", date=ago(40))
    age = age_of(login)
    assert whole_days(age) == 40
    assert age.source is AgeSource.GIT
    assert age.commit == sha
    assert age.subject == "Re-record the login flow against v2"
    assert age.author == "Ada Lovelace"
    assert age.last_recorded == ago(40).replace(microsecond=0)


def test_a_renamed_cassette_keeps_its_age_but_a_rename_with_a_re_recording_does_not(
    repo: GitRepo, record: Callable[..., Path]
) -> None:
    record("old/login.yaml")
    record("old/users.yaml", "users")
    first = repo.commit("Record", date=ago(120))
    repo.git("mv", "tests/cassettes/old", "tests/cassettes/auth")
    repo.commit("Move the cassettes", date=ago(30))
    repo.git("mv", "tests/cassettes/auth/users.yaml", "tests/cassettes/auth/people.yaml")
    people = record("auth/people.yaml", "users")
    changed = repo.commit("Rename and re-record users", date=ago(5))

    moved = age_of(repo.root / "tests/cassettes/auth/login.yaml")
    assert (whole_days(moved), moved.commit, moved.source) == (120, first, AgeSource.GIT)
    renamed = age_of(people)
    assert (whole_days(renamed), renamed.commit) == (5, changed)


def test_a_staged_move_not_yet_committed_keeps_its_age(repo: GitRepo, record: Callable[..., Path]) -> None:
    record("login.yaml")
    repo.commit("Record", date=ago(75))
    (repo.root / "tests/cassettes/auth").mkdir()
    repo.git("mv", "tests/cassettes/login.yaml", "tests/cassettes/auth/login.yaml")
    age = age_of(repo.root / "tests/cassettes/auth/login.yaml")
    assert (whole_days(age), age.source) == (75, AgeSource.GIT)


def test_an_uncommitted_re_recording_is_age_zero(repo: GitRepo, record: Callable[..., Path]) -> None:
    login = record("auth/login.yaml")
    users = record("users.yaml", "users")
    repo.commit("Record", date=ago(90))
    record("auth/login.yaml")
    age = age_of(login)
    assert (age.days, age.source, age.commit) == (0.0, AgeSource.UNCOMMITTED, None)
    assert whole_days(age_of(users)) == 90


def test_untracked_and_ignored_cassettes_are_dated_by_their_answers(
    repo: GitRepo, record: Callable[..., Path]
) -> None:
    record("users.yaml", "users")
    repo.commit("Record", date=ago(10))
    fresh = record("new/login.yaml")
    (repo.root / ".gitignore").write_text("tests/cassettes/local/\n")
    ignored = record("local/login.yaml")
    ages = file_ages([fresh, ignored], now=NOW).ages
    # git cannot tell: each answer's own Date header is the witness
    assert (ages[fresh].source, ages[fresh].commit) == (AgeSource.RECORDED, None)
    assert ages[fresh].last_recorded is not None
    assert ages[ignored].source is AgeSource.RECORDED


def test_a_shallow_clone_says_which_ages_stop_at_its_edge_once_with_the_fix(
    repo: GitRepo, record: Callable[..., Path], tmp_path: Path
) -> None:
    record("a.yaml", "users")
    repo.commit("Record a", date=ago(400))
    record("b.yaml", "catalog")
    edge = repo.commit("Record b", date=ago(200))
    record("c.yaml", "report")
    newest = repo.commit("Record c", date=ago(30))
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{repo.root}", str(clone)],
        check=True,
        env=clean_env(),
    )
    folder = clone / "tests" / "cassettes"
    result = file_ages([folder / "a.yaml", folder / "b.yaml", folder / "c.yaml"], now=NOW)
    a, b, c = result.ages.values()
    # a's recording lies behind the edge: its age is at least the edge commit's, no more is known
    assert (whole_days(a), a.commit, a.source) == (200, edge, AgeSource.SHALLOW)
    assert (whole_days(b), b.commit, b.source) == (200, edge, AgeSource.SHALLOW)
    assert (whole_days(c), c.commit, c.source) == (30, newest, AgeSource.GIT)
    (note,) = result.notes
    assert note[0] == clone.resolve()
    assert "shallow clone: 2 cassettes" in note[1] and "fetch-depth: 0" in note[1]
    assert {a.source for a in result.interactions[folder / "a.yaml"]} == {AgeSource.SHALLOW}
    assert {a.source for a in result.interactions[folder / "c.yaml"]} == {AgeSource.GIT}


def test_a_cassette_outside_any_repository_is_dated_by_its_answers(
    record_cassette: Any, tmp_path: Path
) -> None:
    loose = record_cassette("login.yaml", "login", root=tmp_path / "unpacked")
    result = file_ages([loose], now=NOW)
    assert result.ages[loose].source is AgeSource.RECORDED
    assert result.notes == (
        (
            loose.parent.resolve(),
            "not in a git repository: ages of 1 cassette come from their answers' Date headers, where they have one",
        ),
    )
    (loose.parent / "bare.yaml").write_text("interactions: []\nversion: 1\n")
    bare = file_ages([loose.parent / "bare.yaml"], now=NOW).ages[loose.parent / "bare.yaml"]
    assert bare == Age(None, None, None, None, None, AgeSource.NO_GIT)


def test_without_git_installed_the_answers_dates_tell_and_it_is_said_once(
    repo: GitRepo, record: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    login = record("login.yaml")
    users = record("users.yaml", "users")
    repo.commit("Record", date=ago(3))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = file_ages([login, users], now=NOW)
    assert {a.source for a in result.ages.values()} == {AgeSource.RECORDED}
    (note,) = result.notes
    assert "git is not installed" in note[1] and "2 cassettes" in note[1]


def test_names_with_spaces_and_non_ascii_characters(repo: GitRepo, record: Callable[..., Path]) -> None:
    spaced = record("my flows/log in.yaml")
    accented = record("zoë/ünïcode café.json", "payments")
    quoted = record('odd "quoted" name.yaml', "users")
    repo.commit("Record", date=ago(12))
    record("zoë/ünïcode café.json", "payments")
    repo.commit("Re-record café", date=ago(2))
    ages = file_ages([spaced, accented, quoted], now=NOW).ages
    assert [whole_days(a) for a in ages.values()] == [12, 2, 12]
    assert {a.source for a in ages.values()} == {AgeSource.GIT}
    assert [whole_days(a) for a in interaction_ages_of(accented)] == [2, 2]


def test_a_merge_dates_a_cassette_by_the_branch_commit_that_recorded_it(
    repo: GitRepo, record: Callable[..., Path]
) -> None:
    record("users.yaml", "users")
    repo.commit("Record users", date=ago(300))
    repo.git("switch", "-q", "-c", "payments")
    payments = record("payments.json", "payments")
    recorded = repo.commit("Record payments", date=ago(100))
    repo.git("switch", "-q", "main")
    (repo.root / "README").write_text("unrelated\n")
    repo.commit("Unrelated work", date=ago(50))
    repo.git("merge", "-q", "--no-ff", "-m", "Merge payments", "payments", date=ago(10))
    age = age_of(payments)
    assert (whole_days(age), age.commit, age.subject) == (100, recorded, "Record payments")


def test_a_repository_without_commits_yet(repo: GitRepo, record: Callable[..., Path]) -> None:
    staged = record("login.yaml")
    loose = record("users.yaml", "users")
    repo.git("add", str(staged))
    result = file_ages([staged, loose], now=NOW)
    assert {result.ages[staged].source, result.ages[loose].source} == {AgeSource.RECORDED}
    assert len(result.interactions[staged]) == 2
    assert result.ages[staged] in result.interactions[staged]


def test_a_git_dir_leaked_by_a_hook_does_not_redirect_git(
    repo: GitRepo,
    git_repo: Callable[..., GitRepo],
    record: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login = record("login.yaml")
    repo.commit("Record", date=ago(33))
    other = git_repo("other")
    (other.root / "x").write_text("x")
    other.commit("Elsewhere", date=ago(1))
    monkeypatch.setenv("GIT_DIR", str(other.root / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.root))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other.root / ".git" / "index"))
    age = age_of(login)
    assert (whole_days(age), age.source) == (33, AgeSource.GIT)


def test_one_pass_over_history_serves_every_cassette(
    repo: GitRepo, record: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = record("f/0.yaml", "users")
    for n in range(1, 40):
        (first.parent / f"{n}.yaml").write_bytes(first.read_bytes() + f"# {n}\n".encode())
    repo.commit("Record", date=ago(20))
    files = sorted(first.parent.glob("*.yaml"))
    spawned: list[list[str]] = []
    real_popen = subprocess.Popen

    def counting(args: list[str], *rest: Any, **kwargs: Any) -> Any:
        spawned.append(args)
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", counting)
    ages = file_ages(files, now=NOW).ages
    assert {whole_days(a) for a in ages.values()} == {20}
    assert len(spawned) == 4  # rev-parse, ls-files, status, log: per repository, not per file


@pytest.mark.parametrize("name, scenario", [("auth/login.yaml", "login"), ("payments.json", "payments")])
def test_each_interaction_is_as_old_as_its_own_recording(
    repo: GitRepo, record: Callable[..., Path], record_cassette: Any, tmp_path: Path, name: str, scenario: str
) -> None:
    # a diff driver that renumbers lines (as `cassettes show --textconv` would) must not fool us:
    # this one prints the file upside down
    repo.git("config", "diff.cassettes.textconv", "sed -n '1!G;h;$p'")
    (repo.root / ".gitattributes").write_text("*.yaml diff=cassettes\n*.json diff=cassettes\n")
    path = record(name, scenario)
    repo.commit("Record", date=ago(200))
    fresh = record_cassette(name, scenario, root=tmp_path / "fresh")
    splice_recording(path, fresh)
    assert len(cassette.load(path).interactions) == 2
    repo.commit("Re-record the second call", date=ago(7))

    first, second = interaction_ages_of(path)
    assert (whole_days(first), first.subject) == (200, "Record")
    assert (whole_days(second), second.subject) == (7, "Re-record the second call")
    # one fresh interaction does not make a stale cassette fresh
    assert age_of(path) == first

    # a re-recording of the second block not yet committed makes only that interaction fresh
    again = record_cassette(name, scenario, root=tmp_path / "again")
    splice_recording(path, again)
    first, second = interaction_ages_of(path)
    assert whole_days(first) == 200
    assert second == Age(0.0, None, None, None, None, AgeSource.UNCOMMITTED)
