"""`scratch prune`: the scratch area's older runs removed, the newest and `LATEST` kept."""

from __future__ import annotations

from pathlib import Path

from cassettes_tool.config import Config
from cassettes_tool.model.manifest import Pruned
from cassettes_tool.refresh import scratch as scratch_runs


def prune(config: Config, *, keep: int, scratch: Path | None = None) -> Pruned:
    """`scratch` (default: the config's) with only its `keep` newest runs and `LATEST`'s."""
    return scratch_runs.prune(scratch or config.scratch, keep)
