"""`scan`: what is in each cassette, read on all cores."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cassette import check_serializer, summarize, unread, unsearched
from cassettes_tool.config import Config
from cassettes_tool.model.result import Report


def run(paths: tuple[Path, ...], config: Config) -> Report:
    check_serializer(config)
    found = cassette.discover(paths, cassette.excluder(config))
    results = cassette.map_files(partial(summarize, serializer=config.serializer), found.files)
    results += [unread(exc) for exc in unsearched(found)]
    return Report(command="scan", cassettes=tuple(results), notes=found.notes)
