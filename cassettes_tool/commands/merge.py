"""`report merge`: join the JSON reports of `--shard K/N` runs into one.

Each CI runner checks a slice, the last job
merges the slices, renders any format, and exits with the gate's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from cassettes_tool.errors import ConfigError
from cassettes_tool.model.result import ApplyInfo, CassetteResult, Report, Status
from cassettes_tool.report.json import read_report


def run(files: Sequence[Path], histories: Sequence[Path] = (), history_out: Path | None = None) -> Report:
    """The JSON reports in `files`, read and merged; the shards' `histories` joined into
    `history_out`, the history the next merged run reads (lines skipped are noted)."""
    merged = merge([read_report(path) for path in files])
    if not histories:
        return merged
    from cassettes_tool import history
    from cassettes_tool.model.age import utc_now

    notes = history.merge(histories, history_out, now=utc_now())
    return replace(merged, notes=(*merged.notes, *notes))


def merge(reports: Sequence[Report]) -> Report:
    """One report of all the shards: cassettes joined (each once, by path), settings agreed."""
    if not reports:
        raise ConfigError("no report to merge")
    first = reports[0]
    for other in reports[1:]:
        for name in ("command", "target", "fail_on", "max_age", "fail_on_drifting"):
            if getattr(other, name) != getattr(first, name):
                raise ConfigError(
                    f"reports disagree on {name}: {getattr(first, name)!r} vs {getattr(other, name)!r}"
                )
    missing = _check_shards(reports)
    seen: dict[str, CassetteResult] = {}
    for report in reports:
        for result in report.cassettes:
            if str(result.path) in seen and report.shard is not None:
                raise ConfigError(f"shards overlap: {result.path} is in more than one shard report")
            seen.setdefault(str(result.path), result)
    for index, count in missing:
        name = f"shard {index}/{count}"
        seen[name] = CassetteResult(
            path=Path(name),
            status=Status.ERROR,
            error=f"no report for shard {index} of {count}: its cassettes were not checked",
        )
    notes = tuple(dict.fromkeys(note for report in reports for note in report.notes))
    return Report(
        command=first.command,
        cassettes=tuple(sorted(seen.values(), key=lambda r: str(r.path))),
        notes=notes,
        target=first.target,
        fail_on=first.fail_on,
        max_age=first.max_age,
        show_volatile=first.show_volatile,
        run=first.run,
        applied=_applied([r.applied for r in reports if r.applied is not None]),
        fail_on_drifting=first.fail_on_drifting,
    )


def _check_shards(reports: Sequence[Report]) -> list[tuple[int, int]]:
    """Shard reports must be slices of one selection, each given once; the missing ones are
    returned so that the merged report says it is incomplete and names them."""
    shards = [r.shard for r in reports if r.shard is not None]
    if not shards:
        return []
    if len(shards) != len(reports):
        raise ConfigError("some reports are shards (--shard K/N) and some are not: merge one run's shards")
    first = shards[0]
    for shard in shards[1:]:
        if (shard.count, shard.paths) != (first.count, first.paths):
            raise ConfigError(
                f"shards of different runs: {shard.index}/{shard.count} of {list(shard.paths)} "
                f"vs {first.index}/{first.count} of {list(first.paths)}"
            )
    indices = [s.index for s in shards]
    twice = sorted({i for i in indices if indices.count(i) > 1})
    if twice:
        raise ConfigError(
            f"shards overlap: shard {', '.join(f'{i}/{first.count}' for i in twice)} given twice"
        )
    return [(k, first.count) for k in range(1, first.count + 1) if k not in indices]


def _applied(parts: Sequence[ApplyInfo]) -> ApplyInfo | None:
    """What the shards wrote back, kept and withheld, together."""
    if not parts:
        return None
    return ApplyInfo(
        written=tuple(p for part in parts for p in part.written),
        kept=tuple(k for part in parts for k in part.kept),
        withheld=tuple(w for part in parts for w in part.withheld),
        branch=parts[0].branch,
        commit=parts[0].commit,
    )
