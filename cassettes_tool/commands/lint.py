"""`cassettes lint`: problems only, one line each, on all cores; `--fix` masks credentials in place."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from pathlib import Path

from cassettes_tool.cache import map_cached, open_cache
from cassettes_tool.cassette import find, unsearched
from cassettes_tool.cassette.discover import Discovery
from cassettes_tool.config import Config
from cassettes_tool.lint.checks import check_file, failed
from cassettes_tool.lint.codes import lint_rules
from cassettes_tool.model.result import Report


def run(
    paths: tuple[Path, ...],
    config: Config,
    *,
    select: tuple[str, ...] | None = None,
    ignore: tuple[str, ...] | None = None,
    fix_it: bool = False,
    use_cache: bool = True,
    found: Discovery | None = None,
) -> Report:
    """`select` / `ignore` replace the config's lists when given; `fix_it` masks in place.

    `use_cache`: take unchanged cassettes' findings from the scratch folder's cache; never
    with `fix_it`, which reads every file it may write. `found`: what `find` found already.
    """
    rules = lint_rules(config, select, ignore)
    found = found if found is not None else find(paths, config)
    check = partial(
        check_file,
        serializer=config.serializer,
        headers=config.redact.headers,
        fields=tuple(config.redact.query),
        rules=rules,
        redact=config.redact if fix_it else None,
        fix_it=fix_it,
        root=config.root,
    )
    cache = None
    if use_cache and not fix_it:
        redact = (config.redact.headers, config.redact.query)
        cache = open_cache(config, "lint", config.serializer, redact, asdict(rules))
    results = list(map_cached(check, found.files, cache))
    results += [failed(exc) for exc in unsearched(found)]
    results.sort(key=lambda r: str(r.path))  # by file, then (within it) by line, in every format
    notes = found.notes + tuple((r.path, r.note) for r in results if fix_it and r.note)
    said = cache.save() if cache is not None else None
    if cache is not None and said:
        notes += ((cache.folder, said),)
    return Report(command="lint", cassettes=tuple(results), notes=notes)
