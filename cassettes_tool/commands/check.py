"""`check`: the release gate. Lint and age offline; with a target (or through the test
suite, `--via pytest`), also refresh and diff.

Combines the stages into one result per cassette and lets the report decide the
verdict: drift at or above `--fail-on`, a cassette older than `--max-age` or a lint
problem fails (1); something that could not be checked makes it incomplete (3).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from cassettes_tool import cassette
from cassettes_tool.cassette import check_serializer, custom_serializer, unsearched
from cassettes_tool.commands.pairs import pairs_of_run
from cassettes_tool.config import Config, Target
from cassettes_tool.diff.results import report_of
from cassettes_tool.errors import ConfigError
from cassettes_tool.git.ages import file_ages
from cassettes_tool.lint import checks as lint_checks
from cassettes_tool.lint.codes import lint_rules
from cassettes_tool.model.change import Severity
from cassettes_tool.model.manifest import Outcome
from cassettes_tool.model.result import CassetteResult, Report, RunInfo, ShardInfo, Status
from cassettes_tool.refresh.route import rerecord
from cassettes_tool.secrets.masker import remember_target
from cassettes_tool.words import display_path

if TYPE_CHECKING:
    from cassettes_tool.model.manifest import Progress, RunManifest
    from cassettes_tool.refresh.suite_log import SuiteOptions
    from cassettes_tool.spec import SpecChecker


@dataclass(frozen=True, slots=True)
class Shard:
    """`--shard K/N`: the K-th of N disjoint slices of the cassettes, chosen by path."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            k, n = (int(part) for part in text.split("/"))
        except ValueError:
            raise ConfigError(f"--shard {text!r}: expected K/N, e.g. 1/4") from None
        if not 1 <= k <= n:
            raise ConfigError(f"--shard {text!r}: K must be between 1 and N")
        return cls(k, n)

    def holds(self, path: Path) -> bool:
        """By a hash of the path as written from the cwd: the same on every CI runner, and a
        new cassette does not move the others between shards."""
        return zlib.crc32(path.as_posix().encode("utf-8")) % self.count == self.index - 1

    def info(self, paths: Sequence[Path]) -> ShardInfo:
        """What the report records: K/N and the selection it is a slice of."""
        return ShardInfo(self.index, self.count, tuple(sorted(display_path(p) for p in paths)))


def select(files: Sequence[Path], shard: Shard | None) -> list[Path]:
    return [f for f in files if shard is None or shard.holds(f)]


@dataclass(frozen=True, slots=True)
class GateOptions:
    fail_on: Severity = Severity.BREAKING
    max_age: float | None = None
    shard: Shard | None = None
    #: `--spec` / `[tool.cassettes.specs]`: also check against the providers' OpenAPI documents
    spec: SpecChecker | None = None
    #: `--history FILE`: remember what this run saw; every drift change says since when
    history: Path | None = None
    history_keep: float = 180.0
    #: `--fail-on-drifting DAYS`: a grace period for drift, not a hiding place
    fail_on_drifting: float | None = None
    #: when this run happens (the demo's simulated weeks); now when None
    now: datetime | None = None
    #: `--select` / `--ignore`: the lint codes, in place of [tool.cassettes.lint]'s lists when given
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None


