"""Write a run back over the originals atomically, then hand the files to git to commit.

The one module that writes to the user's working tree (SPEC.md, safety rules). Every
check comes before the first write: which cassettes drifted, that each copy is still
free of credentials, that no original changed since the run, and for `--commit` that
the repository is fit for a commit. Each file is then replaced whole (a temporary file
beside it, its mode copied, `os.replace`), and if a write or the commit fails, the
files already written get their old bytes back: the originals end as they were, or
as the run made them, never half-way.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cassette import custom_serializer
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError, CassettesError
from cassettes_tool.git.ages import file_ages
from cassettes_tool.git.commit import commit_files, prepare_commit
from cassettes_tool.lint import checks as lint_checks
from cassettes_tool.model.change import Severity
from cassettes_tool.model.manifest import CassetteRun, Outcome, RunManifest
from cassettes_tool.model.result import ApplyInfo, CassetteResult, Problem, Report, Status
from cassettes_tool.report import gaps
from cassettes_tool.report.markdown import render_commit_message

BRANCH_PREFIX = "cassettes/refresh-"

#: what an answer that became an error usually means, and how to write it anyway
ERRORS_HINT = f"{gaps.ERRORS_HINT}; not written back (--accept-errors writes it)"


@dataclass(frozen=True, slots=True)
class CommitOptions:
    """`--commit`: the branch to create, or None to commit on the current one (`--no-branch`)."""

    branch: str | None


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """`--apply`: which drifted cassettes to write back; `--commit` when they are also committed.

    `only` keeps the cassettes holding at least one change of that severity or above
    (as `--fail-on` counts): `--only breaking` writes the cassettes that broke, each with
    all of its changes, since a cassette is replaced whole. The default, `value`, is
    every cassette that drifted at all.
    """

    only: Severity = Severity.VALUE
    commit: CommitOptions | None = None
    #: `--accept-errors`: also write copies whose answers became 4xx/5xx
    accept_errors: bool = False


def commit_options(branch: str | None, *, current_branch: bool, now: datetime | None = None) -> CommitOptions:
    """The branch named once, so that the checks before a refresh and the commit after it agree."""
    if current_branch:
        return CommitOptions(branch=None)
    moment = now or datetime.now(timezone.utc)
    return CommitOptions(branch=branch or f"{BRANCH_PREFIX}{moment:%Y%m%d-%H%M%S}")


def check_commit(paths: Sequence[Path], options: CommitOptions) -> None:
    """The repository's refusals (merge in progress, staged changes, existing branch...), asked
    before a refresh sends anything to staging; `apply_run` asks again before it writes."""
    prepare_commit(_common_folder(paths), new_branch=options.branch)


@dataclass(frozen=True, slots=True)
class _Write:
    """One original to replace: its copy's bytes (already scanned) and the original's, to undo."""

    path: Path
    data: bytes
    previous: bytes


@dataclass(frozen=True, slots=True)
class _Plan:
    writes: tuple[_Write, ...]
    kept: tuple[tuple[Path, str], ...]
    withheld: tuple[tuple[Path, str], ...]
    problems: Mapping[Path, tuple[Problem, ...]]


def apply_run(manifest: RunManifest, drift: Report, config: Config, options: ApplyOptions) -> Report:
    """Write the run's drifted copies over their originals (and commit them), as a drift report.

    `drift` is the run compared with the originals (`diff --scratch` of it).

    Aligned, skipped and failed cassettes are left byte-identical, and so is every
    cassette whose copy still holds a credential or whose original changed after the
    run began (reported as withheld; the others are still written and committed, and the
    report's verdict says the work is incomplete). Raises ConfigError when `--commit` must refuse,
    CassettesError when the run was interrupted or a write or the commit failed; in
    every such case no original is left changed.
    """
    if not manifest.complete:
        raise CassettesError(
            f"run {manifest.run_id} was interrupted: nothing applied; refresh again to finish it"
        )
    plan = _plan(drift, manifest, config, options)
    paths = [w.path for w in plan.writes]
    ages = file_ages(paths).ages if paths else {}
    results = tuple(
        replace(r, age=ages.get(r.path, r.age), problems=r.problems + plan.problems.get(r.path, ()))
        for r in drift.cassettes
    )
    commit_plan = None
    if options.commit is not None:
        where = _common_folder(paths) if paths else manifest.root
        commit_plan = prepare_commit(where, paths, new_branch=options.commit.branch)
    done = _write_all(plan.writes)
    applied = ApplyInfo(written=tuple(paths), kept=plan.kept, withheld=plan.withheld)
    if commit_plan is not None and done:
        message = render_commit_message(_commit_report(drift, results, paths, commit_plan.root))
        try:
            sha = commit_files(commit_plan, message)
        except BaseException:
            _restore(done)
            raise
        applied = replace(applied, branch=commit_plan.new_branch, commit=sha)
    return replace(drift, cassettes=results, applied=applied)


def _plan(drift: Report, manifest: RunManifest, config: Config, options: ApplyOptions) -> _Plan:
    """Choose and read everything before anything is written."""
    runs = {manifest.original(run): run for run in manifest.cassettes}
    writes: list[_Write] = []
    kept: list[tuple[Path, str]] = []
    withheld: list[tuple[Path, str]] = []
    problems: dict[Path, tuple[Problem, ...]] = {}
    started = manifest.started.timestamp()
    only = options.only
    for result in drift.cassettes:
        changes = [c for c in drift.changes(result) if c.severity is not Severity.VOLATILE]
        if result.status is not Status.DRIFTED or not changes:
            continue
        top = max((c.severity for c in changes), key=lambda s: s.rank)
        run = runs[result.path]
        copy = manifest.copy(run)
        if run.outcome is not Outcome.REFRESHED or copy is None:
            withheld.append((result.path, f"its refresh did not finish: {run.reason or run.outcome.value}"))
            continue
        if top.rank < only.rank:
            kept.append((result.path, f"its drift is {top.value} at most, below --only {only.value}"))
            continue
        errors = drift.became_errors(result)
        if errors and not options.accept_errors:
            _, request, was, now = errors[0]
            withheld.append((result.path, f"{request} was {was}, is now {now}: {ERRORS_HINT}"))
            continue
        try:
            write, why, found = _prepare(result, run, copy, config, started, manifest)
        except OSError as exc:
            write, why, found = None, f"cannot read it or its copy: {exc.strerror or exc}", ()
        if found:
            problems[result.path] = found
        if write is None:
            withheld.append((result.path, why))
        else:
            writes.append(write)
    return _Plan(tuple(writes), tuple(kept), tuple(withheld), problems)


def _prepare(
    result: CassetteResult,
    run: CassetteRun,
    copy: Path,
    config: Config,
    started: float,
    manifest: RunManifest,
) -> tuple[_Write | None, str, tuple[Problem, ...]]:
    """The write for one cassette, or why not (and the credentials found in its copy)."""
    original = result.path
    facts = os.lstat(original)
    if stat.S_ISLNK(facts.st_mode):
        return None, "a symlink: its target is not replaced", ()
    if not stat.S_ISREG(facts.st_mode):
        return None, "not a regular file: never replaced", ()
    if not _inside(original, manifest.root) or not _inside(copy, manifest.folder):
        return None, f"outside the run's root ({manifest.root}) or folder: never written", ()
    previous = original.read_bytes()
    if run.original_sha256 is not None:
        if hashlib.sha256(previous).hexdigest() != run.original_sha256:
            return None, "changed since the run (its content differs): refresh it again to apply it", ()
    elif facts.st_mtime > started:
        return None, "changed after the run began: refresh it again to apply it", ()
    data = copy.read_bytes()
    try:
        loaded = cassette.loads(data, copy, custom_serializer(config.serializer))
    except CassetteError as exc:
        return None, f"its copy cannot be read back: {exc.reason}", ()
    # the last guard: the copy passed redaction and masking when it was written
    found = tuple(
        Problem(p.code, p.kind, f"{p.message} (its copy {copy}, line {p.line or '?'}): not written back")
        for p in lint_checks.problems(
            loaded, headers=config.redact.headers, fields=tuple(config.redact.query)
        )
    )
    if found:
        return (
            None,
            "its copy still holds a credential: add a [tool.cassettes.redact] rule, refresh again",
            found,
        )
    return _Write(original, data, previous), "", ()


def _inside(path: Path, root: Path) -> bool:
    """Where a file really is (symlinked folders followed) lies in the project."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def _write_all(writes: Sequence[_Write]) -> list[_Write]:
    """Replace each original; on any failure (Ctrl-C included) put back those already replaced."""
    done: list[_Write] = []
    try:
        for write in writes:
            cassette.write_atomic(write.path, write.data)
            done.append(write)
    except OSError as exc:
        _restore(done)
        raise CassettesError(
            f"cannot write {exc.filename or 'a cassette'}: {exc.strerror or exc}; nothing was applied"
        ) from None
    except BaseException:
        _restore(done)
        raise
    return done


def _restore(done: Sequence[_Write]) -> None:
    """Best effort: each file back to its old bytes, by the same atomic replace."""
    for write in reversed(done):
        try:
            cassette.write_atomic(write.path, write.previous)
        except OSError:
            continue


def _commit_report(
    drift: Report, results: Sequence[CassetteResult], written: Sequence[Path], root: Path
) -> Report:
    """The written cassettes only, named from the repository's top as a reviewer reads them."""
    chosen = set(written)
    top = os.path.realpath(root)
    named = tuple(
        replace(r, path=Path(os.path.relpath(os.path.realpath(r.path), top)))
        for r in results
        if r.path in chosen
    )
    return replace(drift, cassettes=named, notes=())


def _common_folder(paths: Sequence[Path]) -> Path:
    folders = [os.path.abspath(p if p.is_dir() else p.parent) for p in paths] or [os.getcwd()]
    return Path(os.path.commonpath(folders))
