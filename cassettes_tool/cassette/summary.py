"""A cassette as the inventory lists it, and the read that returns an error as a value."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.discover import Discovery
from cassettes_tool.cassette.formats.custom import custom_serializer, import_serializer
from cassettes_tool.cassette.read import load
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError, NotACassette
from cassettes_tool.model.cassette import Cassette, Interaction
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Status


def read(path: Path, serializer: str | None) -> Cassette | CassetteError:
    """The cassette, or the error that says why it could not be read (a value, not a raise)."""
    try:
        return load(path, custom_serializer(serializer))
    except CassetteError as exc:
        return exc


def unread(exc: CassetteError) -> CassetteResult:
    """The result of a file that was skipped (not a cassette) or could not be read, with its size."""
    size = file_size(exc.path)
    if isinstance(exc, NotACassette):
        return CassetteResult(path=exc.path, status=Status.SKIPPED, error=exc.reason, size=size)
    return CassetteResult(path=exc.path, status=Status.ERROR, error=exc.reason, line=exc.line, size=size)


def file_size(path: Path) -> int:
    """The bytes of a regular file (the report's `size`); 0 for a folder, a FIFO, a file gone."""
    try:
        facts = path.stat()
    except OSError:
        return 0
    return facts.st_size if stat.S_ISREG(facts.st_mode) else 0


def unsearched(found: Discovery) -> list[CassetteError]:
    """Folders that could not be searched: errors, since what they hold went unchecked."""
    return [CassetteError(folder, reason, kind="unreadable") for folder, reason in found.unreadable]


def interaction_summary(interaction: Interaction, **extra: Any) -> InteractionSummary:
    """What a report shows of one interaction: request line, status, response body.

    The words that repeat across a tree (method, host, media type, body kind) are interned:
    one string each, also after the trip from a worker, instead of one per interaction."""
    request, response = interaction.request, interaction.response
    media_type = response.body.media_type
    return InteractionSummary(
        index=interaction.index,
        method=sys.intern(request.method),
        uri=request.uri,
        host=sys.intern(request.host),
        path=request.path,
        status_code=response.status,
        media_type=sys.intern(media_type) if media_type else media_type,
        body_size=response.body.size,
        body_kind=sys.intern(response.body.apparent_kind.value),
        line=interaction.line,
        **extra,
    )


def summarize(path: Path, serializer: str | None = None) -> CassetteResult:
    loaded = read(path, serializer)
    if isinstance(loaded, CassetteError):
        return unread(loaded)
    return CassetteResult(
        path=path,
        status=Status.OK,
        serializer=loaded.serializer,
        note=loaded.layout_note,
        size=len(loaded.text.encode("utf-8")),
        interactions=tuple(interaction_summary(i) for i in loaded.interactions),
    )


def check_serializer(config: Config) -> None:
    """A bad `serializer` setting fails once, up front, as a ConfigError naming the file."""
    if config.serializer:
        import_serializer(config.serializer, source=config.source, root=config.root)


def find(paths: Iterable[Path], config: Config) -> Discovery:
    """The cassettes a command over `paths` reads, the `serializer` setting checked first."""
    from cassettes_tool.cassette.discover import discover
    from cassettes_tool.cassette.exclude import excluder

    check_serializer(config)
    return discover(paths, excluder(config))
