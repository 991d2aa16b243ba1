"""The `cassettes` group, the one error handler, and the one way a report leaves: render, write, exit.

Our errors are one line and the exit code they name; anything unexpected is one line and
exit 3 (the traceback with --verbose); Ctrl-C is 130.

The group knows its commands by name (`COMMANDS`) and imports a command's module only when
that command runs (click's lazy group), so `cassettes --version` and `--help` cost click and
nothing else: the listing's one-line help is kept in the table for that reason.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from gettext import gettext
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import click

from cassettes_tool import __version__

if TYPE_CHECKING:
    from pathlib import Path

    from cassettes_tool.errors import ExitCode
    from cassettes_tool.kept_report import Kept, KeptReport
    from cassettes_tool.model.result import Report


class LazyCommand(NamedTuple):
    """Where a command lives (`module:attribute`) and the first paragraph of its help."""

    target: str
    help: str


#: every command, by name: imported when it runs; the listing in `--help` reads `help` here
#: (a test keeps it equal to the first paragraph of each command's own docstring)
COMMANDS = {
    "age": LazyCommand(
        "cassettes_tool.cli.inspect:age_command",
        "How long each cassette has been frozen, from git history, oldest first.",
    ),
    "check": LazyCommand(
        "cassettes_tool.cli.drift:check",
        "The release gate: lint and age offline; with a target, also re-record into scratch and diff.",
    ),
    "demo": LazyCommand(
        "cassettes_tool.cli.drift:demo",
        "Run `check` on the bundled sample cassettes against an embedded staging server that has drifted.",
    ),
    "diff": LazyCommand(
        "cassettes_tool.cli.drift:diff_command",
        "What changed between two cassettes (or two folders of them), by meaning.",
    ),
    "lint": LazyCommand(
        "cassettes_tool.cli.inspect:lint_command",
        "Problems only: unparseable files, old formats, unsafe YAML tags, credentials left in cassettes.",
    ),
    "refresh": LazyCommand(
        "cassettes_tool.cli.drift:refresh",
        "Re-record cassettes against a staging target into a scratch run; originals stay untouched.",
    ),
    "report": LazyCommand(
        "cassettes_tool.cli.inspect:report_group",
        "Work with JSON reports: merge the reports of `--shard K/N` runs.",
    ),
    "scan": LazyCommand(
        "cassettes_tool.cli.inspect:scan", "Inventory: every cassette, its serializer and its interactions."
    ),
    "scratch": LazyCommand(
        "cassettes_tool.cli.scratch:scratch_group",
        "The scratch area where refresh and check write their runs.",
    ),
    "show": LazyCommand(
        "cassettes_tool.cli.show:show_command",
        "One cassette made readable: requests, statuses, sorted headers, bodies decoded.",
    ),
    "spec-check": LazyCommand(
        "cassettes_tool.cli.spec:spec_check",
        "Check every recorded interaction against the provider's OpenAPI document, offline.",
    ),
    "unused": LazyCommand(
        "cassettes_tool.cli.inspect:unused_command",
        "Cassette files no test opens and interactions no test plays, from one replay run of the suite.",
    ),
}


def _verbose_asked(args: Iterable[str]) -> bool:
    return any(arg in ("--verbose", "-v") for arg in args)


class CassettesGroup(click.Group):
    """The one error handler (pre-commit's shape): our errors are one line and the exit code
    they name; anything else is one line and exit 3, with the traceback under --verbose."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, its module imported on first use (click's LazyGroup pattern)."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attribute = COMMANDS[cmd_name].target.partition(":")
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing as click writes it, from the table: a command not yet loaded is shown by
        a stand-in with its help's first paragraph, which shortens to the same line."""
        listed = [
            (name, self.commands.get(name) or click.Command(name, help=COMMANDS[name].help))
            for name in self.list_commands(ctx)
        ]
        listed = [(name, command) for name, command in listed if not command.hidden]
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)
        with formatter.section(gettext("Commands")):
            formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in listed])

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:  # click would say "Aborted!" and exit 1; shells expect 130
            click.echo("\nInterrupted.", err=True)
            ctx.exit(130)
        except Exception as exc:
            _handle(ctx, exc)


