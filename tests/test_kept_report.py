"""The kept report: a re-scan of an unchanged tree prints the last run's report again, byte for
byte, with its exit code, reading no cassette; anything that could change the report makes it
read again, and a kept file that is damaged, planted or racily clean is never replayed.

Files are back-dated with os.utime rather than waited for: one modified within two seconds
of the report being kept is never trusted (racily clean).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import back_date

import cassettes_tool
from cassettes_tool.kept_report import worth_keeping
from cassettes_tool.model.result import CassetteResult, Report, Status

KEPT = Path(".cassettes/scratch/cache/scan-report")
HOUR_NS = 3600 * 10**9
Run = Callable[..., Any]


def fresh(run: Run, *args: str, cwd: Path | None = None) -> Any:
    """What a scan that trusts nothing says."""
    return run("scan", *args, "--no-cache", cwd=cwd)


@pytest.mark.parametrize("fmt", ["json", "text", "markdown"])
def test_an_unchanged_tree_gets_its_report_again_reading_nothing(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path, fmt: str
) -> None:
    cold = run("scan", "cassettes", "--format", fmt)
    assert cold.exit_code == 0 and len(reads) == 3, cold.output
    assert (tmp_path / KEPT).is_file()
    reads.clear()
    warm = run("scan", "cassettes", "--format", fmt)
    assert reads == []
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)
    assert warm.stdout == fresh(run, "cassettes", "--format", fmt).stdout


def test_a_report_written_to_a_file_is_written_again_with_its_verdict_line(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    cold = run("scan", "cassettes", "--format", "json", "--output", "report.json")
    written = (tmp_path / "report.json").read_bytes()
    (tmp_path / "report.json").unlink()
    reads.clear()
    warm = run("scan", "cassettes", "--format", "json", "--output", "report.json")
    assert reads == [] and (tmp_path / "report.json").read_bytes() == written
    assert (warm.exit_code, warm.stderr) == (cold.exit_code, cold.stderr)
    assert warm.stderr.startswith("PASS") and "report written to report.json" in warm.stderr


def _edit(scan_tree: list[Path], tmp_path: Path) -> None:
    scan_tree[1].write_text(scan_tree[1].read_text().replace('"GET"', '"PUT"', 1))
    back_date(scan_tree[1])


def _add(scan_tree: list[Path], tmp_path: Path) -> None:
    shutil.copy(scan_tree[0], scan_tree[0].with_name("again.yaml"))
    back_date(scan_tree[0].with_name("again.yaml"))


def _remove(scan_tree: list[Path], tmp_path: Path) -> None:
    scan_tree[0].unlink()


def _setting(scan_tree: list[Path], tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\nexclude = ["catalog/"]\n')


def _upgrade(scan_tree: list[Path], tmp_path: Path) -> None:
    cassettes_tool.__version__ = "99.0.0"


@pytest.mark.parametrize("change", [_edit, _add, _remove, _setting, _upgrade])
def test_a_change_to_what_the_report_says_reads_again(
    run: Run,
    scan_tree: list[Path],
    reads: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[list[Path], Path], None],
) -> None:
    monkeypatch.setattr(cassettes_tool, "__version__", cassettes_tool.__version__)
    before = run("scan", "cassettes", "--format", "json")
    change(scan_tree, tmp_path)
    reads.clear()
    after = run("scan", "cassettes", "--format", "json")
    expected = fresh(run, "cassettes", "--format", "json")
    assert (after.exit_code, after.stdout) == (expected.exit_code, expected.stdout)
    assert after.stdout != before.stdout or change is _upgrade
    if change in (_edit, _add):
        assert reads, "the new file was not read"


@pytest.mark.parametrize(
    "other",
    [("--format", "text", "--quiet"), ("--format", "text"), ("--format", "markdown")],
)
def test_other_options_get_their_own_report(
    run: Run, scan_tree: list[Path], reads: list[Path], other: tuple[str, ...]
) -> None:
    kept = run("scan", "cassettes", "--format", "json").stdout
    result = run("scan", "cassettes", *other)
    assert result.stdout != kept
    assert result.stdout == fresh(run, "cassettes", *other).stdout


def test_from_another_folder_paths_are_shown_from_there(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    run("scan", "cassettes", "--format", "json")
    inside = run("scan", ".", "--format", "json", cwd=tmp_path / "cassettes")
    assert '"path": "auth/login.yaml"' in inside.stdout


def test_a_racily_clean_cassette_keeps_nothing(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path, record_cassette: Any
) -> None:
    """Written in the moment the report is made: it could change again unseen."""
    record_cassette("users/new.yaml", "users")
    run("scan", "cassettes")
    assert not (tmp_path / KEPT).exists()
    reads.clear()
    run("scan", "cassettes")
    assert len(reads) == 1  # the others come from the scan cache


def test_a_cassette_refused_for_what_it_holds_is_replayed_with_its_error(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    """Broken YAML is the file's own doing: the report, its error and exit 3, are kept."""
    broken = tmp_path / "cassettes/broken.yaml"
    broken.write_text("interactions: [\n")
    back_date(broken)
    first = run("scan", "cassettes")
    assert first.exit_code == 3 and "broken.yaml" in first.stdout, first.output
    reads.clear()
    again = run("scan", "cassettes")
    assert (again.exit_code, again.stdout) == (3, first.stdout) and reads == []


