"""Benchmark `cassettes refresh` against a staging server that takes 50 ms per answer.

    python benchmarks/bench_refresh.py [--cassettes 100] [--interactions 10] [--delay 0.05]
                                       [--concurrency 16] [--runs 3]

The staging server is a ThreadingHTTPServer on loopback that sleeps `--delay` before
every answer. The cassettes (GET interactions only) are written through vcrpy's own
serializer; generation is not timed. Baseline: the same refresh done serially
(`--concurrency 1`), what re-running a suite in record mode costs. Floor: the longest
cassette's chain of interactions, which must run in order. Targets at the given
concurrency: at least 10x faster than serial, and within 1.3x of
cassettes x interactions x delay / concurrency (the issue's 1.3x). `--quick` skips the
serial run. Standalone: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from cassettes_tool.config import Config, Target
from cassettes_tool.model import Outcome
from cassettes_tool.refresh import replay

HOST = "api.example.com"
SPEEDUP_TARGET = 10.0
IDEAL_TARGET = 1.3


class _Staging(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    #: headers and body go out in two writes: with Nagle on, the body waits ~40 ms for the
    #: client's delayed ACK on every kept-alive connection, which no real server adds
    disable_nagle_algorithm = True
    delay = 0.05

    def do_GET(self) -> None:
        time.sleep(self.delay)
        body = json.dumps({"path": self.path, "items": [{"id": n, "name": f"item {n}"} for n in range(5)]})
        payload = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 drops connects under a burst


def _serve(delay: float, ports: Any) -> None:
    handler = type("Staging", (_Staging,), {"delay": delay})
    server = _Server(("127.0.0.1", 0), handler)
    ports.put(server.server_address[1])
    server.serve_forever()


@contextmanager
def staging(delay: float) -> Iterator[str]:
    """Staging in a process of its own, as a real one is: its threads must not take turns
    with ours for the interpreter lock, or the benchmark times the server too."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ports = ctx.Queue()
    server = ctx.Process(target=_serve, args=(delay, ports), daemon=True)
    server.start()
    try:
        yield f"http://127.0.0.1:{ports.get(timeout=30)}/staging"
    finally:
        server.terminate()
        server.join(timeout=5)


def generate(root: Path, cassettes: int, interactions: int) -> None:
    """`cassettes` YAML cassettes of `interactions` GETs each, as vcrpy writes them."""
    headers = {"Accept": "application/json", "User-Agent": "python-requests/2.32.3"}
    for c in range(cassettes):
        requests = []
        responses = []
        for i in range(interactions):
            uri = f"https://{HOST}/v1/things/{c}/{i}?page=1"
            requests.append(Request("GET", uri, None, headers))
            body = json.dumps({"id": i, "old": True}).encode()
            responses.append(
                {
                    "status": {"code": 200, "message": "OK"},
                    "headers": {"Content-Type": ["application/json"], "Content-Length": [str(len(body))]},
                    "body": {"string": body},
                }
            )
        path = root / f"suite_{c // 25}" / f"test_{c}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(serialize({"requests": requests, "responses": responses}, yamlserializer))


def timed_refresh(root: Path, base_url: str, concurrency: int, expected: int) -> float:
    target = Target("bench", hosts={HOST: base_url}, concurrency=concurrency, timeout=30)
    scratch = Path(tempfile.mkdtemp(prefix="bench_refresh_scratch_"))
    try:
        start = time.perf_counter()
        run = replay.refresh([root], Config(), target, scratch=scratch)
        elapsed = time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    refreshed = sum(1 for c in run.cassettes for i in c.interactions if i.outcome is Outcome.REFRESHED)
    if refreshed != expected:
        raise SystemExit(f"refreshed {refreshed} interactions, expected {expected}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cassettes", type=int, default=100)
    parser.add_argument("--interactions", type=int, default=10, help="per cassette (10)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds the server adds per answer")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs for ours (3)")
    parser.add_argument("--quick", action="store_true", help="one run, no serial baseline (~10 s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = 1
    if min(args.cassettes, args.interactions, args.concurrency, args.runs) < 1 or args.delay < 0:
        parser.error("counts must be positive and --delay not negative")

    total = args.cassettes * args.interactions
    tmp = Path(tempfile.mkdtemp(prefix="bench_refresh_"))
    try:
        root = tmp / "cassettes"
        generate(root, args.cassettes, args.interactions)
        with staging(args.delay) as base_url:
            print(
                f"staging on loopback, +{args.delay * 1000:.0f} ms per answer; "
                f"{args.cassettes} cassettes x {args.interactions} GET interactions",
                flush=True,
            )
            ours = min(timed_refresh(root, base_url, args.concurrency, total) for _ in range(args.runs))
            print(
                f"  ours at --concurrency {args.concurrency}: {ours:.2f} s (best of {args.runs})", flush=True
            )
            serial = None if args.quick else timed_refresh(root, base_url, 1, total)
            if serial is not None:
                print(f"  serial (--concurrency 1): {serial:.2f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    floor = args.interactions * args.delay
    ideal = total * args.delay / args.concurrency
    # a cassette's interactions go in order: cassettes fill the slots in waves
    waves = -(-args.cassettes // args.concurrency) * floor
    to_ideal = ours / ideal if ideal else float("inf")
    ok = to_ideal <= IDEAL_TARGET and (serial is None or serial / ours >= SPEEDUP_TARGET)
    print()
    rows = [
        ("baseline, serial replay", serial),
        (f"ours, --concurrency {args.concurrency}", ours),
        (f"floor, longest chain ({args.interactions} x {args.delay * 1000:.0f} ms)", floor),
        (f"ideal, {total} x {args.delay * 1000:.0f} ms / {args.concurrency}", ideal),
        (f"waves, cassettes in order ({waves / ideal:.2f}x ideal)", waves),
    ]
    width = max(len(label) for label, _ in rows)
    for label, seconds in rows:
        print(f"{label:<{width}}  " + ("   (--quick)" if seconds is None else f"{seconds:8.2f} s"))
    if serial is not None:
        print(f"serial / ours   {serial / ours:6.1f}x   target >= {SPEEDUP_TARGET:.0f}x")
    print(f"ours / ideal    {to_ideal:6.2f}    target <= {IDEAL_TARGET}")
    print(f"ours / floor    {ours / floor if floor else float('inf'):6.2f}")
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; verdict: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
