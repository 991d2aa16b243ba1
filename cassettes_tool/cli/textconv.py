"""`cassettes show --textconv FILE` without click, the commands or the renderers.

git runs the textconv driver once per side of every cassette a diff touches: a
`git show` of a commit adding 140 cassettes runs it 140 times, so start-up is the cost.
Only the exact shape git uses (`show --textconv FILE`, optionally `--config FILE`)
takes this path; anything else (help, a missing file) goes through click as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def fast_path(args: list[str]) -> None:
    """Print the textconv form and exit 0 when `args` is git's call; else return."""
    if len(args) not in (3, 5) or args[:2] != ["show", "--textconv"]:
        return
    config_file = None
    rest = args[2:]
    if len(rest) == 3:
        if rest[0] != "--config":
            return
        config_file, rest = Path(rest[1]), rest[2:]
    file = Path(rest[0])
    if rest[0].startswith("-") or not os.path.isfile(file):
        return
    if config_file is not None and not config_file.is_file():
        return
    from cassettes_tool.commands.show import run
    from cassettes_tool.report.show import write

    write(run(file, textconv=True, config_file=config_file), sys.stdout.buffer)
    sys.exit(0)
