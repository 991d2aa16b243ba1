"""JUnit XML: a test case per cassette, so CI test tabs show the gate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cassettes_tool.model.result import (
    Report,
    Status,
)
from cassettes_tool.report.common import (
    describe,
)
from cassettes_tool.words import display_path


def render_junit(report: Report, **_: Any) -> Iterator[str]:
    """A test case per cassette: failures for findings at or above the threshold."""
    import xml.etree.ElementTree as ET

    cases = []
    failures = errors = skipped = 0
    for result in report.cassettes:
        path = display_path(result.path)
        case = ET.Element("testcase", classname=f"cassettes.{report.command}", name=path, time="0")
        findings = [c for c in report.changes(result) if c.severity.rank >= report.fail_on.rank]
        if result.status is Status.ERROR:
            errors += 1
            ET.SubElement(case, "error", message=result.error or "could not be read", type="error")
        elif result.status is Status.SKIPPED:
            skipped += 1
            ET.SubElement(case, "skipped", message=result.error or "skipped")
        elif findings or result.problems or result.status is Status.STALE:
            failures += 1
            lines = [f"{p.code} {p.kind}: {p.message}" for p in result.problems]
            lines += [
                f"{c.severity.value} {c.kind.value} {c.path or c.where.value}: {describe(c)}"
                for c in findings
            ]
            if result.status is Status.STALE:
                lines.append(result.note or "older than --max-age")
            first = lines[0] if lines else result.status.value
            failure = ET.SubElement(case, "failure", message=first, type=result.status.value)
            failure.text = "\n".join(lines)
        cases.append(case)
    suite = ET.Element(
        "testsuite",
        name=f"cassettes {report.command}",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(skipped),
    )
    suite.extend(cases)
    suites = ET.Element("testsuites", name="cassettes")
    suites.append(suite)
    ET.indent(suites)
    yield '<?xml version="1.0" encoding="utf-8"?>'
    yield ET.tostring(suites, encoding="unicode")
