"""How long a cassette (or one interaction) has been frozen, and how we know."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone

SECONDS_PER_DAY = 86_400.0


class AgeSource(str, enum.Enum):
    """How far an age can be trusted (the spec's `age.source`)."""

    GIT = "git"
    RECORDED = "recorded"
    UNCOMMITTED = "uncommitted"
    UNTRACKED = "untracked"
    SHALLOW = "shallow"
    NO_GIT = "no-git"


@dataclass(frozen=True, slots=True)
class Age:
    """When a cassette (or one interaction) was last recorded, and how we know."""

    days: float | None
    last_recorded: datetime | None
    commit: str | None
    subject: str | None
    author: str | None
    source: AgeSource


def days_between(then: datetime, now: datetime) -> float:
    """The one place days are computed; a commit dated after `now` (clock skew) counts as 0, not negative."""
    return max(0.0, (now - then).total_seconds() / SECONDS_PER_DAY)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