def run(
    paths: tuple[Path, ...],
    config: Config,
    options: GateOptions,
    *,
    target: Target | None = None,
    scratch: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    suite: SuiteOptions | None = None,
    output: Callable[[str], None] | None = None,
) -> Report:
    """`suite` re-records through the test suite (`target`, then optional, maps hosts back);
    `output` gets its output."""
    check_serializer(config)
    rules = lint_rules(config, options.select, options.ignore)
    if target is not None:
        remember_target(target)  # the masker never shows the target's own credentials
    found = cassette.discover(paths, cassette.excluder(config))
    # only cassettes are checked and aged: the same content test as `scan` and `age`
    files = select(cassette.cassette_files(found.files, config.serializer), options.shard)
    linted = cassette.map_files(
        partial(
            lint_checks.check_file,
            serializer=config.serializer,
            headers=config.redact.headers,
            fields=config.redact.query,
            rules=rules,
            root=config.root,
        ),
        files,
    )
    ages = file_ages(files, custom=custom_serializer(config.serializer))
    results = {r.path: replace(r, age=ages.ages.get(r.path)) for r in linted}
    notes = found.notes + ages.notes
    if not found.files:
        searched = ", ".join(str(p) for p in paths)
        notes += ((Path(searched), "no cassette found here: set `paths` in [tool.cassettes] or give PATH"),)
    run_info = None
    interrupted = False
    target_name = target.name if target else None
    if (target is not None or suite is not None) and files:
        manifest = rerecord(files, config, target, suite, scratch=scratch, progress=progress, output=output)
        target_name = manifest.target
        run_info = RunInfo(manifest.run_id, manifest.folder, manifest.complete)
        interrupted = manifest.interrupted
        drift = report_of(pairs_of_run(manifest, config), config, fail_on=options.fail_on)
        by_path = {Path(_key(r.path)): r for r in drift.cassettes}
        results = {path: _combine(result, by_path.get(Path(_key(path)))) for path, result in results.items()}
        results = _unsent(results, manifest)
        if suite is not None:
            results = _suite_errors(results, manifest)
    if options.spec is not None:
        from cassettes_tool.commands.spec import with_spec

        results = {path: with_spec(result, config, options.spec) for path, result in results.items()}
    final = [_stale(r, options.max_age) for r in results.values()]
    final += [lint_checks.failed(exc) for exc in unsearched(found)]
    report = Report(
        command="check",
        cassettes=tuple(sorted(final, key=lambda r: str(r.path))),
        notes=notes,
        target=target_name,
        fail_on=options.fail_on,
        max_age=options.max_age,
        run=run_info,
        interrupted=interrupted,
        shard=options.shard.info(paths) if options.shard else None,
        fail_on_drifting=options.fail_on_drifting,
    )
    if options.history is not None and (run_info is not None or options.spec is not None):
        from cassettes_tool import history
        from cassettes_tool.model.age import utc_now

        now = options.now or utc_now()
        report = history.record(report, options.history, now=now, keep_days=options.history_keep)
    elif options.history is not None:
        report = replace(
            report, notes=(*report.notes, (options.history, "history not updated: nothing compared"))
        )
    return report


def _key(path: Path) -> str:
    return str(path.resolve())


def _suite_errors(results: dict[Path, CassetteResult], manifest: RunManifest) -> dict[Path, CassetteResult]:
    """What went wrong in a test-suite run (a failed test, a request past the map) over the
    diff of the cassette it concerns, and a failed test that recorded none as its own entry:
    the diff of a copy alone would not say that its test failed."""
    by_key = {_key(path): path for path in results}
    merged = dict(results)
    for run in manifest.cassettes:
        if run.outcome is not Outcome.ERROR:
            continue
        original = manifest.original(run)
        path = by_key.get(_key(original), original)
        known = merged.get(path, CassetteResult(path=original, status=Status.ERROR))
        merged[path] = replace(known, status=Status.ERROR, error=run.reason)
    return merged


def _unsent(results: dict[Path, CassetteResult], manifest: RunManifest) -> dict[Path, CassetteResult]:
    """Cassettes nothing of which was sent, not by choice (a mistyped map): never a pass."""
    unsent = {_key(manifest.original(run)) for run in manifest.cassettes if run.unchecked}
    return {
        path: replace(result, unchecked=True) if _key(path) in unsent else result
        for path, result in results.items()
    }


def _combine(linted: CassetteResult, drift: CassetteResult | None) -> CassetteResult:
    """Lint's problems and age, with the refresh's interactions and verdict."""
    if drift is None or linted.status in (Status.ERROR, Status.SKIPPED):
        return linted
    return replace(
        linted,
        status=drift.status,
        error=drift.error if drift.status in (Status.ERROR, Status.SKIPPED) else linted.error,
        interactions=drift.interactions,
    )


def _stale(result: CassetteResult, max_age: float | None) -> CassetteResult:
    """A cassette older than `max_age` is stale, unless something weightier is to be said of it."""
    if max_age is None or result.age is None or result.age.days is None or result.age.days <= max_age:
        return result
    if result.status in (Status.OK, Status.ALIGNED):
        return replace(result, status=Status.STALE)
    return result