def _handle(ctx: click.Context, exc: Exception) -> NoReturn:
    """Our errors: one line, their exit code. Anything else: one line, exit 3 (the traceback
    under --verbose). Imported here: a command that fails has loaded them already."""
    import traceback

    from cassettes_tool.errors import CassettesError, ExitCode
    from cassettes_tool.report.safe import printable
    from cassettes_tool.secrets.masker import mask_text  # errors may quote a URL or header

    if isinstance(exc, CassettesError):
        click.echo(f"cassettes: error: {printable(mask_text(str(exc)))}", err=True)
        ctx.exit(int(exc.exit_code))
    if ctx.meta.get("cassettes.verbose") or _verbose_asked(sys.argv[1:]):
        click.echo(mask_text(traceback.format_exc().rstrip()), err=True)
    if isinstance(exc, OSError) and exc.filename is not None:  # the disk, not the tool (ENOSPC, EROFS)
        where = printable(mask_text(str(exc.filename)))
        click.echo(f"cassettes: error: {where}: {exc.strerror or exc}", err=True)
        ctx.exit(int(ExitCode.INCOMPLETE))
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
    kept: KeptReport | None = None,
) -> NoReturn:
    """Render once, write to `output` or stdout as it is rendered, exit with the report's
    verdict. Colour is decided once for every text renderer (`wants_color`). With `kept`,
    the report is also kept for the next run over the same tree."""
    from cassettes_tool.report import render_pieces
    from cassettes_tool.report.common import Format, verdict_line

    if result.interrupted and sys.stderr.isatty():
        click.echo("", err=True)  # end the progress bar's line
    color = wants_color(output)
    rendered = render_pieces(result, Format(fmt), text, quiet=quiet, verbose=verbose, color=color)
    code = int(result.verdict if exit_code is None else exit_code)
    # said on stderr beside a report written to a file: the errors are in the file
    said = functools.cache(lambda: verdict_line(result, errors="see the report"))
    if kept is not None and not result.interrupted:
        rendered = kept.keeping(rendered, code, said())
    _send(rendered, output, said, quiet=quiet)
    for line in epilogue:
        click.echo(line)
    sys.exit(code)


def replay(kept: Kept, output: Path | None, *, quiet: bool) -> NoReturn:
    """A kept report written again, as `emit` wrote it, and its exit code."""
    _send(kept.text(), output, lambda: kept.verdict_line, quiet=quiet)
    sys.exit(kept.exit_code)


def wants_color(output: Path | None) -> bool:
    """Colour for a terminal only: not a file, not with NO_COLOR."""
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _send(rendered: Iterable[str], output: Path | None, said: Callable[[], str], *, quiet: bool) -> None:
    """The report to `output` (atomically, then its verdict line on stderr) or to stdout."""
    from cassettes_tool.cassette.write import write_atomic_lines
    from cassettes_tool.errors import ExitCode

    if output is None:
        for run in _gathered(rendered):
            click.echo(run, nl=False)
        return
    try:
        write_atomic_lines(output, rendered)
    except OSError as exc:
        click.echo(f"cassettes: error: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.INCOMPLETE))
    if not quiet:  # a CI log says what the file says, not nothing
        click.echo(said(), err=True)
        click.echo(f"report written to {output}", err=True)


def _gathered(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """The pieces joined into runs of about `size` characters: each echo is a write and a flush,
    and a table of 2,000 rows took 10 ms in them; the output is the same, still streamed."""
    held: list[str] = []
    count = 0
    for piece in pieces:
        held.append(piece)
        count += len(piece)
        if count >= size:
            yield "".join(held)
            held.clear()
            count = 0
    if held:
        yield "".join(held)


def main() -> None:
    """Console entry point; Ctrl-C exits 130 as shells expect."""
    try:
        cli.main(prog_name="cassettes")
    except KeyboardInterrupt:  # pragma: no cover - click turns most into Abort
        click.echo("Interrupted.", err=True)
        sys.exit(130)
