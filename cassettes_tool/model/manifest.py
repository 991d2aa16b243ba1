"""A refresh run: what happened to each cassette and interaction, and where the copies are."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cassettes_tool.model.secret import Masked


class Outcome(str, enum.Enum):
    REFRESHED = "refreshed"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class InteractionRun:
    """What happened to one interaction; the new answer's outline when it was refreshed."""

    index: int
    method: str
    uri: str
    outcome: Outcome
    reason: str | None = None
    status_code: int | None = None
    media_type: str | None = None
    body_kind: str | None = None
    body_size: int | None = None
    attempts: int = 0
    #: skipped because the target declares its host unchecked (`skip_hosts`)
    by_choice: bool = False
    #: staging base URLs in the answer (headers and body) written back as the recorded origin
    mapped_back: int = 0


@dataclass(frozen=True, slots=True)
class CassetteRun:
    """One cassette of a run. `path` is relative to the run's root: the original is
    `root / path`, its refreshed copy `folder / path` (when `written`)."""

    path: Path
    outcome: Outcome
    reason: str | None = None
    serializer: str | None = None
    written: bool = False
    interactions: tuple[InteractionRun, ...] = ()
    masked: tuple[Masked, ...] = ()
    #: sha256 of the original as the run read it: `--apply` withholds a cassette whose
    #: content changed since (whatever its file time says)
    original_sha256: str | None = None

    @property
    def by_choice(self) -> bool:
        """Nothing of it was sent, and only because the user declared its hosts unchecked."""
        return (
            self.outcome is Outcome.SKIPPED
            and bool(self.interactions)
            and all(i.by_choice for i in self.interactions)
        )

    @property
    def unchecked(self) -> bool:
        """Nothing of it was sent, not by the user's choice (a mistyped map): never a pass."""
        return self.outcome is Outcome.SKIPPED and bool(self.interactions) and not self.by_choice


@dataclass(frozen=True, slots=True)
class RunManifest:
    run_id: str
    #: the target's name; its headers (tokens) are never recorded
    target: str
    #: the folder the cassettes' paths are relative to (absolute)
    root: Path
    #: the run's folder in the scratch area
    folder: Path
    started: datetime
    finished: datetime | None = None
    #: False while running, and for good when the run was interrupted
    complete: bool = False
    cassettes: tuple[CassetteRun, ...] = ()
    #: this process stopped the run on Ctrl-C (not written: a run read back was not stopped now)
    interrupted: bool = False

    def original(self, run: CassetteRun) -> Path:
        return self.root / run.path

    def copy(self, run: CassetteRun) -> Path | None:
        return self.folder / run.path if run.written else None


@dataclass(frozen=True, slots=True)
class Progress:
    """Sent to the caller's callback from the calling thread, after every interaction and cassette."""

    root: Path
    cassettes: int
    cassettes_done: int
    interactions_done: int
    errors: int
    #: the cassette just finished, when this update is for one
    finished: CassetteRun | None = None


@dataclass(frozen=True, slots=True)
class Pruned:
    """What pruning a scratch area did: the runs removed and kept, and the run-named folders
    left alone (a symlink, no manifest: not made by cassettes) with why."""

    scratch: Path
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    left: tuple[tuple[str, str], ...] = ()
    #: the run `LATEST` names, never removed
    latest: str | None = None
