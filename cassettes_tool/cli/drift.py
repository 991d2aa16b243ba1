"""Commands that compare with staging or with history: check, refresh, diff, demo."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cassettes_tool import config
from cassettes_tool.errors import ExitCode
from cassettes_tool.model.change import Severity
from cassettes_tool.report.common import Format
from cassettes_tool.words import plural

if TYPE_CHECKING:
    from cassettes_tool.model.manifest import Progress

from cassettes_tool.cli.app import emit
from cassettes_tool.cli.options import (
    PassThroughCommand,
    common_options,
    fail_on_option,
    gate_history,
    history_options,
    lint_code_options,
    paths_argument,
    pytest_output,
    scratch_option,
    spec_options,
    suite_or_replay,
    target_options,
    via_option,
)


@click.command(cls=PassThroughCommand)
@paths_argument
@target_options
@via_option
@click.option("--offline", is_flag=True, help="Lint and age only: do not re-record, even with a target.")
@spec_options
@fail_on_option
@click.option(
    "--max-age",
    type=click.FloatRange(min=0),
    default=None,
    metavar="DAYS",
    help="Fail on cassettes frozen longer than DAYS.",
)
@click.option(
    "--shard", default=None, metavar="K/N", help="Check only the K-th of N slices of the cassettes (by path)."
)
@history_options
@lint_code_options
@scratch_option
@common_options
def check(
    paths: tuple[Path, ...],
    target: config.TargetFlags,
    via: str,
    pytest_args: tuple[str, ...],
    offline: bool,
    specs: tuple[str, ...],
    spec_cache: Path | None,
    fail_on: str | None,
    max_age: float | None,
    shard: str | None,
    history: Path | None,
    history_keep: float | None,
    fail_on_drifting: float | None,
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    scratch: Path | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """The release gate: lint and age offline; with a target, also re-record into scratch and diff.

    Exit 0 pass, 1 drift at or above --fail-on / older than --max-age / lint problems,
    2 usage, 3 incomplete. The scratch run stays: `cassettes diff --scratch` and
    `cassettes refresh --apply --from-run latest` use it without asking staging again.
    With --via pytest the test suite re-records (a target is then optional); a failed
    test makes the check incomplete. With --history FILE every drift change says since
    when it has been drifting, and --fail-on-drifting DAYS fails only on older drift.
    """
    from cassettes_tool.cli.spec import spec_checker
    from cassettes_tool.commands import check as command
    from cassettes_tool.report.text import render_check_text

    suite = suite_or_replay(via, target, pytest_args)
    settings = config.load(config_file)
    options = command.GateOptions(
        fail_on=Severity(fail_on or settings.fail_on),
        max_age=max_age if max_age is not None else settings.max_age,
        shard=command.Shard.parse(shard) if shard else None,
        spec=spec_checker(settings, specs, spec_cache, required=False),
        **gate_history(settings, history, history_keep, fail_on_drifting),
        select=select,
        ignore=ignore,
    )
    chosen = None if offline or not target.given else config.resolve_target(settings, target)
    result = command.run(
        settings.cassette_paths(paths),
        settings,
        options,
        target=chosen,
        scratch=scratch,
        progress=None if quiet or chosen is None else _progress(),
        suite=None if offline else suite,
        output=pytest_output(quiet),
    )
    emit(result, fmt, output, render_check_text, quiet=quiet, verbose=verbose)


@click.command()
@click.option(
    "--watch",
    is_flag=True,
    help="Run the check three times, a simulated week apart, against a staging that drifts a "
    "little more each week, with a drift history: the report is sorted by drifting since.",
)
@common_options
def demo(
    watch: bool, config_file: Path | None, fmt: str, output: Path | None, quiet: bool, verbose: bool
) -> None:
    """Run `check` on the bundled sample cassettes against an embedded staging server that has drifted."""
    from cassettes_tool.commands import demo as command
    from cassettes_tool.report.text import render_check_text

    if not quiet and fmt == Format.TEXT.value:
        what = "three weekly checks with a history" if watch else "re-recording the samples"
        click.echo(f"Starting the demo staging services on 127.0.0.1 and {what}...", err=True)
    demo_run = command.watch() if watch else command.run()
    guide = command.guide(demo_run) if fmt == Format.TEXT.value and output is None and not quiet else []
    # The drift is the demonstration: finding it is success (the quick start must exit 0);
    # a demo that could not check its samples exits as check would.
    found_drift = demo_run.report.verdict is ExitCode.FINDINGS
    emit(
        demo_run.report,
        fmt,
        output,
        render_check_text,
        quiet=quiet,
        verbose=verbose,
        epilogue=guide,
        exit_code=ExitCode.OK if found_drift else None,
    )


@click.command(name="diff")
@click.argument("old", required=False, type=click.Path(exists=True, path_type=Path))
@click.argument("new", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--scratch",
    "scratch_run",
    is_flag=False,
    flag_value="latest",
    default=None,
    metavar="[RUN]",
    help="Compare a refresh run's copies with the originals (the latest run when RUN is not given).",
)
@click.option(
    "--git",
    "rev_range",
    metavar="A..B",
    help="Compare the cassettes a commit range changed, as in A against as in B (REV alone: REV~1..REV). "
    "Read from git objects: the working tree and the index are not touched.",
)
@click.option(
    "--show-volatile", is_flag=True, help="Also show changes that are not drift (timestamps, ids...)."
)
@fail_on_option
@common_options
def diff_command(
    old: Path | None,
    new: Path | None,
    scratch_run: str | None,
    rev_range: str | None,
    show_volatile: bool,
    fail_on: str | None,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """What changed between two cassettes (or two folders of them), by meaning.

    Changes are classed breaking, additive, value or volatile; volatile ones
    (timestamps, ids, Date headers...) are hidden unless --show-volatile. What each
    severity and change kind means: docs/report-schema.md, "Changes", in the
    cassettes-tool repository (also in its source distribution).
    """
    from cassettes_tool.commands import diff as command
    from cassettes_tool.report.text import render_drift_text

    if rev_range is not None and (old is not None or scratch_run is not None):
        raise click.UsageError("give one of OLD NEW, --scratch or --git, not several")
    if scratch_run is not None and old is not None:
        raise click.UsageError("give either OLD NEW or --scratch, not both")
    if rev_range is None and scratch_run is None and (old is None or new is None):
        raise click.UsageError("give OLD and NEW, --scratch [RUN] or --git A..B")
    settings = config.load(config_file)
    result = command.run(
        settings,
        old=old,
        new=new,
        scratch_run=scratch_run,
        rev_range=rev_range,
        fail_on=Severity(fail_on or settings.fail_on),
        show_volatile=show_volatile,
    )
    emit(result, fmt, output, render_drift_text, quiet=quiet, verbose=verbose)


@click.command(cls=PassThroughCommand)
@paths_argument
@target_options
@via_option
@scratch_option
@click.option(
    "--apply", "apply_run", is_flag=True, help="Write the drifted cassettes back over the originals."
)
@click.option(
    "--only",
    type=click.Choice([s.value for s in Severity if s is not Severity.VOLATILE]),
    default=None,
    help="With --apply: only cassettes with a change of this severity or above (default: any drift).",
)
@click.option(
    "--from-run",
    metavar="RUN",
    help="With --apply: apply an earlier run (`latest`, e.g. the one `check` made); nothing is re-recorded.",
)
@click.option(
    "--commit",
    is_flag=True,
    help="--apply, then commit the written cassettes on a new branch (never pushed).",
)
@click.option(
    "--branch", metavar="NAME", help="With --commit: the new branch (default: cassettes/refresh-DATE-TIME)."
)
@click.option("--no-branch", is_flag=True, help="With --commit: commit on the current branch.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Keep the N newest runs in the scratch area once this one is written, and the one "
    "LATEST names; older runs cassettes made are removed (default: the config's keep_runs, else 5).",
)
@click.option(
    "--accept-errors",
    is_flag=True,
    help="With --apply: also write copies whose answers became 4xx/5xx (withheld otherwise).",
)
@common_options
def refresh(
    paths: tuple[Path, ...],
    target: config.TargetFlags,
    via: str,
    pytest_args: tuple[str, ...],
    scratch: Path | None,
    apply_run: bool,
    only: str | None,
    from_run: str | None,
    commit: bool,
    branch: str | None,
    no_branch: bool,
    keep: int | None,
    accept_errors: bool,
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Re-record cassettes against a staging target into a scratch run; originals stay untouched.

    Only mapped hosts are contacted and only GET, HEAD and OPTIONS are sent unless
    --allow-method says more. Exit 3 when an interaction could not be refreshed.
    --apply writes the drifted ones back (atomically, after a last secret scan);
    --commit also commits them, and refuses, changing nothing, over staged changes,
    an existing branch or a merge or rebase in progress.

    --via pytest re-records through the test suite instead, for flows replay cannot
    repeat (a token from a login): `cassettes refresh --via pytest --map HOST=STAGING_URL
    -- -k auth`, with the tests pointed at staging by their own settings. The map,
    when given, writes what they send to staging under the recorded host.
    """
    from cassettes_tool import apply
    from cassettes_tool.commands import refresh as command
    from cassettes_tool.report.tables import render_refresh_text
    from cassettes_tool.report.text import render_apply_text

    applying = apply_run or commit
    _refresh_usage(applying, commit, only, from_run, branch, no_branch, bool(paths) or target.given)
    if not applying and accept_errors:
        raise click.UsageError("--accept-errors goes with --apply or --commit")
    suite = suite_or_replay(via, target, pytest_args)
    if from_run is not None and suite is not None:
        raise click.UsageError("--from-run applies a run already made: --via pytest is not used")
    settings = config.load(config_file)
    apply_options = None
    if applying:
        apply_options = apply.ApplyOptions(
            only=Severity(only or Severity.VALUE.value),
            commit=apply.commit_options(branch, current_branch=no_branch) if commit else None,
            accept_errors=accept_errors,
        )
    options = command.RefreshOptions(
        target=target,
        suite=suite,
        scratch=scratch,
        apply=apply_options,
        from_run=from_run,
        keep=keep if keep is not None else settings.keep_runs,
    )
    progress = None if quiet or suite is not None or from_run is not None else _progress()
    result = command.run(paths, settings, options, progress=progress, output=pytest_output(quiet))
    emit(
        result,
        fmt,
        output,
        render_apply_text if applying else render_refresh_text,
        quiet=quiet,
        verbose=verbose,
    )


