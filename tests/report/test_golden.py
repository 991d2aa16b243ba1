"""Golden files for the human renderers: one rich report in text, markdown and junit.

A renderer change shows as a diff of tests/report/golden/ in review. Regenerate with
`pytest tests/report/test_golden.py --regen-golden` and read the diff before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from reports import applied, rich_check

from cassettes_tool.model import Report
from cassettes_tool.report import render
from cassettes_tool.report.common import Format
from cassettes_tool.report.text import render_apply_text, render_check_text, render_drift_text

GOLDEN = Path(__file__).parent / "golden"

CASES: dict[str, tuple[Callable[[], Report], Format, object]] = {
    "check.txt": (rich_check, Format.TEXT, render_check_text),
    "check-drift.txt": (rich_check, Format.TEXT, render_drift_text),
    "check.md": (rich_check, Format.MARKDOWN, render_check_text),
    "check.junit.xml": (rich_check, Format.JUNIT, render_check_text),
    "apply.txt": (applied, Format.TEXT, render_apply_text),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_renderer_matches_its_golden_file(name: str, request: pytest.FixtureRequest) -> None:
    build, fmt, text = CASES[name]
    rendered = render(build(), fmt, text)  # type: ignore[arg-type]
    golden = GOLDEN / name
    if request.config.getoption("--regen-golden"):
        golden.write_text(rendered, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden.name}: run with --regen-golden and review it"
    assert rendered == golden.read_text(encoding="utf-8")


def test_colour_is_one_decision_for_every_text_renderer() -> None:
    """check and apply were never coloured: colour was passed to the drift renderer only."""
    for build, text in ((rich_check, render_check_text), (applied, render_apply_text)):
        plain = render(build(), Format.TEXT, text)
        painted = render(build(), Format.TEXT, text, color=True)
        assert "\x1b[" not in plain and "\x1b[31;1m" in painted
