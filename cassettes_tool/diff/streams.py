"""Streamed bodies (server-sent events, NDJSON) compared event by event, each event's data by meaning.

An LLM API's streaming answer is a sequence of typed events (`message_start`, deltas...).
Two recordings are aligned on the sequence of event types, as `diff` aligns lines; events
that line up are compared as JSON (ids and times inside them are volatile by format), the
others are events that came and went, counted by type.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from cassettes_tool.diff.walker import Walker
from cassettes_tool.jsonpath import WILD
from cassettes_tool.model import stream
from cassettes_tool.model.body import Body
from cassettes_tool.model.change import ChangeKind, Severity


@dataclass(frozen=True, slots=True)
class Event:
    #: what the alignment matches on: the SSE event name and the data's own `type`
    type: str
    data: Any


def is_stream(body: Body) -> bool:
    return stream.is_stream(body.media_type)


def events(body: Body) -> list[Event] | None:
    """The body's events (read by the one stream reader, `model.stream`), or None when it
    does not read as a stream: empty, or NDJSON with a line that is not JSON."""
    text = body.text
    if text is None:
        return None
    read = stream.events(text, body.media_type)
    if not read or (body.media_type in stream.NDJSON_TYPES and not all(e.is_json for e in read)):
        return None
    return [_typed(event) for event in read]


def _typed(event: stream.Event) -> Event:
    name = dict(event.fields).get("event", "message")
    data = event.value if event.is_json else event.data
    kind = data.get("type") or data.get("event") if isinstance(data, dict) else None
    label = "/".join(str(p) for p in (name, kind) if p and p != "message") or "message"
    return Event(label, data)


def compare(old: list[Event], new: list[Event], walker: Walker) -> None:
    """Events that line up by type are compared; the rest is one change with counts by type."""
    matcher = SequenceMatcher(None, [e.type for e in old], [e.type for e in new], autojunk=False)
    gone: Counter[str] = Counter()
    came: Counter[str] = Counter()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                walker.compare(a.data, b.data, (WILD,))
        else:
            gone.update(e.type for e in old[i1:i2])
            came.update(e.type for e in new[j1:j2])
    if gone or came:
        removed = [f"{t} x{n}" for t, n in sorted(gone.items())]
        added = [f"{t} x{n}" for t, n in sorted(came.items())]
        detail = f"{len(old)} -> {len(new)} events: " + ", ".join(
            [*(f"-{r}" for r in removed), *(f"+{a}" for a in added)]
        )
        walker.add(Severity.VALUE, ChangeKind.ITEMS_CHANGED, (), removed, added, detail)
