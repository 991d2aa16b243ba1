"""Render a Report in the format asked for. Renderers decide nothing and do no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

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
    """The report in the asked format; `text` is the command's own human renderer. Every
    format passes the one masker: no credential is printed, whatever a message quotes.

    The renderers are imported here, not above: `show --textconv` imports this package."""
    from cassettes_tool.report.common import Format
    from cassettes_tool.report.json import render_json
    from cassettes_tool.report.junit import render_junit
    from cassettes_tool.report.markdown import render_markdown
    from cassettes_tool.report.pieces import masked_pieces
    from cassettes_tool.report.safe import safe_line
    from cassettes_tool.secrets.masker import mask_markup

    if fmt is Format.JSON:
        return render_json(report)
    if fmt is Format.HTML:
        from cassettes_tool.report.html import render_html

        return mask_markup(render_html(report))
    renderer: Callable[..., Iterable[str]] = {
        Format.MARKDOWN: render_markdown,
        Format.JUNIT: render_junit,
    }.get(fmt, text)
    kwargs: dict[str, Any] = {"quiet": quiet, "verbose": verbose}
    if renderer is text:  # colour is decided once (cli) and given to every text renderer
        kwargs["color"] = color
    if fmt is Format.JUNIT:
        return mask_markup("".join(f"{line}\n" for line in renderer(report, **kwargs)))
    painted = color and renderer is text
    return "".join(
        masked_pieces(f"{safe_line(line, color=painted)}\n" for line in renderer(report, **kwargs))
    )


def render_pieces(
    report: Report,
    fmt: Format,
    text: Callable[..., Iterable[str]],
    *,
    quiet: bool = False,
    verbose: bool = False,
    color: bool = False,
) -> Iterator[str]:
    """`render`, in pieces that join to it: a large JSON report a cassette at a time, text
    about a megabyte of lines at a time, so that a report is written as it is made rather
    than held whole (twice: as text, then masked)."""
    from cassettes_tool.report.common import Format

    if fmt is Format.JSON:
        from cassettes_tool.report.json import json_pieces

        yield from json_pieces(report)
    elif fmt is Format.TEXT:
        from cassettes_tool.report.pieces import masked_pieces
        from cassettes_tool.report.safe import safe_line

        lines = text(report, quiet=quiet, verbose=verbose, color=color)
        yield from masked_pieces(f"{safe_line(line, color=color)}\n" for line in lines)
    else:
        yield render(report, fmt, text, quiet=quiet, verbose=verbose, color=color)
