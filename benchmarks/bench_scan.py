"""Benchmark `cassettes scan` against what a user has today: vcrpy loading each cassette in a loop.

    python benchmarks/bench_scan.py [--count N] [--interactions 10] [--sizes 200,2000,20000]

The cassettes are written through vcrpy's own serializer (half YAML, half JSON; one YAML
cassette in five with gzip response bodies stored as `!!binary`), from a seeded random
generator, so every run reads the same bytes, and back-dated an hour, as a checked-out tree
is (the cache never trusts a file modified within 2 s of its writing). Generation is not
timed. Each measurement is the best of `--runs` runs. Cold runs start without the scan
cache (the CLI writes it, as a first run does); warm runs read the tree again, unchanged,
so the report kept by the last run answers; and "1 touched" runs move one cassette's mtime
first, so the report is made again from the cache's entries.
Targets at 2,000 cassettes: cold ours/baseline <= 0.6, warm <= 0.1; at any other size, under 1.0.
Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from vcr.persisters.filesystem import FilesystemPersister
from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool import config
from cassettes_tool.commands import scan

#: ours/baseline must not exceed this at a given size; any other size must stay under 1.0.
TARGETS = {2000: 0.6}
DEFAULT_TARGET = 1.0
#: warm (unchanged tree, scan cache written) ours/baseline must not exceed this
WARM_TARGETS = {2000: 0.1}
#: elsewhere a warm run must only beat the baseline: at 500 cassettes the interpreter's own
#: start-up (0.14 s) is a fifth of the baseline
WARM_DEFAULT = 1.0
#: Cassettes per folder, as test suites group them by test module.
PER_FOLDER = 40
SERIALIZERS: dict[str, ModuleType] = {".yaml": yamlserializer, ".json": jsonserializer}

# ---------------------------------------------------------------------------- generation

_HOSTS = ("api.example.com", "billing.example.com", "api.github.com", "search.internal.example.org")
_FIRST = ("Ada", "Grace", "Linus", "Zoë", "Łukasz", "Amélie", "Kenji", "Priya", "Omar", "Sven")
_LAST = ("Lovelace", "Hopper", "Torvalds", "Müller", "Nowak", "Dubois", "Tanaka", "Rao", "Haddad")
_WORDS = ("alpha", "bravo", "delta", "echo", "golf", "kilo", "lima", "oscar", "romeo", "tango")
_EPOCH = datetime(2023, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated folder of cassettes and what is in it."""

    root: Path
    files: int
    interactions: int
    yaml_files: int
    gzip_files: int
    size: int


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _timestamp(rng: random.Random) -> str:
    moment = _EPOCH + timedelta(seconds=rng.randrange(3 * 365 * 24 * 3600))
    return moment.isoformat().replace("+00:00", "Z")


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _user(rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {
        "id": rng.randrange(1, 10**7),
        "uuid": _uuid(rng),
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}@example.com",
        "active": rng.random() < 0.8,
        "roles": rng.sample(["admin", "editor", "viewer", "billing", "support"], rng.randint(1, 3)),
        "created_at": _timestamp(rng),
        "last_login": _timestamp(rng) if rng.random() < 0.7 else None,
        "profile": {"bio": _sentence(rng, rng.randint(4, 20)), "locale": rng.choice(["en", "fr"])},
    }


def _order(rng: random.Random) -> dict[str, Any]:
    lines: list[dict[str, Any]] = [
        {
            "sku": f"SKU-{rng.randrange(10**5):05d}",
            "quantity": rng.randint(1, 9),
            "unit_price": round(rng.uniform(1, 500), 2),
        }
        for _ in range(rng.randint(1, 5))
    ]
    return {
        "id": _uuid(rng),
        "status": rng.choice(["pending", "paid", "shipped", "refunded"]),
        "currency": rng.choice(["EUR", "USD", "JPY"]),
        "total": round(sum(line["quantity"] * line["unit_price"] for line in lines), 2),
        "lines": lines,
        "placed_at": _timestamp(rng),
        "note": _sentence(rng, rng.randint(3, 12)) if rng.random() < 0.4 else None,
    }


