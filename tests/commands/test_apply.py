"""`cassettes refresh --apply / --commit` end to end: a real repository holding cassettes
recorded by vcrpy against v1 and committed long ago, re-recorded against a v2 staging."""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import vcr
from conftest import GitRepo, file_hashes

from cassettes_tool.demo.services import STAGING_TOKEN, DemoServer

FROZEN_DAYS = 187
RECORDED = datetime.now(timezone.utc) - timedelta(days=FROZEN_DAYS, hours=3)
LOGIN = "tests/cassettes/auth/login.yaml"
USERS = "tests/cassettes/users/list.yaml"
CATALOG = "tests/cassettes/catalog/items.yaml"
ME = "tests/cassettes/auth/me.yaml"
DRIFTED = {LOGIN, USERS, CATALOG}
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


def staging(server: DemoServer) -> list[str]:
    """The target options of a refresh against `server`."""
    maps = [arg for host, url in server.host_map().items() for arg in ("--map", f"{host}={url}")]
    return [*maps, "--header", f"Authorization=Bearer {STAGING_TOKEN}", "--allow-method", "POST"]


def me_with_staging_token(http: Any, server: DemoServer) -> None:
    """A call whose answer does not drift (the roles only change order)."""
    http.get(server.url("https://auth.example.com/me"), headers={"Authorization": f"Bearer {STAGING_TOKEN}"})


@pytest.fixture
def repo(git_repo: Callable[..., GitRepo], record_cassette: Any) -> GitRepo:
    """Login (drifts additive), users (breaking), catalog (additive, gzip, httpx) and me (aligned),
    recorded against v1 and committed FROZEN_DAYS ago."""
    made = git_repo()
    root = made.root / "tests" / "cassettes"
    record_cassette("auth/login.yaml", "login", root=root, filter_post_data_parameters=[])
    record_cassette("users/list.yaml", "users", root=root)
    record_cassette("catalog/items.yaml", "catalog", root=root, client="httpx")
    record_cassette("auth/me.yaml", me_with_staging_token, root=root)
    (made.root / "README.md").write_text("a project\n")
    made.commit("Record the cassettes against v1", date=RECORDED)
    return made


@pytest.fixture
def staging_once() -> Iterator[DemoServer]:
    """A v2 staging of the test's own, so that the test can take it down."""
    with DemoServer("v2") as server:
        yield server


def state(repo: GitRepo) -> dict[str, Any]:
    """Everything a refusal must leave as it was: status, HEAD, branches, every file's bytes."""
    return {
        "status": repo.git("status", "--porcelain", "--untracked-files=all"),
        "head": repo.git("rev-parse", "HEAD"),
        "symbolic": repo.git("rev-parse", "--symbolic-full-name", "HEAD"),
        "branches": repo.git("branch", "--list", "--format=%(refname)"),
        "files": file_hashes(repo.root),
    }


def hashes(repo: GitRepo) -> dict[str, bytes]:
    return {name: data for name, data in file_hashes(repo.root).items() if name.startswith("tests")}


def committed_files(repo: GitRepo) -> set[str]:
    return set(repo.git("show", "--name-only", "--format=", "HEAD").splitlines())