def test_only_what_the_files_decide_is_kept(tmp_path: Path) -> None:
    """A file the run could not read now (a permission, a file gone since) may read next time."""
    here = tmp_path / "here.yaml"
    here.write_text("interactions: [\n")

    def report(*results: CassetteResult) -> Report:
        return Report(command="scan", cassettes=results)

    refused = CassetteResult(path=here, status=Status.ERROR, error="invalid YAML", line=1)
    gone = CassetteResult(path=tmp_path / "gone.yaml", status=Status.ERROR, error="cannot read")
    skipped = CassetteResult(path=here, status=Status.SKIPPED, error="not a vcrpy cassette")
    assert worth_keeping(report(refused, skipped))
    assert not worth_keeping(report(refused, gone))
    assert not worth_keeping(Report(command="scan", cassettes=(refused,), notes=((here, "a note"),)))


def test_a_report_that_could_not_be_written_keeps_nothing(
    run: Run, scan_tree: list[Path], tmp_path: Path
) -> None:
    (tmp_path / "report.txt").symlink_to(tmp_path / "elsewhere.txt")  # never followed
    result = run("scan", "cassettes", "--output", "report.txt")
    assert result.exit_code == 3 and "symlink" in result.output, result.output
    assert not (tmp_path / KEPT).exists()


def test_no_cache_neither_replays_nor_keeps(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    fresh(run, "cassettes")
    assert not (tmp_path / KEPT).exists()
    run("scan", "cassettes")
    reads.clear()
    fresh(run, "cassettes")
    assert len(reads) == 3


def _truncated(kept: Path) -> None:
    kept.write_bytes(kept.read_bytes()[:-100])


def _tampered(kept: Path) -> None:
    """The text changed, the closing line kept: the digest no longer matches."""
    data = kept.read_bytes()
    assert b"/users" in data
    kept.write_bytes(data.replace(b"/users", b"/uzers", 1))


def _garbage(kept: Path) -> None:
    kept.write_bytes(os.urandom(4096))


def _no_closing_line(kept: Path) -> None:
    kept.write_bytes(kept.read_bytes().rsplit(b"\n", 2)[0] + b"\n")


def _symlink(kept: Path) -> None:
    elsewhere = kept.with_name("elsewhere")
    kept.rename(elsewhere)
    kept.symlink_to(elsewhere)


def _fifo(kept: Path) -> None:
    kept.unlink()
    os.mkfifo(kept)


@pytest.mark.parametrize("damage", [_truncated, _tampered, _garbage, _no_closing_line, _symlink, _fifo])
def test_a_damaged_kept_report_gives_the_fresh_answer_and_is_made_again(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    cold = run("scan", "cassettes")
    damage(tmp_path / KEPT)
    reads.clear()
    warm = run("scan", "cassettes")
    assert "Traceback" not in warm.output
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout)
    assert reads == []  # the scan cache still answered for each cassette
    assert (tmp_path / KEPT).is_file() and not (tmp_path / KEPT).is_symlink()
    assert run("scan", "cassettes").stdout == cold.stdout


def planted(kept: Path, old: bytes, new: bytes, **closing_line: Any) -> bytes:
    """The kept file with its text changed and its closing line made to match, as someone who
    knows the format would write it."""
    text, closing = kept.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)
    text = text.replace(old, new) + b"\n"
    said = json.loads(closing)
    said.update(size=len(text), sha256=hashlib.sha256(text).hexdigest(), **closing_line)
    return text + json.dumps(said).encode() + b"\n"


