"""A refreshed cassette's copy: scrubbed, written through vcrpy's serializer, replaced atomically.

The same function runs on a request thread or in a writer process (`writer.py`): a job
is plain records, so it crosses a process as it is, and the answer says what the manifest
needs, never raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.cassette import custom_serializer
from cassettes_tool.config import RedactRules
from cassettes_tool.model import Masked
from cassettes_tool.model.cassette import Cassette, Response
from cassettes_tool.refresh.scrub import scrub


@dataclass(frozen=True, slots=True)
class CopyJob:
    loaded: Cassette
    #: the new answers by interaction index; the others are kept as recorded
    answers: Mapping[int, Response]
    #: where the copy goes, in the run's folder
    destination: Path
    #: the project's own serializer (`package.module:object`), None for vcrpy's
    custom: str | None
    rules: RedactRules
    #: the target's credentials, masked wherever they appear
    known: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Copied:
    """What became of a copy: written (with what the scanner masked), or why not."""

    masked: tuple[Masked, ...] = ()
    failure: str | None = None


def write_copy(job: CopyJob) -> Copied:
    """Redacted, then masked, then written through vcrpy, then replaced atomically.

    Interactions that were not refreshed are kept as recorded, so the copy replays
    everything the original did. Whatever redaction left untouched is written from
    vcrpy's own reading of the original, byte for byte what it recorded.
    """
    loaded = job.loaded
    try:
        custom = custom_serializer(job.custom)
        text, masked = scrub(
            loaded,
            cassette.serializer_for(loaded.serializer, custom),
            job.rules,
            known=job.known,
            recorded=cassette.recorded_pairs(loaded, custom),
            answers=job.answers,
        )
    except Exception as exc:  # serializers (a project's own too) raise what they like
        return Copied(failure=f"cannot write it with the {loaded.serializer} serializer: {exc}")
    try:
        cassette.write_atomic(job.destination, text)
    except OSError as exc:
        return Copied(failure=f"cannot write its copy: {exc.strerror or exc}")
    except Exception as exc:  # a symlink in the run's folder: refused, as any other bug is an entry
        return Copied(failure=internal_error(exc))
    return Copied(masked)


def internal_error(exc: BaseException) -> str:
    """One cassette's bug must not end the run: it is its entry, with this reason."""
    return f"internal error: {type(exc).__name__}: {exc}"
