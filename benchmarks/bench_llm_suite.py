"""Benchmark `scan` and `lint` on a real LLM suite (pydantic-ai's tests, 1,400 cassettes, ~150 MB).

    python benchmarks/bench_llm_suite.py SUITE_FOLDER [--runs 1]

Baseline: what a user has today, vcrpy's FilesystemPersister loading each cassette in a
loop with vcrpy's YAML serializer (one core). Ours: `cassettes scan` and `cassettes lint`
in a subprocess from the suite's parent folder, as a user runs them in their project (all
cores): cold (the scan cache `.cassettes/scratch/cache` there removed first, then written)
and warm (read from it). Prints baseline, ours and the ratio, wall and CPU seconds (the
CPU over the wall says how many cores worked), plus what was read (cassettes, skipped
files, errors). Never part of the pytest run.
Get a suite with: git clone --depth 1 https://github.com/pydantic/pydantic-ai; SUITE_FOLDER=pydantic-ai/tests
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from cassettes_tool import cassette


def _baseline(files: list[Path]) -> tuple[float, int]:
    started, failed = time.perf_counter(), 0
    for path in files:
        try:
            FilesystemPersister.load_cassette(str(path), yamlserializer)
        except Exception:
            failed += 1
    return time.perf_counter() - started, failed


def _cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _ours(command: str, folder: Path, *, warm: bool) -> tuple[float, float, dict[str, object]]:
    project = folder.absolute().parent
    if not warm:
        shutil.rmtree(project / ".cassettes" / "scratch" / "cache", ignore_errors=True)
    started, cpu = time.perf_counter(), _cpu()
    done = subprocess.run(
        [sys.executable, "-m", "cassettes_tool", command, "--format", "json", str(folder.absolute())],
        capture_output=True,
        text=True,
        check=False,
        cwd=project,
    )
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    summary = json.loads(done.stdout)["summary"] if done.stdout.strip() else {"stderr": done.stderr[-300:]}
    return elapsed, cpu, {"exit": done.returncode, **summary}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("suite", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    files = list(cassette.discover([args.suite]).files)
    size = sum(p.stat().st_size for p in files)
    print(f"suite: {args.suite}: {len(files)} files, {size / 1e6:.1f} MB, {os.cpu_count()} cores")
    base, failed = min((_baseline(files) for _ in range(args.runs)), key=lambda r: r[0])
    print(
        f"baseline (vcrpy FilesystemPersister loop, 1 core): {base:.2f} s ({failed} files vcrpy could not load)"
    )
    for command in ("scan", "lint"):
        for warm in (False, True):
            runs = [_ours(command, args.suite, warm=warm) for _ in range(args.runs)]
            took, cpu, summary = min(runs, key=lambda r: r[0])
            state = "warm" if warm else "cold"
            print(
                f"ours: cassettes {command} ({state}): {took:.2f} s wall, {cpu:.2f} s CPU, "
                f"ratio {took / base:.2f}"
            )
            keys = ("exit", "cassettes", "ok", "skipped", "errors", "interactions", "stderr")
            print("   ", {k: summary[k] for k in keys if k in summary})


if __name__ == "__main__":
    main()
