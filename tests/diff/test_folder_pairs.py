"""A folder diff reads each pair of cassettes when it compares it and lets it go before the next:
what it holds at once is one pair, not every cassette of both sides."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool import cassette
from cassettes_tool.commands import diff as diff_command
from cassettes_tool.commands import pairs as pairs_module
from cassettes_tool.config import Config
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.result import Status


def _live_cassettes() -> int:
    return sum(isinstance(o, Cassette) for o in gc.get_objects())


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many cassettes were alive each time one was about to be read."""
    seen: list[int] = []
    real = pairs_module.read

    def counting(path: Path, serializer: str | None) -> Any:
        seen.append(_live_cassettes())
        return real(path, serializer)

    monkeypatch.setattr(pairs_module, "read", counting)
    return seen


def test_a_folder_diff_holds_one_pair_at_a_time(
    sample_cassettes: Path, tmp_path: Path, held: list[int]
) -> None:
    new = tmp_path / "new"
    shutil.copytree(sample_cassettes, new)
    files = cassette.discover([sample_cassettes]).files
    assert len(files) > 2
    gc.collect()
    before = _live_cassettes()

    report = diff_command.run(Config(), old=sample_cassettes, new=new)

    assert len(report.cassettes) == len(files)
    assert {r.status for r in report.cassettes} == {Status.ALIGNED}
    # every read finds at most the other side of its own pair alive
    assert len(held) == 2 * len(files)
    assert max(held) - before <= 1, held


def test_pairs_are_read_as_they_are_asked_for(sample_cassettes: Path, held: list[int]) -> None:
    pairs, _notes = pairs_module.pairs_of_paths(sample_cassettes, sample_cassettes, Config())
    assert held == []
    first = next(iter(pairs))
    assert len(held) == 2
    assert isinstance(first.old, Cassette) and isinstance(first.new, Cassette)
