"""Render a Report in the format asked for. Renderers decide nothing and do no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cassettes_tool.model.result import Report
    from cassettes_tool.report.common import Format


def render(
    report: Report,
    fmt: Format,
    text: Callable[..., Iterable[str]],
    *,
    quiet: bool = False,
    verbose: bool = False,
    color: bool = False,
) -> str:
    """The report in the asked format, whole: `render_pieces` joined."""
    return "".join(render_pieces(report, fmt, text, quiet=quiet, verbose=verbose, color=color))


def render_pieces(
    report: Report,
    fmt: Format,
    text: Callable[..., Iterable[str]],
    *,
    quiet: bool = False,
    verbose: bool = False,
    color: bool = False,
) -> Iterator[str]:
    """The report in the asked format, in pieces: a large JSON report a cassette at a time,
    text and markdown about a megabyte of lines at a time, so that a report is written as
    it is made rather than held whole (twice: as text, then masked). `text` is the
    command's own human renderer. Every format passes the one masker: no credential is
    printed, whatever a message quotes.

    The renderers are imported here, not above: `show --textconv` imports this package."""
    from cassettes_tool.report.common import Format
    from cassettes_tool.secrets.masker import mask_markup

    if fmt is Format.JSON:
        from cassettes_tool.report.json import json_pieces

        yield from json_pieces(report)
    elif fmt is Format.HTML:
        from cassettes_tool.report.html import render_html

        yield mask_markup(render_html(report))
    elif fmt is Format.JUNIT:
        from cassettes_tool.report.junit import render_junit

        yield mask_markup("".join(f"{line}\n" for line in render_junit(report, quiet=quiet, verbose=verbose)))
    else:
        from cassettes_tool.report.markdown import render_markdown
        from cassettes_tool.report.pieces import masked_pieces
        from cassettes_tool.report.safe import safe_line

        lines: Iterable[str]
        if fmt is Format.MARKDOWN:
            lines, painted = render_markdown(report, quiet=quiet, verbose=verbose), False
        else:  # colour is decided once (cli) and given to every text renderer
            lines, painted = text(report, quiet=quiet, verbose=verbose, color=color), color
        yield from masked_pieces(f"{safe_line(line, color=painted)}\n" for line in lines)
