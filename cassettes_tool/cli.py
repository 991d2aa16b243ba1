"""The `cassettes` command: options in, one call of a command, its report rendered, exit with its verdict.

The only module that knows click, stdout/stderr and exit codes, and the one error
handler: our errors are one line and the exit code they name, anything unexpected is
one line and exit 3 (the traceback with --verbose), Ctrl-C is 130.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from cassettes_tool import __version__, config
from cassettes_tool.errors import CassettesError, ExitCode
from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import Report
from cassettes_tool.report.common import Format
from cassettes_tool.words import display_path

if TYPE_CHECKING:
    from cassettes_tool.model.manifest import Progress
    from cassettes_tool.refresh.suite_log import SuiteOptions

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


fail_on_option = click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity if s is not Severity.VOLATILE]),
    default=None,
    help="Exit 1 on drift at or above this severity (default: the config's fail_on, else breaking).",
)

paths_argument = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[PATH]..."
)


def _pairs(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """`NAME=VALUE` flags as pairs; the value may itself hold `=`."""
    pairs = []
    for value in values:
        name, eq, rest = value.partition("=")
        if not eq or not name.strip() or not rest:
            raise click.BadParameter(f"{value!r} is not of the form {param.metavar}", ctx, param)
        pairs.append((name.strip(), rest))
    return tuple(pairs)


def target_options(fn: F) -> F:
    """The target options of refresh and check, defined once and handed over as one `target`."""
    decorators = [
        click.option("--target", "target_name", metavar="NAME", help="A target of [tool.cassettes.targets]."),
        click.option(
            "--map",
            "maps",
            multiple=True,
            metavar="HOST=BASE_URL",
            callback=_pairs,
            help="Send what was recorded for HOST to BASE_URL (a path prefix is kept). Repeatable.",
        ),
        click.option(
            "--header",
            "headers",
            multiple=True,
            metavar="NAME=VALUE",
            callback=_pairs,
            help="Send this header (replacing a recorded one); VALUE may be env:VAR. Repeatable.",
        ),
        click.option(
            "--allow-method",
            "methods",
            multiple=True,
            metavar="METHOD",
            help="Also replay METHOD (default: GET, HEAD, OPTIONS). Repeatable.",
        ),
        click.option(
            "--concurrency", type=click.IntRange(min=1), help="Cassettes at once, connections per host."
        ),
        click.option(
            "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per connect or read."
        ),
    ]

    @functools.wraps(fn)
    def with_target(
        *args: Any,
        target_name: str | None,
        maps: tuple[tuple[str, str], ...],
        headers: tuple[tuple[str, str], ...],
        methods: tuple[str, ...],
        concurrency: int | None,
        timeout: float | None,
        **kwargs: Any,
    ) -> Any:
        flags = config.TargetFlags(target_name, maps, headers, methods, concurrency, timeout)
        return fn(*args, target=flags, **kwargs)

    wrapped: Any = with_target
    for decorator in reversed(decorators):
        wrapped = decorator(wrapped)
    return cast(F, wrapped)


via_option = click.option(
    "--via",
    type=click.Choice(["replay", "pytest"]),
    default="replay",
    show_default=True,
    help="replay: send the recorded requests again. pytest: run the test suite (`python -m pytest`, "
    "in this folder, arguments after -- passed on) with vcrpy recording into the scratch run.",
)


class PassThroughCommand(click.Command):
    """A command whose arguments after `--` go to pytest (`pytest_args`) instead of being PATHs."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        passed: list[str] = []
        if "--" in args:
            cut = args.index("--")
            args, passed = args[:cut], args[cut + 1 :]
        rest = super().parse_args(ctx, args)
        ctx.params["pytest_args"] = tuple(passed)
        return rest

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [*super().collect_usage_pieces(ctx), "[-- PYTEST_ARGS]..."]


def _suite(via: str, target: config.TargetFlags, pytest_args: tuple[str, ...]) -> SuiteOptions | None:
    from cassettes_tool.refresh.route import suite_options

    try:
        return suite_options(via, target, pytest_args)
    except CassettesError as exc:
        raise click.UsageError(str(exc)) from None


def _pytest_output(quiet: bool) -> Callable[[str], None] | None:
    """pytest's output on stderr as it comes (stdout is the report's); none with --quiet."""
    if quiet:
        return None
    return lambda line: click.echo(line, err=True, nl=False)