def _event(rng: random.Random) -> dict[str, Any]:
    return {
        "id": rng.randrange(10**9, 10**10),
        "type": rng.choice(["PushEvent", "IssuesEvent", "WatchEvent", "ForkEvent"]),
        "actor": {
            "login": rng.choice(_WORDS) + str(rng.randrange(100)),
            "id": rng.randrange(10**6),
        },
        "payload": {"ref": f"refs/heads/{rng.choice(_WORDS)}", "size": rng.randint(0, 20)},
        "public": rng.random() < 0.9,
        "created_at": _timestamp(rng),
    }


_RESOURCES: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "users": _user,
    "orders": _order,
    "events": _event,
}


def _page(rng: random.Random, resource: str) -> dict[str, Any]:
    """A list page of a few KB: the commonest body in real suites."""
    items = [_RESOURCES[resource](rng) for _ in range(rng.randint(3, 14))]
    return {
        "data": items,
        "meta": {"page": rng.randint(1, 40), "per_page": len(items), "request_id": _uuid(rng)},
        "links": {"next": f"https://{rng.choice(_HOSTS)}/v2/{resource}?cursor={_uuid(rng)}"},
    }


def _response(
    rng: random.Random, status: int, message: str, payload: object, *, gzipped: bool
) -> dict[str, Any]:
    body: bytes = b"" if payload is None else json.dumps(payload).encode("utf-8")
    headers: dict[str, list[str]] = {
        "Date": [format_datetime(_EPOCH + timedelta(seconds=rng.randrange(10**8)), usegmt=True)],
        "Server": [rng.choice(["nginx/1.25.3", "gunicorn", "envoy"])],
        "Connection": ["keep-alive"],
        "X-Request-Id": [_uuid(rng)],
    }
    if body:
        headers["Content-Type"] = ["application/json; charset=utf-8"]
    if body and gzipped:
        body = gzip.compress(body, mtime=0)  # not UTF-8: vcrpy's YAML stores it as !!binary
        headers["Content-Encoding"] = ["gzip"]
        headers["Vary"] = ["Accept-Encoding"]
    headers["Content-Length"] = [str(len(body))]
    return {
        "status": {"code": status, "message": message},
        "headers": headers,
        "body": {"string": body},
    }


def _interaction(rng: random.Random, *, gzipped: bool) -> tuple[Request, dict[str, Any]]:
    host = rng.choice(_HOSTS)
    resource = rng.choice(list(_RESOURCES))
    headers = {
        "User-Agent": rng.choice(["python-requests/2.32.3", "python-httpx/0.27.0"]),
        "Accept-Encoding": "gzip, deflate",
        "Accept": rng.choice(["*/*", "*/*", "application/json"]),
        "Connection": "keep-alive",
    }
    roll = rng.random()
    if roll < 0.7:
        uri = f"https://{host}/v2/{resource}?page={rng.randint(1, 40)}&per_page=25"
        request = Request("GET", uri, None, headers)
        return request, _response(rng, 200, "OK", _page(rng, resource), gzipped=gzipped)
    if roll < 0.85:
        item = _RESOURCES[resource](rng)
        headers["Content-Type"] = "application/json"
        request = Request("POST", f"https://{host}/v2/{resource}", json.dumps(item).encode(), headers)
        return request, _response(rng, 201, "Created", item, gzipped=gzipped)
    if roll < 0.95:
        uri = f"https://{host}/v2/{resource}/{_uuid(rng)}"
        return Request("DELETE", uri, None, headers), _response(rng, 204, "No Content", None, gzipped=False)
    uri = f"https://{host}/v2/{resource}/{rng.randrange(10**6)}"
    error = {"error": {"code": "not_found", "message": _sentence(rng, 6), "request_id": _uuid(rng)}}
    return Request("GET", uri, None, headers), _response(rng, 404, "Not Found", error, gzipped=gzipped)


