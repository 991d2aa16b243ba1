"""`scan`: what is in each cassette, read on all cores, or from the cache when unchanged."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cache import cacheable, map_cached, open_cache
from cassettes_tool.cassette import check_serializer, summarize, unread, unsearched
from cassettes_tool.cassette.discover import Discovery
from cassettes_tool.config import Config
from cassettes_tool.kept_report import KeptReport, kept_report
from cassettes_tool.model.result import CassetteResult, Report, Status


def find(paths: tuple[Path, ...], config: Config) -> Discovery:
    """The cassettes a scan of `paths` reads."""
    check_serializer(config)
    return cassette.discover(paths, cassette.excluder(config))


def run(
    paths: tuple[Path, ...], config: Config, *, use_cache: bool = True, found: Discovery | None = None
) -> Report:
    """`use_cache`: take unchanged cassettes' summaries from the scratch folder's cache.
    `found`: what `find` found already."""
    found = found if found is not None else find(paths, config)
    cache = open_cache(config, "scan", config.serializer) if use_cache else None
    read = partial(summarize, serializer=config.serializer)
    results = list(map_cached(read, found.files, cache))
    results += [unread(exc) for exc in unsearched(found)]
    notes = found.notes
    said = cache.save() if cache is not None else None
    if cache is not None and said:
        notes += ((cache.folder, said),)
    return Report(command="scan", cassettes=tuple(results), notes=notes)


def kept(found: Discovery, config: Config, *options: object) -> KeptReport | None:
    """Where the report of a scan of these files, rendered with these options, is kept for
    the next run; None for a tree found with notes or folders it could not search."""
    if found.notes or found.unreadable:
        return None
    return kept_report(config, "scan", found.files, *options)


def worth_keeping(report: Report) -> bool:
    """A report whose every line the files decide: no notes, and each cassette read, skipped
    (not a cassette) or refused for what it holds. A file that cannot be read now may be
    the machine's doing (a permission), and is tried again next time; a permission put
    right changes the file's ctime, and so the key, anyway."""
    return not report.notes and all(_decided_by_file(result) for result in report.cassettes)


def _decided_by_file(result: CassetteResult) -> bool:
    if cacheable(result):
        return True
    if result.status not in (Status.SKIPPED, Status.ERROR) or result.fixed or result.age is not None:
        return False
    return os.access(result.path, os.R_OK)
