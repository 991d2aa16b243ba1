"""The report model every command returns, its verdict, and its renderers.

Deciding happens in the stages; this module only counts and writes. JSON exists only
here (schema `cassettes-report/1`, documented in docs/report-schema.md).
"""

from __future__ import annotations

import enum
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cassettes_tool.errors import ExitCode

SCHEMA = "cassettes-report/1"


class Status(str, enum.Enum):
    """A cassette's state. `ok`: read without a comparison being asked for (scan, lint)."""

    OK = "ok"
    ALIGNED = "aligned"
    DRIFTED = "drifted"
    ERROR = "error"
    SKIPPED = "skipped"
    STALE = "stale"


class Format(str, enum.Enum):
    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class InteractionSummary:
    index: int
    method: str
    uri: str
    host: str
    path: str
    status_code: int | None
    media_type: str | None
    body_size: int
    body_kind: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One lint problem: a stable code, a kind name, a message; the line where known."""

    code: str
    kind: str
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CassetteResult:
    path: Path
    status: Status
    serializer: str | None = None
    #: why the cassette could not be read (status error) or was skipped (status skipped)
    error: str | None = None
    note: str | None = None
    size: int = 0
    interactions: tuple[InteractionSummary, ...] = ()
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    command: str
    cassettes: tuple[CassetteResult, ...]
    #: things found while searching that are not cassettes: symlink loops, missing paths
    notes: tuple[tuple[Path, str], ...] = ()
    target: str | None = None

    @property
    def problems(self) -> int:
        return sum(len(c.problems) for c in self.cassettes)

    @property
    def verdict(self) -> ExitCode:
        """Findings fail (1); otherwise anything that could not be read makes it incomplete (3)."""
        if self.problems:
            return ExitCode.FINDINGS
        if any(c.status is Status.ERROR for c in self.cassettes):
            return ExitCode.INCOMPLETE
        return ExitCode.OK

    def count(self, status: Status) -> int:
        return sum(1 for c in self.cassettes if c.status is status)


def display_path(path: Path) -> str:
    """Paths in reports are relative to the current folder when they are under it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


# ---------------------------------------------------------------------------- json


def to_json(report: Report) -> dict[str, Any]:
    statuses = Counter(c.status.value for c in report.cassettes)
    return {
        "schema": SCHEMA,
        "command": report.command,
        "target": report.target,
        "summary": {
            "cassettes": len(report.cassettes),
            "interactions": sum(len(c.interactions) for c in report.cassettes),
            **{status.value: statuses.get(status.value, 0) for status in Status},
            "errors": statuses.get(Status.ERROR.value, 0),
            "problems": report.problems,
        },
        "cassettes": [_cassette_json(c) for c in report.cassettes],
        "notes": [{"path": display_path(p), "note": n} for p, n in report.notes],
    }


def _cassette_json(result: CassetteResult) -> dict[str, Any]:
    return {
        "path": display_path(result.path),
        "status": result.status.value,
        "serializer": result.serializer,
        "size": result.size,
        "error": result.error,
        "note": result.note,
        "interactions": [
            {
                "index": i.index,
                "method": i.method,
                "uri": i.uri,
                "host": i.host,
                "path": i.path,
                "status_code": i.status_code,
                "media_type": i.media_type,
                "body_kind": i.body_kind,
                "body_size": i.body_size,
                "line": i.line,
            }
            for i in result.interactions
        ],
        "problems": [
            {"code": p.code, "kind": p.kind, "message": p.message, "line": p.line} for p in result.problems
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- text


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def render_scan_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """An aligned table: a line per cassette, a row per interaction, totals at the end."""
    rows = {i: _scan_row(i) for result in report.cassettes for i in result.interactions}
    widths = [max((len(r[col]) for r in rows.values()), default=0) for col in range(7)]
    right = {0, 4, 6}
    for result in report.cassettes:
        path = display_path(result.path)
        if result.status is Status.ERROR:
            yield f"error    {path}: {result.error}"
            continue
        if result.status is Status.SKIPPED:
            if not quiet:
                yield f"skipped  {path}: {result.error}"
            continue
        count = len(result.interactions)
        note = f"  ({result.note})" if result.note else ""
        noun = "interaction" if count == 1 else "interactions"
        yield f"{path}  [{result.serializer}]  {count} {noun}, {human_size(result.size)}{note}"
        for i in result.interactions:
            cells = rows[i]
            line = "  ".join(
                cell.rjust(widths[col]) if col in right else cell.ljust(widths[col])
                for col, cell in enumerate(cells)
            )
            yield "    " + line.rstrip()
    if not quiet:
        yield from _notes(report)
        yield _scan_totals(report)


_MAX_PATH_WIDTH = 56


def _scan_row(i: InteractionSummary) -> tuple[str, ...]:
    path = i.path if len(i.path) <= _MAX_PATH_WIDTH else i.path[: _MAX_PATH_WIDTH - 1] + "…"
    status = str(i.status_code) if i.status_code is not None else "-"
    return (str(i.index), i.method, i.host, path, status, i.media_type or "-", human_size(i.body_size))


def _scan_totals(report: Report) -> str:
    read = [c for c in report.cassettes if c.status not in (Status.ERROR, Status.SKIPPED)]
    interactions = sum(len(c.interactions) for c in read)
    serializers = Counter(c.serializer for c in read)
    by_serializer = ", ".join(f"{name} {n}" for name, n in sorted(serializers.items(), key=str))
    parts = [f"{len(read)} cassettes" + (f" ({by_serializer})" if by_serializer else "")]
    parts.append(f"{interactions} interactions")
    parts.append(human_size(sum(c.size for c in read)))
    tail = []
    if report.count(Status.SKIPPED):
        tail.append(f"{report.count(Status.SKIPPED)} skipped")
    if report.count(Status.ERROR):
        tail.append(f"{report.count(Status.ERROR)} could not be read")
    return "total: " + ", ".join(parts) + ("; " + ", ".join(tail) if tail else "")


def _notes(report: Report) -> Iterator[str]:
    for path, note in report.notes:
        yield f"note     {display_path(path)}: {note}"


def render_lint_text(report: Report, *, quiet: bool = False, verbose: bool = False) -> Iterator[str]:
    """`path:line: CODE kind: message`, one line each, then a count (as ruff does)."""
    for result in report.cassettes:
        path = display_path(result.path)
        for problem in result.problems:
            where = f"{path}:{problem.line}" if problem.line else path
            yield f"{where}: {problem.code} {problem.kind}: {problem.message}"
    if verbose:
        for result in report.cassettes:
            if result.status is Status.SKIPPED:
                yield f"skipped  {display_path(result.path)}: {result.error}"
    yield from _notes(report)
    if quiet:
        return
    checked = len(report.cassettes) - report.count(Status.SKIPPED)
    if report.problems:
        files = sum(1 for c in report.cassettes if c.problems)
        yield f"Found {report.problems} problems in {files} of {checked} cassettes."
    else:
        yield f"All {checked} cassettes clean."
