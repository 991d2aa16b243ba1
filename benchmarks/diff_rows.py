"""Rows (d) and (e) of `bench_diff.py`: a folder diff's peak memory, and volatile-only pairs.

(d) `cassettes diff OLD NEW` over a folder of cassettes (and, unless --quick, the same with
`--format json` and `cassettes diff --scratch`), each a subprocess whose peak resident memory
(the largest sum of `Pss` of the command and its pool's workers, sampled) is divided by the
cassettes' size on disk (one side: what `diff tests tests` reads twice). Ours is the command
as it is (pairs read and compared on all cores, one at a time in each worker); the baseline
is the same command with every pair read before the first is compared, in one process, as
the diff did before it streamed its pairs. Goal: ours <= 3x the size on disk. The folder is the real suite given
with `--suite PATH`, else a generated one (vcrpy-written cassettes, re-recorded with only
volatile values moved).

(e) 300 interaction pairs of ~16 KB JSON bodies whose only differences are volatile (ids,
timestamps, `Date` headers, request ids; no pair identical). Baseline: a DeepDiff
(ignore_order=True) loop over the same parsed bodies; ours: `diff.diff` per cassette pair.
The row fails unless every pair is `aligned` with only `volatile` changes (SPEC's classes):
a speed-up that changed a verdict would not pass. Goal: >= 5x faster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import bench_diff as bd

from cassettes_tool import cassette, diff
from cassettes_tool.model import Severity

GOAL_MEMORY = 3.0  # peak resident memory / cassettes on disk, at most
GOAL_VOLATILE = 5.0  # baseline / ours, at least

#: run `cassettes` as the command line does; with EAGER, every pair is read before the first is
#: compared (the diff before it streamed its pairs): the baseline of row (d)
_RUNNER = """
import sys

if sys.argv.pop(1) == "eager":
    from cassettes_tool.commands import diff, pairs

    def _read_first(run):
        def read_first(*args, **kwargs):
            found = run(*args, **kwargs)
            files, notes = found if isinstance(found, tuple) else (found, None)
            every = [f.read() for f in files]
            return every if notes is None else (every, notes)
        return read_first

    diff.pairs_of_paths = _read_first(pairs.pairs_of_paths)
    diff.pairs_of_run = _read_first(pairs.pairs_of_run)
from cassettes_tool.cli import main
sys.argv[0] = "cassettes"
main()
"""


def row(name: str, baseline: str, ours: str, ratio: str, goal: str, ok: bool) -> str:
    """The line every row ends with: name, baseline, ours, ratio, goal, ok / MISSED."""
    return f"ROW {name} | baseline {baseline} | ours {ours} | ratio {ratio} | goal {goal} | {'ok' if ok else 'MISSED'}"


def peak_rss(args: list[str], cwd: Path) -> tuple[float, float]:
    """(peak MiB, wall seconds) of one command and the pool workers it starts: the largest sum
    of their proportional set sizes (`Pss`: a page shared by the workers and the process they
    were forked from counts once in all), sampled every 10 ms until the command ends."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    while child.poll() is None:
        peak = max(peak, sum(_pss_kib(pid) for pid in _family(child.pid)))
        time.sleep(0.01)
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode not in (0, 1):
        raise SystemExit(f"cassettes {' '.join(args)} failed ({child.returncode}): {stderr[-2000:]}")
    return peak / 1024, time.perf_counter() - started


def _family(pid: int) -> list[int]:
    """`pid` and its children (the pool's workers)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(int(c) for c in children)]


def _pss_kib(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # ended between the listing and the read
        return 0
    return next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in cassette.discover([folder]).files)


def _generated(root: Path, pairs: int, seed: int, copies: int) -> tuple[Path, Path]:
    """Cassettes written by vcrpy and their re-recording (volatile values moved), in folders;
    `copies` copies of them in subfolders, so that the suite is large at little cost."""
    corpus = bd.generate_a(root / "made", pairs, seed, same_every=None)
    for side, first in (("old", corpus.old[0]), ("new", corpus.new[0])):
        for copy in range(copies):
            shutil.copytree(first.parent, root / side / f"part{copy}")
    return root / "old", root / "new"


def _sample(suite: Path, into: Path, budget: int) -> Path:
    """The suite's cassettes in path order, copied until `budget` bytes: --quick on a big suite."""
    total = 0
    for path in sorted(cassette.discover([suite]).files):
        if total >= budget:
            break
        target = into / path.relative_to(suite)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        total += path.stat().st_size
    return into


