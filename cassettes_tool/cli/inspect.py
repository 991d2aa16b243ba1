"""Commands that read cassettes where they are: scan, lint, age, unused, report merge (`show` is
in `show.py`: it takes none of the shared options and renders no report)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import click

from cassettes_tool import config
from cassettes_tool.cli.app import emit, replay, wants_color
from cassettes_tool.cli.options import (
    PassThroughCommand,
    common_options,
    lint_code_options,
    no_cache_option,
    paths_argument,
    pytest_output,
)

if TYPE_CHECKING:
    from cassettes_tool.cassette.discover import Discovery
    from cassettes_tool.config import Config
    from cassettes_tool.kept_report import KeptReport
    from cassettes_tool.model.result import Report


@click.command()
@paths_argument
@no_cache_option
@common_options
def scan(
    paths: tuple[Path, ...],
    no_cache: bool,
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
    from cassettes_tool.cassette import find
    from cassettes_tool.commands import scan as command

    settings = config.load(config_file)
    targets = settings.cassette_paths(paths)
    found = find(targets, settings)
    shape = _Shape(fmt, output, quiet, verbose)
    kept = None if no_cache else _kept("scan", found, settings, targets, shape)
    from cassettes_tool.report.tables import render_scan_text

    result = command.run(targets, settings, use_cache=not no_cache, found=found)
    emit(result, fmt, output, render_scan_text, quiet=quiet, verbose=verbose, kept=_worth(kept, result))


class _Shape(NamedTuple):
    """The options that shape a report's text (and where it goes)."""

    fmt: str
    output: Path | None
    quiet: bool
    verbose: bool


def _kept(
    command: str, found: Discovery, settings: Config, targets: Iterable[Path], shape: _Shape, *more: object
) -> KeptReport | None:
    """Where this run's report is kept for the next one, under a key of the files found, the
    settings, the targets, the shape and `more` (the command's own options). When the last
    run's was kept under the same key (nothing changed), it is written again, as it was,
    and the run ends here."""
    from cassettes_tool.kept_report import kept_for

    color = wants_color(shape.output)
    key = (shape.fmt, shape.quiet, shape.verbose, color, [str(path) for path in targets], *more)
    kept = kept_for(found, settings, command, *key)
    ready = kept.find() if kept is not None else None
    if ready is not None:
        replay(ready, shape.output, quiet=shape.quiet)
    return kept


def _worth(kept: KeptReport | None, result: Report) -> KeptReport | None:
    """`kept`, when the report is one the files alone decide (`kept_report.worth_keeping`)."""
    from cassettes_tool.kept_report import worth_keeping

    return kept if kept is not None and worth_keeping(result) else None


@click.command(name="lint")
@paths_argument
@lint_code_options
@click.option(
    "--fix", "fix_it", is_flag=True, help="Mask the credentials found in place (exit 1 if a file changed)."
)
@no_cache_option
@common_options
def lint_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    fix_it: bool,
    no_cache: bool,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Problems only: unparseable files, old formats, unsafe YAML tags, credentials left in cassettes.

    One line each, `path:line: CODE kind: message`; exit 1 when there is any. With --fix,
    credentials and values the redact rules cover become `<REDACTED:kind>` in place.
    """
    from cassettes_tool.cassette import find
    from cassettes_tool.commands import lint as command

    settings = config.load(config_file)
    targets = settings.cassette_paths(paths)
    found = find(targets, settings)
    kept = None
    if not (no_cache or fix_it):  # --fix reads every file it may write, and writes
        shape = _Shape(fmt, output, quiet, verbose)
        kept = _kept("lint", found, settings, targets, shape, select, ignore)
    from cassettes_tool.report.tables import render_lint_text

    result = command.run(
        targets, settings, select=select, ignore=ignore, fix_it=fix_it, use_cache=not no_cache, found=found
    )
    emit(result, fmt, output, render_lint_text, quiet=quiet, verbose=verbose, kept=_worth(kept, result))


@click.command(name="age")
@paths_argument
@click.option(
    "--older-than",
    type=click.FloatRange(min=0),
    metavar="DAYS",
    help="Only cassettes last recorded more than DAYS days ago (and those of unknown age).",
)
@click.option(
    "--per-interaction", is_flag=True, help="Also each interaction's age: the cassette's is its oldest."
)
@common_options
def age_command(
    paths: tuple[Path, ...],
    older_than: float | None,
    per_interaction: bool,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """How long each cassette has been frozen, from git history, oldest first.

    A cassette's age is the author date of the last commit that changed its content
    (a pure rename keeps it); `source` says how far to trust it.
    """
    from cassettes_tool.commands import age as command
    from cassettes_tool.report.tables import render_age_text

    settings = config.load(config_file)
    result = command.run(
        settings.cassette_paths(paths), settings, older_than=older_than, per_interaction=per_interaction
    )
    emit(result, fmt, output, render_age_text, quiet=quiet, verbose=verbose)


@click.group(name="report")
def report_group() -> None:
    """Work with JSON reports: merge the reports of `--shard K/N` runs."""


@report_group.command(name="merge")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--history",
    "histories",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A shard's drift history (repeatable): joined into --history-out.",
)
@click.option(
    "--history-out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the joined histories here (each run once, oldest first).",
)
@common_options
def report_merge(
    files: tuple[Path, ...],
    histories: tuple[Path, ...],
    history_out: Path | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Merge the JSON reports of sharded runs into one, in any format, with the gate's exit code;
    --history FILE ... --history-out FILE also joins the shards' drift histories."""
    from cassettes_tool.commands import merge as command

    if history_out is not None and not histories:
        raise click.UsageError("--history-out joins the histories given with --history")
    merged = command.run(files, histories, history_out)
    emit(merged, fmt, output, _text_renderer(merged.command), quiet=quiet, verbose=verbose)


def _text_renderer(command: str) -> Callable[..., Iterable[str]]:
    """The human renderer of the command a merged report came from."""
    from cassettes_tool.report import tables, text

    renderers: dict[str, Callable[..., Iterable[str]]] = {
        "scan": tables.render_scan_text,
        "lint": tables.render_lint_text,
        "age": tables.render_age_text,
        "check": text.render_check_text,
        "refresh": tables.render_refresh_text,
        "unused": tables.render_unused_text,
    }
    return renderers.get(command, text.render_drift_text)


@click.command(name="unused", cls=PassThroughCommand)
@paths_argument
@common_options
def unused_command(
    paths: tuple[Path, ...],
    pytest_args: tuple[str, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Cassette files no test opens and interactions no test plays, from one replay run of the suite.

    Runs `python -m pytest` in this folder (arguments after -- passed on) with every
    cassette replayed read-only in record mode `none` and, where pytest-recording is
    installed, its network blocking on (`-- --allowed-hosts=127.0.0.1` lets a local
    service through). Exit 1 when something is unused; 3 when a test failed or the run
    did not finish: nothing is claimed unused then.
    """
    from cassettes_tool.commands import unused as command
    from cassettes_tool.refresh.suite_log import SuiteOptions
    from cassettes_tool.report.tables import render_unused_text

    settings = config.load(config_file)
    result = command.run(
        settings.cassette_paths(paths), settings, SuiteOptions(pytest_args), output=pytest_output(quiet)
    )
    emit(result, fmt, output, render_unused_text, quiet=quiet, verbose=verbose)
