"""`[tool.cassettes] exclude`: gitignore-style globs of files and folders discovery never takes.

Matched against the path relative to the config's folder (where `pyproject.toml` is), as
git matches `.gitignore` patterns against paths relative to the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cassettes_tool.config import Config

if TYPE_CHECKING:
    import pathspec


@dataclass(frozen=True)
class Exclude:
    root: str
    spec: pathspec.PathSpec[Any]

    @classmethod
    def of(cls, globs: Iterable[str], root: Path) -> Exclude | None:
        patterns = list(globs)
        if not patterns:
            return None
        import pathspec  # only a config with `exclude` pays for it (a sixth of age's imports)

        return cls(os.path.abspath(root), pathspec.GitIgnoreSpec.from_lines(patterns))

    def matches(self, path: Path, *, folder: bool = False) -> bool:
        absolute = os.path.abspath(path)
        relative = (
            os.path.relpath(absolute, self.root) if absolute.startswith(self.root + os.sep) else absolute
        )
        name = relative.replace(os.sep, "/")
        return self.spec.match_file(name + "/" if folder else name)


def excluder(config: Config) -> Exclude | None:
    """The config's `exclude` globs, ready for `discover`; None when there are none."""
    return Exclude.of(config.exclude, config.root)
