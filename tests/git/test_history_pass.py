"""The pass over history as it runs: dated in rounds while git walks, old versions read by a
git that keeps running; damaged objects and interruptions end it cleanly, never hang it."""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.cassette.formats.vcr import vcr_serializers
from cassettes_tool.git import ages, blobs
from cassettes_tool.git.ages import FileAges, file_ages
from cassettes_tool.model.age import AgeSource

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days, hours=3)


def cassette(ident: int, when: datetime, request_id: str) -> str:
    """A one-call vcrpy cassette recorded at `when`: its `Date` and its id tell the recording."""
    return (
        "interactions:\n"
        "- request:\n"
        "    body: null\n"
        "    headers: {}\n"
        "    method: GET\n"
        f"    uri: https://api.example.com/items/{ident}\n"
        "  response:\n"
        "    body:\n"
        f'      string: \'{{"id": {ident}, "request_id": "{request_id}"}}\'\n'
        "    headers:\n"
        "      Content-Type: [application/json]\n"
        f"      Date: ['{format_datetime(when.replace(microsecond=0), usegmt=True)}']\n"
        "    status: {code: 200, message: OK}\n"
        "version: 1\n"
    )


@pytest.fixture
def repo(git_repo: Callable[..., GitRepo]) -> GitRepo:
    return git_repo()


def write(repo: GitRepo, name: str, ident: int, when: datetime, request_id: str) -> Path:
    path = repo.root / "cassettes" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cassette(ident, when, request_id))
    return path


def move(repo: GitRepo, old: str, new: str) -> None:
    (repo.root / new).parent.mkdir(parents=True, exist_ok=True)
    repo.git("mv", old, new)


def history(repo: GitRepo) -> list[Path]:
    """Twelve cassettes: recorded, re-recorded, moved, moved and re-recorded, masked, left alone,
    and changed in the working tree; code changes between."""
    for n in range(12):
        write(repo, f"c{n:02d}.yaml", n, ago(400), f"a{n:04x}beef")
    repo.commit("Record the suite", date=ago(400))
    for n in (1, 2, 3):
        write(repo, f"c{n:02d}.yaml", n, ago(300), f"b{n:04x}cafe")
        repo.commit(f"Re-record {n}", date=ago(300))
    move(repo, "cassettes/c04.yaml", "cassettes/moved/c04.yaml")
    repo.commit("Move 4", date=ago(250))
    (repo.root / "cassettes" / "c05.yaml").unlink()
    write(repo, "renamed/c05.yaml", 5, ago(200), "c0005f00d")
    repo.commit("Move and re-record 5", date=ago(200))
    masked = repo.root / "cassettes" / "c06.yaml"
    masked.write_text(masked.read_text().replace("a0006beef", "<REDACTED:id>"))
    repo.commit("Mask 6", date=ago(150))
    (repo.root / "src.py").write_text("# code\n")
    repo.commit("Change the code only", date=ago(100))
    write(repo, "c02.yaml", 2, ago(50), "d0002abba")
    repo.commit("Re-record 2 again", date=ago(50))
    write(repo, "c07.yaml", 7, NOW, "e0007d00d")  # re-recorded, not committed yet
    move(repo, "cassettes/c08.yaml", "cassettes/staged/c08.yaml")  # moved, staged only
    return sorted((repo.root / "cassettes").rglob("*.yaml"))


def days(result: FileAges) -> dict[str, int | None]:
    return {p.name: None if a.days is None else int(a.days) for p, a in result.ages.items()}


@pytest.mark.parametrize("files_a_round", [1, 5])
def test_ages_told_in_rounds_are_those_told_after_the_whole_walk(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, files_a_round: int
) -> None:
    paths = history(repo)
    monkeypatch.setattr(ages, "_ROUND", 10**9)
    whole = file_ages(paths, now=NOW)
    monkeypatch.setattr(ages, "_ROUND", files_a_round)
    in_rounds = file_ages(paths, now=NOW)

    assert in_rounds == whole
    assert days(in_rounds) == {
        **{f"c{n:02d}.yaml": 400 for n in (0, 4, 6, 8, 9, 10, 11)},
        "c01.yaml": 300,
        "c02.yaml": 50,
        "c03.yaml": 300,
        "c05.yaml": 200,
        "c07.yaml": 0,
    }


def loose_object(repo: GitRepo, sha: str) -> Path:
    path = repo.root / ".git" / "objects" / sha[:2] / sha[2:]
    path.chmod(0o644)
    return path


def git_children() -> list[str]:
    """The git processes this test process still has running."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            name = stat.read_text().partition("(")[2].rpartition(")")[0]
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and name.startswith("git"):
            found.append(name)
    return found


def test_an_old_version_git_no_longer_has_is_bridged_by_the_answers_date(repo: GitRepo) -> None:
    """The version before the last re-recording of c02 is gone: git cannot tell whether that
    change recorded the answer. The version before the one missing lacks it, so it was recorded
    from then (300 days ago) to the change at the gap (50), and its `Date` says when."""
    paths = history(repo)
    lost = repo.git("rev-parse", "HEAD~1:cassettes/c02.yaml")
    loose_object(repo, lost).unlink()

    result = file_ages(paths, now=NOW)

    c02 = next(age for path, age in result.ages.items() if path.name == "c02.yaml")
    assert (days(result)["c02.yaml"], c02.source) == (50, AgeSource.RECORDED)
    assert days(result)["c03.yaml"] == 300
    ((_, note),) = result.notes
    assert note.startswith("1 earlier version of 1 cassette is missing from the repository")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists child processes from /proc")
def test_a_damaged_old_version_is_one_note_and_never_a_hang(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git sends an object shorter than it announces: no answer can be trusted after it."""
    paths = history(repo)
    damaged = repo.git("rev-parse", "HEAD~1:cassettes/c02.yaml")
    loose_object(repo, damaged).write_bytes(zlib.compress(b"blob 100000\0short"))
    monkeypatch.setattr(blobs, "_STALL", 0.05)
    done: list[FileAges] = []
    worker = threading.Thread(target=lambda: done.append(file_ages(paths, now=NOW)), daemon=True)
    worker.start()
    worker.join(timeout=60)

    assert not worker.is_alive(), "the pass hung on a damaged object"
    (result,) = done
    assert set(result.ages) == set(paths)
    (note,) = [note for _, note in result.notes]
    assert note.startswith("git: ") and "Date headers" in note, note
    assert {a.source for a in result.ages.values()} <= {AgeSource.RECORDED, AgeSource.UNCOMMITTED}
    assert git_children() == []


class Interrupted:
    """A project serializer the user interrupts (Ctrl-C) while an old version is being read."""

    def __init__(self) -> None:
        self.calls = 0

    def deserialize(self, text: str) -> Any:
        self.calls += 1
        if self.calls > 1:
            raise KeyboardInterrupt
        return vcr_serializers()["yaml"].deserialize(text)

    def serialize(self, data: Any) -> str:
        return vcr_serializers()["yaml"].serialize(data)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="lists child processes from /proc")
def test_an_interruption_while_versions_are_compared_leaves_no_git_running(repo: GitRepo) -> None:
    paths = history(repo)
    custom = CustomSerializer("project:serializer", Interrupted())

    with pytest.raises(KeyboardInterrupt):
        file_ages(paths, now=NOW, custom=custom)

    assert git_children() == []
