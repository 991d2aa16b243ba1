"""`report merge`: read the JSON reports of `--shard K/N` runs back and join them into one.

The one reader of `cassettes-report/1`: each CI runner checks a slice, the last job
merges the slices, renders any format, and exits with the gate's verdict.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cassettes_tool.errors import ConfigError
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Problem, Report, RunInfo, Status
from cassettes_tool.report import SCHEMA


def read_report(path: Path) -> Report:
    """A report written with `--format json`; a file that is not one is a usage error naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read a JSON report: {exc}", source=path) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ConfigError(f"not a {SCHEMA} report (schema: {found!r})", source=path)
    try:
        return _report(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"malformed report ({type(exc).__name__}: {exc})", source=path) from None


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
        run=first.run,
    )


def _report(data: dict[str, Any]) -> Report:
    run = data.get("run")
    return Report(
        command=data["command"],
        cassettes=tuple(_cassette(c) for c in data["cassettes"]),
        notes=tuple((Path(n["path"]), n["note"]) for n in data.get("notes", [])),
        target=data.get("target"),
        fail_on=Severity(data.get("fail_on", "breaking")),
        max_age=data.get("max_age"),
        run=RunInfo(run["id"], Path(run["folder"]), run["complete"]) if run else None,
    )


def _cassette(data: dict[str, Any]) -> CassetteResult:
    return CassetteResult(
        path=Path(data["path"]),
        status=Status(data["status"]),
        serializer=data.get("serializer"),
        error=data.get("error"),
        note=data.get("note"),
        size=data.get("size", 0),
        line=data.get("line"),
        age=_age(data.get("age")),
        interactions=tuple(_interaction(i) for i in data.get("interactions", [])),
        problems=tuple(
            Problem(p["code"], p["kind"], p["message"], p.get("line")) for p in data.get("problems", [])
        ),
    )


def _interaction(data: dict[str, Any]) -> InteractionSummary:
    status = data.get("status")
    return InteractionSummary(
        index=data["index"],
        method=data["method"],
        uri=data["uri"],
        host=data.get("host", ""),
        path=data.get("path", ""),
        status_code=data.get("status_code"),
        media_type=data.get("media_type"),
        body_size=data.get("body_size", 0),
        body_kind=data.get("body_kind", ""),
        line=data.get("line"),
        status=Status(status) if status else None,
        changes=tuple(_change(c) for c in data.get("changes", [])),
        age=_age(data.get("age")),
        reason=data.get("reason"),
        masked=tuple((m["where"], m["kind"]) for m in data.get("masked", [])),
    )


def _change(data: dict[str, Any]) -> Change:
    return Change(
        severity=Severity(data["severity"]),
        kind=ChangeKind(data["kind"]),
        where=Where(data["where"]),
        path=data.get("path"),
        old=data.get("old"),
        new=data.get("new"),
        detail=data.get("detail"),
        count=data.get("count", 1),
    )


def _age(data: dict[str, Any] | None) -> Age | None:
    if data is None:
        return None
    recorded = data.get("last_recorded")
    return Age(
        days=data.get("days"),
        last_recorded=datetime.fromisoformat(recorded) if recorded else None,
        commit=data.get("commit"),
        subject=data.get("subject"),
        author=data.get("author"),
        source=AgeSource(data["source"]),
    )
