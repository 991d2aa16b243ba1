"""JUnit XML: a test case per cassette, so CI test tabs show the gate.

A cassette that fails the gate is one failing case whose `type` names its reasons
(`breaking`, `stale`, `lint:S103`, comma-separated when several) and whose text holds
the changes and problems; one that could not be checked is an error case; the others pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cassettes_tool.model.result import CassetteResult, Report, Status
from cassettes_tool.model.summary import Failing, GateOutcome, Summary
from cassettes_tool.report.common import describe, verdict_line
from cassettes_tool.report.safe import xml_printable
from cassettes_tool.words import display_path


def render_junit(report: Report, **_: Any) -> Iterator[str]:
    """A test case per cassette (and per shard or withheld path the summary names)."""
    import xml.etree.ElementTree as ET

    summary = Summary.of(report)
    failing = {f.path: f for f in summary.failing}
    results = {r.path: r for r in report.cassettes}
    paths = [r.path for r in report.cassettes] + [f.path for f in summary.failing if f.path not in results]
    cases = []
    for path in paths:
        result = results.get(path)
        case = ET.Element(
            "testcase", classname=f"cassettes.{report.command}", name=display_path(path), time="0"
        )
        found = failing.get(path)
        if found is not None:
            tag = "failure" if found.outcome is GateOutcome.FAIL else "error"
            lines = _lines(report, result, found)
            element = ET.SubElement(case, tag, message=lines[0], type=",".join(found.tokens))
            element.text = "\n".join(lines)
        elif result is not None and result.status is Status.SKIPPED:
            ET.SubElement(case, "skipped", message=result.error or "skipped")
        cases.append(case)
    counts = summary.counts
    suite = ET.Element(
        "testsuite",
        name=f"cassettes {report.command}",
        tests=str(len(cases)),
        failures=str(counts.outcome(GateOutcome.FAIL)),
        errors=str(sum(1 for f in summary.failing if f.outcome is GateOutcome.INCOMPLETE)),
        skipped=str(counts.outcome(GateOutcome.SKIPPED)),
    )
    ET.SubElement(suite, "properties").append(
        ET.Element("property", name="verdict", value=verdict_line(report, summary))
    )
    suite.extend(cases)
    suites = ET.Element("testsuites", name="cassettes")
    suites.append(suite)
    ET.indent(suites)
    yield '<?xml version="1.0" encoding="utf-8"?>'
    yield xml_printable(ET.tostring(suites, encoding="unicode"))


def _lines(report: Report, result: CassetteResult | None, failing: Failing) -> list[str]:
    """The reasons in one line (the message a CI tab shows), then each change and problem."""
    lines = ["; ".join(f"{r.token}: {r.detail}" for r in failing.reasons)]
    if result is None:
        return lines
    lines += [
        f"{p.code} {p.kind}: {f'line {p.line}: ' if p.line else ''}{p.message}" for p in result.problems
    ]
    tokens = set(failing.tokens)
    for interaction in result.interactions:
        for change in interaction.changes:
            if change.severity.value in tokens:
                where = change.path or change.where.value
                lines.append(
                    f"{change.severity.value} {change.kind.value} {where} "
                    f"({interaction.method} {interaction.uri}): {describe(change)}"
                )
    return lines
