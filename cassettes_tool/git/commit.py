"""The refresh commit: a new branch, only the files written, never pushed; and the demo's history.

The commit is git's own: GitPython's `index.add` rewrites the whole index in Python
(no clean filters such as LFS or eol, no index v4 or sparse index) and its
`index.commit` ignores `commit.gpgSign`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cassettes_tool.errors import CassettesError, ConfigError
from cassettes_tool.git.runner import GitFailed, Repo, open_repo, places, repo_names, run


def record_history(folder: Path, message: str, when: datetime) -> bool:
    """Make `folder` a repository whose one commit, dated `when`, holds all it has.

    The demo uses it so that ages have a history to come from; False when git is missing.
    """
    dated = {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    identity = [
        "-c",
        "user.name=cassettes demo",
        "-c",
        "user.email=demo@example.com",
        "-c",
        "commit.gpgsign=false",
    ]
    steps = (["init", "-q"], ["add", "-A"], [*identity, "commit", "-q", "-m", message])
    try:
        for step in steps:
            run(step, folder, env=dated)
    except (OSError, GitFailed):
        return False
    return True


#: files git leaves while an operation waits for the user; committing then would join it
_IN_PROGRESS = (
    ("MERGE_HEAD", "a merge"),
    ("rebase-merge", "a rebase"),
    ("rebase-apply", "a rebase (or `git am`)"),
    ("CHERRY_PICK_HEAD", "a cherry-pick"),
    ("REVERT_HEAD", "a revert"),
)


@dataclass(frozen=True, slots=True)
class CommitPlan:
    """A repository found fit for `refresh --commit`; nothing is written before one exists."""

    root: Path
    #: the commit HEAD names (full object name)
    head: str
    #: the branch HEAD is on (`refs/heads/...`), None when detached
    branch: str | None
    #: the branch to create and commit on, None to commit on the current one
    new_branch: str | None
    #: the files to stage and commit, as git names them
    names: tuple[str, ...] = ()


def prepare_commit(where: Path, files: Sequence[Path] = (), *, new_branch: str | None) -> CommitPlan:
    """Check every reason `--commit` refuses, before any file is written; raise ConfigError naming it.

    Refused: not in a repository, no commit yet, an operation in progress (merge, rebase,
    cherry-pick, revert), anything already staged (it would ride along), a detached HEAD
    without a branch to create, an existing or malformed branch name, no author identity
    in git config, a file outside the repository or ignored by it. Only reads: `rev-parse`,
    `diff-index --cached` and `ls-files` take no lock and write nothing.
    """
    try:
        return _prepare_commit(where, files, new_branch)
    except FileNotFoundError:
        raise ConfigError("--commit: git is not installed (or not on PATH)") from None
    except GitFailed as exc:
        raise ConfigError(f"--commit: {exc}") from None


def _prepare_commit(where: Path, files: Sequence[Path], new_branch: str | None) -> CommitPlan:
    folder = where if where.is_dir() else where.parent
    try:
        repo = open_repo(folder)
    except GitFailed:
        raise ConfigError(f"--commit: {folder} is not in a git repository") from None
    if not repo.has_head:
        raise ConfigError(f"--commit: {repo.root} has no commit yet: commit once, then refresh")
    root = repo.root
    asked = [arg for name, _ in _IN_PROGRESS for arg in ("--git-path", name)]
    found = run(["rev-parse", *asked], root).decode().splitlines()
    for line, (_, what) in zip(found, _IN_PROGRESS, strict=True):
        if (root / line).exists():
            raise ConfigError(f"--commit: {what} is in progress in {root}: finish or abort it first")
    head = run(["rev-parse", "--verify", "HEAD^{commit}"], root).decode().strip()
    branch = _symbolic_head(root)
    if new_branch is None and branch is None:
        raise ConfigError("--commit --no-branch: HEAD is detached: name a branch with --branch NAME")
    if new_branch is not None:
        _check_new_branch(root, new_branch)
    staged = [
        os.fsdecode(n)
        for n in run(["diff-index", "--cached", "--name-only", "-z", "HEAD", "--"], root).split(b"\0")
        if n
    ]
    if staged:
        shown = ", ".join(staged[:3]) + (f" and {len(staged) - 3} more" if len(staged) > 3 else "")
        raise ConfigError(
            f"--commit: changes are already staged ({shown}): commit or unstage them first, "
            "so that the refresh commit holds only cassettes"
        )
    for kind in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            run(["var", kind], root)
        except GitFailed as exc:
            raise ConfigError(
                f"--commit: no identity in git config ({exc}): set user.name and user.email"
            ) from None
    names = _commit_names(repo, files)
    return CommitPlan(root=root, head=head, branch=branch, new_branch=new_branch, names=names)


def _symbolic_head(root: Path) -> str | None:
    try:
        return run(["symbolic-ref", "-q", "HEAD"], root).decode().strip() or None
    except GitFailed:
        return None  # exit 1 without a word: HEAD is detached


def _check_new_branch(root: Path, name: str) -> None:
    try:
        run(["check-ref-format", "--branch", name], root)
    except GitFailed:
        raise ConfigError(f"--branch {name!r}: not a valid branch name") from None
    try:
        run(["rev-parse", "--verify", "-q", f"refs/heads/{name}"], root)
    except GitFailed:
        return
    raise ConfigError(f"--commit: branch {name!r} already exists: name another with --branch NAME")


def _commit_names(repo: Repo, files: Sequence[Path]) -> tuple[str, ...]:
    """The files' names in the repository; each must be inside it and not ignored by it."""
    found = places(files)
    for path, place in found.items():
        if place.root is None or Path(os.path.realpath(place.root)) != repo.root:
            raise ConfigError(f"--commit: {path} is not in the repository at {repo.root}")
    names = [os.fsdecode(name) for name in repo_names(repo, found)]
    if not names:
        return ()
    listed = run(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *names], repo.root)
    known = {os.fsdecode(n) for n in listed.split(b"\0") if n}
    ignored = [name for name in names if name not in known]
    if ignored:
        raise ConfigError(f"--commit: {ignored[0]} is ignored by git: it cannot be committed")
    return tuple(names)


