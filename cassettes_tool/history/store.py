"""The history file (`cassettes-history/1`, docs/history.md): one JSON line per run.

Read line by line: a line that is not a run of this schema (cut short by a full disk, edited
by hand) is reported and skipped, never fatal. Written whole, atomically, without the runs
older than `--history-keep` days, so the file never grows without bound.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cassettes_tool.errors import CassettesError
from cassettes_tool.model.history import CassetteSeen, HistoryRun
from cassettes_tool.secrets.masker import mask_text

SCHEMA = "cassettes-history/1"
DEFAULT_KEEP_DAYS = 180.0

Note = tuple[Path, str]


def read(path: Path) -> tuple[list[HistoryRun], list[Note]]:
    """The runs in the file and a note per line skipped; a missing file is an empty history."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [(path, f"history not read ({exc.strerror or exc}): starting a new one")]
    runs: list[HistoryRun] = []
    notes: list[Note] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            runs.append(run_from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            # a last line without its newline is a write cut short (a full disk, a killed job)
            cut = number == len(lines) and not text.endswith("\n")
            notes.append((path, f"history line {number} skipped: {_why(exc, cut)}"))
    return runs, notes


def _why(exc: Exception, cut: bool) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return "not JSON (cut short?)" if cut else "not JSON"
    return f"not a {SCHEMA} run ({type(exc).__name__}: {exc})"


def write(path: Path, runs: Iterable[HistoryRun], *, keep_days: float, now: datetime) -> list[Note]:
    """Replace the file with `runs` newer than `keep_days`, oldest first; a note when it cannot
    be written (the check's verdict stands; the next run starts from the old file)."""
    from cassettes_tool.cassette.write import write_atomic

    horizon = now - timedelta(days=keep_days)
    kept = sorted(unique(r for r in runs if r.at >= horizon), key=lambda r: r.at)
    text = "".join(json.dumps(run_json(r), ensure_ascii=False, separators=(",", ":")) + "\n" for r in kept)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, mask_text(text))
    except (OSError, CassettesError) as exc:
        return [(path, f"history not written: {exc}")]
    return []


def unique(runs: Iterable[HistoryRun]) -> list[HistoryRun]:
    """Each run once: merging the same shard's history twice must not count its runs twice."""
    return list(dict.fromkeys(runs))


def run_json(run: HistoryRun) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "at": run.at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "target": run.target,
        "shard": run.shard,
        "cassettes": {seen.path: _seen_json(seen) for seen in run.cassettes},
    }


def _seen_json(seen: CassetteSeen) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if seen.error:
        data["error"] = True
    if seen.drift:
        data["drift"] = {ident: list(changes) for ident, changes in seen.drift}
    if seen.unchecked:
        data["unchecked"] = list(seen.unchecked)
    return data


def run_from_json(data: Any) -> HistoryRun:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"schema {found!r}")
    at = datetime.fromisoformat(data["at"])
    if at.tzinfo is None:
        raise ValueError("`at` has no time zone")
    return HistoryRun(
        at=at.astimezone(timezone.utc),
        cassettes=tuple(_seen(path, value) for path, value in data["cassettes"].items()),
        target=_optional_str(data.get("target")),
        shard=_optional_str(data.get("shard")),
    )


def _seen(path: str, data: dict[str, Any]) -> CassetteSeen:
    drift = data.get("drift", {})
    return CassetteSeen(
        path=str(path),
        drift=tuple((str(i), _strings(changes)) for i, changes in drift.items()),
        unchecked=_strings(data.get("unchecked", [])),
        error=bool(data.get("error", False)),
    )


def _strings(values: Sequence[Any]) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError("expected a list of ids")
    return tuple(values)


def _optional_str(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value