def drift(
    data: dict[str, Any], paths: set[str] | None = None
) -> dict[str, list[tuple[str, str, str | None]]]:
    return {
        c["path"]: sorted(
            (ch["severity"], ch["kind"], ch["path"])
            for i in c["interactions"]
            for ch in i["changes"]
            if ch["severity"] != "volatile"
        )
        for c in data["cassettes"]
        if paths is None or c["path"] in paths
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---------------------------------------------------------------------------- --commit


def test_commit_makes_one_reviewable_commit_of_the_drifted_cassettes(
    repo: GitRepo, v2_server: DemoServer, run: Any
) -> None:
    root = repo.root
    os.chmod(root / LOGIN, 0o640)  # git keeps only the executable bit: the mode must survive the apply
    base = repo.git("rev-parse", "HEAD")
    aligned = (root / ME).read_bytes()

    result = run("refresh", "--commit", *staging(v2_server), "--format", "json", cwd=root)

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    applied = data["apply"]
    assert set(applied["written"]) == DRIFTED
    branch = applied["branch"]
    assert branch.startswith("cassettes/refresh-")
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == branch
    assert repo.git("rev-parse", "HEAD") == applied["commit"]
    assert repo.git("rev-list", f"{base}..HEAD") == applied["commit"]  # exactly one commit
    assert repo.git("rev-parse", "HEAD~1") == base
    assert repo.git("rev-parse", "main") == base  # the branch it started from did not move
    assert committed_files(repo) == DRIFTED
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""  # scratch run ignored
    assert (root / ME).read_bytes() == aligned
    assert stat.S_IMODE((root / LOGIN).stat().st_mode) == 0o640

    # the message is the review: subject, each cassette's age and drift, trailers
    message = repo.git("log", "-1", "--format=%B")
    subject, blank, *body = message.splitlines()
    assert subject == "Refresh 3 drifted cassettes against command-line"
    assert blank == ""
    recorded_on = RECORDED.date().isoformat()
    first = repo.git("rev-parse", "--short", base)
    assert f"{LOGIN} (drifted: 1 additive)" in body
    assert body.count(f"frozen {FROZEN_DAYS} days, since {recorded_on} ({first})") == 3
    assert any("additive `field_added` `$.session_context`" in line for line in body)
    assert any("**breaking** `field_removed` `$.users[*].phone`" in line for line in body)
    assert not any(line.startswith("#") for line in body)
    run_id = data["run"]["id"]
    trailers = repo.git("log", "-1", "--format=%(trailers:only,unfold)").splitlines()
    assert trailers == ["Cassettes-Target: command-line", f"Cassettes-Run: {run_id}"]

    # no credential in anything committed: lint is clean, the staging token is nowhere
    linted = run("lint", "tests/cassettes", cwd=root)
    assert linted.exit_code == 0, linted.output
    added = repo.git("log", "-1", "-p", "--format=")
    assert STAGING_TOKEN not in added and "tok_" not in added  # the login token v2 handed out

    # a reviewer's `diff --git` of the commit shows the drift the refresh applied
    review = run("diff", "--git", "HEAD~1..HEAD", "--format", "json", cwd=root)
    assert review.exit_code == 1, review.output  # users broke
    assert drift(json.loads(review.stdout)) == drift(data, DRIFTED)

    # and the refreshed cassettes replay under vcrpy, with the v2 behaviour
    replay = vcr.VCR(record_mode="none")
    with replay.use_cassette(str(root / LOGIN)), requests.Session() as session:
        answer = session.post("https://auth.example.com/login", json={"username": "ada", "password": "x"})
        assert answer.json()["session_context"] == {"device_id": "d-1", "auth_level": 2}
    with replay.use_cassette(str(root / CATALOG)), httpx.Client() as client:
        items = client.get("https://catalog.example.com/items", headers={"Accept-Encoding": "gzip"}).json()
        assert all("sku" in item for item in items["items"])
    with replay.use_cassette(str(root / USERS)), requests.Session() as session:
        assert session.get("https://users.example.com/users?page=1").headers["Deprecation"] == "true"


def test_commit_on_the_current_branch_and_under_a_given_name(
    repo: GitRepo, v2_server: DemoServer, run: Any
) -> None:
    base = repo.git("rev-parse", "HEAD")
    named = run("refresh", "--commit", "--branch", "deps/refresh", *staging(v2_server), cwd=repo.root)
    assert named.exit_code == 0, named.output
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == "deps/refresh"
    assert "on new branch deps/refresh (not pushed)" in named.stdout
    assert f"wrote     {LOGIN}: was frozen {FROZEN_DAYS} days" in named.stdout

    repo.git("checkout", "-q", "main")
    repo.git("reset", "-q", "--hard", base)
    current = run("refresh", "--commit", "--no-branch", *staging(v2_server), cwd=repo.root)
    assert current.exit_code == 0, current.output
    assert repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert repo.git("rev-parse", "HEAD~1") == base
    assert committed_files(repo) == DRIFTED
    assert "on the current branch" in current.stdout


# ---------------------------------------------------------------------------- --apply


def test_apply_from_an_earlier_run_needs_no_staging(
    repo: GitRepo, staging_once: DemoServer, run: Any
) -> None:
    root = repo.root
    checked = run("refresh", *staging(staging_once), "--quiet", cwd=root)  # as `check` leaves a run
    assert checked.exit_code == 0, checked.output
    run_id = (root / ".cassettes/scratch/LATEST").read_text().strip()
    staging_once.stop()  # staging is gone: only the run can be applied
    before = hashes(repo)
    head = repo.git("rev-parse", "HEAD")

    result = run("refresh", "--apply", "--from-run", run_id, cwd=root)

    assert result.exit_code == 0, result.output
    after = hashes(repo)
    assert {name for name in before if after[name] != before[name]} == DRIFTED
    assert after[ME] == before[ME]
    assert repo.git("rev-parse", "HEAD") == head  # --apply does not commit
    assert set(repo.git("diff", "--name-only").splitlines()) == DRIFTED  # written, not staged
    assert repo.git("diff", "--cached", "--name-only") == ""
    for name in sorted(DRIFTED):
        assert f"wrote     {name}" in result.stdout
    assert "summary: wrote 3 of 3 drifted cassettes back" in result.stdout

    again = run("refresh", "--apply", "--from-run", "latest", cwd=root)  # idempotent
    assert again.exit_code == 0, again.output
    assert "nothing to write back" in again.stdout
    assert hashes(repo) == after


def test_an_original_changed_after_the_run_is_not_overwritten(
    repo: GitRepo, v2_server: DemoServer, run: Any
) -> None:
    root = repo.root
    made = run("refresh", *staging(v2_server), "--quiet", cwd=root)
    assert made.exit_code == 0, made.output
    users = root / USERS
    users.write_text(users.read_text() + "# a hand edit made after the run\n")
    before = hashes(repo)

    result = run("refresh", "--apply", "--from-run", "latest", cwd=root)

    assert result.exit_code == 3, result.output  # not everything could be applied
    after = hashes(repo)
    assert after[USERS] == before[USERS]
    assert {name for name in before if after[name] != before[name]} == {LOGIN, CATALOG}
    assert (
        f"withheld  {USERS}: changed since the run (its content differs): refresh it again" in result.stdout
    )


def test_only_breaking_leaves_additive_only_cassettes_byte_identical(
    repo: GitRepo, v2_server: DemoServer, run: Any
) -> None:
    before = hashes(repo)

    result = run("refresh", "--apply", "--only", "breaking", *staging(v2_server), cwd=repo.root)

    assert result.exit_code == 0, result.output
    after = hashes(repo)
    assert {name for name in before if after[name] != before[name]} == {USERS}
    assert f"kept      {LOGIN}: its drift is additive at most, below --only breaking" in result.stdout
    assert "summary: wrote 1 of 3 drifted cassettes back" in result.stdout


def test_a_copy_that_still_holds_a_credential_is_not_applied(
    repo: GitRepo, v2_server: DemoServer, run: Any
) -> None:
    root = repo.root
    made = run("refresh", *staging(v2_server), "--quiet", cwd=root)
    assert made.exit_code == 0, made.output
    run_id = (root / ".cassettes/scratch/LATEST").read_text().strip()
    copy = root / ".cassettes/scratch" / run_id / LOGIN
    text = copy.read_text()
    assert "Ada Lovelace" in text
    copy.write_text(text.replace("Ada Lovelace", JWT, 1))  # as if a copy were damaged after the run
    before = hashes(repo)

    result = run("refresh", "--apply", "--from-run", "latest", cwd=root)

    assert result.exit_code == 1, result.output  # a credential is a finding, as in `lint`
    after = hashes(repo)
    assert after[LOGIN] == before[LOGIN]
    assert {name for name in before if after[name] != before[name]} == {USERS, CATALOG}
    assert f"withheld  {LOGIN}: its copy still holds a credential" in result.stdout
    assert "S105 jwt" in result.stdout
    assert JWT not in result.stdout


# ---------------------------------------------------------------------------- refusals


def stage_unrelated(repo: GitRepo) -> None:
    (repo.root / "README.md").write_text("an edit someone staged\n")
    repo.git("add", "README.md")


def branch_exists(repo: GitRepo) -> list[str]:
    repo.git("branch", "taken")
    return ["--branch", "taken"]


def merge_in_progress(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "side")
    (repo.root / "side.txt").write_text("side\n")
    repo.commit("Side work", date=RECORDED)
    repo.git("checkout", "-q", "main")
    (repo.root / "main.txt").write_text("main\n")
    repo.commit("Main work", date=RECORDED)
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")


def detached(repo: GitRepo) -> list[str]:
    repo.git("checkout", "-q", "--detach")
    return ["--no-branch"]


REFUSALS: dict[str, tuple[Callable[[GitRepo], list[str] | None], str]] = {
    "staged": (stage_unrelated, "changes are already staged (README.md)"),
    "branch": (branch_exists, "branch 'taken' already exists"),
    "merge": (merge_in_progress, "a merge is in progress"),
    "detached": (detached, "HEAD is detached"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_leave_the_repository_exactly_as_it_was(
    repo: GitRepo, v2_server: DemoServer, run: Any, case: str
) -> None:
    arrange, message = REFUSALS[case]
    extra = arrange(repo) or []
    before = state(repo)
    seen = len(v2_server.requests)

    refused = run("refresh", "--commit", *extra, *staging(v2_server), cwd=repo.root)

    assert refused.exit_code == 2, refused.output
    assert message in refused.stderr
    assert state(repo) == before  # no scratch run either: refused before staging was asked
    assert len(v2_server.requests) == seen


@pytest.mark.parametrize("case", ["staged", "merge"])
def test_refusals_after_the_run_leave_the_repository_as_it_was(
    repo: GitRepo, v2_server: DemoServer, run: Any, case: str
) -> None:
    made = run("refresh", *staging(v2_server), "--quiet", cwd=repo.root)
    assert made.exit_code == 0, made.output
    arrange, message = REFUSALS[case]
    arrange(repo)
    before = state(repo)

    refused = run("refresh", "--commit", "--from-run", "latest", cwd=repo.root)

    assert refused.exit_code == 2, refused.output
    assert message in refused.stderr
    assert state(repo) == before


def test_outside_a_repository_commit_is_refused(
    record_cassette: Any, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    record_cassette("auth/login.yaml", "login", root=plain / "cassettes", filter_post_data_parameters=[])
    before = file_hashes(plain)
    refused = run("refresh", "--commit", "cassettes", *staging(v2_server), cwd=plain)
    assert refused.exit_code == 2, refused.output
    assert "is not in a git repository" in refused.stderr
    assert file_hashes(plain) == before


def test_a_failing_commit_puts_everything_back(repo: GitRepo, v2_server: DemoServer, run: Any) -> None:
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'policy: no cassette commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = {key: value for key, value in state(repo).items() if key != "files"}
    cassettes = hashes(repo)

    result = run("refresh", "--commit", *staging(v2_server), cwd=repo.root)

    assert result.exit_code == 3, result.output
    assert "policy: no cassette commits today" in result.stderr
    assert {key: value for key, value in state(repo).items() if key != "files"} == before
    assert hashes(repo) == cassettes


def test_staging_down_exits_3_and_changes_nothing(repo: GitRepo, run: Any) -> None:
    down = f"http://127.0.0.1:{closed_port()}"
    maps = [arg for host in ("auth", "users", "catalog") for arg in ("--map", f"{host}.example.com={down}")]
    before = {key: value for key, value in state(repo).items() if key != "files"}
    cassettes = hashes(repo)

    result = run("refresh", "--commit", *maps, "--allow-method", "POST", "--timeout", "1", cwd=repo.root)

    assert result.exit_code == 3, result.output
    assert {key: value for key, value in state(repo).items() if key != "files"} == before
    assert hashes(repo) == cassettes
    assert "connection refused" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "breaking"], "--only and --from-run go with --apply or --commit"),
        (["--branch", "x"], "--branch and --no-branch go with --commit"),
        (["--commit", "--branch", "x", "--no-branch"], "not both"),
        (["--apply", "--from-run", "latest", "--map", "a=http://127.0.0.1:9"], "PATH and target options"),
        (["--commit", "--branch", "bad..name", "--map", "a=http://127.0.0.1:9"], "not a valid branch name"),
        (["--apply", "--from-run", "nope"], "no refresh run 'nope'"),
    ],
)
def test_usage_errors_exit_2(repo: GitRepo, run: Any, args: list[str], message: str) -> None:
    before = state(repo)
    result = run("refresh", *args, cwd=repo.root)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert state(repo) == before
