"""`cassettes show --textconv FILE` without click, the commands or the renderers.

git runs the textconv driver once per side of every cassette a diff touches: a
`git show` of a commit adding 140 cassettes runs it 140 times, so start-up is the cost.
Only the exact shape git uses (`show --textconv FILE`, optionally `--config FILE`)
takes this path; anything else (help, a missing file) goes through click as before.
"""

from __future__ import annotations

import os
import sys


def fast_path(args: list[str]) -> None:
    """Print the textconv form and exit 0 when `args` is git's call; else return. Every other
    command line passes here first, so this imports nothing until it knows (not even pathlib)."""
    if len(args) not in (3, 5) or args[:2] != ["show", "--textconv"]:
        return
    config_file = None
    rest = args[2:]
    if len(rest) == 3:
        if rest[0] != "--config":
            return
        config_file, rest = rest[1], rest[2:]
    file = rest[0]
    if file.startswith("-") or not os.path.isfile(file):
        return
    if config_file is not None and not os.path.isfile(config_file):
        return
    from pathlib import Path

    from cassettes_tool.commands.show import run
    from cassettes_tool.report.show import write

    config_path = None if config_file is None else Path(config_file)
    write(run(Path(file), textconv=True, config_file=config_path), sys.stdout.buffer)
    sys.exit(0)
