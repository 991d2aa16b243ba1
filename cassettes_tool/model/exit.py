"""The exit codes of SPEC.md, on their own: every error type names one, and a command that
only reads a file (git's textconv driver) should not load the whole report model for them."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """The exit codes of SPEC.md: the report's verdict; `cli` is the only place that exits with them."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3
    #: Ctrl-C, as shells expect (128 + SIGINT)
    INTERRUPTED = 130
