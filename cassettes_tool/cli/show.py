"""`cassettes show FILE`: one cassette made readable, written as it is rendered.

Apart from the other commands because it shares none of their options and renders no
report: showing one file imports neither the report model nor the shared options.
git's textconv call (`show --textconv FILE`) does not even come here: `textconv.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command(name="show")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--interaction",
    type=click.IntRange(min=0),
    metavar="N",
    help="Show only interaction N (numbered from 0, as scan numbers them).",
)
@click.option(
    "--textconv",
    is_flag=True,
    help="The stable form for git's diff driver: volatile values as their kind; a file it cannot "
    "read is printed as it is, after a line saying why, and the exit code stays 0.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Settings file (default: the nearest pyproject.toml with [tool.cassettes]).",
)
def show_command(file: Path, interaction: int | None, textconv: bool, config_file: Path | None) -> None:
    """One cassette made readable: requests, statuses, sorted headers, bodies decoded.

    gzip, deflate, brotli and !!binary are undone, JSON is pretty-printed with sorted
    keys, form bodies are `key = value` lines. For `git diff` of cassettes, in
    .gitattributes `tests/cassettes/** diff=cassettes` and
    `git config diff.cassettes.textconv "cassettes show --textconv"`.
    """
    from cassettes_tool.commands import show as command
    from cassettes_tool.report.safe import safe_lines
    from cassettes_tool.report.show import write

    lines = command.run(file, interaction=interaction, textconv=textconv, config_file=config_file)
    # Bytes, not click.echo: git reads them whatever the locale, and JSON keeps its non-ASCII text.
    write((piece for line in lines for piece in safe_lines(line)), sys.stdout.buffer)
