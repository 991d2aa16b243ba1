"""`show`: one cassette made readable; with `--textconv`, the stable form git's diff driver reads."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

from cassettes_tool import cassette, config
from cassettes_tool.diff.rules import DiffRules
from cassettes_tool.errors import CassettesError, ConfigError
from cassettes_tool.model.cassette import Cassette, Interaction
from cassettes_tool.report import show


def run(
    file: Path, *, interaction: int | None = None, textconv: bool = False, config_file: Path | None = None
) -> Iterator[str]:
    """The lines to print, made as they are written. Under `textconv` nothing stops `git diff`:
    a broken config is set aside, and a file that cannot be shown is printed as it is, after a
    line saying why."""
    try:
        settings = config.load(config_file)
        custom = cassette.custom_serializer(settings.serializer)
    except CassettesError:
        if not textconv:
            raise
        settings, custom = config.Config(), None
    try:
        loaded = cassette.load(file, custom)
        if interaction is not None and interaction >= len(loaded.interactions):
            count = len(loaded.interactions)
            raise ConfigError(
                f"{file} has {count} interaction{'' if count == 1 else 's'} (numbered from 0)",
                key="--interaction",
            )
        rules = DiffRules.from_config(settings)
    except ConfigError:
        raise
    except Exception as exc:
        if not textconv:
            raise
        return iter(_fallback(file, exc))
    chosen = _handed_over(loaded, interaction)
    del loaded  # from here the interactions live only in `chosen`, each until it is written
    lines = show.stream_interactions(chosen, textconv=textconv, rules=rules)
    return _guarded(lines, file) if textconv else lines


def _handed_over(loaded: Cassette, interaction: int | None) -> Iterator[Interaction]:
    """The interactions to show, each let go once taken: an interaction that has been written
    is freed with its decoded body and parsed JSON, and so is the file's text, so the memory
    held is about one interaction's rendering, not the whole cassette's (a 200 MB cassette
    peaked at 3.5 GB)."""
    pending = deque(loaded.interactions if interaction is None else (loaded.interactions[interaction],))

    def take() -> Iterator[Interaction]:
        while pending:
            yield pending.popleft()

    return take()


def _guarded(lines: Iterator[str], file: Path) -> Iterator[str]:
    """Rendering that fails part way still ends in the file's own text, after a line saying why."""
    try:
        yield from lines
    except Exception as exc:
        yield from _fallback(file, exc)


def _fallback(file: Path, exc: Exception) -> list[str]:
    try:
        raw = file.read_bytes()
    except OSError:
        raw = b""
    return show.fallback(raw, show.reason_of(exc))
