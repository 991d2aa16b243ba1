"""`age`: how long each cassette has been frozen, from git history, oldest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from cassettes_tool.config import Config
from cassettes_tool.git.log import history_started
from cassettes_tool.model.age import Age, utc_now
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

    Only cassettes are aged: files that fail `scan`'s content test (fixtures, workflow
    files) are left out. A cassette is as old as its oldest interaction; with
    `per_interaction` each interaction's age is shown under it, the same numbers.
    """
    now = now or utc_now()
    with history_started(paths) as started:  # git walks history while the cassettes are found
        # imported once git walks: from the command line, loading them takes half as long as the walk
        from cassettes_tool import cassette
        from cassettes_tool.cassette import custom_serializer, file_size, find, summarize
        from cassettes_tool.git.ages import file_ages

        found = find(paths, config)
        custom = custom_serializer(config.serializer)
        ages = partial(file_ages, found.files, now=now, custom=custom, started=started)
        if per_interaction:
            from concurrent.futures import ThreadPoolExecutor

            # history on a thread while the cassettes are read on the other cores: neither waits
            with ThreadPoolExecutor(max_workers=1) as pool:
                pending = pool.submit(ages)
                read = cassette.map_files(partial(summarize, serializer=config.serializer), found.files)
                history = pending.result()
        else:
            history = ages()
    if per_interaction:
        results = [
            _with_interaction_ages(r, history.ages[r.path], history.interactions.get(r.path, ()))
            for r in read
            if r.path in history.ages and r.status is not Status.SKIPPED
        ]
    else:
        results = [
            CassetteResult(path=path, status=Status.OK, size=file_size(path), age=history.ages[path])
            for path in found.files
            if path in history.ages
        ]
    kept = [kept for result in results if (kept := _older_than(result, older_than)) is not None]
    kept.sort(key=_oldest_first)
    return Report(command="age", cassettes=tuple(kept), notes=found.notes + history.notes)


def _with_interaction_ages(result: CassetteResult, file_age: Age, ages: tuple[Age, ...]) -> CassetteResult:
    """The interactions read by `scan`, each with the age it adds to the cassette's."""
    if len(ages) != len(result.interactions):
        ages = ()
    interactions = tuple(replace(i, age=ages[n] if ages else None) for n, i in enumerate(result.interactions))
    return replace(result, age=file_age, interactions=interactions)


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
