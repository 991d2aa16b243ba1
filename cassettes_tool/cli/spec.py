"""`spec-check`: recorded interactions against their providers' OpenAPI documents, offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cassettes_tool import config
from cassettes_tool.cli.app import emit
from cassettes_tool.cli.options import common_options, fail_on_option, paths_argument, spec_options
from cassettes_tool.errors import ConfigError
from cassettes_tool.model.change import Severity

if TYPE_CHECKING:
    from cassettes_tool.spec import SpecChecker


def spec_checker(
    settings: config.Config, flags: tuple[str, ...], cache: Path | None, *, required: bool
) -> SpecChecker | None:
    """The checker for `--spec` flags (they replace the config's `specs`), or None without any."""
    from cassettes_tool.spec import checker_for, parse_spec_flag, source_of

    if flags:
        sources = [parse_spec_flag(flag) for flag in flags]
    else:
        sources = [source_of(host, doc) for host, docs in settings.specs.items() for doc in docs]
    if not sources:
        if required:
            raise ConfigError("no OpenAPI document: give --spec HOST=FILE or set [tool.cassettes.specs]")
        return None
    return checker_for(sources, cache)


@click.command(name="spec-check")
@paths_argument
@spec_options
@fail_on_option
@common_options
def spec_check(
    paths: tuple[Path, ...],
    specs: tuple[str, ...],
    spec_cache: Path | None,
    fail_on: str | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Check every recorded interaction against the provider's OpenAPI document, offline.

    Exit 0 when nothing at or above --fail-on, 1 on findings, 2 usage, 3 incomplete.
    """
    from cassettes_tool.commands import spec as command
    from cassettes_tool.report.text import render_check_text

    settings = config.load(config_file)
    checker = spec_checker(settings, specs, spec_cache, required=True)
    assert checker is not None  # required=True raised otherwise
    threshold = Severity(fail_on or settings.fail_on)
    result = command.run(settings.cassette_paths(paths), settings, checker, fail_on=threshold)
    emit(result, fmt, output, render_check_text, quiet=quiet, verbose=verbose)
