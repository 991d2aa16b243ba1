"""The `cassettes` command: options in, one call of a command, its report rendered, exit with its verdict.

The only package that knows click, stdout/stderr and exit codes. `app` holds the group,
the error handler and the emitter; `options` the options several commands share; each
command is a few lines in `inspect` (reads cassettes where they are), `show` (one
cassette made readable), `drift` (compares with staging or history) or `spec` (against
OpenAPI documents). `textconv` is
git's diff driver without click: git runs it once per file side, so its start-up is the
cost of a `git log -p`.

The submodules load on first use (PEP 562), and the group imports a command's module only
when that command runs: `cassettes --help` imports click and nothing of ours beyond the
group, `cassettes --version` and `cassettes show --textconv FILE` not even click.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["_progress", "cli", "drift", "inspect", "main", "scratch", "show", "spec"]


def main() -> None:
    """Console entry point: git's textconv call and `--version` go the short way (importing
    click alone is ~50 ms), everything else through click."""
    if sys.argv[1:] == ["--version"]:  # click's version_option says it the same way
        from cassettes_tool import __version__

        print(f"cassettes, version {__version__}")
        return
    from cassettes_tool.cli.textconv import fast_path

    fast_path(sys.argv[1:])  # returns only when the arguments are not the textconv shape
    from cassettes_tool.cli import app

    app.main()


def __getattr__(name: str) -> Any:
    if name in ("drift", "inspect", "scratch", "show", "spec", "app", "options", "textconv"):
        return importlib.import_module(f"cassettes_tool.cli.{name}")
    if name == "cli":
        return importlib.import_module("cassettes_tool.cli.app").cli
    if name == "_progress":
        return importlib.import_module("cassettes_tool.cli.drift")._progress
    raise AttributeError(f"module 'cassettes_tool.cli' has no attribute {name!r}")
