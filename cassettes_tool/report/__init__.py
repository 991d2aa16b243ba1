"""Render a Report in the format asked for. Renderers decide nothing and do no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    from cassettes_tool.report.safe import safe_line
    from cassettes_tool.secrets.masker import mask_markup, mask_text

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
    return mask_text("".join(f"{safe_line(line, color=painted)}\n" for line in renderer(report, **kwargs)))
