"""What one run of `check --history` remembers: which cassettes it checked and which drift it saw.

Changes are remembered by identity (a hash of the cassette's interaction and of the change's
where, kind and path), never by wording or values: a count that keeps changing is the same
drift, and no value from a response is kept.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Mark(str, enum.Enum):
    """A cassette in one run of the timeline."""

    DRIFT = "drift"
    ALIGNED = "aligned"
    #: it was in the run but could not be checked: neither seen nor not seen
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CassetteSeen:
    path: str
    #: interaction id -> the ids of the drift changes seen in it (aligned interactions are left out)
    drift: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: interactions that were not checked this run (an error, skipped): their drift neither
    #: goes on nor stops
    unchecked: tuple[str, ...] = ()
    #: the whole cassette could not be checked
    error: bool = False

    @property
    def mark(self) -> Mark:
        if self.error or (self.unchecked and not self.drift):  # not seen is not the same as aligned
            return Mark.ERROR
        return Mark.DRIFT if self.drift else Mark.ALIGNED

    def saw(self, interaction: str, change: str) -> bool | None:
        """True when this run saw the change, False when it checked and did not, None when it
        could not tell (the cassette or interaction was not checked)."""
        if self.error or interaction in self.unchecked:
            return None
        return change in dict(self.drift).get(interaction, ())


@dataclass(frozen=True, slots=True)
class HistoryRun:
    at: datetime
    cassettes: tuple[CassetteSeen, ...]
    target: str | None = None
    #: `K/N` for a shard's run
    shard: str | None = None

    def cassette(self, path: str) -> CassetteSeen | None:
        return next((c for c in self.cassettes if c.path == path), None)