def _verbose_asked(args: Iterable[str]) -> bool:
    return any(arg in ("--verbose", "-v") for arg in args)


class CassettesGroup(click.Group):
    """The one error handler (pre-commit's shape): our errors are one line and the exit code
    they name; anything else is one line and exit 3, with the traceback under --verbose."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CassettesError as exc:
            click.echo(f"cassettes: error: {exc}", err=True)
            ctx.exit(int(exc.exit_code))
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _verbose_asked(sys.argv[1:]) or _verbose_asked([*ctx.protected_args, *ctx.args]):
                click.echo(traceback.format_exc().rstrip(), err=True)
            click.echo(
                f"cassettes: internal error: {type(exc).__name__}: {exc} (--verbose shows where)", err=True
            )
            ctx.exit(int(ExitCode.INCOMPLETE))


@click.group(cls=CassettesGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cassettes")
def cli() -> None:
    """Keep vcrpy cassettes honest: find them, lint them, re-record them against staging
    into a scratch area, diff old against new by meaning, and gate releases on it."""


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
    from cassettes_tool.commands import scan as command
    from cassettes_tool.report.tables import render_scan_text

    settings = config.load(config_file)
    result = command.run(settings.cassette_paths(paths), settings)
    _emit(result, fmt, output, render_scan_text, quiet=quiet, verbose=verbose)


def _codes(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """`S,C008,jwt` as a tuple; None when the flag was not given (the config's list holds)."""
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


@cli.command(name="lint")
@paths_argument
@click.option(
    "--select", metavar="CODE,...", callback=_codes, help="Only these codes, prefixes (S) or kinds."
)
@click.option("--ignore", metavar="CODE,...", callback=_codes, help="Not these codes, prefixes or kinds.")
@click.option(
    "--fix", "fix_it", is_flag=True, help="Mask the credentials found in place (exit 1 if a file changed)."
)
@common_options
def lint_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...] | None,
    ignore: tuple[str, ...] | None,
    fix_it: bool,
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
    from cassettes_tool.commands import lint as command
    from cassettes_tool.report.tables import render_lint_text

    settings = config.load(config_file)
    result = command.run(
        settings.cassette_paths(paths), settings, select=select, ignore=ignore, fix_it=fix_it
    )
    _emit(result, fmt, output, render_lint_text, quiet=quiet, verbose=verbose)


@cli.command(name="age")
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
    _emit(result, fmt, output, render_age_text, quiet=quiet, verbose=verbose)