def generate(root: Path, count: int, interactions: int, seed: int) -> Corpus:
    """Write `count` cassettes through vcrpy's serializers; cassette i depends only on (seed, i)."""
    total_size = yaml_files = gzip_files = 0
    for i in range(count):
        rng = random.Random(f"{seed}:{i}")
        is_yaml = i % 2 == 0
        gzipped = is_yaml and i % 10 == 0  # one YAML cassette in five
        pairs = [_interaction(rng, gzipped=gzipped) for _ in range(interactions)]
        suffix = ".yaml" if is_yaml else ".json"
        cassette_dict = {"requests": [p[0] for p in pairs], "responses": [p[1] for p in pairs]}
        text: str = serialize(cassette_dict, SERIALIZERS[suffix])
        path = root / f"test_module_{i // PER_FOLDER:04d}" / f"test_case_{i:05d}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        hour_ago = time.time_ns() - 3600 * 10**9
        os.utime(path, ns=(hour_ago, hour_ago))
        total_size += len(text)
        yaml_files += is_yaml
        gzip_files += gzipped
    return Corpus(root, count, count * interactions, yaml_files, gzip_files, total_size)


# ---------------------------------------------------------------------------- the contenders

Counts = tuple[int, int]  # (cassettes, interactions)


def baseline(root: Path) -> Counts:
    """What a user can do today: find the files, load each with vcrpy's persister, one process."""
    files = sorted(p for p in root.rglob("*") if p.suffix in SERIALIZERS)
    interactions = 0
    for path in files:
        requests, _responses = FilesystemPersister.load_cassette(path, SERIALIZERS[path.suffix])
        interactions += len(requests)
    return len(files), interactions


def _cli() -> list[str]:
    exe = Path(sys.executable).parent / "cassettes"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cassettes_tool"]


