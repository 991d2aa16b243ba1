"""Issue 16, "Nothing written where it must not be": paths from a scratch run are data, changes
are judged by content, the scratch folder and --output are checked before any work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import Reply, Stage, interaction, no_traceback, tree_bytes, write_cassette

USERS = "https://users.example.com/users?page=1"
RECORDED = '{"users": [{"id": 1, "name": "Ada", "email": "ada@example.com"}], "total": 1}'
DRIFTED = b'{"users": [{"id": 1, "name": "Ada"}], "total": 1, "next": null}'  # email removed: breaking


@pytest.fixture
def stage() -> Iterator[Stage]:
    with Stage(lambda method, path, body: Reply(200, DRIFTED)) as server:
        yield server


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_cassette(root / "tests/cassettes/users.yaml", interaction(USERS, body=RECORDED))
    (root / "pyproject.toml").write_text('[tool.cassettes]\npaths = ["tests/cassettes"]\n')
    return root


def latest_run(root: Path) -> Path:
    scratch = root / ".cassettes" / "scratch"
    return scratch / (scratch / "LATEST").read_text().strip()


def refresh_into_scratch(run: Any, root: Path, stage: Stage) -> Path:
    result = run("refresh", "--map", f"users.example.com={stage.url}", cwd=root)
    assert result.exit_code == 0, result.output
    return latest_run(root)


# ---------------------------------------------------------------------------- paths from a run are data


def test_a_crafted_manifest_cannot_write_outside_the_project(
    project: Path, stage: Stage, run: Any, tmp_path: Path
) -> None:
    victim = write_cassette(tmp_path / "victim/target.yaml", interaction(USERS, body=RECORDED))
    victim_bytes = victim.read_bytes()
    folder = refresh_into_scratch(run, project, stage)

    # the attacker's run: the manifest names ../victim/target.yaml, the copy sits where it points
    manifest_file = folder / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    (entry,) = manifest["cassettes"]
    entry["path"] = "../victim/target.yaml"
    manifest_file.write_text(json.dumps(manifest, indent=2))
    evil_copy = folder / "../victim/target.yaml"
    evil_copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(folder / "tests/cassettes/users.yaml", evil_copy)

    result = run("refresh", "--apply", "--from-run", "latest", cwd=project)

    assert victim.read_bytes() == victim_bytes, "a file outside the project was overwritten"
    assert result.exit_code in (2, 3), result.output
    assert "target.yaml" in result.output
    no_traceback(result.output)


def test_an_original_edited_after_the_run_is_withheld_even_with_its_old_mtime(
    project: Path, stage: Stage, run: Any, tmp_path: Path
) -> None:
    original = project / "tests/cassettes/users.yaml"
    # the user's own edit, made earlier in a backup, restored with `cp -p` after the run
    backup = tmp_path / "backup.yaml"
    backup.write_text(original.read_text().replace("Ada", "Ida"))
    old = original.stat()
    os.utime(backup, ns=(old.st_atime_ns, old.st_mtime_ns))

    refresh_into_scratch(run, project, stage)
    subprocess.run(["cp", "-p", str(backup), str(original)], check=True, timeout=10)
    edited = original.read_bytes()

    result = run("refresh", "--apply", "--from-run", "latest", cwd=project)

    assert original.read_bytes() == edited, "the user's edit was overwritten"  # today: overwritten
    assert "users.yaml" in result.output and "changed" in result.output.lower(), result.output
    assert result.exit_code != 0, result.output


# ---------------------------------------------------------------------------- the scratch folder


def test_a_scratch_folder_that_is_a_symlink_is_refused(
    project: Path, stage: Stage, run: Any, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("mine\n")
    (project / ".cassettes").mkdir()
    (project / ".cassettes/scratch").symlink_to(elsewhere, target_is_directory=True)
    before = tree_bytes(elsewhere)

    result = run("refresh", "--map", f"users.example.com={stage.url}", cwd=project)

    assert result.exit_code == 2, result.output  # today: 0, the run and a `*` .gitignore land in elsewhere/
    assert tree_bytes(elsewhere) == before
    assert "scratch" in result.output and "symlink" in result.output.lower()
    assert stage.count() == 0


def test_a_scratch_setting_pointing_at_a_folder_of_other_files_is_refused(
    project: Path, stage: Stage, run: Any
) -> None:
    (project / "tests/test_users.py").write_text("def test_users():\n    pass\n")
    (project / "pyproject.toml").write_text(
        '[tool.cassettes]\npaths = ["tests/cassettes"]\nscratch = "tests"\n'
    )
    before = tree_bytes(project / "tests")

    result = run("refresh", "--map", f"users.example.com={stage.url}", cwd=project)

    assert result.exit_code == 2, result.output  # today: 0, and tests/.gitignore holds `*`
    assert not (project / "tests/.gitignore").exists()
    assert tree_bytes(project / "tests") == before
    assert "scratch" in result.output and "tests" in result.output
    assert stage.count() == 0


# ---------------------------------------------------------------------------- --output checked first


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no one may write into, root included (a read-only tmpfs when running as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = False
    if os.geteuid() == 0:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)],
            capture_output=True,
            timeout=10,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"root writes anywhere and no read-only mount here: {done.stderr!r}")
        mounted = True
    else:
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], capture_output=True, timeout=10, check=False)
        else:
            folder.chmod(0o755)


@pytest.mark.parametrize("command", ["refresh", "check"])
@pytest.mark.parametrize("where", ["missing", "read-only"])
def test_output_into_a_missing_or_read_only_folder_is_refused_before_any_work(
    command: str, where: str, project: Path, stage: Stage, run: Any, request: pytest.FixtureRequest
) -> None:
    if where == "missing":
        output = project / "no/such/folder/report.json"
    else:
        output = request.getfixturevalue("read_only_folder") / "report.json"
    before = tree_bytes(project)

    result = run(
        command,
        "--map",
        f"users.example.com={stage.url}",
        "--format",
        "json",
        "--output",
        str(output),
        cwd=project,
    )

    assert result.exit_code == 2, result.output  # today: the refresh runs, then the write fails
    assert stage.count() == 0, "staging was asked before the output was known to be writable"
    assert not (project / ".cassettes").exists()
    assert tree_bytes(project) == before
    assert "report.json" in result.output
    no_traceback(result.output)


def test_apply_with_an_unwritable_output_changes_no_original(project: Path, stage: Stage, run: Any) -> None:
    before = tree_bytes(project / "tests")
    result = run(
        "refresh",
        "--apply",
        "--map",
        f"users.example.com={stage.url}",
        "--output",
        str(project / "missing/report.txt"),
        cwd=project,
    )
    assert result.exit_code == 2, result.output
    assert tree_bytes(project / "tests") == before
