"""Benchmark reading YAML cassettes: our reader (formats/yaml_nodes.py) against vcrpy's own loader.

    python benchmarks/bench_yaml.py [FOLDER...] [--count 1000] [--runs 3]

Without a folder, the YAML half of benchmarks/bench_scan.py's generated cassettes is read.
Each file is read by both in turn, the order alternating, and the CPU seconds of each are
added up, so a busy machine slows both alike; the best of `--runs` passes is printed.
Both results are compared too: the benchmark stops if they differ. Never part of the pytest run.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.formats.vcr import deserialize_yaml, vcr_serializers

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scan  # the generator of bench_scan.py's cassettes


def read_all(texts: list[str]) -> tuple[float, float]:
    """CPU seconds of (ours, vcrpy's) over all texts, each text read by both in turn."""
    contenders: list[Callable[[str], Any]] = [deserialize_yaml, vcr_serializers()["yaml"].deserialize]
    spent = [0.0, 0.0]
    for i, text in enumerate(texts):
        order = (0, 1) if i % 2 else (1, 0)
        results = {}
        for which in order:
            start = time.process_time()
            results[which] = contenders[which](text)
            spent[which] += time.process_time() - start
        if results[0] != results[1]:
            raise SystemExit(f"the readers differ on text {i}")
        del results
    return spent[0], spent[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--count", type=int, default=1000, help="cassettes to generate without a folder")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    tmp = None
    folders = args.folders
    if not folders:
        tmp = Path(tempfile.mkdtemp(prefix="bench_yaml_"))
        folders = [bench_scan.generate(tmp, args.count * 2, 10, 1234).root]
    try:
        files = sorted(p for folder in folders for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
        texts = [p.read_text(encoding="utf-8") for p in files]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    gc.disable()  # as during a load (read.collector_paused)
    passes = [read_all(texts) for _ in range(args.runs)]
    ours, baseline = min(p[0] for p in passes), min(p[1] for p in passes)
    size = sum(len(t) for t in texts) / 2**20
    print(f"{len(texts):,} YAML files, {size:.1f} MiB; CPU seconds, best of {args.runs}, read in turns")
    print(f"  baseline (vcrpy's yamlserializer.deserialize) {baseline:8.3f} s")
    print(f"  ours (yaml_nodes over libyaml's node tree)    {ours:8.3f} s")
    print(f"  ratio ours/baseline                           {ours / baseline:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
