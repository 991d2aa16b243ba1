"""The one choice between the two ways to re-record: replay the requests, or run the test suite.

`refresh` and `check` both ask here, so the rules of `--via pytest` (which flags it
takes, what a target means to it) are written once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from cassettes_tool.config import Config, Target, TargetFlags
from cassettes_tool.errors import ConfigError
from cassettes_tool.model.manifest import Progress, RunManifest
from cassettes_tool.refresh.suite_log import SuiteOptions


def suite_options(via: str, target: TargetFlags, pytest_args: tuple[str, ...]) -> SuiteOptions | None:
    """`--via pytest` and its arguments; None for a replay. Raises ConfigError (exit 2) for
    flags that only shape a replay's requests, which the tests send on their own."""
    if via != "pytest":
        if pytest_args:
            raise ConfigError("arguments after -- go to pytest: add --via pytest")
        return None
    if target.headers or target.methods or target.concurrency is not None or target.timeout is not None:
        raise ConfigError(
            "--header, --allow-method, --concurrency and --timeout shape the requests a replay sends: "
            "with --via pytest the tests send their own"
        )
    return SuiteOptions(pytest_args)


def rerecord(
    files: Sequence[Path],
    config: Config,
    target: Target | None,
    suite: SuiteOptions | None,
    *,
    scratch: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    output: Callable[[str], None] | None = None,
) -> RunManifest:
    """A new scratch run: through the suite when `suite` is given (`target` then only maps
    hosts back), else by replay against `target`. Each route imports only what it uses."""
    if suite is not None:
        from cassettes_tool.refresh import suite as via_pytest

        return via_pytest.refresh(files, config, target, suite, scratch=scratch, output=output)
    if target is None:
        raise ConfigError("a replay needs a target: --target NAME or --map HOST=BASE_URL")
    from cassettes_tool.refresh import replay

    return replay.refresh(files, config, target, scratch=scratch, progress=progress)
