"""The scratch run: its folder, its manifest (`cassettes-manifest/1`, docs/refresh-manifest.md) and the report of it."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from cassettes_tool import cassette
from cassettes_tool.cassette import check_serializer
from cassettes_tool.cassette.scratch_area import LATEST, RUN_ID, check_scratch, make_scratch
from cassettes_tool.config import Config
from cassettes_tool.errors import ConfigError
from cassettes_tool.jsonpath import parse_path
from cassettes_tool.model import Masked
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, Pruned, RunManifest
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Report, RunInfo, Status
from cassettes_tool.secrets.masker import mask_text

MANIFEST = "manifest.json"


MANIFEST_SCHEMA = "cassettes-manifest/1"


def check_settings(config: Config) -> None:
    """Settings a run cannot do without, checked before it starts: the serializer, the redact rules."""
    check_serializer(config)
    for rule in config.redact.body:
        try:
            parse_path(rule)
        except ValueError as exc:
            raise ConfigError(str(exc), source=config.source, key="redact.body") from None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def is_under(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(folder))


def common_root(paths: Sequence[Path], files: Sequence[Path]) -> Path:
    """The current folder when every cassette is under it, else the PATHs' common folder."""
    cwd = Path.cwd().absolute()
    if all(is_under(f, cwd) for f in files):
        return cwd
    folders = [os.path.abspath(p if p.is_dir() else p.parent) for p in paths]
    return Path(os.path.commonpath(folders))


def start_run(scratch: Path, target: str, root: Path) -> RunManifest:
    """The run's folder, the scratch area's `.gitignore`, and a manifest saying `incomplete`
    from the first moment, so that a run killed outright is still recognisable."""
    check_scratch(scratch)
    try:
        make_scratch(scratch)
        started = _now()
        run_id = _new_run_folder(scratch, started)
    except OSError as exc:
        raise ConfigError(f"cannot use scratch folder {scratch}: {exc.strerror or exc}") from None
    manifest = RunManifest(run_id, target, root, (scratch / run_id).absolute(), started)
    write_manifest(manifest)
    return manifest


def prune(scratch: Path, keep: int) -> Pruned:
    """Remove all but the `keep` newest runs (by start time) and the one
    `LATEST` names. Only a real folder holding a `manifest.json` file is a run the tool
    made; a symlink, or a run-named folder without one, is left and said. A scratch folder
    that is a symlink or holds other files is refused (ConfigError), as for a new run."""
    if keep < 1:
        raise ConfigError(f"--keep {keep}: keep at least the newest run")
    check_scratch(scratch)
    if not scratch.exists():
        return Pruned(scratch)
    latest = None
    with contextlib.suppress(ConfigError):
        latest = latest_run(scratch)
    runs: list[str] = []
    left: list[tuple[str, str]] = []
    for entry in sorted(os.scandir(scratch), key=lambda e: e.name):
        if not RUN_ID.fullmatch(entry.name):
            continue
        why = _not_a_run(entry)
        if why:
            left.append((entry.name, why))
        else:
            runs.append(entry.name)
    runs.sort(key=lambda run_id: (run_id[:16], _started(scratch / run_id)))
    kept = runs[-keep:]
    removed = []
    for run_id in runs[:-keep]:
        if run_id == latest:
            kept.insert(0, run_id)
            continue
        try:
            shutil.rmtree(scratch / run_id)
        except OSError as exc:
            left.append((run_id, f"cannot remove it: {exc.strerror or exc}"))
        else:
            removed.append(run_id)
    return Pruned(scratch, tuple(removed), tuple(kept), tuple(left), latest)


_STARTED = re.compile(r'"started": "([^"]+)"')


def _started(folder: Path) -> str:
    """When a run started, to the microsecond, from its manifest's head: two runs in one
    second have ids that do not sort by time."""
    try:
        with open(folder / MANIFEST, encoding="utf-8", errors="replace") as file:
            head = file.read(4096)
    except OSError:
        return ""
    found = _STARTED.search(head)
    return found.group(1) if found else ""


def _not_a_run(entry: os.DirEntry[str]) -> str | None:
    """Why a run-named entry is not a run folder this tool made, if it is not."""
    if entry.is_symlink():
        return "a symlink: not removed"
    if not entry.is_dir(follow_symlinks=False):
        return "not a folder: not removed"
    manifest = Path(entry.path) / MANIFEST
    if manifest.is_symlink() or not manifest.is_file():
        return f"no {MANIFEST}: not a run cassettes made, not removed"
    return None


