"""Scratch runs do not pile up: `refresh --keep N` and `scratch prune` remove only runs cassettes made."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import file_hashes

from cassettes_tool.demo.services import DemoServer


def runs_in(scratch: Path) -> list[str]:
    return sorted(p.name for p in scratch.iterdir() if p.is_dir() and not p.is_symlink())


def by_start(scratch: Path) -> list[str]:
    """The runs oldest first, as their manifests say (ids of one second do not sort by time)."""
    started = {
        name: json.loads((scratch / name / "manifest.json").read_text())["started"]
        for name in runs_in(scratch)
    }
    return sorted(started, key=started.__getitem__)


@pytest.fixture
def refresh(record_cassette: Any, v2_server: DemoServer, run: Any) -> Any:
    record_cassette("users/list.yaml", "users")
    users = v2_server.host_map()["users.example.com"]

    def again(*args: str) -> Any:
        result = run("refresh", "cassettes", "--map", f"users.example.com={users}", *args)
        assert result.exit_code == 0, result.output
        return result

    return again


def test_refresh_keeps_the_newest_runs(refresh: Any, tmp_path: Path) -> None:
    scratch = tmp_path / ".cassettes" / "scratch"
    for _ in range(6):
        refresh()
    assert len(runs_in(scratch)) == 5  # the default keeps the latest five
    last = refresh("--keep", "2")
    kept = by_start(scratch)
    assert len(kept) == 2
    assert (scratch / "LATEST").read_text().strip() == kept[-1]
    assert "note     .cassettes/scratch: removed 4 older runs, kept the newest 2 (--keep)" in last.stdout
    report = json.loads(refresh("--keep", "1", "--format", "json").stdout)
    assert any("removed 2 older runs" in note["note"] for note in report["notes"]), report["notes"]
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\nkeep_runs = 3\n")
    for _ in range(4):
        refresh()
    assert len(runs_in(scratch)) == 3


def test_prune_removes_only_runs_cassettes_made(refresh: Any, run: Any, tmp_path: Path) -> None:
    scratch = tmp_path / ".cassettes" / "scratch"
    for _ in range(3):
        refresh("--keep", "10")
    runs = by_start(scratch)
    # a run-named folder without a manifest, and a run-named symlink to a run-like folder elsewhere
    foreign = scratch / "20200101T000000Z-0000"
    foreign.mkdir()
    (foreign / "keep-me.txt").write_text("mine\n")
    elsewhere = tmp_path / "elsewhere" / "run"
    elsewhere.mkdir(parents=True)
    (elsewhere / "manifest.json").write_text("{}\n")
    (scratch / "20200101T000000Z-0001").symlink_to(elsewhere, target_is_directory=True)
    # LATEST names the oldest run: it is never removed
    (scratch / "LATEST").write_text(runs[0] + "\n")
    before = file_hashes(tmp_path / "elsewhere")

    result = run("scratch", "prune", "--keep", "1")

    assert result.exit_code == 0, result.output
    assert runs_in(scratch) == sorted(["20200101T000000Z-0000", runs[0], runs[-1]])
    assert (foreign / "keep-me.txt").read_text() == "mine\n"
    assert (scratch / "20200101T000000Z-0001").is_symlink() and file_hashes(tmp_path / "elsewhere") == before
    assert result.stdout.splitlines() == [
        f"removed  .cassettes/scratch/{runs[1]}",
        "left     .cassettes/scratch/20200101T000000Z-0000: no manifest.json: not a run cassettes made, "
        "not removed",
        "left     .cassettes/scratch/20200101T000000Z-0001: a symlink: not removed",
        f"kept 2 runs in .cassettes/scratch, LATEST {runs[0]}; removed 1",
    ]
    assert (scratch / ".gitignore").exists()


def test_prune_refuses_a_scratch_folder_that_is_not_its_own(
    refresh: Any, run: Any, run_installed: Any, tmp_path: Path
) -> None:
    scratch = tmp_path / ".cassettes" / "scratch"
    for _ in range(2):
        refresh("--keep", "10")
    (scratch / "notes.txt").write_text("someone's notes\n")
    before = file_hashes(scratch)
    result = run_installed("scratch", "prune", "--keep", "1")
    assert result.returncode == 2, result.stderr
    assert "holds other files (notes.txt)" in result.stderr
    assert file_hashes(scratch) == before
    (scratch / "notes.txt").unlink()
    linked = tmp_path / "linked"
    linked.symlink_to(scratch, target_is_directory=True)
    result = run_installed("scratch", "prune", "--keep", "1", "--scratch", "linked")
    assert result.returncode == 2 and "is a symlink: refused" in result.stderr
    assert len(runs_in(scratch)) == 2
    result = run_installed("scratch", "prune", "--keep", "1")
    assert result.returncode == 0, result.stderr
    assert len(runs_in(scratch)) == 1
    assert run_installed("scratch", "prune", "--keep", "0").returncode == 2  # keep at least one


def test_prune_of_no_scratch_folder_does_nothing(run: Any, tmp_path: Path) -> None:
    result = run("scratch", "prune")
    assert result.exit_code == 0, result.output
    assert result.stdout == "kept 0 runs in .cassettes/scratch; removed 0\n"
    assert not (tmp_path / ".cassettes").exists()
    assert os.listdir(tmp_path) == [] or ".cassettes" not in os.listdir(tmp_path)
