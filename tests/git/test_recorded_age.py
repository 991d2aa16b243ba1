"""An age tracks recordings, not edits: real vcrpy recordings in real repositories with back-dated commits."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, splice_recording

from cassettes_tool.cassette import recording
from cassettes_tool.git.ages import file_ages
from cassettes_tool.git.runner import clean_env
from cassettes_tool.model.age import Age, AgeSource, utc_now

#: record the login flow with its token left in: `lint --fix` has something to mask
UNFILTERED: dict[str, Any] = {
    "filter_headers": [],
    "filter_post_data_parameters": [],
    "before_record_response": None,
}


def ago(days: int) -> datetime:
    return utc_now() - timedelta(days=days, hours=2)


def days_of(age: Age | None) -> int | None:
    return None if age is None or age.days is None else int(age.days)


def set_dates(path: Path, when: datetime) -> None:
    """Give every answer the `Date` a server would have sent at `when` (a recording made then)."""
    stamp = format_datetime(when.replace(microsecond=0), usegmt=True)
    text = re.sub(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT", stamp, path.read_text())
    path.write_text(text)


@pytest.fixture
def repo(git_repo: Callable[..., GitRepo]) -> GitRepo:
    return git_repo()


@pytest.fixture
def record(record_cassette: Any, repo: GitRepo) -> Callable[..., Path]:
    def recorder(relative: str, scenario: str = "login", **kwargs: Any) -> Path:
        target = repo.root / "tests" / "cassettes" / relative
        target.unlink(missing_ok=True)
        path: Path = record_cassette(relative, scenario, root=repo.root / "tests" / "cassettes", **kwargs)
        return path

    return recorder


def ages(path: Path) -> tuple[Age, tuple[Age, ...]]:
    result = file_ages([path])
    return result.ages[path], result.interactions[path]


@pytest.mark.parametrize("name", ["auth/login.yaml", "auth/login.json"])
def test_masking_by_lint_fix_keeps_the_age_of_the_recording(
    repo: GitRepo, record: Callable[..., Path], run: Any, name: str
) -> None:
    login = record(name, **UNFILTERED)
    recorded = repo.commit("Record the login flow", date=ago(300))
    before = login.read_text()
    fixed = run("lint", "--fix", str(login), cwd=repo.root)
    assert login.read_text() != before and "<REDACTED:" in login.read_text(), fixed.output
    # not yet committed: the masking is no re-recording either
    age, _ = ages(login)
    assert (days_of(age), age.commit, age.source) == (300, recorded, AgeSource.GIT)
    repo.commit("Mask the token", date=ago(10))
    age, each = ages(login)
    assert (days_of(age), age.commit, age.subject) == (300, recorded, "Record the login flow")
    assert [days_of(a) for a in each] == [300, 300]


def test_a_request_edited_by_hand_keeps_the_age(repo: GitRepo, record: Callable[..., Path]) -> None:
    login = record("auth/login.yaml")
    recorded = repo.commit("Record", date=ago(300))
    login.write_text(
        login.read_text().replace("https://auth.example.com/me", "https://auth.example.com/me?v=2")
    )
    repo.commit("Point the test at /me?v=2", date=ago(10))
    age, each = ages(login)
    assert (days_of(age), age.commit) == (300, recorded)
    assert [a.commit for a in each] == [recorded, recorded]


def test_a_re_recording_makes_it_young(repo: GitRepo, record: Callable[..., Path]) -> None:
    login = record("auth/login.yaml")
    repo.commit("Record", date=ago(300))
    record("auth/login.yaml")
    again = repo.commit("Re-record", date=ago(5))
    age, each = ages(login)
    assert (days_of(age), age.commit, age.source) == (5, again, AgeSource.GIT)
    assert [days_of(a) for a in each] == [5, 5]


def test_one_fresh_interaction_does_not_make_the_cassette_fresh(
    repo: GitRepo, record: Callable[..., Path], record_cassette: Any, tmp_path: Path
) -> None:
    login = record("auth/login.yaml")
    first = repo.commit("Record", date=ago(300))
    splice_recording(login, record_cassette("login.yaml", "login", root=tmp_path / "fresh"))
    second = repo.commit("Re-record GET /me", date=ago(5))
    age, each = ages(login)
    assert [(days_of(a), a.commit) for a in each] == [(300, first), (5, second)]
    assert age == each[0]


def test_a_rename_and_a_move_keep_the_age(repo: GitRepo, record: Callable[..., Path], run: Any) -> None:
    login = record("old/login.yaml", **UNFILTERED)
    recorded = repo.commit("Record", date=ago(300))
    (repo.root / "tests/cassettes/auth").mkdir()
    repo.git("mv", "tests/cassettes/old/login.yaml", "tests/cassettes/auth/sign-in.yaml")
    repo.commit("Move and rename", date=ago(60))
    moved = repo.root / "tests/cassettes/auth/sign-in.yaml"
    # a move and a masking in one commit: git sees a rename with edits
    repo.git("mv", "tests/cassettes/auth/sign-in.yaml", "tests/cassettes/auth/login.yaml")
    moved = repo.root / "tests/cassettes/auth/login.yaml"
    run("lint", "--fix", str(moved), cwd=repo.root)
    repo.commit("Rename back and mask", date=ago(3))
    assert not login.exists()
    age, each = ages(moved)
    assert (days_of(age), age.commit) == (300, recorded)
    assert {a.commit for a in each} == {recorded}


def test_a_shallow_clone_dates_by_the_answers_date_headers(
    repo: GitRepo, record: Callable[..., Path], tmp_path: Path
) -> None:
    login = record("auth/login.yaml")
    set_dates(login, ago(250))
    repo.commit("Record", date=ago(240))
    (repo.root / "README").write_text("later work\n")
    repo.commit("Unrelated", date=ago(2))
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True, env=clean_env()
    )
    age, each = ages(clone / "tests/cassettes/auth/login.yaml")
    assert (days_of(age), age.source, age.commit) == (250, AgeSource.RECORDED, None)
    assert {a.source for a in each} == {AgeSource.RECORDED}


def test_without_git_on_path_the_date_headers_tell(
    repo: GitRepo, record: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    login = record("auth/login.yaml")
    set_dates(login, ago(120))
    repo.commit("Record", date=ago(100))
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    age, each = ages(login)
    assert (days_of(age), age.source) == (120, AgeSource.RECORDED)
    assert [days_of(a) for a in each] == [120, 120]


def test_a_cassette_copied_in_is_as_old_as_its_answers(repo: GitRepo, record: Callable[..., Path]) -> None:
    login = record("auth/login.yaml")
    set_dates(login, ago(400))
    repo.commit("Copy the login cassette from the old project", date=ago(10))
    age, _ = ages(login)
    assert (days_of(age), age.source) == (400, AgeSource.RECORDED)


def test_a_hand_written_date_is_no_witness(repo: GitRepo, record: Callable[..., Path]) -> None:
    login = record("auth/login.yaml")
    # the weekday does not match the date: no server wrote it
    login.write_text(
        re.sub(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4}", "Wed, 10 Feb 2024", login.read_text())
    )
    recorded = repo.commit("Add the login cassette", date=ago(30))
    age, _ = ages(login)
    assert (days_of(age), age.commit, age.source) == (30, recorded, AgeSource.GIT)


def test_where_neither_can_tell_the_age_is_unknown(tmp_path: Path) -> None:
    loose = tmp_path / "unpacked" / "bare.yaml"
    loose.parent.mkdir()
    loose.write_text(
        "interactions:\n- request: {method: GET, uri: 'https://x.example/', body: null, headers: {}}\n"
        "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: ok}}\nversion: 1\n"
    )
    result = file_ages([loose])
    assert result.ages[loose] == Age(None, None, None, None, None, AgeSource.NO_GIT)
    assert result.interactions[loose] == (result.ages[loose],)


def test_a_large_body_that_repeats_its_ids_yields_each_once(repo: GitRepo) -> None:
    """A scan export repeats the same ids thousands of times: each id counts once, none is lost,
    and a re-recording that changes one id among them still makes the cassette young."""
    rows = [f'{{"plugin_id": "{n % 50:08x}-1111-4222-8333-444455556666", "seen": 1}}' for n in range(4000)]
    body = "[" + ", ".join(rows) + "]"
    cassette = repo.root / "tests" / "cassettes" / "export.yaml"
    cassette.parent.mkdir(parents=True)

    def write(date: str, body: str) -> None:
        cassette.write_text(
            "interactions:\n- request: {method: GET, uri: 'https://scan.example/export', body: null, headers: {}}\n"
            f"  response:\n    status: {{code: 200, message: OK}}\n    headers: {{Date: ['{date}']}}\n"
            f"    body: {{string: '{body}'}}\nversion: 1\n"
        )

    write("Tue, 04 Dec 2018 10:00:00 GMT", body)
    tokens = recording.tokens_in(cassette.read_bytes())
    assert len([t for t in tokens if t.endswith(b"-1111-4222-8333-444455556666")]) == 50
    assert b"Tue, 04 Dec 2018 10:00:00 GMT" in tokens
    first = repo.commit("Record the export", date=ago(300))
    cassette.write_text(
        cassette.read_text().replace("1111-4222", "1111-4999", 1).replace("Dec 2018", "Dec 2019")
    )
    cassette.write_text(cassette.read_text().replace("Tue, 04 Dec 2019", "Wed, 04 Dec 2019"))
    again = repo.commit("Re-record the export", date=ago(3))
    age, _ = ages(cassette)
    assert (days_of(age), age.commit) == (3, again) != (300, first)


def test_answers_remembered_across_versions_stay_within_their_budget() -> None:
    remembered = recording._Answers(budget=10)
    for n in range(50):
        answer = recording.Answer(frozenset({f"id-{n}-{k}".encode() for k in range(3)}), bytes([n]), None)
        assert remembered.put(answer) is answer
        assert remembered.held <= 10
        assert remembered.get(bytes([n])) is answer


def test_a_version_missing_from_the_repository_never_makes_a_cassette_younger(
    repo: GitRepo, record: Callable[..., Path], run: Any
) -> None:
    """A damaged or partial clone lacks a version between two hand edits: the recording is
    still dated where it was made, not at the edit after the gap, and the report says why."""
    login = record("auth/login.yaml")
    recorded = repo.commit("Record", date=ago(300))
    for n, days in enumerate((200, 10)):
        login.write_text(
            login.read_text().replace("https://auth.example.com/me", f"https://auth.example.com/me{n}")
        )
        repo.commit(f"Point the test at /me{n}", date=ago(days))
    gone = repo.git("rev-parse", "HEAD~1:tests/cassettes/auth/login.yaml").strip()
    (repo.root / ".git" / "objects" / gone[:2] / gone[2:]).unlink()
    age, each = ages(login)
    assert (days_of(age), age.commit) == (300, recorded)
    assert [a.commit for a in each] == [recorded, recorded]
    said = run("age", "--format", "json", str(login), cwd=repo.root)
    notes = [n["note"] for n in json.loads(said.stdout)["notes"]]
    assert any("1 earlier version of 1 cassette is missing from the repository" in n for n in notes), notes
