"""Find the cassette files under the paths a user gives: every file reached once."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cassettes_tool.cassette.exclude import Exclude

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json", ".yaml.gz", ".yml.gz", ".json.gz")


#: Folders never searched: VCS data, our own scratch area, virtual environments.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".cassettes", ".venv", "venv", "node_modules", "__pycache__", ".tox"}
)


@dataclass(frozen=True, slots=True)
class Discovery:
    files: tuple[Path, ...]
    #: things a user should hear about that are not cassettes: symlinks met twice, missing paths
    notes: tuple[tuple[Path, str], ...] = ()
    #: folders that could not be searched: what they hold was not checked (the run is incomplete)
    unreadable: tuple[tuple[Path, str], ...] = ()


def special_file(path: Path) -> str | None:
    """What a path is when it is not a regular file (FIFO, device, socket), told by stat
    alone: opening a FIFO blocks, reading /dev/zero never ends."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: the read says why
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a special file"
    )
    return f"{kind}, not a regular file: skipped, never opened"


def discover(paths: Iterable[Path], exclude: Exclude | None = None) -> Discovery:
    """Every `*.yaml`, `*.yml`, `*.json` (and `*.gz` of them) under the given paths (a file given
    by name is taken as is), less what `exclude` matches, named files included.

    A file or folder reached twice (overlapping PATHs, symlinks, a symlink loop) is read once.
    """
    walk = _Walk(exclude)
    for root in paths:
        if not root.exists():
            walk.notes.append((root, "no such file or folder"))
        else:
            walk.root(root)
    return Discovery(tuple(sorted(walk.found.values())), tuple(walk.notes), tuple(walk.unreadable))


class _Walk:
    def __init__(self, exclude: Exclude | None = None) -> None:
        self.exclude = exclude
        self.found: dict[str, Path] = {}  # where the file really is -> the path it was first reached by
        self.notes: list[tuple[Path, str]] = []
        self.unreadable: list[tuple[Path, str]] = []
        self.seen: set[tuple[int, int]] = set()
        self.cwd = os.getcwd()  # abspath asks the system for it on every call

    def root(self, path: Path) -> None:
        via_link = os.path.realpath(path) != os.path.abspath(path)
        if path.is_dir():
            self.folder(path, via_link)
        else:
            self.file(path, via_link)

    def file(self, path: Path, via_link: bool, *, checked: bool = False) -> None:
        if self.exclude is not None and self.exclude.matches(path):
            return
        special = None if checked else special_file(path)
        if special is not None:
            self.notes.append((path, special))
            return
        # realpath costs a syscall per path component: only a symlink on the way needs it
        key = os.path.realpath(path) if via_link else os.path.normpath(os.path.join(self.cwd, path))
        self.found.setdefault(key, path)

    def folder(self, top: Path, via_link: bool = False) -> None:
        """Depth first, in name order, with a stack of its own: a tree nested deeper than
        Python's recursion limit is searched like any other."""
        first = self._entries(top, via_link)
        stack = [first] if first is not None else []
        while stack:
            for entry, linked in stack[-1]:
                path = Path(entry.path)
                try:
                    is_dir = entry.is_dir(follow_symlinks=True)
                except OSError:
                    is_dir = False
                if is_dir:
                    below = self._entries(path, linked) if entry.name not in SKIPPED_DIRS else None
                    if below is not None:
                        stack.append(below)
                        break
                elif entry.name.lower().endswith(CASSETTE_SUFFIXES):
                    self.file(path, linked, checked=_regular(entry))
            else:
                stack.pop()

    def _entries(self, folder: Path, via_link: bool) -> Iterator[tuple[os.DirEntry[str], bool]] | None:
        """The folder's entries in name order (each with whether a symlink led there), or None
        when it is excluded, unreadable or already searched (each noted)."""
        if self.exclude is not None and self.exclude.matches(folder, folder=True):
            return None
        try:
            stat = folder.stat()
        except OSError as exc:
            self.unreadable.append((folder, f"cannot read folder: {exc.strerror or exc}"))
            return None
        key = (stat.st_dev, stat.st_ino)
        if key in self.seen:
            real, parent = os.path.realpath(folder), os.path.realpath(folder.parent)
            loop = parent == real or parent.startswith(real.rstrip(os.sep) + os.sep)
            reason = "symlink loop" if loop else "reached again through another path (symlink)"
            self.notes.append((folder, f"{reason}: folder already searched, skipped"))
            return None
        self.seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.unreadable.append((folder, f"cannot read folder: {exc.strerror or exc}"))
            return None
        return ((entry, via_link or entry.is_symlink()) for entry in entries)


def _regular(entry: os.DirEntry[str]) -> bool:
    """A regular file (through a symlink too), told from the cached stat: nothing is opened."""
    try:
        return entry.is_file(follow_symlinks=True)
    except OSError:
        return False
