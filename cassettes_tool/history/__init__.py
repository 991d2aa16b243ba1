"""Drift history (`check --history FILE`): what each run saw, so that every change can say
how long it has been drifting. `store` reads and writes the file, `streaks` does the counting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from cassettes_tool.history import store, streaks
from cassettes_tool.history.store import DEFAULT_KEEP_DAYS, SCHEMA
from cassettes_tool.model.result import Report

__all__ = ["DEFAULT_KEEP_DAYS", "SCHEMA", "merge", "record"]


def record(report: Report, path: Path, *, now: datetime, keep_days: float = DEFAULT_KEEP_DAYS) -> Report:
    """Add this run to the history at `path` and return the report with every drift change's
    `drifting_since` / `drifting_days` and every compared cassette's timeline. An interrupted
    run is not recorded (it did not look at everything), nor is it annotated."""
    now = now.replace(microsecond=0)  # as the file keeps it: the report reads the same back
    runs, notes = store.read(path)
    if report.interrupted:
        return replace(
            report, notes=(*report.notes, *notes, (path, "history not updated: the run was interrupted"))
        )
    horizon = now - timedelta(days=keep_days)  # what the file forgets, no streak remembers
    runs = [r for r in runs if r.at >= horizon]
    runs.append(streaks.run_of(report, now))
    annotated = streaks.annotate(report, runs, now)
    notes += store.write(path, runs, keep_days=keep_days, now=now)
    return replace(annotated, notes=(*annotated.notes, *notes))


def merge(
    files: Sequence[Path], out: Path | None, *, now: datetime, keep_days: float = DEFAULT_KEEP_DAYS
) -> list[tuple[Path, str]]:
    """The shards' histories as one file (`report merge --history ... --history-out FILE`): each
    run once, oldest first. Returns the notes of lines skipped and of a failed write."""
    runs = []
    notes = []
    for path in files:
        found, skipped = store.read(path)
        runs += found
        notes += skipped
    if out is not None:
        notes += store.write(out, runs, keep_days=keep_days, now=now)
    return notes
