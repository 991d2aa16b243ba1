"""`refresh`: re-record into a scratch run; with `--apply` / `--commit`, write the drifted ones back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cassettes_tool import apply
from cassettes_tool.commands.pairs import pairs_of_run
from cassettes_tool.config import DEFAULT_KEEP_RUNS, Config, TargetFlags, resolve_target
from cassettes_tool.diff.results import report_of
from cassettes_tool.model.manifest import Progress, Pruned
from cassettes_tool.model.result import Report, RunInfo
from cassettes_tool.refresh import scratch as scratch_runs
from cassettes_tool.refresh.route import rerecord
from cassettes_tool.refresh.suite_log import SuiteOptions
from cassettes_tool.secrets.masker import remember_target
from cassettes_tool.words import plural


@dataclass(frozen=True, slots=True)
class RefreshOptions:
    target: TargetFlags
    suite: SuiteOptions | None = None
    scratch: Path | None = None
    #: `--apply` / `--commit`: write the drifted copies back
    apply: apply.ApplyOptions | None = None
    #: `--from-run`: apply a run already made (`latest` or its id) instead of re-recording
    from_run: str | None = None
    #: `--keep`: the runs kept in the scratch area once the new one is written
    keep: int = DEFAULT_KEEP_RUNS


def run(
    paths: tuple[Path, ...],
    config: Config,
    options: RefreshOptions,
    *,
    progress: Callable[[Progress], None] | None = None,
    output: Callable[[str], None] | None = None,
) -> Report:
    """The run's report; after `--apply`, the drift it wrote back (or withheld)."""
    applying = options.apply
    notes: tuple[tuple[Path, str], ...] = ()
    if options.from_run is not None:
        run_id = None if options.from_run == "latest" else options.from_run
        manifest = scratch_runs.load_manifest(options.scratch or config.scratch, run_id)
        scratch_runs.check_root(manifest, (config.root, Path.cwd()))
    else:
        given = options.target.given or options.suite is None  # a replay always needs one
        target = resolve_target(config, options.target) if given else None
        if target is not None:
            remember_target(target)
        if applying is not None and applying.commit is not None:
            apply.check_commit(config.cassette_paths(paths), applying.commit)
        manifest = rerecord(
            config.cassette_paths(paths),
            config,
            target,
            options.suite,
            scratch=options.scratch,
            progress=progress,
            output=output,
        )
        notes = _pruned_notes(scratch_runs.prune(manifest.folder.parent, options.keep), options.keep)
    if applying is None or manifest.interrupted:
        report = replace(scratch_runs.report_of(manifest), interrupted=manifest.interrupted)
    else:
        run_info = RunInfo(manifest.run_id, manifest.folder, manifest.complete)
        drift = report_of(
            pairs_of_run(manifest, config), config, command="refresh", target=manifest.target, run=run_info
        )
        report = apply.apply_run(manifest, drift, config, applying)
    return replace(report, notes=report.notes + notes)


def _pruned_notes(pruned: Pruned, keep: int) -> tuple[tuple[Path, str], ...]:
    """What pruning says in the report: only when it removed or left something."""
    notes = [(pruned.scratch / name, why) for name, why in pruned.left]
    if pruned.removed:
        said = f"removed {plural(len(pruned.removed), 'older run')}, kept the newest {keep} (--keep)"
        notes.insert(0, (pruned.scratch, said))
    return tuple(notes)
