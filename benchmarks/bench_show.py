"""Benchmark `cassettes show --textconv` on a 3 MB cassette, as git's diff driver runs it.

    python benchmarks/bench_show.py [--mb 3] [--runs 5] [--gzip] [--seed 1234]
    python benchmarks/bench_show.py --per-file [--runs 15] [--against REV]
    python benchmarks/bench_show.py --memory [--quick] [--against REV]

`--per-file`: the cost git pays per small cassette (a `git show` of a commit adding 140
cassettes runs textconv 280 times): `cassettes show --textconv` on each bundled sample,
in a subprocess, against `python -c pass` and `cat FILE` as baselines, in rounds that run
every row in turn (`--against REV`: also the code at REV). Target: under 0.1 s a file.

`--memory`: the peak resident memory of `show --textconv` on generated cassettes of 20 and
100 MB (`--quick`: 5 and 20), one of many 0.5 MB JSON answers and one of a single answer,
as a multiple of the file's size; the floor is its peak on a small sample. Target: under 10x.

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
import os
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
from bench_startup import NEUTRAL, ROOT, Row, best_rounds, child_env, ours, tree_at

from cassettes_tool import cassette
from cassettes_tool.cassette.formats.vcr import vcr_serializers
from cassettes_tool.demo.recording import record
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.report import show

TARGET_SECONDS = 1.0
PER_FILE_TARGET = 0.1
MEMORY_TARGET = 10.0
SAMPLE = Path(__file__).resolve().parents[1] / "sample_cassettes" / "catalog" / "items.yaml"


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
    parser.add_argument("--memory", action="store_true", help="peak memory against file size")
    parser.add_argument("--quick", action="store_true", help="with --memory: 5 and 20 MB, not 20 and 100")
    parser.add_argument("--against", metavar="REV", help="with --per-file or --memory: also the code at REV")
    args = parser.parse_args(argv)
    if args.per_file:
        return per_file(max(args.runs, 15), args.against)
    if args.memory:
        return memory([5.0, 20.0] if args.quick else [20.0, 100.0], args.against, args.seed)

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

        serializers = vcr_serializers()
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


def per_file(runs: int, against: str | None) -> int:
    """Best-of-`runs` wall time of textconv on each sample cassette, as git runs it, in rounds
    that also run the baselines (and the code at `against`), so load falls on all rows alike."""
    samples = sorted((Path(__file__).resolve().parents[1] / "sample_cassettes").rglob("*.yaml"))
    env = child_env(ROOT)
    with tree_at(against) as before:
        trees = [("ours", ROOT)] + ([(f"before ({against})", before)] if before is not None else [])
        rows: list[Row] = [("python -c pass", [sys.executable, "-c", "pass"], env)]
        for sample in samples:
            rows.append((f"cat {sample.name}", ["cat", str(sample)], env))
            for label, tree in trees:
                rows.append((f"{label} {sample.name}", *ours(tree, "show", "--textconv", str(sample))))
        best = best_rounds(rows, runs)
    slowest = {
        label: max((best[f"{label} {sample.name}"] for sample in samples), key=lambda timing: timing.wall)
        for label in ["cat", *(label for label, _ in trees)]
    }
    baseline = best["python -c pass"]
    print(f"`show --textconv` per file ({len(samples)} samples, the slowest of each), best of {runs} rounds:")
    print(f"  baseline: `python -c pass`: {baseline.wall:.3f} s (cpu {baseline.cpu:.3f} s)")
    print(f"  baseline: `cat FILE`: {slowest['cat'].wall:.3f} s (cpu {slowest['cat'].cpu:.3f} s)")
    for label, _ in trees:
        timing = slowest[label]
        print(f"  {label}: `cassettes show --textconv FILE`: {timing.wall:.3f} s (cpu {timing.cpu:.3f} s)")
    ours_time = slowest["ours"].wall
    print(f"  ratio ours/`python -c pass`: {ours_time / baseline.wall:.1f}x")
    met = ours_time < PER_FILE_TARGET
    print(f"target: under {PER_FILE_TARGET:.1f} s a file: {'met' if met else 'MISSED'}")
    return 0 if met else 1


def write_cassette(path: Path, megabytes: float, body_mb: float, seed: int) -> None:
    """A vcrpy cassette of about `megabytes` MB of JSON answers of `body_mb` MB each, written
    by vcrpy's own YAML serializer (as it records them)."""
    from vcr.serializers import yamlserializer

    interactions = []
    for number in range(max(1, round(megabytes / body_mb))):
        interactions.append(
            {
                "request": {
                    "method": "GET",
                    "uri": f"https://catalog.example.com/export?page={number}",
                    "body": None,
                    "headers": {"Accept": ["application/json"]},
                },
                "response": {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {
                        "Content-Type": ["application/json"],
                        "Date": ["Thu, 01 Jan 2026 00:00:00 GMT"],
                    },
                    "body": {"string": payload(body_mb * 0.85, seed + number).decode("utf-8")},
                },
            }
        )
    path.write_text(yamlserializer.serialize({"interactions": interactions, "version": 1}), encoding="utf-8")


def peak_rss(command: list[str], env: dict[str, str]) -> int:
    """The peak resident memory of one run of `command`, in bytes (Linux reports KiB)."""
    process = subprocess.Popen(command, env=env, cwd=NEUTRAL, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return usage.ru_maxrss * 1024


def memory(sizes: list[float], against: str | None, seed: int) -> int:
    """Peak memory of `show --textconv` against the file's size: many 0.5 MB answers, and one."""
    with tempfile.TemporaryDirectory() as folder, tree_at(against) as before:
        trees = [("ours", ROOT)] + ([(f"before ({against})", before)] if before is not None else [])
        floor = {
            label: peak_rss(ours(tree, "show", "--textconv", str(SAMPLE))[0], child_env(tree))
            for label, tree in trees
        }
        print("`show --textconv` peak memory (RSS) / file size:")
        for label, _ in trees:
            print(
                f"  {label}: on a {SAMPLE.stat().st_size:,} byte sample: {floor[label] / 1e6:.0f} MB (the floor)"
            )
        worst = 0.0
        for megabytes in sizes:
            for shape, body_mb in (("0.5 MB answers", 0.5), ("one answer", megabytes)):
                path = Path(folder) / "big.yaml"
                write_cassette(path, megabytes, body_mb, seed)
                size = path.stat().st_size
                for label, tree in trees:
                    command, env = ours(tree, "show", "--textconv", str(path))
                    peak = peak_rss(command, env)
                    if label == "ours" and megabytes == max(sizes):
                        worst = max(worst, peak / size)
                    print(
                        f"  {label}: {size / 1e6:6.1f} MB file, {shape:<14}: peak {peak / 1e6:7.0f} MB,"
                        f" {peak / size:5.1f}x the file ({(peak - floor[label]) / size:4.1f}x above the floor)"
                    )
    met = worst <= MEMORY_TARGET
    print(
        f"target: peak under {MEMORY_TARGET:.0f}x the file at {max(sizes):.0f} MB: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
