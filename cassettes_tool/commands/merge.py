"""`report merge`: join the JSON reports of `--shard K/N` runs into one.

Each CI runner checks a slice, the last job
merges the slices, renders any format, and exits with the gate's verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cassettes_tool.errors import ConfigError
from cassettes_tool.model.result import ApplyInfo, CassetteResult, Report
from cassettes_tool.report.json import read_report


def run(files: Sequence[Path]) -> Report:
    """The JSON reports in `files`, read and merged."""
    return merge([read_report(path) for path in files])


def merge(reports: Sequence[Report]) -> Report:
    """One report of all the shards: cassettes joined (each once, by path), settings agreed."""
    if not reports:
        raise ConfigError("no report to merge")
    first = reports[0]
    for other in reports[1:]:
        for name in ("command", "target", "fail_on", "max_age"):
            if getattr(other, name) != getattr(first, name):
                raise ConfigError(
                    f"reports disagree on {name}: {getattr(first, name)!r} vs {getattr(other, name)!r}"
                )
    seen: dict[str, CassetteResult] = {}
    for report in reports:
        for result in report.cassettes:
            seen.setdefault(str(result.path), result)
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
    )


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
