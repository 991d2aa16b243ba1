"""`--format html`: one self-contained page, checked as markup and as a real browser renders it.

The browser test runs Debian's headless Chromium (`.ci/run` installs it) and asserts on
what a person sees: the DOM after rendering (the summary text, one chart bar per
cassette, the `--max-age` line) and a screenshot that is not blank.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import Result
from conftest import GitRepo, Recorder

from cassettes_tool.demo.services import DemoServer
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Problem, Report, Status
from cassettes_tool.report import render
from cassettes_tool.report.common import Format
from cassettes_tool.report.html import render_html

Run = Callable[..., Result]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NOW = datetime.now(timezone.utc)


@pytest.fixture
def aged_repo(git_repo: Callable[..., GitRepo], record_cassette: Recorder) -> GitRepo:
    """Three cassettes committed 200, 40 and 5 days ago."""
    repo = git_repo("project")
    for name, scenario, days in (("users.yaml", "users", 200), ("catalog.yaml", "catalog", 40)):
        record_cassette(name, scenario, root=repo.root / "cassettes")
        repo.commit(f"record {name}", date=NOW - timedelta(days=days))
    record_cassette("auth/login.yaml", "login", root=repo.root / "cassettes")
    repo.commit("record login", date=NOW - timedelta(days=5))
    return repo


def _bars(page: str) -> int:
    return len(re.findall(r'<rect class="bar[ "]', page))


def test_check_page_has_the_summary_first_and_the_age_chart(aged_repo: GitRepo, run: Run) -> None:
    result = run("check", "--offline", "--max-age", "30", "--format", "html", "cassettes", cwd=aged_repo.root)

    assert result.exit_code == 1, result.output
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert page.index('id="summary"') < page.index('id="ages"')
    assert "FAIL" in page and "2 older than --max-age 30 days" in page
    assert _bars(page) == 3 and page.count('class="bar stale"') == 2
    assert 'class="max-age"' in page and "max age 30 days" in page
    # oldest first
    assert page.index("cassettes/users.yaml: 200 days") < page.index("cassettes/catalog.yaml: 40 days")
    # nothing fetched: no script, no remote stylesheet, image or font
    assert "<script" not in page and not re.search(r'(src|href)="(https?:)?//', page)


def test_drift_is_shown_by_severity_per_cassette(
    record_cassette: Recorder, v2_server: DemoServer, tmp_path: Path, run: Run
) -> None:
    old = record_cassette("users.yaml", "users", root=tmp_path / "old")
    new = record_cassette("users.yaml", "users", server=v2_server, root=tmp_path / "new")

    page = run("diff", old, new, "--format", "html").stdout

    assert '<h4 class="breaking">' in page and "field_removed" in page
    assert "$.users[*].phone" in page


def test_everything_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    change = Change(Severity.BREAKING, ChangeKind.VALUE_CHANGED, Where.BODY, path=f"$.{hostile}", old=hostile)
    interaction = InteractionSummary(
        0, "GET", f"https://x.example/{hostile}", "x.example", "/", 200, None, 0, "empty", changes=(change,)
    )
    age = Age(3.0, NOW, "abc1234", hostile, hostile, AgeSource.GIT)
    report = Report(
        command="diff",
        cassettes=(
            CassetteResult(
                Path(f"{hostile}.yaml"),
                Status.DRIFTED,
                note=hostile,
                interactions=(interaction,),
                problems=(Problem("C001", hostile, hostile),),
                age=age,
            ),
        ),
        notes=((Path(hostile), hostile),),
        target=hostile,
    )
    page = render_html(report)
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert render(report, Format.HTML, lambda r, **_: iter(())) == page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_a_browser_renders_the_page(aged_repo: GitRepo, run: Run, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    html = tmp_path / "report.html"
    result = run(
        "check",
        "--offline",
        "--max-age",
        "30",
        "--format",
        "html",
        "--output",
        html,
        "cassettes",
        cwd=aged_repo.root,
    )
    assert result.exit_code == 1, result.output
    browser = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]

    dom = subprocess.run(
        [*browser, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=60, check=False
    )
    assert dom.returncode == 0, dom.stderr
    text = re.sub(r"<[^>]+>", " ", dom.stdout)
    assert "cassettes check" in text and "FAIL" in text and "2 older than --max-age 30 days" in text
    assert re.search(r"<svg[^>]*aria-label=\"Cassette ages", dom.stdout)
    assert _bars(dom.stdout) == 3

    png = tmp_path / "report.png"
    shot = subprocess.run(
        [*browser, f"--screenshot={png}", "--window-size=1200,900", html.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert shot.returncode == 0, shot.stderr
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000  # a drawn page, not a blank one
