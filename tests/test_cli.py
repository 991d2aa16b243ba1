"""The `cassettes` command end to end: in-process with CliRunner, and as the installed program."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool import cassette
from cassettes_tool.commands import scan as scan_command
from cassettes_tool.config import Config
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.model.result import InteractionSummary, Status


def test_scan_text_is_an_aligned_table_with_totals(sample_cassettes: Path, run: Any) -> None:
    result = run("scan", sample_cassettes)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    headers = [line for line in lines if not line.startswith(" ")]
    assert headers[0].startswith("samples/auth/login.yaml  [yaml]  2 interactions")
    assert any(line.startswith("samples/payments/charges.json  [json]  2 interactions") for line in headers)
    rows = [line for line in lines if line.startswith("    ")]
    assert len(rows) == 7
    # columns line up: the host column starts at the same place in every row
    host_columns = {row.index(".example.com") - row.split()[2].index(".example.com") for row in rows}
    assert len(host_columns) == 1
    login = next(row for row in rows if "/login" in row)
    assert login.split()[:6] == ["0", "POST", "auth.example.com", "/login", "200", "application/json"]
    pdf = next(row for row in rows if "/report.pdf" in row)
    assert "application/pdf" in pdf and pdf.endswith("KB")
    assert lines[-1].startswith("total: 5 cassettes (json 1, yaml 4), 7 interactions, ")


def test_scan_json_report_has_the_spec_fields(sample_cassettes: Path, run: Any, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("scan", "--format", "json", "--output", out, sample_cassettes)
    assert result.exit_code == 0 and result.stdout == ""
    report = json.loads(out.read_text())
    assert report["schema"] == "cassettes-report/1"
    assert report["summary"]["cassettes"] == 5 and report["summary"]["interactions"] == 7
    by_path = {c["path"]: c for c in report["cassettes"]}
    catalog = by_path["samples/catalog/items.yaml"]
    assert catalog["status"] == "ok" and catalog["serializer"] == "yaml"
    (item,) = catalog["interactions"]
    assert item["method"] == "GET" and item["host"] == "catalog.example.com" and item["path"] == "/items"
    assert item["status_code"] == 200 and item["media_type"] == "application/json"
    # the body size is what a client sees: the gzip body decoded
    loaded = cassette.load(sample_cassettes / "catalog" / "items.yaml")
    assert (
        item["body_size"]
        == loaded.interactions[0].response.body.size
        > len(loaded.interactions[0].response.body.stored)
    )


def test_an_interaction_summary_comes_back_from_a_worker_whole() -> None:
    """Every field, the drift and the age included, survives the trip a worker's result takes."""
    age = Age(3.5, datetime(2026, 1, 2, tzinfo=timezone.utc), "abc1234", "record", "Ada", AgeSource.GIT)
    change = Change(Severity.BREAKING, ChangeKind.FIELD_REMOVED, Where.BODY, "$.id", 1, None, count=2)
    summary = InteractionSummary(
        3,
        "POST",
        "https://a.test/x?y=1",
        "a.test",
        "/x",
        201,
        "application/json",
        12,
        "json",
        40,
        age,
        Status.DRIFTED,
        (change,),
        "skipped: host",
        (("header", "bearer-token"),),
    )
    back = pickle.loads(pickle.dumps(summary))
    assert back == summary and type(back) is InteractionSummary  # eq compares every field


def _summary_and_worker(path: Path) -> tuple[object, int]:
    return cassette.summarize(path), os.getpid()


def test_scan_reads_a_large_tree_in_parallel_with_the_same_result(
    record_cassette: Any, tmp_path: Path
) -> None:
    first = record_cassette("t/0.yaml", "catalog", client="httpx")
    second = record_cassette("t/1.json", "payments", client="httpx")
    # a YAML comment pads the tree past the size where the pool pays for itself
    padding = "\n" + "# padding\n" * 12000
    first.write_text(first.read_text(encoding="utf-8") + padding, encoding="utf-8")
    for n in range(2, 40):
        shutil.copy(first if n % 2 == 0 else second, first.parent / f"{n}.{'yaml' if n % 2 == 0 else 'json'}")
    files = cassette.discover([first.parent]).files
    serial = cassette.map_files(cassette.summarize, files, workers=1)
    pooled = cassette.map_files(_summary_and_worker, files, workers=2)
    assert {pid for _, pid in pooled} - {os.getpid()}, "the files were read in this process: no pool"
    assert serial == [summary for summary, _ in pooled] and len(serial) == 40
    report = scan_command.run((first.parent,), Config())
    assert [c.path for c in report.cassettes] == sorted(files)


def test_installed_command_and_module_entry_point(
    sample_cassettes: Path, run_installed: Any, tmp_path: Path
) -> None:
    done = run_installed("scan", "--format", "json", sample_cassettes)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["cassettes"] == 5
    module = subprocess.run(
        [sys.executable, "-m", "cassettes_tool", "lint", str(sample_cassettes)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    assert module.stdout.strip() == "All 5 cassettes clean."
    version = run_installed("--version")
    assert version.returncode == 0 and version.stdout.startswith("cassettes, version ")


def test_unknown_option_is_a_usage_error(run_installed: Any) -> None:
    done = run_installed("scan", "--no-such-flag")
    assert done.returncode == 2
    assert "No such option" in done.stderr and "--no-such-flag" in done.stderr


def test_missing_path_is_a_usage_error(run: Any) -> None:
    result = run("lint", "does/not/exist")
    assert result.exit_code == 2
    assert "does/not/exist" in result.stderr and "does not exist" in result.stderr


def test_quiet_lint_prints_nothing_when_clean(sample_cassettes: Path, run: Any) -> None:
    result = run("lint", "--quiet", sample_cassettes)
    assert result.exit_code == 0 and result.stdout == ""


def test_an_unexpected_error_is_one_line_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record_cassette: Any
) -> None:
    """The one error handler: a bug in a stage is one line naming it, exit 3; --verbose adds where."""
    from click.testing import CliRunner

    from cassettes_tool.cli import cli
    from cassettes_tool.commands import scan

    record_cassette("a.yaml", "users")

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a stage broke")

    monkeypatch.setattr(scan, "run", broken)
    monkeypatch.chdir(tmp_path)
    quiet = CliRunner().invoke(cli, ["scan", "cassettes"])
    assert quiet.exit_code == 3
    assert quiet.stderr.strip().splitlines() == [
        "cassettes: internal error: RuntimeError: a stage broke (--verbose shows where)"
    ]
    loud = CliRunner().invoke(cli, ["scan", "--verbose", "cassettes"])
    assert loud.exit_code == 3 and "Traceback (most recent call last)" in loud.stderr
    assert 'raise RuntimeError("a stage broke")' in loud.stderr
