"""The `cassettes` group, the one error handler, and the one way a report leaves: render, write, exit.

Our errors are one line and the exit code they name; anything unexpected is one line and
exit 3 (the traceback with --verbose); Ctrl-C is 130.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cassettes_tool import __version__
from cassettes_tool.cassette.write import write_atomic_lines
from cassettes_tool.errors import CassettesError, ExitCode
from cassettes_tool.model.result import Report
from cassettes_tool.report.common import Format
from cassettes_tool.report.safe import printable

if TYPE_CHECKING:
    pass


def _verbose_asked(args: Iterable[str]) -> bool:
    return any(arg in ("--verbose", "-v") for arg in args)


class CassettesGroup(click.Group):
    """The one error handler (pre-commit's shape): our errors are one line and the exit code
    they name; anything else is one line and exit 3, with the traceback under --verbose."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CassettesError as exc:
            from cassettes_tool.secrets.masker import mask_text  # errors may quote a URL or header

            click.echo(f"cassettes: error: {printable(mask_text(str(exc)))}", err=True)
            ctx.exit(int(exc.exit_code))
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            from cassettes_tool.secrets.masker import mask_text

            if ctx.meta.get("cassettes.verbose") or _verbose_asked(sys.argv[1:]):
                click.echo(mask_text(traceback.format_exc().rstrip()), err=True)
            said = printable(mask_text(str(exc)))
            click.echo(
                f"cassettes: internal error: {type(exc).__name__}: {said} (--verbose shows where)",
                err=True,
            )
            ctx.exit(int(ExitCode.INCOMPLETE))


@click.group(cls=CassettesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cassettes")
def cli() -> None:
    """Keep vcrpy cassettes honest: find them, lint them, re-record them against staging
    into a scratch area, diff old against new by meaning, and gate releases on it."""


def emit(
    result: Report,
    fmt: str,
    output: Path | None,
    text: Callable[..., Iterable[str]],
    *,
    quiet: bool,
    verbose: bool,
    epilogue: Iterable[str] = (),
    exit_code: ExitCode | None = None,
) -> None:
    """Render once, write to `output` or stdout as it is rendered, exit with the report's
    verdict. Colour is decided here, once, for every text renderer: a terminal, not
    NO_COLOR, not a file."""
    from cassettes_tool.report import render_pieces

    if result.interrupted and sys.stderr.isatty():
        click.echo("", err=True)  # end the progress bar's line
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    rendered = render_pieces(result, Format(fmt), text, quiet=quiet, verbose=verbose, color=color)
    if output is not None:
        try:
            write_atomic_lines(output, rendered)
        except OSError as exc:
            click.echo(f"cassettes: error: cannot write {output}: {exc.strerror or exc}", err=True)
            sys.exit(int(ExitCode.INCOMPLETE))
        if not quiet:  # a CI log says what the file says, not nothing
            from cassettes_tool.report.common import verdict_line

            click.echo(verdict_line(result), err=True)
            click.echo(f"report written to {output}", err=True)
    else:
        for piece in rendered:
            click.echo(piece, nl=False)
    for line in epilogue:
        click.echo(line)
    sys.exit(int(result.verdict if exit_code is None else exit_code))


def main() -> None:
    """Console entry point; Ctrl-C exits 130 as shells expect."""
    try:
        cli.main(prog_name="cassettes")
    except KeyboardInterrupt:  # pragma: no cover - click turns most into Abort
        click.echo("Interrupted.", err=True)
        sys.exit(130)
