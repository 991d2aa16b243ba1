"""Options several commands take, defined once and stacked as decorators (as pip-tools does)."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from cassettes_tool import config
from cassettes_tool.errors import CassettesError
from cassettes_tool.model.change import Severity
from cassettes_tool.report.common import Format

if TYPE_CHECKING:
    from cassettes_tool.refresh.suite_log import SuiteOptions


F = TypeVar("F", bound=Callable[..., Any])


def _remember_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    """The error handler reads it from the shared `meta`: --verbose adds the traceback."""
    ctx.meta["cassettes.verbose"] = value
    return value


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
            callback=_writable_output,
            help="Write the report to FILE instead of standard output.",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print only the report."),
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            callback=_remember_verbose,
            help="Also print notes on skipped files.",
        ),
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
            "--concurrency",
            type=click.IntRange(min=1),
            metavar="N",
            help="Cassettes at once, connections per host.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            help="Seconds per request, start to end.",
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


#: where refresh and check write their run (the same option for both)
scratch_option = click.option(
    "--scratch",
    type=click.Path(file_okay=False, path_type=Path),
    help="Scratch area for the run (default: the config's `scratch`, .cassettes/scratch).",
)

#: scan and lint: results of unchanged cassettes come from `<scratch>/cache/` unless this is given
no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Read every cassette again; the cache in the scratch folder is neither read nor written.",
)

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


def suite_or_replay(
    via: str, target: config.TargetFlags, pytest_args: tuple[str, ...]
) -> SuiteOptions | None:
    from cassettes_tool.refresh.route import suite_options

    try:
        return suite_options(via, target, pytest_args)
    except CassettesError as exc:
        raise click.UsageError(str(exc)) from None


def pytest_output(quiet: bool) -> Callable[[str], None] | None:
    """pytest's output on stderr as it comes (stdout is the report's); none with --quiet."""
    if quiet:
        return None
    return lambda line: click.echo(line, err=True, nl=False)


def _writable_output(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """`--output` is tried before any work (a refresh, a commit): its folder must exist and
    take a new file, or the run would be done for a report that cannot be written."""
    if value is None:
        return None
    folder = value.parent if str(value.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(f"{value}: the folder {folder} does not exist", ctx, param)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{value.name}.", suffix=".tmp"):
            pass
    except OSError as exc:
        raise click.BadParameter(
            f"{value}: cannot write in {folder}: {exc.strerror or exc}", ctx, param
        ) from None
    return value


def spec_options(fn: F) -> F:
    """`--spec HOST[/BASE]=FILE|URL` (repeatable) and `--spec-cache DIR`, for spec-check and check."""
    fn = click.option(
        "--spec-cache",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Keep OpenAPI documents fetched from URLs here, and read them from here next time (CI).",
    )(fn)
    return click.option(
        "--spec",
        "specs",
        multiple=True,
        metavar="HOST=FILE",
        help="Check against this OpenAPI document (a file, or an https:// URL fetched because you named "
        "it); HOST may carry the API's base path (api.example.com/v1). Repeatable.",
    )(fn)


def history_options(fn: F) -> F:
    """`check`'s drift history: where it lives, how far back it reaches, and the grace period."""
    decorators = [
        click.option(
            "--history",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Remember each run's drift in FILE (one JSON line per run): every change then "
            "says since when it has been drifting (default: the config's `history`).",
        ),
        click.option(
            "--history-keep",
            type=click.FloatRange(min=1),
            default=None,
            metavar="DAYS",
            help="Forget runs older than DAYS when writing the history (default 180).",
        ),
        click.option(
            "--fail-on-drifting",
            type=click.FloatRange(min=0),
            default=None,
            metavar="DAYS",
            help="Fail only on drift that has lasted longer than DAYS (needs a history).",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def gate_history(
    settings: config.Config, history: Path | None, keep: float | None, fail_on_drifting: float | None
) -> dict[str, Any]:
    """The history settings of `check.GateOptions`: flags over `[tool.cassettes]`."""
    path = history or settings.history
    grace = fail_on_drifting if fail_on_drifting is not None else settings.fail_on_drifting
    if grace is not None and path is None:
        raise click.UsageError("--fail-on-drifting needs a history: give --history FILE or set `history`")
    return {
        "history": path,
        "history_keep": keep if keep is not None else settings.history_keep,
        "fail_on_drifting": grace,
    }


def _codes(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """`S,C008,jwt` as a tuple; None when the flag was not given (the config's list holds)."""
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def lint_code_options(fn: F) -> F:
    """`--select` / `--ignore` of lint and check: they replace [tool.cassettes.lint]'s lists."""
    fn = click.option(
        "--ignore", metavar="CODE,...", callback=_codes, help="Not these lint codes, prefixes or kinds."
    )(fn)
    return click.option(
        "--select", metavar="CODE,...", callback=_codes, help="Only these lint codes, prefixes (S) or kinds."
    )(fn)
