"""`cassettes scratch prune`: the scratch area's housekeeping."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool import config


@click.group(name="scratch")
def scratch_group() -> None:
    """The scratch area where refresh and check write their runs."""


@scratch_group.command(name="prune")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Keep the N newest runs, and always the one LATEST names (default: the config's keep_runs, else 5).",
)
@click.option(
    "--scratch",
    type=click.Path(file_okay=False, path_type=Path),
    help="Scratch area (default: the config's `scratch`, .cassettes/scratch).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Settings file (default: the nearest pyproject.toml with [tool.cassettes]).",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only what was left alone and why.")
def prune_command(keep: int | None, scratch: Path | None, config_file: Path | None, quiet: bool) -> None:
    """Remove older refresh runs: only folders cassettes made (with a manifest.json).

    Anything else in the scratch folder is never touched: a symlinked or foreign
    run-named folder is left and named, and a scratch folder holding other files is
    refused (exit 2).
    """
    from cassettes_tool.commands import scratch as command
    from cassettes_tool.report.tables import render_prune_text

    settings = config.load(config_file)
    pruned = command.prune(settings, keep=keep if keep is not None else settings.keep_runs, scratch=scratch)
    for line in render_prune_text(pruned, quiet=quiet):
        click.echo(line)