@cli.command(cls=PassThroughCommand)
@paths_argument
@target_options
@via_option
@click.option("--offline", is_flag=True, help="Lint and age only: do not re-record, even with a target.")
@fail_on_option
@click.option(
    "--max-age", type=click.FloatRange(min=0), default=None, help="Fail on cassettes frozen longer than DAYS."
)
@click.option(
    "--shard", default=None, metavar="K/N", help="Check only the K-th of N slices of the cassettes (by path)."
)
@click.option(
    "--scratch",
    type=click.Path(file_okay=False, path_type=Path),
    help="Scratch area for the run (default: the config's `scratch`, .cassettes/scratch).",
)
@common_options
def check(
    paths: tuple[Path, ...],
    target: config.TargetFlags,
    via: str,
    pytest_args: tuple[str, ...],
    offline: bool,
    fail_on: str | None,
    max_age: float | None,
    shard: str | None,
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
    test makes the check incomplete.
    """
    from cassettes_tool.commands import check as command
    from cassettes_tool.report.text import render_check_text

    suite = _suite(via, target, pytest_args)
    settings = config.load(config_file)
    options = command.GateOptions(
        fail_on=Severity(fail_on or settings.fail_on),
        max_age=max_age if max_age is not None else settings.max_age,
        shard=command.Shard.parse(shard) if shard else None,
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
        output=_pytest_output(quiet),
    )
    _emit(result, fmt, output, render_check_text, quiet=quiet, verbose=verbose)


@cli.command()
@common_options
def demo(config_file: Path | None, fmt: str, output: Path | None, quiet: bool, verbose: bool) -> None:
    """Run `check` on the bundled sample cassettes against an embedded staging server that has drifted."""
    from cassettes_tool.commands import demo as command
    from cassettes_tool.report.text import render_check_text

    if not quiet and fmt == Format.TEXT.value:
        click.echo(
            "Starting the demo staging services (v2) on 127.0.0.1 and re-recording the samples...", err=True
        )
    demo_run = command.run()
    guide = command.guide(demo_run) if fmt == Format.TEXT.value and output is None and not quiet else []
    # The drift is the demonstration: finding it is success (the quick start must exit 0);
    # a demo that could not check its samples exits as check would.
    found_drift = demo_run.report.verdict is ExitCode.FINDINGS
    _emit(
        demo_run.report,
        fmt,
        output,
        render_check_text,
        quiet=quiet,
        verbose=verbose,
        epilogue=guide,
        exit_code=ExitCode.OK if found_drift else None,
    )


@cli.group(name="report")
def report_group() -> None:
    """Work with JSON reports: merge the reports of `--shard K/N` runs."""


@report_group.command(name="merge")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@common_options
def report_merge(
    files: tuple[Path, ...],
    config_file: Path | None,
    fmt: str,
    output: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Merge the JSON reports of sharded runs into one, in any format, with the gate's exit code."""
    from cassettes_tool.commands import merge as command

    merged = command.run(files)
    _emit(merged, fmt, output, _text_renderer(merged.command), quiet=quiet, verbose=verbose)


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


@cli.command(name="show")
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

    lines = command.run(file, interaction=interaction, textconv=textconv, config_file=config_file)
    # Bytes, not click.echo: git reads them whatever the locale, and JSON keeps its non-ASCII text.
    out = sys.stdout.buffer
    out.write(("\n".join(lines) + "\n").encode("utf-8", errors="backslashreplace"))
    out.flush()


@cli.command(name="diff")
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

    Changes are classed breaking, additive, value or volatile (SPEC.md); volatile
    ones (timestamps, ids, Date headers...) are hidden unless --show-volatile.
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
    _emit(result, fmt, output, render_drift_text, quiet=quiet, verbose=verbose)


@cli.command(cls=PassThroughCommand)
@paths_argument
@target_options
@via_option
@click.option(
    "--scratch",
    type=click.Path(file_okay=False, path_type=Path),
    help="Scratch area for the run (default: the config's `scratch`, .cassettes/scratch).",
)
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
    if not applying and (only or from_run):
        raise click.UsageError("--only and --from-run go with --apply or --commit")
    if not commit and (branch or no_branch):
        raise click.UsageError("--branch and --no-branch go with --commit")
    if branch and no_branch:
        raise click.UsageError("give --branch NAME or --no-branch, not both")
    if from_run is not None and (paths or target.given):
        raise click.UsageError("--from-run applies a run already made: PATH and target options are not used")
    suite = _suite(via, target, pytest_args)
    if from_run is not None and suite is not None:
        raise click.UsageError("--from-run applies a run already made: --via pytest is not used")
    settings = config.load(config_file)
    apply_options = None
    if applying:
        apply_options = apply.ApplyOptions(
            only=Severity(only or Severity.VALUE.value),
            commit=apply.commit_options(branch, current_branch=no_branch) if commit else None,
        )
    options = command.RefreshOptions(
        target=target, suite=suite, scratch=scratch, apply=apply_options, from_run=from_run
    )
    progress = None if quiet or suite is not None or from_run is not None else _progress()
    result = command.run(paths, settings, options, progress=progress, output=_pytest_output(quiet))
    _emit(
        result,
        fmt,
        output,
        render_apply_text if applying else render_refresh_text,
        quiet=quiet,
        verbose=verbose,
    )


@cli.command(name="unused", cls=PassThroughCommand)
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
        settings.cassette_paths(paths), settings, SuiteOptions(pytest_args), output=_pytest_output(quiet)
    )
    _emit(result, fmt, output, render_unused_text, quiet=quiet, verbose=verbose)


def _progress() -> Callable[[Progress], None]:
    """A bar on a terminal's stderr, redrawn at most ten times a second; else a line per cassette."""
    last = 0.0

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
        if update.finished is not None:
            run = update.finished
            reason = f": {run.reason}" if run.reason else ""
            path = display_path(update.root / run.path)
            click.echo(
                f"[{update.cassettes_done}/{update.cassettes}] {run.outcome.value} {path}{reason}", err=True
            )

    return bar if sys.stderr.isatty() else lines


def _emit(
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
    """Render once, write to `output` or stdout, exit with the report's verdict. Colour is
    decided here, once, for every text renderer: a terminal, not NO_COLOR, not a file."""
    from cassettes_tool.report import render

    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    rendered = render(result, Format(fmt), text, quiet=quiet, verbose=verbose, color=color)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        click.echo(rendered, nl=False)
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