def _cli_env(pycache: Path) -> dict[str, str]:
    """An installed package runs from bytecode: let the CLI cache it, outside the repository."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def cli_startup(root: Path, output: Path, env: dict[str, str]) -> Counts:
    """`cassettes scan` of one small cassette: the fixed cost of every run (start-up, imports)."""
    return ours_subprocess(root, output, env)


def vcr_startup(root: Path, env: dict[str, str]) -> Counts:
    """The same for the baseline: a fresh interpreter that imports vcrpy and loads that cassette."""
    (path,) = (p for p in root.rglob("*") if p.suffix in SERIALIZERS)
    code = (
        "import sys\n"
        "from vcr.persisters.filesystem import FilesystemPersister\n"
        "from vcr.serializers import jsonserializer, yamlserializer\n"
        "s = yamlserializer if sys.argv[1].endswith('.yaml') else jsonserializer\n"
        "print(len(FilesystemPersister.load_cassette(sys.argv[1], s)[0]))"
    )
    command = [sys.executable, "-c", code, str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return 1, int(done.stdout)


def ours_subprocess(
    root: Path, output: Path, env: dict[str, str], *, warm: bool = False, touch: Path | None = None
) -> Counts:
    """The installed CLI as a user runs it: start-up, settings, scan and the JSON report.

    Cold: the scan cache is removed first (and written by the run); warm: the tree is
    unchanged, and the last run's kept report answers; `touch`: that one cassette gets a new
    mtime first (still an hour old), so the report is made again from the scan cache's
    entries and the one cassette read."""
    if not warm:
        shutil.rmtree(root.parent / ".cassettes", ignore_errors=True)
    if touch is not None:
        when = touch.stat().st_mtime_ns - 1_000_000_000
        os.utime(touch, ns=(when, when))
    command = [*_cli(), "scan", str(root), "--format", "json", "--output", str(output)]
    done = subprocess.run(command, cwd=root.parent, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"`{' '.join(command)}` exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    summary = json.loads(output.read_text(encoding="utf-8"))["summary"]
    if summary.get("errors") or summary.get("skipped"):
        raise SystemExit(f"scan did not read every cassette: {summary}")
    return int(summary["cassettes"]), int(summary["interactions"])


def ours_inprocess(root: Path, settings: config.Config, *, warm: bool = False) -> Counts:
    """The same scan without interpreter start-up, imports, settings or rendering; warm:
    from the cache the CLI wrote."""
    report = scan.run((root,), settings, use_cache=warm)
    bad = [c for c in report.cassettes if c.status.value != "ok"]
    if bad:
        raise SystemExit(f"scan did not read every cassette: {bad[:3]}")
    return len(report.cassettes), sum(len(c.interactions) for c in report.cassettes)


@dataclass(frozen=True, slots=True)
class Timing:
    wall: float
    #: CPU seconds of this process and the children it waited for (the CLI, the pool's workers)
    cpu: float


def _cpu_seconds() -> float:
    times = os.times()  # children's times are counted once waited for (zero on Windows)
    return times.user + times.system + times.children_user + times.children_system


def best_of(runs: int, contenders: dict[str, Callable[[], Counts]], expected: Counts) -> dict[str, Timing]:
    """Best wall and CPU time of each contender, run in turns so a slow spell of the machine hits all."""
    wall = dict.fromkeys(contenders, float("inf"))
    cpu = dict.fromkeys(contenders, float("inf"))
    for _ in range(runs):
        for name, fn in contenders.items():
            gc.collect()
            start, start_cpu = time.perf_counter(), _cpu_seconds()
            found = fn()
            wall[name] = min(wall[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], _cpu_seconds() - start_cpu)
            if found != expected:
                raise SystemExit(
                    f"{name}: found {found[0]} cassettes / {found[1]} interactions, "
                    f"expected {expected[0]} / {expected[1]}"
                )
    return {name: Timing(wall[name], cpu[name]) for name in contenders}


# ---------------------------------------------------------------------------- the comparison


@dataclass(frozen=True, slots=True)
class Row:
    corpus: Corpus
    baseline: Timing
    cli: Timing
    inprocess: Timing
    warm_cli: Timing
    warm_inprocess: Timing
    #: a fresh interpreter importing vcrpy: what the baseline would add if it ran as a script
    vcr_startup: float

    @property
    def target(self) -> float:
        return TARGETS.get(self.corpus.files, DEFAULT_TARGET)

    @property
    def warm_target(self) -> float:
        return WARM_TARGETS.get(self.corpus.files, WARM_DEFAULT)

    @property
    def ratio(self) -> float:
        return self.cli.wall / self.baseline.wall

    @property
    def warm_ratio(self) -> float:
        return self.warm_cli.wall / self.baseline.wall


def compare(count: int, args: argparse.Namespace, env: dict[str, str], vcr_startup_s: float) -> Row:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench_scan_{count}_", dir=args.workdir))
    try:
        root = tmp / "cassettes"
        start = time.perf_counter()
        corpus = generate(root, count, args.interactions, args.seed)
        print(
            f"{count:,} cassettes: {corpus.yaml_files:,} YAML ({corpus.gzip_files:,} with gzip bodies), "
            f"{count - corpus.yaml_files:,} JSON; {corpus.interactions:,} interactions, "
            f"{corpus.size / 2**20:.1f} MiB; generated in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        output = tmp / "report.json"
        touched = next(root.rglob("*.yaml"))
        settings = config.load(cwd=root.parent)  # what the CLI reads from the same folder
        settings = replace(settings, scratch=root.parent / ".cassettes" / "scratch")
        times = best_of(
            args.runs,
            {
                "baseline": lambda: baseline(root),
                "ours (cli)": lambda: ours_subprocess(root, output, env),
                "ours (in-process)": lambda: ours_inprocess(root, settings),
                "ours warm (cli)": lambda: ours_subprocess(root, output, env, warm=True),
                "ours warm (in-proc)": lambda: ours_inprocess(root, settings, warm=True),
                "ours 1 touched (cli)": lambda: ours_subprocess(root, output, env, warm=True, touch=touched),
            },
            (corpus.files, corpus.interactions),
        )
        for name, timing in times.items():
            ratio = timing.wall / times["baseline"].wall
            print(
                f"  {name:<20} {timing.wall:8.3f} s wall {timing.cpu:8.3f} s CPU  {ratio:5.2f}x", flush=True
            )
        return Row(
            corpus,
            times["baseline"],
            times["ours (cli)"],
            times["ours (in-process)"],
            times["ours warm (cli)"],
            times["ours warm (in-proc)"],
            vcr_startup_s,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


HEADER = (
    f"{'cassettes':>9}  {'baseline s':>10}  {'ours cli s':>10}  {'in-proc s':>9}  "
    f"{'cli/base':>8}  {'in-proc/base':>12}  {'cli/(base+start)':>16}  {'target':>7}  verdict  "
    f"{'warm cli s':>10}  {'warm/base':>9}  {'warm in-proc/base':>17}  {'target':>7}  verdict"
)


def render_row(row: Row) -> str:
    verdict = "ok" if row.ratio <= row.target else "MISSED"
    like_for_like = row.cli.wall / (row.baseline.wall + row.vcr_startup)
    return (
        f"{row.corpus.files:>9,}  {row.baseline.wall:>10.3f}  {row.cli.wall:>10.3f}  "
        f"{row.inprocess.wall:>9.3f}  {row.ratio:>8.2f}  {row.inprocess.wall / row.baseline.wall:>12.2f}  "
        f"{like_for_like:>16.2f}  {'<= ' + format(row.target, '.1f'):>7}  {verdict:<7}  "
        f"{row.warm_cli.wall:>10.3f}  {row.warm_ratio:>9.2f}  "
        f"{row.warm_inprocess.wall / row.baseline.wall:>17.2f}  {'<= ' + format(row.warm_target, '.1f'):>7}  "
        f"{'ok' if row.warm_ratio <= row.warm_target else 'MISSED'}"
    )


def _load_average() -> float:
    getloadavg = getattr(os, "getloadavg", None)
    return float(getloadavg()[0]) if getloadavg else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="cassettes to generate (2000)")
    parser.add_argument("--interactions", type=int, default=10, help="per cassette (10)")
    parser.add_argument("--sizes", help="comma-separated counts to run in turn, e.g. 200,2000,20000")
    parser.add_argument("--runs", type=int, default=3, help="take the best of this many runs (3)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--workdir", type=Path, help="where to put the temporary folders")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.count]
    if any(size < 1 for size in sizes) or args.interactions < 1 or args.runs < 1:
        parser.error("sizes, --interactions and --runs must be positive")

    load_before = _load_average()
    pycache = Path(tempfile.mkdtemp(prefix="bench_scan_pycache_", dir=args.workdir))
    try:
        env = _cli_env(pycache)
        one = generate(pycache / "one", 1, 1, args.seed).root
        output = pycache / "one.json"
        cli_startup(one, output, env)  # writes the bytecode cache, as an installed package has it
        startup = best_of(
            args.runs,
            {"cli": lambda: cli_startup(one, output, env), "vcr": lambda: vcr_startup(one, env)},
            (1, 1),
        )
        print(
            f"start-up: `cassettes scan` of one cassette {startup['cli'].wall:.3f} s, "
            f"a fresh interpreter loading it with vcrpy {startup['vcr'].wall:.3f} s",
            flush=True,
        )
        rows = [compare(size, args, env, startup["vcr"].wall) for size in sizes]
    finally:
        shutil.rmtree(pycache, ignore_errors=True)

    print()
    print(HEADER)
    print("-" * len(HEADER))
    for row in rows:
        print(render_row(row))
    print(
        f"wall seconds, best of {args.runs} runs taken in turns; {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}\n"
        "baseline: vcrpy's FilesystemPersister.load_cassette on each file, one process, no start-up;\n"
        "ours cli: the installed `cassettes scan --format json --output FILE`, start-up included;\n"
        "cli/(base+start): like for like, the baseline plus a fresh interpreter's start-up (vcrpy imported)\n"
        "warm: the same tree again, unchanged: the report the last run kept is written again\n"
        "1 touched: the same with one cassette's mtime moved: the report is made again from the\n"
        "  scan cache's entries, that one cassette read (printed for each size above, not a target)\n"
        "target: cli/base <= 0.6 at 2,000 cassettes, never above 1.0 (200, 20,000); warm/base <= 0.1 at 2,000 (under 1.0 elsewhere)"
    )
    if load_before > 0.5:  # our own runs raise it afterwards: only the start says something
        print(
            f"warning: load average {load_before:.1f} at the start: other work may have shared the "
            "CPUs, so the pool's gain is understated (compare the CPU seconds above)"
        )
    met = all(row.ratio <= row.target and row.warm_ratio <= row.warm_target for row in rows)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
