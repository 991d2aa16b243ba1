"""`diff`: what changed between two cassettes (or folders), a scratch run and the originals,
or the cassettes a commit range changed."""

from __future__ import annotations

from pathlib import Path

from cassettes_tool.commands.pairs import pairs_of_git, pairs_of_paths, pairs_of_run
from cassettes_tool.config import Config
from cassettes_tool.diff.results import report_of
from cassettes_tool.model.change import Severity
from cassettes_tool.model.result import Report, RunInfo
from cassettes_tool.refresh.scratch import load_manifest


def run(
    config: Config,
    *,
    old: Path | None = None,
    new: Path | None = None,
    scratch_run: str | None = None,
    rev_range: str | None = None,
    fail_on: Severity = Severity.BREAKING,
    show_volatile: bool = False,
) -> Report:
    """One of: OLD and NEW, a scratch run (`latest` or its id), or a revision range."""
    if rev_range is not None:
        pairs, notes = pairs_of_git(rev_range, config)
        return report_of(pairs, config, fail_on=fail_on, show_volatile=show_volatile, notes=notes)
    if scratch_run is not None:
        manifest = load_manifest(config.scratch, None if scratch_run == "latest" else scratch_run)
        run_info = RunInfo(manifest.run_id, manifest.folder, manifest.complete)
        return report_of(
            pairs_of_run(manifest, config),
            config,
            target=manifest.target,
            fail_on=fail_on,
            show_volatile=show_volatile,
            run=run_info,
        )
    assert old is not None and new is not None
    files, found = pairs_of_paths(old, new, config)
    return report_of(files, config, fail_on=fail_on, show_volatile=show_volatile, notes=found)
