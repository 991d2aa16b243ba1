"""Benchmark `cassettes show --textconv` on a 3 MB cassette, as git's diff driver runs it.

    python benchmarks/bench_show.py [--mb 3] [--runs 5] [--gzip] [--seed 1234]
    python benchmarks/bench_show.py --per-file [--runs 15]

`--per-file`: the cost git pays per small cassette (a `git show` of a commit adding 140
cassettes runs textconv 280 times): `cassettes show --textconv` on each bundled sample,
in a subprocess, against `python -c pass` as the baseline. Target: under 0.1 s a file.

The cassette is recorded by real vcrpy from a route added to the demo services that answers
~3 MB of JSON full of volatile values (UUIDs, ISO timestamps, epoch seconds, prefixed ids),
the worst case for the textconv masking. With `--gzip` the route answers gzip and httpx
records it, so vcrpy stores it as a gzip `!!binary` body that show decodes. Baseline: what any reader pays, vcrpy's own YAML deserializer on the file (in
process). Ours: the installed `cassettes show --textconv FILE` in a subprocess, start-up
included, exactly what `git diff` runs per file side; also the in-process render time.
Target: ours under 1 second. Each figure is the best of `--runs` runs. Generation is not
timed. Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import requests

from cassettes_tool import cassette
from cassettes_tool.demo.recording import record
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.report import show

TARGET_SECONDS = 1.0
PER_FILE_TARGET = 0.1


def payload(megabytes: float, seed: int) -> bytes:
    """Seeded JSON of about `megabytes` MB: items with ids, dates and plain fields."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    items: list[dict[str, Any]] = []
    size = 0
    while size < megabytes * 1_000_000:
        moment = start + timedelta(seconds=rng.randrange(10_000_000))
        item = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "sku": f"W-{rng.randrange(10_000):04d}",
            "charge": f"ch_{rng.getrandbits(48):012x}",
            "name": f"Widget {rng.randrange(1000)} Zoë",
            "price": rng.randrange(100, 100_000),
            "tags": rng.sample(["red", "blue", "green", "sale", "new"], 3),
            "updated_at": moment.isoformat().replace("+00:00", "Z"),
            "created": int(moment.timestamp()),
            "active": rng.random() < 0.5,
        }
        items.append(item)
        size += len(json.dumps(item)) + 2
    return json.dumps({"items": items, "total": len(items)}).encode("utf-8")


def best(runs: int, fn: Any) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mb", type=float, default=3.0, help="size of the JSON body (default 3)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--gzip", action="store_true", help="answer gzip, stored as !!binary")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--per-file", action="store_true", help="start-up cost per small cassette")
    args = parser.parse_args(argv)
    if args.per_file:
        return per_file(max(args.runs, 15))

    body = payload(args.mb, args.seed)
    with tempfile.TemporaryDirectory() as folder, DemoServer("v1") as server:
        path = Path(folder) / "big.yaml"
        if args.gzip:
            answer = Answer(
                200, gzip.compress(body, mtime=0), "application/json", (("Content-Encoding", "gzip"),)
            )
        else:
            answer = Answer(200, body, "application/json")
        server.add_route("GET", "/catalog/export", answer)

        def fetch(http: Any, demo: DemoServer) -> None:
            http.get(demo.url("https://catalog.example.com/export"), headers={"Accept-Encoding": "gzip"})

        client: Any = httpx.Client() if args.gzip else requests.Session()
        with client:
            record(path, fetch, server, client)
        file_mb = path.stat().st_size / 1_000_000
        stored = "gzip !!binary" if args.gzip else "plain"
        print(
            f"cassette: {file_mb:.2f} MB file, body stored {stored}, JSON body {len(body) / 1_000_000:.2f} MB"
        )

        serializers = cassette.vcr_serializers()
        text = path.read_text(encoding="utf-8")
        baseline = best(args.runs, lambda: serializers["yaml"].deserialize(text))

        executable = Path(sys.executable).parent / "cassettes"
        command = [str(executable)] if executable.exists() else [sys.executable, "-m", "cassettes_tool"]
        command += ["show", "--textconv", str(path)]
        ours = best(args.runs, lambda: subprocess.run(command, check=True, capture_output=True))
        lines = subprocess.run(command, check=True, capture_output=True).stdout.count(b"\n")
        plain = [part for part in command if part != "--textconv"]
        unmasked = best(args.runs, lambda: subprocess.run(plain, check=True, capture_output=True))

        def in_process() -> None:
            show.render(cassette.load(path), textconv=True)

        render = best(args.runs, in_process)

    print(f"  baseline: vcrpy yaml deserialize (in process), best of {args.runs}: {baseline:.3f} s")
    print(
        f"  ours: `cassettes show --textconv` (subprocess), best of {args.runs}: {ours:.3f} s, {lines:,} lines"
    )
    print(f"  ours in process (load + render): {render:.3f} s")
    print(f"  `cassettes show` without --textconv (subprocess): {unmasked:.3f} s: the masking costs the rest")
    print(f"  ratio ours/baseline: {ours / baseline:.2f}x")
    met = ours < TARGET_SECONDS
    print(f"target: under {TARGET_SECONDS:.1f} s: {'met' if met else 'MISSED'}")
    return 0 if met else 1


def per_file(runs: int) -> int:
    """Best-of-`runs` wall time of textconv on each sample cassette, as git runs it."""
    samples = sorted((Path(__file__).resolve().parents[1] / "sample_cassettes").rglob("*.yaml"))
    executable = Path(sys.executable).parent / "cassettes"
    command = [str(executable)] if executable.exists() else [sys.executable, "-m", "cassettes_tool"]
    baseline = best(runs, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    times = [
        best(
            runs,
            lambda s=sample: subprocess.run(
                [*command, "show", "--textconv", str(s)], check=True, capture_output=True
            ),
        )
        for sample in samples
    ]
    ours = max(times)
    print(f"  baseline: `python -c pass`, best of {runs}: {baseline:.3f} s")
    print(f"  ours: `cassettes show --textconv` per file ({len(samples)} samples, the slowest): {ours:.3f} s")
    print(f"  ratio ours/baseline: {ours / baseline:.1f}x")
    met = ours < PER_FILE_TARGET
    print(f"target: under {PER_FILE_TARGET:.1f} s a file: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