@contextmanager
def _scratch_run(work: Path, old: Path, new: Path) -> Iterator[Path]:
    """A finished scratch run under `work` whose copies are NEW's cassettes, originals OLD's."""
    from cassettes_tool.model.manifest import CassetteRun, Outcome
    from cassettes_tool.refresh import scratch

    manifest = scratch.start_run(work / ".cassettes" / "scratch", "bench", old.resolve())
    runs = []
    for path in sorted(cassette.discover([new]).files):
        relative = path.relative_to(new)
        (manifest.folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, manifest.folder / relative)
        runs.append(CassetteRun(relative, Outcome.REFRESHED, written=True))
    scratch.finish_run(manifest, tuple(runs), complete=True)
    try:
        yield work
    finally:
        shutil.rmtree(work / ".cassettes", ignore_errors=True)


def scenario_memory(suite: Path | None, quick: bool, seed: int, workdir: Path | None) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="bench_diff_d_", dir=workdir))
    try:
        if suite is not None:
            old = new = _sample(suite, tmp / "sample", 24 * 2**20) if quick else suite.resolve()
            what = f"{'a 24 MB sample of ' if quick else ''}{suite}, diffed with itself"
        else:
            copies = 3
            old, new = _generated(tmp / "gen", 400 if quick else 2000, seed, copies)
            what = f"generated cassettes ({copies} copies) against their re-recording"
        size_mb = max(_size(old), _size(new)) / 2**20
        print(f"(d) folder diff peak memory: {what}, {size_mb:.1f} MiB of cassettes a side", flush=True)
        ok = True
        out = ["--output", os.devnull]
        cases: list[tuple[str, list[str], Callable[[], Any]]] = [
            ("diff OLD NEW", ["diff", str(old), str(new), *out], _noop)
        ]
        if not quick:
            json_args = ["diff", str(old), str(new), "--format", "json", *out]
            scratch_args = ["diff", "--scratch", "latest", *out]
            cases.append(("diff OLD NEW --format json", json_args, _noop))
            cases.append(("diff --scratch", scratch_args, partial(_scratch_run, tmp / "project", old, new)))
        for name, args, setup in cases:
            with setup() as cwd:
                cwd = cwd or tmp
                ours_mb, ours_s = peak_rss(["streamed", *args], cwd)
                base_mb, base_s = peak_rss(["eager", *args], cwd)
            ratio = ours_mb / size_mb
            print(
                f"  {name}: ours {ours_mb:.0f} MiB in {ours_s:.1f} s, every pair read first {base_mb:.0f} MiB "
                f"in {base_s:.1f} s; peak / size on disk: ours {ratio:.2f}x, baseline {base_mb / size_mb:.2f}x"
            )
            good = ratio <= GOAL_MEMORY
            ok = ok and good
            print(
                row(
                    f"(d) {name} peak/size",
                    f"{base_mb / size_mb:.2f}x",
                    f"{ratio:.2f}x",
                    f"{base_mb / ours_mb:.1f}x less",
                    f"<= {GOAL_MEMORY:g}x size on disk",
                    good,
                ),
                flush=True,
            )
        return ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _noop() -> Iterator[None]:
    yield None


def scenario_volatile(pairs: int, seed: int, workdir: Path | None) -> bool:
    print(f"(e) {pairs} interaction pairs of ~16 KB bodies, only volatile values changed", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench_diff_e_", dir=workdir))
    try:
        corpus = bd.generate_a(tmp, pairs, seed, items=13, same_every=None)
        print(f"  mean body {corpus.body_bytes / 1024:.1f} KiB, no pair identical", flush=True)
        ours, base = bd.Clock(), bd.Clock()
        wrong: list[str] = []
        aligned = 0
        for old_path, new_path in zip(corpus.old, corpus.new, strict=True):
            old, new = cassette.load(old_path), cassette.load(new_path)
            result = ours.run(partial(diff.diff, old, new))
            for item in result.interactions:
                volatile_only = bool(item.changes) and all(
                    c.severity is Severity.VOLATILE for c in item.changes
                )
                if item.drifted or not volatile_only or item.old_index is None or item.new_index is None:
                    wrong.append(
                        f"{old_path.name}#{item.index}: {[(c.severity.value, c.path) for c in item.changes]}"
                    )
                else:
                    aligned += 1
            old_values, new_values = bd.parsed_bodies([old_path]), bd.parsed_bodies([new_path])
            base.run(partial(bd.deepdiff_all, old_values, new_values))
        print(f"  ours: diff.diff {ours}; baseline: DeepDiff(ignore_order=True) loop {base}")
        print(f"  verdicts: {aligned} of {pairs} pairs aligned with only volatile changes")
        for line in wrong[:5]:
            print(f"    NOT ALIGNED/VOLATILE: {line}")
        speedup = base.wall / ours.wall
        ok = not wrong and aligned == pairs and speedup >= GOAL_VOLATILE
        print(
            row(
                f"(e) {pairs} volatile-only pairs",
                f"{base.wall:.3f} s",
                f"{ours.wall:.3f} s",
                f"{speedup:.1f}x faster",
                f">= {GOAL_VOLATILE:g}x and every pair aligned",
                ok,
            ),
            flush=True,
        )
        return ok
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