def _refresh_usage(
    applying: bool,
    commit: bool,
    only: str | None,
    from_run: str | None,
    branch: str | None,
    no_branch: bool,
    chose_cassettes: bool,
) -> None:
    """The refresh flags that only make sense together."""
    if not applying and (only or from_run):
        raise click.UsageError("--only and --from-run go with --apply or --commit")
    if not commit and (branch or no_branch):
        raise click.UsageError("--branch and --no-branch go with --commit")
    if branch and no_branch:
        raise click.UsageError("give --branch NAME or --no-branch, not both")
    if from_run is not None and chose_cassettes:
        raise click.UsageError("--from-run applies a run already made: PATH and target options are not used")


#: seconds between two progress lines when stderr is a pipe (a CI log), not a terminal
PIPE_PROGRESS_EVERY = 5.0


def _progress() -> Callable[[Progress], None]:
    """A bar on a terminal's stderr, redrawn at most ten times a second; in a pipe, a line
    every few seconds and one at the end, so a CI log is not a line per cassette."""
    last = 0.0
    started = printed = time.monotonic()

    def bar(update: Progress) -> None:
        nonlocal last
        now = time.monotonic()
        finished = update.cassettes_done == update.cassettes
        if now - last < 0.1 and not finished:
            return
        last = now
        filled = 24 * update.cassettes_done // max(update.cassettes, 1)
        errors = f"  {update.errors} errors" if update.errors else ""
        click.echo(
            f"\r[{'#' * filled}{'.' * (24 - filled)}] {update.cassettes_done}/{update.cassettes} cassettes"
            f"  {update.interactions_done} interactions{errors}",
            err=True,
            nl=finished,
        )

    def lines(update: Progress) -> None:
        nonlocal printed
        now = time.monotonic()
        finished = update.finished is not None and update.cassettes_done == update.cassettes
        if now - printed < PIPE_PROGRESS_EVERY and not finished:
            return
        printed = now
        errors = f", {plural(update.errors, 'error')}" if update.errors else ""
        click.echo(
            f"refresh: {update.cassettes_done}/{update.cassettes} cassettes, "
            f"{plural(update.interactions_done, 'interaction')}{errors} ({now - started:.0f} s)",
            err=True,
        )

    return bar if sys.stderr.isatty() else lines
