"""Find the pairs of cassettes to compare: two files, two folders, a scratch run, a git range.

The diff itself (`cassettes_tool.diff`) is pure; reading the sides is done here, for the
commands that compare (`diff`, `check`, `refresh --apply`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from cassettes_tool import cassette
from cassettes_tool.cassette import (
    CustomSerializer,
    check_serializer,
    custom_serializer,
    read,
)
from cassettes_tool.config import Config
from cassettes_tool.diff.results import Pair
from cassettes_tool.errors import CassetteError, ConfigError
from cassettes_tool.git.revisions import ChangedFile, RangeFiles, range_files
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.manifest import Outcome
from cassettes_tool.model.result import Status
from cassettes_tool.words import display_path

if TYPE_CHECKING:
    from cassettes_tool.model.manifest import CassetteRun, RunManifest


def pairs_of_paths(old: Path, new: Path, config: Config) -> tuple[list[OnDisk], tuple[tuple[Path, str], ...]]:
    """Two files, or two folders whose cassettes pair by relative path.

    The files are paired by path up front; each pair is read only when it is compared, so
    a folder diff holds one pair of cassettes at a time, not every cassette of both sides."""
    check_serializer(config)
    if old.is_file() and new.is_file():
        return _read_pairs([(old, old, new, None)], config.serializer), ()
    if old.is_dir() and new.is_dir():
        before, after = (
            cassette.discover([old], cassette.excluder(config)),
            cassette.discover([new], cassette.excluder(config)),
        )
        old_files = {p.relative_to(old): p for p in before.files}
        new_files = {p.relative_to(new): p for p in after.files}
        paired = []
        for relative in sorted(old_files.keys() | new_files.keys()):
            o, n = old_files.get(relative), new_files.get(relative)
            reason = f"not in {new}" if n is None else f"not in {old}"
            paired.append((o or (new / relative), o, n, reason))
        return _read_pairs(paired, config.serializer), before.notes + after.notes
    kinds = f"{'a folder' if old.is_dir() else 'a file'} and {'a folder' if new.is_dir() else 'a file'}"
    raise ConfigError(f"OLD and NEW must both be files or both be folders, not {kinds}: {old} {new}")


@dataclass(frozen=True, slots=True)
class OnDisk:
    """A pair of files not yet read: read where it is compared (a worker, for many), so a
    folder diff holds one pair of cassettes at a time in each process."""

    path: Path
    old: Path | None
    new: Path | None
    serializer: str | None
    missing_reason: str | None = None
    missing_status: Status = Status.SKIPPED
    note: str | None = None
    outcomes: Mapping[int, tuple[Status, str | None, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict
    )

    def files(self) -> tuple[Path, ...]:
        return tuple(side for side in (self.old, self.new) if side is not None)

    def read(self) -> Pair:
        return Pair(
            self.path,
            read(self.old, self.serializer) if self.old else None,
            read(self.new, self.serializer) if self.new else None,
            missing_reason=self.missing_reason,
            missing_status=self.missing_status,
            note=self.note,
            outcomes=self.outcomes,
        )


def _read_pairs(
    paired: Sequence[tuple[Path, Path | None, Path | None, str | None]], serializer: str | None
) -> list[OnDisk]:
    """Each (path, old file, new file, why one is missing), to be read as it is compared."""
    return [OnDisk(path, o, n, serializer, missing_reason=reason) for path, o, n, reason in paired]


def pairs_of_run(manifest: RunManifest, config: Config) -> list[OnDisk]:
    """Each original against its copy in a scratch run, with what the run did to each.

    Checked up front, read lazily: each pair is read when it is compared (see `pairs_of_paths`)."""
    check_serializer(config)
    return [_run_pair(run, manifest, config.serializer) for run in manifest.cassettes]


_OUTCOME_STATUS = {"refreshed": Status.OK, "skipped": Status.SKIPPED, "error": Status.ERROR}


def _run_pair(run: CassetteRun, manifest: RunManifest, serializer: str | None) -> OnDisk:
    original = manifest.original(run)
    copy = manifest.copy(run)
    if copy is None:
        status = Status.ERROR if run.outcome is Outcome.ERROR else Status.SKIPPED
        reason = _unrefreshed(run.reason)
        why = list(
            dict.fromkeys(i.reason for i in run.interactions if i.outcome is Outcome.ERROR and i.reason)
        )
        if why:
            reason += f" ({'; '.join(why[:2])}{'; ...' if len(why) > 2 else ''})"
        return OnDisk(original, None, None, serializer, missing_reason=reason, missing_status=status)
    outcomes = {
        i.index: (
            _OUTCOME_STATUS[i.outcome.value],
            i.reason,
            tuple((m.where, m.kind) for m in run.masked if m.interaction == i.index),
        )
        for i in run.interactions
    }
    note = run.reason if run.outcome is Outcome.ERROR else None
    return OnDisk(original, original, copy, serializer, note=note, outcomes=outcomes)


def _unrefreshed(reason: str | None) -> str:
    """Why no copy was written, said once ("not started: ...", not "not refreshed: not ...")."""
    if not reason:
        return "not refreshed"
    if reason.startswith(("not ", "nothing ", "skipped ", "interrupted ")):
        return reason
    return f"not refreshed: {reason}"


def pairs_of_git(
    rev_range: str, config: Config, paths: Sequence[Path] = ()
) -> tuple[Iterator[Pair], tuple[tuple[Path, str], ...]]:
    """The cassettes a commit range changed: each as it was in A against as it is in B.

    Read from git objects, never the working tree or the index (`range_files`).
    `paths` (else the configured `paths`, else the whole repository: a commit is whole)
    narrow it. A renamed cassette pairs across the rename when the two recordings share a
    request: cassettes are so alike in layout that git's similarity alone pairs unrelated
    ones (a deleted users cassette "renamed" to a new catalog one). An added cassette is skipped
    ("added in B"), not compared with nothing: it has no recording to have drifted from,
    and calling each of its interactions `interaction_added` would fail a gate on
    additive drift for every new test. A deleted one is skipped ("deleted in B") alike.
    The blobs are read up front (git's errors are usage errors); each pair is parsed only
    when it is compared.
    """
    check_serializer(config)
    changed = range_files(rev_range, Path.cwd(), paths or config.paths, keep=_cassette_name)
    notes: tuple[tuple[Path, str], ...] = ()
    if not changed.files:
        notes = ((changed.top, f"{rev_range} changes no cassette"),)
    return _git_pairs(changed, custom_serializer(config.serializer)), notes


def _git_pairs(changed: RangeFiles, custom: CustomSerializer | None) -> Iterator[Pair]:
    for file in changed.files:
        # a tuple, not locals of this generator: nothing of a pair outlives its comparison
        yield from _git_pair(file, changed, custom)


def _git_pair(file: ChangedFile, changed: RangeFiles, custom: CustomSerializer | None) -> tuple[Pair, ...]:
    name = file.new_name or file.old_name
    assert name is not None
    path = Path(display_path(changed.top / name))
    if file.note is not None:
        return (Pair(path, None, None, missing_reason=f"{file.note}: not compared"),)
    if file.new is None:
        return (Pair(path, None, None, missing_reason=f"deleted in {changed.new_rev}"),)
    if file.old is None:
        return (Pair(path, None, None, missing_reason=f"added in {changed.new_rev}"),)
    old_path = Path(display_path(changed.top / (file.old_name or name)))
    old, new = _loads(file.old, old_path, custom), _loads(file.new, path, custom)
    if file.status == "R" and not _same_recording(old, new):
        return (
            Pair(old_path, None, None, missing_reason=f"deleted in {changed.new_rev}"),
            Pair(path, None, None, missing_reason=f"added in {changed.new_rev}"),
        )
    return (Pair(path, old, new),)


def _cassette_name(name: str) -> bool:
    """A name discovery would take for a cassette: its suffix, and no folder it never searches."""
    folders = PurePosixPath(name).parts[:-1]
    suffix_ok = name.lower().endswith(cassette.CASSETTE_SUFFIXES)
    return suffix_ok and not cassette.SKIPPED_DIRS.intersection(folders)


def _same_recording(old: Cassette | CassetteError, new: Cassette | CassetteError) -> bool:
    """Two cassettes record the same thing when they share a request (method, host, path)."""
    if not isinstance(old, Cassette) or not isinstance(new, Cassette):
        return True  # the unreadable side is reported as such, under the new name

    def requests(side: Cassette) -> set[tuple[str, str, str]]:
        return {(i.request.method, i.request.host, i.request.path) for i in side.interactions}

    return bool(requests(old) & requests(new))


def _loads(raw: bytes, path: Path, custom: CustomSerializer | None) -> Cassette | CassetteError:
    try:
        return cassette.loads(raw, path, custom)
    except CassetteError as exc:
        return exc
