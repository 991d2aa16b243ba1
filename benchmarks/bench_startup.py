"""Benchmark how long `cassettes` takes to start: `--version` and `--help` against a bare Python.

    python benchmarks/bench_startup.py [--runs 20] [--against REV]

Baselines: `python -c pass` (the interpreter alone) and `python -c "import click"` (the least a
click program pays). Ours: `cassettes --version` and `cassettes --help`, which import the group
and no command. With `--against REV` the same commands also run from `git archive REV` of this
repository (the code before a change), side by side. Every command runs once per round, in turn,
and the figure is the best round: on a shared machine the others' load falls on all rows alike.
Python compiles and caches our modules' bytecode as an installed wheel has it (a warm-up run
writes it even where PYTHONDONTWRITEBYTECODE is set). Target: `--version` under 50 ms.
Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

VERSION_TARGET = 0.050
IMPORT_CLICK = 'python -c "import click"'
ROOT = Path(__file__).resolve().parents[1]
#: the console script's own two lines, run from a chosen tree of the package
DRIVER = "import sys; from cassettes_tool.cli import main; sys.argv[0] = 'cassettes'; main()"


def child_env(tree: Path) -> dict[str, str]:
    """The environment of a timed run: bytecode cached as installed, `tree` first on the path."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    return env


def ours(tree: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """`cassettes ARGS` with the package of `tree`, as the console script runs it."""
    return [sys.executable, "-c", DRIVER, *args], child_env(tree)


@contextlib.contextmanager
def tree_at(rev: str | None) -> Iterator[Path | None]:
    """This repository's package as it was at `rev` (`git archive`), in a temporary folder."""
    if rev is None:
        yield None
        return
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, "cassettes_tool"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="cassettes-before-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            safe: dict[str, Any] = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(folder, **safe)
        yield Path(folder)


Row = tuple[str, list[str], dict[str, str]]


#: where the timed commands run: not the checkout, whose package would shadow `PYTHONPATH`
NEUTRAL = tempfile.gettempdir()


class Timing(NamedTuple):
    """The best wall time of a row, and its best processor time (user + system): on a machine
    others are loading, the second moves less."""

    wall: float
    cpu: float


def run_once(command: list[str], env: dict[str, str]) -> Timing:
    began = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=NEUTRAL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status):
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), command)
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def best_rounds(rows: Sequence[Row], runs: int) -> dict[str, Timing]:
    """Best wall and processor time of each row over `runs` rounds, the rows taking turns
    within a round."""
    for _, command, env in rows:  # warm-up: bytecode written, files in the page cache
        run_once(command, env)
    best = {name: Timing(float("inf"), float("inf")) for name, _, _ in rows}
    for _ in range(runs):
        for name, command, env in rows:
            took = run_once(command, env)
            best[name] = Timing(min(best[name].wall, took.wall), min(best[name].cpu, took.cpu))
    return best


def modules_loaded(env: dict[str, str], *args: str) -> int:
    """How many modules `cassettes ARGS` leaves in sys.modules."""
    probe = DRIVER.replace(
        "main()", "atexit.register(lambda: print(len(sys.modules), file=sys.stderr)); main()"
    )
    command = [sys.executable, "-c", f"import atexit; {probe}", *args]
    done = subprocess.run(command, env=env, cwd=NEUTRAL, capture_output=True, text=True, check=False)
    return int(done.stderr.strip().splitlines()[-1])


def rows_for(tree: Path, label: str = "") -> list[Row]:
    return [(f"cassettes {args[0]}{label}", *ours(tree, *args)) for args in (("--version",), ("--help",))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--against", metavar="REV", help="also time the package as it was at REV")
    args = parser.parse_args(argv)
    env = child_env(ROOT)
    with tree_at(args.against) as before:
        rows: list[Row] = [
            ("python -c pass", [sys.executable, "-c", "pass"], env),
            (IMPORT_CLICK, [sys.executable, "-c", "import click"], env),
            *rows_for(ROOT),
        ]
        if before is not None:
            rows += rows_for(before, f" ({args.against})")
        best = best_rounds(rows, args.runs)
        counts = {
            name: modules_loaded(row_env, "--version") for name, _, row_env in rows if "--version" in name
        }
    width = max(len(name) for name in best)
    print(f"start-up, best of {args.runs} rounds (each row once per round, in turn): wall, and processor")
    for name, timing in best.items():
        kind = "baseline" if name.startswith("python") else "ours    " if "(" not in name else "before  "
        modules = f"  {counts[name]} modules" if name in counts else ""
        print(
            f"  {kind} {name:<{width}}  {timing.wall * 1000:6.1f} ms  cpu {timing.cpu * 1000:6.1f} ms{modules}"
        )
    version = best["cassettes --version"].wall
    print(f"  ratio --version / import click: {version / best[IMPORT_CLICK].wall:.2f}x")
    met = version <= VERSION_TARGET
    print(f"target: --version under {VERSION_TARGET * 1000:.0f} ms: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
