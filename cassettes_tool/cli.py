"""The `cassettes` command: parse options, call one stage, print its report, exit with its verdict.

The only module that knows click, stdout/stderr and exit codes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click

from cassettes_tool import __version__, compare, config, inventory, lint, report
from cassettes_tool.diff import Severity
from cassettes_tool.errors import CassettesError
from cassettes_tool.report import Format, Report

F = TypeVar("F", bound=Callable[..., Any])


def common_options(fn: F) -> F:
    """Options every command takes, defined once (as pip-tools does)."""
    decorators = [
        click.option(
            "--config",
            "config_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Settings file (default: the nearest pyproject.toml with [tool.cassettes]).",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice([f.value for f in Format]),
            default=Format.TEXT.value,
            show_default=True,
            help="Report format.",
        ),
        click.option(
            "--output",
            type=click.Path(dir_okay=False, writable=True, path_type=Path),
            help="Write the report to FILE instead of standard output.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print only the report."),
        click.option("--verbose", "-v", is_flag=True, help="Also print notes on skipped files."),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


paths_argument = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[PATH]..."
)


class CassettesGroup(click.Group):
    """Turns our errors into one line on stderr and the exit code the error names."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CassettesError as exc:
            click.echo(f"cassettes: error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))


@click.group(cls=CassettesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cassettes")
def cli() -> None:
    """Keep vcrpy cassettes honest: find them, lint them, and (soon) re-record and diff them."""


@cli.command()
@paths_argument
@common_options
def scan(
    paths: tuple[Path, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Inventory: every cassette, its serializer and its interactions.

    PATH is a cassette or a folder searched for *.yaml, *.yml and *.json files
    (default: the configured `paths`, else the current folder).
    """
    settings = config.load(config_file)
    result = inventory.scan(settings.cassette_paths(paths), settings)
    _emit(result, fmt, output, report.render_scan_text, quiet=quiet, verbose=verbose)


@cli.command(name="lint")
@paths_argument
@common_options
def lint_command(
    paths: tuple[Path, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Problems only: unparseable files, old formats, unsafe YAML tags, credentials left in cassettes.

    One line each, `path:line: CODE kind: message`; exit 1 when there is any.
    """
    settings = config.load(config_file)
    result = lint.lint(settings.cassette_paths(paths), settings)
    _emit(result, fmt, output, report.render_lint_text, quiet=quiet, verbose=verbose)


@cli.command(name="diff")
@click.argument("old", required=False, type=click.Path(exists=True, path_type=Path))
@click.argument("new", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--show-volatile", is_flag=True, help="Also show changes that are not drift (timestamps, ids...).")
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity if s is not Severity.VOLATILE]),
    default=None,
    help="Exit 1 on drift at or above this severity (default: the config's fail_on, else breaking).",
)
@common_options
def diff_command(
    old: Path | None,
    new: Path | None,
    show_volatile: bool,
    fail_on: str | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """What changed between two cassettes (or two folders of them), by meaning.

    Changes are classed breaking, additive, value or volatile (SPEC.md); volatile
    ones (timestamps, ids, Date headers...) are hidden unless --show-volatile.
    """
    settings = config.load(config_file)
    if old is None or new is None:
        raise click.UsageError("give OLD and NEW")
    pairs, notes = compare.pairs_of_paths(old, new, settings)
    result = compare.report_of(
        pairs,
        settings,
        fail_on=Severity(fail_on or settings.fail_on),
        show_volatile=show_volatile,
        notes=notes,
    )
    _emit(result, fmt, output, report.render_drift_text, quiet=quiet, verbose=verbose)


def _emit(
    result: Report,
    fmt: str,
    output: Path | None,
    text: Callable[..., Iterable[str]],
    *,
    quiet: bool,
    verbose: bool,
) -> None:
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    rendered = report.render(result, Format(fmt), text, quiet=quiet, verbose=verbose, color=color)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
    sys.exit(int(result.verdict))


def main() -> None:
    """Console entry point; Ctrl-C exits 130 as shells expect."""
    try:
        cli.main(prog_name="cassettes")
    except KeyboardInterrupt:  # pragma: no cover - click turns most into Abort
        click.echo("Interrupted.", err=True)
        sys.exit(130)