def commit_files(plan: CommitPlan, message: str) -> str:
    """Commit exactly the plan's files, on a new branch unless told otherwise; never push.

    The branch is created at HEAD and HEAD is pointed at it by reference only (same
    commit: the working tree and the index stay as they are, other edits included).
    Only the plan's files are staged (`git add -- names`) and committed (`git commit --
    names`, so nothing else can ride along), with the author and committer from git
    config (their GIT_* variables are cleaned away) and the user's hooks. When git
    fails, HEAD, the branch and those index entries go back as they were and
    CassettesError carries git's complaint; the caller restores the files it wrote.
    """
    root = plan.root
    done: list[str] = []
    try:
        if plan.new_branch is not None:
            ref = f"refs/heads/{plan.new_branch}"
            # an empty old value: create, or fail if someone made the branch meanwhile
            run(["update-ref", "-m", "cassettes refresh: branch", ref, plan.head, ""], root)
            done.append("branch")
            run(["symbolic-ref", "-m", "cassettes refresh: switch", "HEAD", ref], root)
            done.append("switch")
        done.append("stage")
        run(["add", "--", *plan.names], root)
        run(
            ["commit", "-q", "--cleanup=whitespace", "-F", "-", "--", *plan.names],
            root,
            stdin=message.encode(),
        )
        done.append("commit")
        return run(["rev-parse", "HEAD"], root).decode().strip()
    except (GitFailed, FileNotFoundError) as exc:
        _undo_commit(plan, done)
        raise CassettesError(f"git could not commit the refresh: {exc}") from None
    except BaseException:  # Ctrl-C while git works: the repository goes back all the same
        _undo_commit(plan, done)
        raise


def _undo_commit(plan: CommitPlan, done: Sequence[str]) -> None:
    """Best effort: a failing step must not hide why the commit failed.

    HEAD goes back first, then the files' index entries to HEAD's. A commit already made
    (Ctrl-C just after it) stays on its new branch, so nothing is lost; on the current
    branch, the branch goes back and the commit stays in the reflog.
    """
    steps: list[list[str]] = []
    if "commit" in done and plan.new_branch is None:
        steps.append(["update-ref", "-m", "cassettes refresh: undo", "HEAD", plan.head])
    if "switch" in done:
        if plan.branch is not None:
            steps.append(["symbolic-ref", "-m", "cassettes refresh: undo", "HEAD", plan.branch])
        else:
            steps.append(["update-ref", "--no-deref", "-m", "cassettes refresh: undo", "HEAD", plan.head])
    if "stage" in done:
        steps.append(["reset", "-q", "--", *plan.names])
    if "branch" in done and plan.new_branch is not None:
        # only while it still points where it was made: a branch holding a commit is kept
        steps.append(["update-ref", "-d", f"refs/heads/{plan.new_branch}", plan.head])
    for step in steps:
        with contextlib.suppress(GitFailed, FileNotFoundError):
            run(step, plan.root)
