"""Throughput of the secret scan on large bodies, and peak memory of a refresh of large answers.

    python benchmarks/bench_secrets_speed.py [--quick] [--sizes 1,5,20] [--runs 3]
                                             [--answers 32] [--answer-mb 5] [--concurrency 16]

Bodies (generated, seeded, never timed): `json`, a page of realistic API objects (nested
customers and lines, UUIDs, timestamps, URLs, long descriptions); `sse`, an LLM answer
streamed as `content_block_delta` events; `base64`, a JSON answer carrying an image as
base64 (Gemini's `inlineData`). Each is scanned as a response body by `scan_interaction`,
from bytes (decoding included), in three ways, side by side in one run:

- ours: the scanner as shipped (shapes from their literals, large bodies screened first);
- walk: the same scanner with both turned off: every body parsed and walked node by node,
  shapes searched with the one combined expression (what the scan did before);
- floor: the same bytes decoded and one plain `re` pass over the whole text (`SHAPE_HINT.findall`,
  the rules' cheap first look at the literals shapes start with): what one regular expression
  costs on these bytes; a scan that also judges names, base64 and URLs does more than this.

Refresh: `--answers` GET cassettes re-recorded at `--concurrency` against a loopback staging
server that answers each with a `--answer-mb` JSON body, in a child process: its RSS before the
refresh starts and its peak RSS during the refresh (`VmHWM`, reset once the data is generated).
Goals: ours >= 100 MB/s on every body; refresh peak within a few answers of its start.
Standalone: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cassettes_tool.cassette import decode
from cassettes_tool.model import Headers, Interaction, Request, Response
from cassettes_tool.secrets import scan
from cassettes_tool.secrets.rules import SHAPE_HINT

GOAL_MBPS = 100.0
HOST = "api.example.com"
_TEXT = (
    "the order was shipped to the customer after payment cleared and the invoice was sent by email "
    "please review the attached summary of changes before the next release window opens on monday "
    "our model returned a detailed answer describing the steps needed to configure the project and "
    "deploy it safely including rollback plans monitoring alerts and a short checklist for reviewers "
    "weather forecast shows light rain in the morning with clearing skies by afternoon across the region "
    "to call the api pass your key in a header and refresh the session token when it expires"
)
_WORDS = _TEXT.split()


def _prose(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def json_body(size: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    items: list[dict[str, Any]] = []
    total = n = 0
    while total < size:
        created = start + timedelta(seconds=rng.randrange(10**7))
        item = {
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "object": "order",
            "number": 100000 + n,
            "created_at": created.isoformat(),
            "updated_at": (created + timedelta(hours=rng.randrange(1, 90))).isoformat(),
            "status": rng.choice(("open", "paid", "shipped", "refunded")),
            "amount": rng.randrange(100, 100000),
            "currency": "usd",
            "customer": {
                "id": f"cus_{rng.getrandbits(64):016x}",
                "name": f"{rng.choice(('Ada', 'Grace', 'Alan', 'Edsger'))} {rng.choice(('Lovelace', 'Hopper'))}",
                "email": f"customer{n}@example.com",
                "address": {"line1": f"{rng.randrange(1, 999)} Main Street", "city": "Springfield"},
            },
            "lines": [
                {
                    "sku": f"SKU-{rng.randrange(10**6)}",
                    "quantity": rng.randrange(1, 5),
                    "title": _prose(rng, 6),
                }
                for _ in range(rng.randrange(1, 4))
            ],
            "description": _prose(rng, rng.randrange(20, 160)),
            "etag": f"{rng.getrandbits(128):032x}",
            "url": f"https://{HOST}/v1/orders/{n}?expand=customer&page={n % 7}",
            "metadata": {"source": "web", "token_count": rng.randrange(1000), "attempts": rng.randrange(3)},
            "paid": rng.random() < 0.5,
            "refunded_at": None,
        }
        text = json.dumps(item)
        items.append(item)
        total += len(text) + 2
        n += 1
    return json.dumps({"object": "list", "data": items, "has_more": True}).encode()


def sse_body(size: int, seed: int = 2) -> bytes:
    rng = random.Random(seed)
    start = {
        "type": "message_start",
        "message": {"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "usage": {"input_tokens": 25}},
    }
    events = [f"event: message_start\ndata: {json.dumps(start)}\n\n"]
    total = len(events[0])
    while total < size:
        delta = {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": " " + _prose(rng, rng.randrange(1, 6))},
        }
        event = f"event: content_block_delta\ndata: {json.dumps(delta, separators=(',', ':'))}\n\n"
        events.append(event)
        total += len(event)
    events.append('event: message_stop\ndata: {"type":"message_stop"}\n\n')
    return "".join(events).encode()


def base64_body(size: int, seed: int = 3) -> bytes:
    data = base64.b64encode(random.Random(seed).randbytes(size * 3 // 4)).decode()
    part = {"inlineData": {"mimeType": "image/png", "data": data}}
    return json.dumps({"candidates": [{"content": {"parts": [part], "role": "model"}}]}).encode()


BODIES: dict[str, tuple[Callable[[int], bytes], str]] = {
    "json": (json_body, "application/json"),
    "sse": (sse_body, "text/event-stream"),
    "base64": (base64_body, "application/json"),
}


# ---------------------------------------------------------------------------- throughput


@contextmanager
def plain_walk() -> Iterator[None]:
    from cassettes_tool.secrets import shapes

    saved = scan.SCREEN_FROM, shapes._LONG
    scan.SCREEN_FROM = shapes._LONG = 1 << 62
    try:
        yield
    finally:
        scan.SCREEN_FROM, shapes._LONG = saved


def _interaction(data: bytes, media: str) -> Interaction:
    request = Request("GET", f"https://{HOST}/v1/orders", Headers(), decode(b"", None, None))
    return Interaction(
        0, request, Response(200, "OK", Headers((("Content-Type", media),)), decode(data, media, None))
    )


def _ours(data: bytes, media: str) -> None:
    scan.scan_interaction(_interaction(data, media))


def _walk(data: bytes, media: str) -> None:
    with plain_walk():
        scan.scan_interaction(_interaction(data, media))


def _floor(data: bytes, media: str) -> None:
    SHAPE_HINT.findall(data.decode("utf-8"))


def throughput(sizes: list[int], runs: int, walk_up_to: int) -> bool:
    ok = True
    print(
        f"{'body':8} {'MB':>4} {'floor MB/s':>11} {'walk MB/s':>10} {'ours MB/s':>10} {'ours/walk':>10} {'ours/floor':>11}"
    )
    for name, (make, media) in BODIES.items():
        for mb in sizes:
            data = make(mb << 20)
            ways = [("floor", _floor), ("ours", _ours)] + ([("walk", _walk)] if mb <= walk_up_to else [])
            best = {way: float("inf") for way, _ in ways}
            for _ in range(runs):  # in turns, so load on the machine hits all alike
                for way, run in ways:
                    begin = time.perf_counter()
                    run(data, media)
                    best[way] = min(best[way], time.perf_counter() - begin)
            rate = {way: len(data) / 1e6 / seconds for way, seconds in best.items()}
            walk = f"{rate['walk']:10.1f}" if "walk" in rate else f"{'-':>10}"
            versus = f"{rate['ours'] / rate['walk']:9.1f}x" if "walk" in rate else f"{'-':>10}"
            print(
                f"{name:8} {len(data) / 1e6:4.1f} {rate['floor']:11.1f} {walk} {rate['ours']:10.1f} "
                f"{versus} {rate['ours'] / rate['floor']:10.2f}x",
                flush=True,
            )
            ok &= rate["ours"] >= GOAL_MBPS
    return ok


# ---------------------------------------------------------------------------- refresh memory


class _Staging(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    payload = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def _status_mb(field: str) -> float:
    """`VmRSS` (now) or `VmHWM` (peak since the last reset) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> None:
    """Start `VmHWM` afresh, so the peak is the refresh's and not the generation's."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def refresh_child(answers: int, answer_mb: int, concurrency: int) -> None:
    """Runs in its own process: generate, serve, refresh; print RSS before and at peak."""
    from vcr.request import Request as VcrRequest
    from vcr.serialize import serialize
    from vcr.serializers import yamlserializer

    from cassettes_tool.config import Config, Target
    from cassettes_tool.model import Outcome
    from cassettes_tool.refresh import replay

    handler = type("Staging", (_Staging,), {"payload": json_body(answer_mb << 20, seed=7)})
    tmp = Path(tempfile.mkdtemp(prefix="bench_secrets_refresh_"))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for c in range(answers):
            request = VcrRequest(
                "GET", f"https://{HOST}/v1/orders?page={c}", None, {"Accept": "application/json"}
            )
            response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": b"{}"}}
            path = tmp / "cassettes" / f"test_{c}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(serialize({"requests": [request], "responses": [response]}, yamlserializer))
        base = f"http://127.0.0.1:{server.server_address[1]}"
        target = Target("bench", hosts={HOST: base}, concurrency=concurrency, timeout=300)
        gc.collect()
        _reset_peak()
        before = _status_mb("VmRSS")
        begin = time.perf_counter()
        run = replay.refresh([tmp / "cassettes"], Config(), target, scratch=tmp / "scratch")
        elapsed = time.perf_counter() - begin
        peak = _status_mb("VmHWM")
        done = sum(1 for c in run.cassettes for i in c.interactions if i.outcome is Outcome.REFRESHED)
        print(json.dumps({"before_mb": before, "peak_mb": peak, "seconds": elapsed, "refreshed": done}))
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(tmp, ignore_errors=True)


def refresh_memory(answers: int, answer_mb: int, concurrency: int) -> bool:
    child = subprocess.run(
        [sys.executable, __file__, "--refresh-child", str(answers), str(answer_mb), str(concurrency)],
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode != 0:
        print(child.stderr)
        return False
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    peak = figures["peak_mb"]
    grew = peak - figures["before_mb"]
    print(
        f"refresh: {answers} answers of {answer_mb} MB at --concurrency {concurrency}: "
        f"{figures['refreshed']} refreshed in {figures['seconds']:.1f} s; RSS {figures['before_mb']:.0f} MB "
        f"before, peak {peak:.0f} MB (+{grew:.0f} MB, {grew / answer_mb:.1f} answers' worth)"
    )
    return figures["refreshed"] == answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 5 MB bodies, one run, 16 answers")
    parser.add_argument("--sizes", default="1,5,20", help="body sizes in MB (1,5,20)")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs (3)")
    parser.add_argument(
        "--walk-up-to", type=int, default=5, help="time the plain walk up to this size (5 MB)"
    )
    parser.add_argument("--answers", type=int, default=32)
    parser.add_argument("--answer-mb", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--refresh-only", action="store_true", help="only the refresh's memory")
    parser.add_argument("--refresh-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refresh_child:
        refresh_child(*args.refresh_child)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    runs, answers = args.runs, args.answers
    if args.quick:
        sizes, runs, answers = [s for s in sizes if s <= 5], 1, min(answers, 16)
    print(
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}; load {os.getloadavg()[0]:.1f}", flush=True
    )
    ok = args.refresh_only or throughput(sizes, runs, args.walk_up_to)
    ok &= refresh_memory(answers, args.answer_mb, args.concurrency)
    goal = "every answer refreshed" if args.refresh_only else f"ours >= {GOAL_MBPS:.0f} MB/s on every body"
    print(f"verdict: {'ok' if ok else 'MISSED'} (goal: {goal})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
