"""How counts, sizes and paths are written wherever a person reads them."""

from __future__ import annotations

import os
from pathlib import Path


def plural(count: int, noun: str) -> str:
    """`1 cassette`, `2 cassettes`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def display_path(path: Path) -> str:
    """Paths in reports are relative to the current folder when they are under it."""
    text = os.fspath(path)
    if os.sep == "/" and text and text[0] != "/" and ".." not in text.split("/"):
        # already relative, never climbing: what relpath gives, without its two getcwd calls
        # (a table of 20,000 cassettes made 40,000 of them)
        return os.path.normpath(text)
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
