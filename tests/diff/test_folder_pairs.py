"""A folder diff reads each pair of cassettes when it compares it and lets it go before the next:
what it holds at once is one pair, not every cassette of both sides."""

from __future__ import annotations

import gc
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool import cassette
from cassettes_tool.commands import diff as diff_command
from cassettes_tool.commands import pairs as pairs_module
from cassettes_tool.config import Config
from cassettes_tool.diff import DiffRules
from cassettes_tool.diff.results import compare_each
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
    first = pairs[0].read()
    assert len(held) == 2
    assert isinstance(first.old, Cassette) and isinstance(first.new, Cassette)


def test_a_large_folder_diff_is_compared_on_all_cores_with_the_same_report(
    record_cassette: Any, v2_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker reads and compares its own pairs: the report is the one a single process
    gives, drift and all, in the same order."""
    for side, server in (("old", None), ("new", v2_server)):
        record_cassette("catalog.yaml", "catalog", client="httpx", server=server, root=tmp_path / side)
        record_cassette("payments.json", "payments", client="httpx", server=server, root=tmp_path / side)
    padding = "\n" + "# padding\n" * 6000  # past the size where the pool pays for itself
    for side in ("old", "new"):
        catalog, payments = tmp_path / side / "catalog.yaml", tmp_path / side / "payments.json"
        catalog.write_text(catalog.read_text(encoding="utf-8") + padding, encoding="utf-8")
        for n in range(20):
            shutil.copy(catalog, tmp_path / side / f"c{n:02d}.yaml")
            shutil.copy(payments, tmp_path / side / f"p{n:02d}.json")
    readers = tmp_path / "readers"
    readers.mkdir()
    real = pairs_module.read

    def read_and_sign(path: Path, serializer: str | None) -> Any:
        (readers / str(os.getpid())).touch()
        return real(path, serializer)

    monkeypatch.setattr(pairs_module, "read", read_and_sign)  # a forked worker inherits it

    pooled = diff_command.run(Config(), old=tmp_path / "old", new=tmp_path / "new")
    files, _notes = pairs_module.pairs_of_paths(tmp_path / "old", tmp_path / "new", Config())
    serial = compare_each([pair.read() for pair in files], DiffRules())

    assert {p.name for p in readers.iterdir()} - {str(os.getpid())}, "every pair was read in this process"
    assert pooled.cassettes == serial and len(serial) == 42
    assert {c.path.name: c.status for c in serial}["c07.yaml"] is Status.DRIFTED
