"""What the scratch folder may hold: refresh runs, `LATEST`, the `.gitignore` and the scan cache.

Refresh writes its runs there and scan and lint their cache, so both ask the same question
first: is this folder ours alone?
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cassettes_tool.errors import ConfigError

#: `<scratch>/LATEST` holds the id of the newest run, for `diff --scratch` without a RUN.
LATEST = "LATEST"

#: `<scratch>/cache/`: scan's and lint's results per cassette; never a run, so never pruned
CACHE = "cache"

RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{4}")

_IGNORE_ALL = "# cassettes refresh runs and scan cache: never committed\n*\n"


def check_scratch(scratch: Path) -> None:
    """The scratch folder is ours alone: never a symlink (the runs, and a `.gitignore` of `*`,
    would land wherever it points), never a folder holding other files (`scratch = "tests"`
    would hide new cassettes from git)."""
    if scratch.is_symlink():
        raise ConfigError(
            f"scratch folder {scratch} is a symlink: refused; set `scratch` to a folder of its own"
        )
    if not scratch.exists():
        return
    if not scratch.is_dir():
        raise ConfigError(f"scratch folder {scratch} is not a folder: refused")
    ours = {".gitignore", LATEST, CACHE}
    others = sorted(
        e.name for e in os.scandir(scratch) if e.name not in ours and not RUN_ID.fullmatch(e.name)
    )
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise ConfigError(
            f"scratch folder {scratch} holds other files ({shown}): refused; "
            "set `scratch` to a folder of its own (default .cassettes/scratch)"
        )


def make_scratch(scratch: Path) -> None:
    """The folder, with a `.gitignore` of `*`: nothing in it is ever committed."""
    from cassettes_tool.cassette.write import write_atomic

    scratch.mkdir(parents=True, exist_ok=True)
    ignore = scratch / ".gitignore"
    if not ignore.exists():
        write_atomic(ignore, _IGNORE_ALL)
