"""`scan`: what is in each cassette, read on all cores, or from the cache when unchanged."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from cassettes_tool.cache import map_cached, open_cache
from cassettes_tool.cassette import find, summarize, unread, unsearched
from cassettes_tool.cassette.discover import Discovery
from cassettes_tool.config import Config
from cassettes_tool.model.result import Report


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
