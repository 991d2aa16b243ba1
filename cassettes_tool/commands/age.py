"""`age`: how long each cassette has been frozen, from git history, oldest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cassette import check_serializer, summarize
from cassettes_tool.config import Config
from cassettes_tool.git.ages import file_ages
from cassettes_tool.git.blame import interaction_ages
from cassettes_tool.model import utc_now
from cassettes_tool.model.age import Age
from cassettes_tool.model.result import CassetteResult, Report, Status


def run(
    paths: tuple[Path, ...],
    config: Config,
    *,
    older_than: float | None = None,
    per_interaction: bool = False,
    now: datetime | None = None,
) -> Report:
    """Every cassette's age, oldest first; `older_than` keeps those frozen longer, and unknown ages.

    Without `per_interaction` no file is read: ages come from history alone, fast enough
    for every pull request, so every file `discover` finds is listed. With it, the
    cassettes are read for their interactions' lines and non-cassettes are skipped.
    """
    now = now or utc_now()
    found = cassette.discover(paths, cassette.excluder(config))
    history = file_ages(found.files, now=now)
    if per_interaction:
        check_serializer(config)
        read = cassette.map_files(partial(summarize, serializer=config.serializer), found.files)
        starts = {r.path: [i.line for i in r.interactions] for r in read if r.status is Status.OK}
        blamed = interaction_ages(starts, history, now=now)
        results = [_with_interaction_ages(r, history.ages[r.path], blamed.get(r.path, ())) for r in read]
    else:
        results = [
            CassetteResult(path=path, status=Status.OK, size=_size(path), age=history.ages[path])
            for path in found.files
        ]
    kept = [kept for result in results if (kept := _older_than(result, older_than)) is not None]
    kept.sort(key=_oldest_first)
    return Report(command="age", cassettes=tuple(kept), notes=found.notes + history.notes)


def _with_interaction_ages(
    result: CassetteResult, file_age: Age, ages: tuple[Age | None, ...]
) -> CassetteResult:
    if result.status is Status.SKIPPED:
        return result
    interactions = tuple(replace(i, age=a) for i, a in zip(result.interactions, ages, strict=False))
    return replace(result, age=file_age, interactions=interactions)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _is_older(age: Age | None, days: float) -> bool:
    """Older than `days`, or of unknown age: a filter must not hide what it cannot date."""
    return age is None or age.days is None or age.days > days


def _older_than(result: CassetteResult, days: float | None) -> CassetteResult | None:
    """The result if it (or one of its interactions) is older than `days`, showing only those interactions."""
    if days is None or result.status is Status.SKIPPED:
        return result
    interactions = tuple(i for i in result.interactions if _is_older(i.age, days))
    if result.interactions and not interactions:
        return None
    if not result.interactions and not _is_older(result.age, days):
        return None
    return replace(result, interactions=interactions)


def _oldest_first(result: CassetteResult) -> tuple[bool, float, str]:
    """Oldest content first (a cassette counts as old as its oldest interaction); unknown ages last."""
    days = [a.days for a in (result.age, *(i.age for i in result.interactions)) if a and a.days is not None]
    return (not days, -max(days, default=0.0), str(result.path))
