"""Benchmark `cassettes lint --fix` against `cassettes lint` on the public corpus.

    python benchmarks/bench_lint_fix.py [--corpus PATH] [--runs 3]

Each run copies the corpus to a temporary folder first (the shared corpus is never
written), then times `lint` on one copy and `lint --fix` on a fresh one, in the
installed command as a user runs it. The copy is not timed. Each figure is the best of
`--runs` runs. Target: fix/lint <= 1.5. Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.5
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def command() -> list[str]:
    exe = Path(sys.executable).parent / "cassettes"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cassettes_tool"]


def timed(args: list[str], corpus: Path) -> tuple[float, int, str]:
    """Seconds for one run over a fresh copy of the corpus, its exit code and last line."""
    with tempfile.TemporaryDirectory(prefix="bench-lint-fix-") as scratch:
        copy = Path(scratch) / "corpus"
        shutil.copytree(corpus, copy, symlinks=True)
        started = time.perf_counter()
        done = subprocess.run(
            [*command(), *args, "--quiet", str(copy)],
            capture_output=True,
            text=True,
            check=False,
            cwd=scratch,
        )
        elapsed = time.perf_counter() - started
        lines = done.stdout.strip().splitlines()
        return elapsed, done.returncode, lines[-1] if lines else done.stderr.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("CASSETTES_CORPUS", DEFAULT_CORPUS))
    )
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    if not options.corpus.is_dir():
        parser.error(f"no corpus at {options.corpus}: give --corpus or set CASSETTES_CORPUS")
    lint = min(timed(["lint"], options.corpus)[0] for _ in range(options.runs))
    fix_runs = [timed(["lint", "--fix"], options.corpus) for _ in range(options.runs)]
    fix = min(seconds for seconds, _, _ in fix_runs)
    _, code, last = fix_runs[0]
    ratio = fix / lint
    print(f"corpus       {options.corpus} ({sum(1 for p in options.corpus.rglob('*') if p.is_file())} files)")
    print(f"lint         {lint:.3f} s  (baseline)")
    print(f"lint --fix   {fix:.3f} s  (exit {code}: {last})")
    print(f"ratio        {ratio:.2f}  (target <= {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