def finish_run(
    manifest: RunManifest,
    cassettes: tuple[CassetteRun, ...],
    *,
    complete: bool,
    entries: Mapping[CassetteRun, str] | None = None,
) -> RunManifest:
    """The run's final manifest, written, and the run made the scratch area's `LATEST`.
    `entries` are cassettes' `entry_text` made while the run went on."""
    manifest = replace(manifest, cassettes=cassettes, finished=_now(), complete=complete)
    write_manifest(manifest, entries)
    cassette.write_atomic(manifest.folder.parent / LATEST, manifest.run_id + "\n")
    return manifest


def _new_run_folder(scratch: Path, started: datetime) -> str:
    """A sortable id (`20261124T223000Z-1f2e`); the random tail keeps runs of one second apart."""
    for _ in range(64):
        run_id = f"{started:%Y%m%dT%H%M%SZ}-{os.urandom(2).hex()}"
        try:
            (scratch / run_id).mkdir()
            return run_id
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free run id", str(scratch))


def write_manifest(manifest: RunManifest, entries: Mapping[CassetteRun, str] | None = None) -> None:
    cassette.write_atomic(manifest.folder / MANIFEST, manifest_text(manifest, entries or {}))


def manifest_text(manifest: RunManifest, entries: Mapping[CassetteRun, str]) -> str:
    """The manifest as written: JSON, two-space indented, every part through the masker.

    Masked part by part, each cassette's entry on its own (a masked value never spans two
    parts: a match stops at quotes, commas and whitespace), so that a large run's entries
    can be made as its cassettes finish instead of all at its end."""
    head = _head_json(manifest)
    text = mask_text(json.dumps(head, indent=2, ensure_ascii=False))
    if manifest.cassettes:
        parts = [entries.get(run) or entry_text(run) for run in manifest.cassettes]
        text = text.removesuffix("[]\n}") + "[\n" + ",\n".join(parts) + "\n  ]\n}"
    return text + "\n"


def entry_text(run: CassetteRun) -> str:
    """One cassette's entry as the manifest holds it: at its indent, masked."""
    text = json.dumps(_cassette_json(run), indent=2, ensure_ascii=False)
    return mask_text(_ENTRY_INDENT + text.replace("\n", "\n" + _ENTRY_INDENT))


#: where a cassette's entry stands in the manifest (`{"cassettes": [...]}` at indent 2)
_ENTRY_INDENT = " " * 4


def manifest_json(manifest: RunManifest) -> dict[str, Any]:
    """The manifest as data (`cassettes-manifest/1`, docs/refresh-manifest.md), unmasked."""
    return {**_head_json(manifest), "cassettes": [_cassette_json(run) for run in manifest.cassettes]}


def _head_json(manifest: RunManifest) -> dict[str, Any]:
    runs = [i for c in manifest.cassettes for i in c.interactions]
    return {
        "schema": MANIFEST_SCHEMA,
        "run_id": manifest.run_id,
        "target": manifest.target,
        "root": str(manifest.root),
        "started": manifest.started.isoformat(),
        "finished": manifest.finished.isoformat() if manifest.finished else None,
        "complete": manifest.complete,
        "summary": {
            "cassettes": {o.value: sum(c.outcome is o for c in manifest.cassettes) for o in Outcome},
            "interactions": {o.value: sum(i.outcome is o for i in runs) for o in Outcome},
            "masked": sum(len(c.masked) for c in manifest.cassettes),
        },
        "cassettes": [],
    }


def _cassette_json(run: CassetteRun) -> dict[str, Any]:
    return {
        "path": run.path.as_posix(),
        "status": run.outcome.value,
        "reason": run.reason,
        "serializer": run.serializer,
        "written": run.written,
        "original_sha256": run.original_sha256,
        "interactions": [
            {
                "index": i.index,
                "method": i.method,
                "uri": i.uri,
                "status": i.outcome.value,
                "reason": i.reason,
                "status_code": i.status_code,
                "media_type": i.media_type,
                "body_kind": i.body_kind,
                "body_size": i.body_size,
                "attempts": i.attempts,
                "by_choice": i.by_choice,
                "mapped_back": i.mapped_back,
            }
            for i in run.interactions
        ],
        "masked": [
            {
                "interaction": m.interaction,
                "where": m.where,
                "kind": m.kind,
                "placeholder": m.placeholder,
            }
            for m in run.masked
        ],
    }


