"""Streamed answers (`text/event-stream`, NDJSON) as the events a client reads, one by one.

LLM APIs answer in streams: a recorded body is hundreds of `data: {...}` lines. Split
into events (each with its JSON parsed) they can be shown, and compared, one at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SSE_TYPES = frozenset({"text/event-stream"})
NDJSON_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/json-seq",
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    """One event: its SSE fields other than `data` (`event`, `id`, `retry`), and its data."""

    fields: tuple[tuple[str, str], ...]
    data: str
    #: the data parsed as JSON, when it is JSON
    value: Any = None
    is_json: bool = False


def is_stream(media_type: str | None) -> bool:
    return media_type in SSE_TYPES or media_type in NDJSON_TYPES


def events(text: str, media_type: str | None) -> list[Event]:
    """The events of a streamed body; NDJSON is one event per non-empty line."""
    if media_type in NDJSON_TYPES:
        return [_event((), line) for line in text.splitlines() if line.strip()]
    return _sse(text)


def _sse(text: str) -> list[Event]:
    """Server-sent events: blocks separated by blank lines; `data:` lines joined by newlines."""
    out: list[Event] = []
    fields: list[tuple[str, str]] = []
    data: list[str] = []
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if fields or data:
                out.append(_event(tuple(fields), "\n".join(data)))
            fields, data = [], []
            continue
        if line.startswith(":"):
            continue  # a comment (keep-alive)
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        else:
            fields.append((name, value))
    return out


def _event(fields: tuple[tuple[str, str], ...], data: str) -> Event:
    stripped = data.strip().lstrip("\x1e")  # a JSON text sequence's record separator
    if stripped[:1] in ("{", "["):
        try:
            return Event(fields, data, json.loads(stripped), True)
        except ValueError:
            pass
    return Event(fields, data)
