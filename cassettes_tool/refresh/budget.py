"""How many bytes of answers a refresh holds at once, across its workers.

Each worker keeps a cassette's new answers until the copy is written, and each answer
is held several times over on the way (the bytes, the text, the YAML written). At
`--concurrency 16` with 5 MB answers that reached 2.6 GB. A worker now takes the size of
an answer from one budget before reading its body, and all of it is given back once its
cassette is written (by the worker, or by the writer it handed the copy to): a worker
that holds nothing waits while the others (and copies not yet written) hold the budget;
one that already holds some never waits (it is finishing a cassette, and the others are
waiting for it), so the run cannot stall. Small answers hardly count.
"""

from __future__ import annotations

import threading
import time

#: how often a waiting worker looks up, so a stopped run is not kept waiting
_TICK = 0.1


class Budget:
    def __init__(self, limit: int):
        self.limit = limit
        self.used = 0
        self.state = threading.Condition()
        self.local = threading.local()

    def take(self, size: int, stopping: threading.Event) -> float:
        """Take `size` bytes for this worker; the seconds it waited for them."""
        held: int = getattr(self.local, "held", 0)
        start = time.monotonic()
        with self.state:
            while not held and self.used and self.used + size > self.limit and not stopping.is_set():
                self.state.wait(_TICK)
            self.used += size
        self.local.held = held + size
        return time.monotonic() - start

    def give_back(self) -> None:
        """Everything this worker holds: its cassette is written, or given up."""
        self.release(self.hand_over())

    def hand_over(self) -> int:
        """What this worker holds, now held by the copy it hands to a writer: `release` it when written."""
        held: int = getattr(self.local, "held", 0)
        self.local.held = 0
        return held

    def release(self, size: int) -> None:
        if size:
            with self.state:
                self.used -= size
                self.state.notify_all()
