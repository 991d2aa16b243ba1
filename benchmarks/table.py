"""Every row of the performance table in one run: each benchmark beside its baseline.

    python benchmarks/table.py [--quick] [--only NAME[,NAME...]] [--suite PATH]

Runs each benchmark below as its own process (so one's imports and memory do not colour
the next), echoes the lines where it states baseline, ours, ratio and goal, and ends
with one line per row: met or MISSED (the benchmark's own exit status), and how long it
took. `--quick` passes each benchmark's quick mode, for the README's figures on a small
machine; `--suite` adds the rows on a real suite (pydantic-ai's tests, say).
Standalone: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: a line that states a figure: ratios, goals, verdicts, the `ROW` lines
_FIGURE = re.compile(
    r"ROW |ratio|target|goal|verdict|[0-9.]+x\b|MISSED|\bok\b|\bours\b|baseline|before|floor|ideal|peak",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Bench:
    name: str
    work: str
    args: tuple[str, ...]
    quick: tuple[str, ...]


BENCHES = (
    Bench(
        "scan",
        "scan 2,000 cassettes x 10, cold and warm, vs vcrpy's loader loop",
        ("bench_scan.py",),
        ("bench_scan.py", "--count", "500", "--runs", "1"),
    ),
    Bench(
        "memory", "scan peak memory at 20,000 cassettes", ("bench_memory.py",), ("bench_memory.py", "--quick")
    ),
    Bench(
        "age",
        "age 2,000 files / 5,000 commits vs one git log pass",
        ("bench_age.py",),
        ("bench_age.py", "--commits", "1000", "--cassettes", "400", "--sample", "40", "--runs", "1"),
    ),
    Bench(
        "startup",
        "cassettes --version vs python -c 'import click'",
        ("bench_startup.py",),
        ("bench_startup.py", "--runs", "5"),
    ),
    Bench(
        "refresh",
        "refresh 100 x 10 at 50 ms, concurrency 16, vs ideal",
        ("bench_refresh.py",),
        ("bench_refresh.py", "--quick"),
    ),
    Bench(
        "diff",
        "diff: aligned pairs, 5 MB pair, folder memory, 300 volatile-only pairs vs DeepDiff",
        ("bench_diff.py",),
        ("bench_diff.py", "--quick"),
    ),
    Bench(
        "scaling",
        "superlinear paths: exponent at three sizes 100x apart",
        ("bench_scaling.py",),
        ("bench_scaling.py", "--quick"),
    ),
    Bench(
        "secrets",
        "secret scan MB/s on 1-20 MB bodies; refresh memory with 5 MB answers",
        ("bench_secrets_speed.py",),
        ("bench_secrets_speed.py", "--quick"),
    ),
    Bench(
        "textconv",
        "show --textconv per file, and its peak memory / file size",
        ("bench_show.py", "--per-file"),
        ("bench_show.py", "--per-file", "--runs", "3"),
    ),
    Bench(
        "textconv-memory",
        "show --textconv peak memory / file size",
        ("bench_show.py", "--memory"),
        ("bench_show.py", "--memory", "--quick"),
    ),
)


def _run(bench: Bench, args: tuple[str, ...]) -> tuple[bool, float, list[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE.parent,
    )
    took = time.perf_counter() - started
    lines = [line for line in (done.stdout + done.stderr).splitlines() if _FIGURE.search(line)]
    return done.returncode == 0, took, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each benchmark's quick mode")
    parser.add_argument("--only", help="comma-separated row names: " + ", ".join(b.name for b in BENCHES))
    parser.add_argument("--suite", type=Path, help="a real suite's folder for the LLM-suite rows")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHES if not args.only or b.name in args.only.split(",")]
    if args.suite:
        suite = str(args.suite)
        chosen.append(
            Bench(
                "llm-suite",
                f"scan and lint of {suite}",
                ("bench_llm_suite.py", suite),
                ("bench_llm_suite.py", suite),
            )
        )
    verdicts = []
    for bench in chosen:
        print(f"== {bench.name}: {bench.work}", flush=True)
        met, took, lines = _run(bench, bench.quick if args.quick else bench.args)
        for line in lines:
            print(f"   {line.rstrip()}")
        verdicts.append((bench, met, took))
    print()
    width = max(len(b.name) for b, _, _ in verdicts)
    for bench, met, took in verdicts:
        print(f"{bench.name:<{width}}  {'met   ' if met else 'MISSED'}  {took:6.0f} s  {bench.work}")
    return 0 if all(met for _, met, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
