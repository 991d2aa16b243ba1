"""Peak memory of `cassettes scan` over a large tree, beside the cassettes' size on disk.

    python benchmarks/bench_memory.py [--count 20000] [--interactions 10] [--quick]

The tree is bench_scan's (seeded, half YAML, half JSON, written through vcrpy's serializers,
back-dated an hour so that the cache trusts it, as a checked-out tree is). Each run is the
installed CLI in a fresh process writing its JSON report to a file (text to stdout for the
text row): cold without the cache (`--no-cache`), cold writing the cache, and warm from it.
Two figures per run: the largest single process (ru_maxrss of the children, what
`/usr/bin/time -v` prints) and the whole process tree (the CLI and its pool's workers,
sampled every 20 ms from /proc). The baseline is vcrpy's FilesystemPersister loop in one
process. Target: the largest process <= 150 MB at 20,000 cassettes x 10 interactions.
`--quick`: 2,000 cassettes. Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_scan import SERIALIZERS, _cli, _cli_env, generate

TARGET_MB = 150.0

#: the child reports its children's peak RSS: the CLI's, or its largest worker's
_PEAK = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)

_BASELINE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from vcr.persisters.filesystem import FilesystemPersister\n"
    "from vcr.serializers import jsonserializer, yamlserializer\n"
    "kinds = {'.yaml': yamlserializer, '.json': jsonserializer}\n"
    "files = sorted(p for p in Path(sys.argv[1]).rglob('*') if p.suffix in kinds)\n"
    "n = sum(len(FilesystemPersister.load_cassette(p, kinds[p.suffix])[0]) for p in files)\n"
    "print(len(files), n)\n"
)


@dataclass(frozen=True, slots=True)
class Peak:
    name: str
    #: the largest single process, MiB
    process: float
    #: the process tree at its largest (sampled), MiB
    tree: float
    seconds: float


def _tree_rss(pid: int) -> int:
    """RSS in KiB of `pid` and every descendant, from /proc (0 where it is gone)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    todo.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(name: str, command: list[str], cwd: Path, env: dict[str, str]) -> Peak:
    start = time.perf_counter()
    wrapper = subprocess.Popen(
        [sys.executable, "-c", _PEAK, *command], cwd=cwd, env=env, stdout=subprocess.PIPE, text=True
    )
    largest = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal largest
        while not stop.is_set():
            largest = max(largest, _tree_rss(wrapper.pid) - _own_rss(wrapper.pid))
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = wrapper.communicate()
    stop.set()
    sampler.join()
    if wrapper.returncode not in (0, 1):
        raise SystemExit(f"{name}: `{' '.join(command)}` exited {wrapper.returncode}")
    return Peak(name, int(out.strip()) / 1024, largest / 1024, time.perf_counter() - start)


def _own_rss(pid: int) -> int:
    """The wrapper's own RSS (KiB): not part of what is measured."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def run(count: int, interactions: int, seed: int, workdir: Path | None, tree: Path | None) -> list[Peak]:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench_memory_{count}_", dir=workdir))
    try:
        root = tree.absolute() if tree else tmp / "cassettes"
        started = time.perf_counter()
        if tree is None:
            generate(root, count, interactions, seed)  # back-dated: the cache trusts it
        files = [p for p in root.rglob("*") if p.suffix in SERIALIZERS]
        on_disk = sum(p.stat().st_size for p in files) / 2**20
        print(
            f"{len(files):,} cassettes: {on_disk:.1f} MiB on disk; "
            f"generated in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        env = _cli_env(tmp / "pycache")
        scan = [*_cli(), "scan", str(root)]
        report = ["--format", "json", "--output", str(tmp / "report.json")]
        plan = [
            ("vcrpy loop (baseline)", [sys.executable, "-c", _BASELINE, str(root)]),
            ("scan json, --no-cache", [*scan, *report, "--no-cache"]),
            ("scan json, cold (writes cache)", [*scan, *report]),
            ("scan json, warm (from cache)", [*scan, *report]),
            ("scan text, warm, to stdout", scan),
        ]
        peaks = []
        for name, command in plan:
            peak = measure(name, command, root.parent, env)  # the cache: in the project only
            print(
                f"  {name:<32} {peak.process:8.1f} MiB largest process {peak.tree:8.1f} MiB tree "
                f"{peak.seconds:7.1f} s",
                flush=True,
            )
            peaks.append(peak)
        return peaks
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=20000, help="cassettes to generate (20000)")
    parser.add_argument("--interactions", type=int, default=10, help="per cassette (10)")
    parser.add_argument("--quick", action="store_true", help="2,000 cassettes")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--workdir", type=Path, help="where to put the temporary folders")
    parser.add_argument(
        "--tree", type=Path, help="an existing tree of cassettes instead (its cache lands beside it)"
    )
    args = parser.parse_args(argv)
    count = 2000 if args.quick else args.count
    peaks = run(count, args.interactions, args.seed, args.workdir, args.tree)
    worst = max(p.process for p in peaks[1:])
    verdict = "ok" if worst <= TARGET_MB or count < 20000 else "MISSED"
    print(
        f"largest scan process {worst:.1f} MiB (target <= {TARGET_MB:.0f} MiB at 20,000 cassettes): "
        f"{verdict}; baseline {peaks[0].process:.1f} MiB; "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