def latest_run(scratch: Path) -> str:
    """The id of the newest run in `scratch`."""
    try:
        run_id = (scratch / LATEST).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"no refresh run in {scratch}: run `cassettes refresh` first") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {scratch / LATEST}: {exc.strerror or exc}") from None
    if not run_id:
        raise ConfigError(f"{scratch / LATEST} is empty: run `cassettes refresh` again")
    return run_id


def load_manifest(scratch: Path, run_id: str | None = None) -> RunManifest:
    """A run's manifest read back (the newest run when `run_id` is None)."""
    run_id = run_id or latest_run(scratch)
    folder = scratch / run_id
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no refresh run {run_id!r} in {scratch}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        if data["schema"] != MANIFEST_SCHEMA:
            raise ValueError(f"schema {data['schema']!r}, expected {MANIFEST_SCHEMA!r}")
        return RunManifest(
            run_id=data["run_id"],
            target=data["target"],
            root=Path(data["root"]),
            folder=folder.absolute(),
            started=datetime.fromisoformat(data["started"]),
            finished=datetime.fromisoformat(data["finished"]) if data["finished"] else None,
            complete=bool(data["complete"]),
            cassettes=tuple(_cassette_run(c) for c in data["cassettes"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a refresh manifest ({type(exc).__name__}: {exc})") from None


def check_root(manifest: RunManifest, projects: Sequence[Path]) -> None:
    """A run read back may only write where a run made here could: in the project or below
    the current folder (a crafted manifest's `root` is data too)."""
    root = os.path.realpath(manifest.root)
    if not any(Path(root).is_relative_to(os.path.realpath(p)) for p in projects):
        where = " or ".join(str(p) for p in projects)
        raise ConfigError(f"run {manifest.run_id}: its root {manifest.root} is outside {where}: refused")


def _confined(text: str) -> Path:
    """A path from a manifest is data: relative, and never climbing out of the run or its root."""
    path = PurePosixPath(text)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in text or "\0" in text:
        raise ValueError(f"cassette path {text!r} leaves the run: refused")
    return Path(*path.parts)


def _cassette_run(data: Mapping[str, Any]) -> CassetteRun:
    return CassetteRun(
        path=_confined(data["path"]),
        outcome=Outcome(data["status"]),
        reason=data["reason"],
        serializer=data["serializer"],
        written=bool(data["written"]),
        original_sha256=data.get("original_sha256"),
        interactions=tuple(
            InteractionRun(
                index=i["index"],
                method=i["method"],
                uri=i["uri"],
                outcome=Outcome(i["status"]),
                reason=i["reason"],
                status_code=i["status_code"],
                media_type=i["media_type"],
                body_kind=i["body_kind"],
                body_size=i["body_size"],
                attempts=i["attempts"],
                by_choice=bool(i.get("by_choice", False)),
                mapped_back=int(i.get("mapped_back", 0)),
            )
            for i in data["interactions"]
        ),
        masked=tuple(Masked(m["kind"], m["interaction"], m["where"]) for m in data["masked"]),
    )


_STATUS = {Outcome.REFRESHED: Status.OK, Outcome.SKIPPED: Status.SKIPPED, Outcome.ERROR: Status.ERROR}


def report_of(manifest: RunManifest) -> Report:
    """The run as the common report: a cassette `ok` when refreshed, interactions with why."""
    results = []
    for run in manifest.cassettes:
        interactions = tuple(
            InteractionSummary(
                index=i.index,
                method=i.method,
                uri=i.uri,
                host=urlsplit(i.uri).hostname or "",
                path=urlsplit(i.uri).path or "/",
                status_code=i.status_code,
                media_type=i.media_type,
                body_size=i.body_size or 0,
                body_kind=i.body_kind or "",
                status=_STATUS[i.outcome],
                reason=i.reason,
                masked=tuple((m.where, m.kind) for m in run.masked if m.interaction == i.index),
            )
            for i in run.interactions
        )
        results.append(
            CassetteResult(
                path=manifest.original(run),
                status=_STATUS[run.outcome],
                serializer=run.serializer,
                error=run.reason if run.outcome is not Outcome.REFRESHED else None,
                interactions=interactions,
                unchecked=run.unchecked,
            )
        )
    run_info = RunInfo(manifest.run_id, manifest.folder, manifest.complete)
    return Report(command="refresh", cassettes=tuple(results), target=manifest.target, run=run_info)
