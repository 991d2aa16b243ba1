"""The `cassettes` command: options in, one call of a command, its report rendered, exit with its verdict.

The only package that knows click, stdout/stderr and exit codes. `app` holds the group,
the error handler and the emitter; `options` the options several commands share; each
command is a few lines in `inspect` (reads cassettes where they are), `drift`
(compares with staging or history) or `spec` (against OpenAPI documents).
"""

from __future__ import annotations

from cassettes_tool.cli import drift, inspect, spec
from cassettes_tool.cli.app import cli, main
from cassettes_tool.cli.drift import _progress

__all__ = ["_progress", "cli", "drift", "inspect", "main", "spec"]
