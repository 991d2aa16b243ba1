"""One report, five formats, one story: the same verdict, the same counts, and the same
cassettes named as failing for the same reasons. Each format is read back as a user (or a
CI tab) would read it; none is trusted to agree because it shares code with another."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from reports import interaction, rich_check

from cassettes_tool.model import ApplyInfo, CassetteResult, Report, Status
from cassettes_tool.model.summary import GateOutcome, Summary
from cassettes_tool.report import render
from cassettes_tool.report.common import Format
from cassettes_tool.report.text import render_check_text

#: what every format must say: verdict word, outcome counts, {path: (outcome, reasons)}
Story = tuple[str, dict[str, int], dict[str, tuple[str, tuple[str, ...]]]]


def richest() -> Report:
    """The rich check plus a skipped file and a cassette with an interaction not checked."""
    report = rich_check()
    skipped = CassetteResult(
        path=Path("tests/cassettes/notes.json"), status=Status.SKIPPED, error="not a cassette"
    )
    timeout = replace(
        interaction(0, "https://api.example.com/orders", status=Status.ALIGNED),
        status=Status.ERROR,
        reason="timed out after 10 s",
    )
    partial = CassetteResult(
        path=Path("tests/cassettes/orders.yaml"),
        status=Status.ALIGNED,
        serializer="yaml",
        interactions=(timeout,),
    )
    aligned = CassetteResult(
        path=Path("tests/cassettes/health.yaml"),
        status=Status.ALIGNED,
        serializer="yaml",
        interactions=(interaction(0, "https://api.example.com/health"),),
    )
    return replace(report, cassettes=(*report.cassettes, skipped, partial, aligned))


def _outcomes(text: str) -> dict[str, int]:
    found = re.search(r"(\d+) pass, (\d+) fail, (\d+) incomplete, (\d+) skipped", text)
    assert found, text
    return dict(zip(("pass", "fail", "incomplete", "skipped"), map(int, found.groups()), strict=True))


def from_text(out: str) -> Story:
    verdict = next(line for line in out.splitlines() if re.match(r"(PASS|FAIL|INCOMPLETE):", line))
    failing = {
        m["path"]: (m["outcome"], tuple(m["reasons"].split(", ")))
        for m in re.finditer(r"^  (?P<outcome>fail|incomplete) +(?P<path>\S+): (?P<reasons>.+)$", out, re.M)
    }
    return verdict.split(":")[0].lower(), _outcomes(out), failing


def from_markdown(out: str) -> Story:
    verdict = re.match(r"### cassettes check: (\w+)", out)
    assert verdict
    failing: dict[str, tuple[str, tuple[str, ...]]] = {}
    for section in re.split(r"^#### ", out, flags=re.M)[1:]:
        outcome = "fail" if section.startswith("Failing") else "incomplete"
        for m in re.finditer(r"<summary><code>(.+?)</code>: (.+?)</summary>", section):
            failing[m[1]] = (outcome, tuple(m[2].split(", ")))
    return verdict[1].lower(), _outcomes(out), failing


def from_junit(out: str) -> Story:
    suite = ET.fromstring(out.split("\n", 1)[1]).find("testsuite")
    assert suite is not None
    failing = {}
    for case in suite.iter("testcase"):
        for tag, outcome in (("failure", "fail"), ("error", "incomplete")):
            found = case.find(tag)
            if found is not None:
                assert found.get("type") not in (None, "", "ok")
                failing[case.get("name", "")] = (outcome, tuple(found.get("type", "").split(",")))
    tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    counts = {
        "fail": int(suite.get("failures", 0)),
        "incomplete": int(suite.get("errors", 0)),
        "skipped": skipped,
    }
    counts["pass"] = tests - sum(counts.values())
    verdict = suite.find("properties/property[@name='verdict']")
    assert verdict is not None
    return verdict.get("value", "").split(":")[0].lower(), counts, failing


def from_html(out: str) -> Story:
    verdict = re.search(r'<span class="badge (\w+)">', out)
    assert verdict
    counts = {k: int(v) for k, v in re.findall(r"<dt>(\w+)</dt><dd>(\d+)</dd>", out)}
    failing = {}
    for row in re.findall(r"<tr><td class=\"mono path\">[^<]+</td><td class=\"outcome.*?</tr>", out):
        path = re.search(r'path">([^<]+)<', row)
        outcome = re.search(r'class="outcome (\w+)"', row)
        assert path and outcome
        failing[path[1]] = (outcome[1], tuple(re.findall(r'<code class="reason">([^<]+)</code>', row)))
    return verdict[1], {k: counts[k] for k in ("pass", "fail", "incomplete", "skipped")}, failing


def from_json(out: str) -> Story:
    data = json.loads(out)
    failing = {f["path"]: (f["outcome"], tuple(r["reason"] for r in f["reasons"])) for f in data["failing"]}
    return data["verdict"], data["summary"]["outcomes"], failing


READERS = {
    Format.TEXT: from_text,
    Format.MARKDOWN: from_markdown,
    Format.JUNIT: from_junit,
    Format.HTML: from_html,
    Format.JSON: from_json,
}


def expected(report: Report) -> Story:
    summary = Summary.of(report)
    verdict = {0: "pass", 1: "fail", 3: "incomplete"}[int(summary.verdict)]
    counts = {o.value: n for o, n in summary.counts.outcomes}
    failing = {f.path.as_posix(): (f.outcome.value, f.tokens) for f in summary.failing}
    return verdict, counts, failing


@pytest.mark.parametrize("fmt", list(Format), ids=lambda f: f.value)
def test_every_format_tells_the_same_story(fmt: Format) -> None:
    report = richest()
    told = READERS[fmt](render(report, fmt, render_check_text))
    assert told == expected(report)


def test_the_story_is_the_one_a_reviewer_expects() -> None:
    """Written out by hand, so that the summary itself is checked, not only agreed with."""
    verdict, counts, failing = expected(richest())
    assert verdict == "fail"
    assert counts == {"pass": 1, "fail": 3, "incomplete": 2, "skipped": 1}
    assert sum(counts.values()) == len(richest().cassettes)
    assert failing == {
        "tests/cassettes/auth/login.yaml": ("fail", ("stale",)),  # drifted additive, but 187 days old
        "tests/cassettes/payments/charges.json": ("fail", ("breaking", "stale")),
        "tests/cassettes/users/list.yaml": ("fail", ("stale", "lint:S105")),
        "tests/cassettes/broken.yaml": ("incomplete", ("error",)),
        "tests/cassettes/orders.yaml": ("incomplete", ("incomplete",)),
    }


def test_counts_add_up_in_json() -> None:
    data = json.loads(render(richest(), Format.JSON, render_check_text))
    summary = data["summary"]
    statuses = sum(summary[s.value] for s in Status)
    assert statuses == summary["cassettes"] == sum(summary["outcomes"].values())
    assert summary["over_max_age"] == 3 and data["exit_code"] == 1


def test_after_apply_drift_is_not_a_reason_but_a_withheld_cassette_is() -> None:
    report = replace(
        rich_check(),
        cassettes=rich_check().cassettes[:2],
        max_age=None,
        applied=ApplyInfo(withheld=((Path("tests/cassettes/auth/login.yaml"), "a credential in the copy"),)),
    )
    summary = Summary.of(report)
    assert [(f.path.name, f.tokens) for f in summary.failing] == [("login.yaml", ("incomplete",))]
    assert summary.counts.outcome(GateOutcome.INCOMPLETE) == 1 and int(summary.verdict) == 3


def test_the_age_chart_draws_every_aged_cassette_skipped_ones_too() -> None:
    report = rich_check()
    skipped = replace(report.cassettes[0], path=Path("tests/cassettes/old.yaml"), status=Status.SKIPPED)
    page = render(replace(report, cassettes=(*report.cassettes, skipped)), Format.HTML, render_check_text)
    assert page.count('<rect class="bar') == 4 and "tests/cassettes/old.yaml: 187 days" in page


def test_age_and_lint_render_their_own_tables_in_markdown() -> None:
    report = rich_check()
    age = render(replace(report, command="age"), Format.MARKDOWN, render_check_text)
    assert "| cassette | days | last recorded | commit | source | |" in age
    assert (
        "| `tests/cassettes/users/list.yaml` | 401 | 2025-05-21 | 9a8b7c6 | git | stale, lint:S105 |" in age
    )
    lint = render(replace(report, command="lint"), Format.MARKDOWN, render_check_text)
    assert "| `tests/cassettes/users/list.yaml:14` | `S105` | jwt |" in lint
    assert "Drift" not in lint.split("####")[0]