def test_a_kept_report_from_another_checkout_is_not_replayed(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    """The same folder, the same files and mtimes, but checked out again (new inodes), with the
    old checkout's scratch folder copied in: its report is not this tree's."""
    run("scan", "cassettes")
    forged = planted(tmp_path / KEPT, b"/users", b"/planted")
    project = tmp_path.with_name(tmp_path.name + "-old")
    tmp_path.rename(project)
    shutil.copytree(project, tmp_path, symlinks=True)
    (tmp_path / KEPT).write_bytes(forged)
    result = run("scan", "cassettes")
    assert "/planted" not in result.stdout
    assert result.stdout == fresh(run, "cassettes").stdout


def test_a_kept_report_is_replayed_only_under_its_own_key(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    """What the checks above rely on: a well-formed kept file under this tree's key is replayed."""
    run("scan", "cassettes")
    (tmp_path / KEPT).write_bytes(planted(tmp_path / KEPT, b"/users", b"/planted"))
    assert "/planted" in run("scan", "cassettes").stdout


def test_a_replayed_report_reads_no_yaml_machinery(scan_tree: list[Path], tmp_path: Path) -> None:
    """The replay is most of what a warm run costs: it does not import PyYAML."""
    command = [sys.executable, "-X", "importtime", "-m", "cassettes_tool", "scan", "cassettes"]
    cold = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    warm = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert cold.returncode == warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout

    def imported(run: subprocess.CompletedProcess[str]) -> set[str]:
        return {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if "import time:" in line}

    assert "yaml" in imported(cold)
    assert "yaml" not in imported(warm)


@pytest.mark.parametrize(
    "closing", [{"exit_code": 99}, {"exit_code": 130}, {"verdict_line": "PASS\x1b]0;owned\x07"}]
)
def test_a_kept_verdict_is_one_emit_could_have_given(
    run: Run, scan_tree: list[Path], tmp_path: Path, closing: dict[str, Any]
) -> None:
    """An exit code outside the spec's, or a verdict line with control characters, is not ours."""
    run("scan", "cassettes")
    (tmp_path / KEPT).write_bytes(planted(tmp_path / KEPT, b"/users", b"/planted", **closing))
    result = run("scan", "cassettes")
    assert result.exit_code == 0 and "/planted" not in result.stdout


LINT_KEPT = Path(".cassettes/scratch/cache/lint-report")


@pytest.fixture
def leaky(record_cassette: Any) -> Path:
    """A cassette recorded with its credentials left in: lint's findings, exit 1."""
    path = record_cassette("auth/leaky.yaml", "login", filter_headers=[], before_record_response=None)
    back_date(path)
    return path


def test_lint_gets_its_findings_again_reading_nothing(
    run: Run, scan_tree: list[Path], leaky: Path, reads: list[Path], tmp_path: Path
) -> None:
    cold = run("lint", "cassettes")
    assert cold.exit_code == 1 and "leaky.yaml" in cold.stdout, cold.output
    reads.clear()
    warm = run("lint", "cassettes")
    assert (warm.exit_code, warm.stdout) == (cold.exit_code, cold.stdout) and reads == []
    kept = (tmp_path / LINT_KEPT).read_text()
    secrets = re.findall(r"Bearer ([\w.-]{12,})", leaky.read_text())
    assert secrets and not any(secret in kept for secret in secrets)  # kept as printed: masked
    assert run("lint", "cassettes", "--select", "C").stdout != cold.stdout  # its own key


def test_lint_fix_neither_replays_nor_keeps(
    run: Run, scan_tree: list[Path], leaky: Path, tmp_path: Path
) -> None:
    assert run("lint", "cassettes").exit_code == 1
    kept = (tmp_path / LINT_KEPT).read_bytes()
    fixed = run("lint", "cassettes", "--fix")
    assert fixed.exit_code == 1 and "<REDACTED:" in leaky.read_text(), fixed.output
    assert (tmp_path / LINT_KEPT).read_bytes() == kept
    back_date(leaky)
    after = run("lint", "cassettes")
    assert after.exit_code == 0, after.output  # the masked file: nothing to report


def test_a_spool_left_by_a_killed_run_is_removed(run: Run, scan_tree: list[Path], tmp_path: Path) -> None:
    """A run killed while keeping leaves its spool; the next run that keeps removes it, and
    leaves alone one that may still be another run's, and anything else in the folder."""
    run("scan", "cassettes")
    folder = (tmp_path / KEPT).parent
    stale, live, other = folder / ".report.dead.tmp", folder / ".report.live.tmp", folder / "notes.tmp"
    for path in (stale, live, other):
        path.write_text("partial")
    back_date(stale, other)
    run("scan", "cassettes", "--format", "json")  # another key: a report is kept
    assert not stale.exists() and live.exists() and other.exists()
