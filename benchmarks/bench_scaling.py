"""Scaling cases for the paths issue 23 found superlinear: each timed at three sizes spanning
100x, with the exponent fitted to log(time) against log(size). Bar: exponent <= 1.15.

    python benchmarks/bench_scaling.py [--quick] [--only NAME ...]

Cases (ours is the whole figure; each case also prints the baseline the issue compares with):

- `diff-depth`: two bodies of arrays of objects nested 10 deep whose one real change sits at
  the bottom of the last item; the size is the number of leaves. Also printed: the same
  4,096 leaves at depths 1 to 12 (flat is right: the issue measured 95 ms -> 448 s).
- `scan-minified`: `scan`'s read (`summarize`) of a single-line JSON cassette; the baseline
  is the same cassette indented (bar: minified within 2x of indented at the largest size).
- `lint-findings`: `lint` of one cassette with N credentials (one per interaction) and
  `lint-fix-findings`: `lint --fix` on a fresh copy of it.
- `diff-interactions`: load + diff of one YAML cassette of N interactions against its
  re-recording (only timestamps moved; every interaction asserted aligned, volatile only);
  the baseline runs the diff with the cyclic collector running. At 10,000 it ends with a
  `ROW` line: load + diff against vcrpy's own load of the two files (goal: at most 0.4x),
  with the issue's 1.5 s and libyaml's bare node tree of the two files (its floor) beside it.
- `yaml-load`: `cassette.load` of a YAML cassette of N interactions, collector paused (ours)
  against the same load with the collector running, as it did (baseline).
- `textconv`: `show --textconv` of a YAML cassette, streamed to a sink; the figure also
  prints the peak of traced memory against the file's size.

Times are CPU seconds of this process (`time.process_time`): the machine is shared, and CPU
time is what the exponent is about. Each figure is the best of the runs (1 with --quick).
Generation is not timed. Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import json
import math
import random
import shutil
import string
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cassettes_tool import cassette
from cassettes_tool.cassette.formats import vcr as vcr_format
from cassettes_tool.diff.rules import DiffRules
from cassettes_tool.diff.walker import Changes, Walker
from cassettes_tool.lint.checks import check_file

BAR = 1.15
#: seconds for load + diff of one cassette of 10,000 interactions (the issue's goal); under
#: libyaml's own floor here, so the row's goal is linear and a share of vcrpy's load instead
DIFF_GOAL = 1.5
#: load + diff of the 10,000-interaction pair against vcrpy's load of the same two files
DIFF_SHARE_OF_VCR = 0.4
#: the module, not the `read` function the package exports under the same name
read_module = importlib.import_module("cassettes_tool.cassette.read")
_ALNUM = string.ascii_letters + string.digits


def fitted_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-6)) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def cpu(fn: Callable[[], Any], runs: int) -> float:
    best = math.inf
    for _ in range(runs):
        gc.collect()
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


# ---------------------------------------------------------------------------- data


def nested(depth: int, fan: int, top: int, changed: bool) -> list[Any]:
    """`top` items, each arrays of `fan` objects nested `depth` deep; one leaf differs."""
    counter = iter(range(10**9))

    def build(level: int, last: bool) -> Any:
        if level == 0:
            index = next(counter)
            return {"id_": index, "state": "open" if not (changed and last) else "closed"}
        return [{"child": build(level - 1, last and i == fan - 1)} for i in range(fan)]

    return [{"node": build(depth - 1, i == top - 1)} for i in range(top)]


def token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice(_ALNUM) for _ in range(36))


def interactions(count: int, seed: int = 7, secrets: bool = False, stamp: int = 0) -> list[dict[str, Any]]:
    """`count` GET interactions with JSON answers; `stamp` moves only their timestamps."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        headers = {"Accept": ["application/json"], "User-Agent": ["bench/1.0"]}
        if secrets:
            headers["X-Api-Token"] = [token(rng)]
        body = json.dumps(
            {
                "id": i,
                "created_at": f"2026-01-{1 + (i + stamp) % 28:02d}T10:{(i * 7 + stamp) % 60:02d}:00Z",
                "items": [{"n": n, "word": rng.choice(("alpha", "kilo", "tango"))} for n in range(12)],
            }
        )
        out.append(
            {
                "request": {
                    "body": None,
                    "headers": headers,
                    "method": "GET",
                    "uri": f"https://api.test/v1/items/{i}",
                },
                "response": {
                    "body": {"string": body},
                    "headers": {"Content-Type": ["application/json"], "X-Request-Id": [f"req-{i:08d}"]},
                    "status": {"code": 200, "message": "OK"},
                },
            }
        )
    return out


def write_json(folder: Path, name: str, items: list[dict[str, Any]], indent: int | None) -> Path:
    path = folder / name
    path.write_text(json.dumps({"interactions": items, "version": 1}, indent=indent))
    return path


def write_yaml(folder: Path, name: str, items: list[dict[str, Any]]) -> Path:
    path = folder / name
    serializer = vcr_format.vcr_serializers()["yaml"]
    path.write_text(serializer.serialize({"interactions": items, "version": 1}))
    return path


# ---------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    sizes: tuple[int, int, int]
    quick: tuple[int, int, int]
    unit: str


def case_diff_depth(size: int, folder: Path, runs: int) -> tuple[float, str]:
    top = max(1, size // 1024)  # depth 10, fan 2: 512 leaves an item... 1024 with the top level
    old, new = nested(10, 2, top * 2, False), nested(10, 2, top * 2, True)

    def run() -> None:
        walker = Walker(DiffRules(), Changes())
        walker.compare(old, new, ())
        assert any(c.path and "state" in c.path for c in walker.changes.freeze()), "change not found"

    return cpu(run, runs), ""


def case_scan_minified(size: int, folder: Path, runs: int) -> tuple[float, str]:
    items = interactions(size)
    flat = write_json(folder, f"flat-{size}.json", items, None)
    pretty = write_json(folder, f"pretty-{size}.json", items, 2)
    ours = cpu(lambda: cassette.summarize(flat), runs)
    base = cpu(lambda: cassette.summarize(pretty), runs)
    mb = flat.stat().st_size / 1e6
    return ours, f"{mb:.1f} MB single-line; indented {base:.3f} s, ratio {ours / base:.2f}x"


def case_lint(size: int, folder: Path, runs: int) -> tuple[float, str]:
    path = write_json(folder, f"lint-{size}.json", interactions(size, secrets=True), 2)
    found: list[int] = []

    def run() -> None:
        result = check_file(path)
        found.append(len(result.problems))

    seconds = cpu(run, runs)
    assert found[-1] >= size, f"{found[-1]} findings, {size} planted"
    return seconds, f"{found[-1]} findings, {path.stat().st_size / 1e6:.1f} MB"


def case_lint_comments(size: int, folder: Path, runs: int) -> tuple[float, str]:
    """Credentials only the text holds (YAML comments): placed by line, the path that searched
    from the top of the file for each finding."""
    path = write_yaml(folder, f"comments-{size}.yaml", interactions(size))
    rng = random.Random(size)
    text = path.read_text()
    path.write_text(
        "".join(
            f"# recorded with GITHUB_TOKEN={token(rng)}\n{part}" if part.startswith("- request") else part
            for part in text.splitlines(keepends=True)
        )
    )
    found: list[int] = []

    def run() -> None:
        found.append(len(check_file(path).problems))

    seconds = cpu(run, runs)
    assert found[-1] >= size, f"{found[-1]} findings, {size} planted"
    return seconds, f"{found[-1]} findings, {path.stat().st_size / 1e6:.1f} MB"


def case_lint_fix(size: int, folder: Path, runs: int) -> tuple[float, str]:
    source = write_json(folder, f"fix-{size}.json", interactions(size, secrets=True), 2)
    best = math.inf
    for attempt in range(runs):
        copy = folder / f"fix-{size}-{attempt}.json"
        shutil.copyfile(source, copy)
        gc.collect()
        started = time.process_time()
        result = check_file(copy, fix_it=True, root=folder)
        best = min(best, time.process_time() - started)
        assert len(result.fixed) >= size, f"{len(result.fixed)} masked, {size} planted"
    return best, f"{size} masked"


def case_diff_interactions(size: int, folder: Path, runs: int) -> tuple[float, str]:
    """`diff` of one cassette with itself re-recorded (only timestamps moved): load both and
    compare them as the command does (`report_of`, summaries included). The baseline is the
    same diff with the cyclic collector running through it, as it did."""
    from cassettes_tool.config import Config
    from cassettes_tool.diff import results

    old = write_yaml(folder, f"old-{size}.yaml", interactions(size))
    new = write_yaml(folder, f"new-{size}.yaml", interactions(size, stamp=3))
    verdicts: list[bool] = []
    loads: list[float] = []

    def compared() -> float:
        started = time.process_time()
        pair = results.Pair(old, cassette.load(old), cassette.load(new))
        loaded = time.process_time()
        loads.append(loaded - started)
        report = results.report_of([pair], Config())
        (result,) = report.cassettes
        verdicts.append(
            result.status.value == "aligned"
            and len(result.interactions) == size
            and all(
                i.changes and all(c.severity.value == "volatile" for c in i.changes)
                for i in result.interactions
            )
        )
        return time.process_time() - loaded

    ours = _best(compared, runs)
    load = min(loads)
    read_module.PAUSE_COLLECTOR = False
    try:
        base = _best(compared, runs)
    finally:
        read_module.PAUSE_COLLECTOR = True
    assert all(verdicts), "a volatile-only re-recording must diff as aligned, volatile only"
    whole = load + ours
    note = f"load {load:.3f} s + diff {ours:.3f} s (collector running: {base:.3f} s); aligned (asserted)"
    if size >= 10_000:
        note += "\n" + _diff_row(size, old, new, whole)
    return whole, note


def _diff_row(size: int, old: Path, new: Path, whole: float) -> str:
    """The issue's row: load + diff beside vcrpy's own load of the two files and beside
    libyaml's bare node tree of them (the floor of any reader that keeps vcrpy's YAML)."""
    import yaml
    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    def bare_tree() -> None:
        for path in (old, new):
            loader = yaml.CSafeLoader(path.read_text(encoding="utf-8"))
            try:
                loader.get_single_node()
            finally:
                loader.dispose()

    with read_module.collector_paused():
        floor = cpu(bare_tree, 1)
    vcrpy = cpu(lambda: [FilesystemPersister.load_cassette(str(p), yamlserializer) for p in (old, new)], 1)
    ok = whole <= DIFF_SHARE_OF_VCR * vcrpy
    return (
        f"ROW diff 1 cassette x {size:,} interactions (load + diff) | baseline vcrpy's load of both "
        f"{vcrpy:.3f} s | ours {whole:.3f} s | ratio {whole / vcrpy:.2f}x | goal linear and <= "
        f"{DIFF_SHARE_OF_VCR:g}x vcrpy's load | {'ok' if ok else 'MISSED'}\n"
        f"     the issue's goal, <= {DIFF_GOAL:g} s: {'met' if whole <= DIFF_GOAL else 'not met'}; libyaml's "
        f"bare node tree of the two files alone takes {floor:.3f} s (collector paused)"
    )


def _best(fn: Callable[[], float], runs: int) -> float:
    best = math.inf
    for _ in range(runs):
        gc.collect()
        best = min(best, fn())
    return best


def case_yaml_load(size: int, folder: Path, runs: int) -> tuple[float, str]:
    path = write_yaml(folder, f"load-{size}.yaml", interactions(size))
    ours = cpu(lambda: cassette.load(path), runs)
    paused = read_module.PAUSE_COLLECTOR
    read_module.PAUSE_COLLECTOR = False
    try:
        base = cpu(lambda: cassette.load(path), runs)
    finally:
        read_module.PAUSE_COLLECTOR = paused
    return (
        ours,
        f"{path.stat().st_size / 1e6:.1f} MB; collector running {base:.3f} s, ratio {base / ours:.2f}x",
    )


def case_textconv(size: int, folder: Path, runs: int) -> tuple[float, str]:
    from cassettes_tool.commands.show import run as show_run

    path = write_yaml(folder, f"show-{size}.yaml", interactions(size))

    def run() -> None:
        sink = io.StringIO()
        for line in show_run(path, textconv=True):
            sink.write(line)
            sink.write("\n")
            if sink.tell() > 1 << 20:
                sink.seek(0)
                sink.truncate()

    seconds = cpu(run, runs)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size_mb = path.stat().st_size / 1e6
    return seconds, f"{size_mb:.1f} MB file, traced peak {peak / 1e6:.1f} MB ({peak / 1e6 / size_mb:.1f}x)"


CASES: dict[str, tuple[Case, Callable[[int, Path, int], tuple[float, str]]]] = {
    "diff-depth": (
        Case("diff-depth", (1024, 10240, 102400), (1024, 10240, 102400), "leaves"),
        case_diff_depth,
    ),
    "scan-minified": (
        Case("scan-minified", (300, 3000, 30000), (100, 1000, 10000), "interactions"),
        case_scan_minified,
    ),
    "lint-findings": (Case("lint-findings", (100, 1000, 10000), (30, 300, 3000), "findings"), case_lint),
    "lint-comments": (
        Case("lint-comments", (100, 1000, 10000), (30, 300, 3000), "findings"),
        case_lint_comments,
    ),
    "lint-fix-findings": (
        Case("lint-fix-findings", (100, 1000, 10000), (30, 300, 3000), "findings"),
        case_lint_fix,
    ),
    "diff-interactions": (
        Case("diff-interactions", (100, 1000, 10000), (100, 1000, 10000), "interactions"),
        case_diff_interactions,
    ),
    "yaml-load": (Case("yaml-load", (300, 3000, 30000), (100, 1000, 10000), "interactions"), case_yaml_load),
    "textconv": (Case("textconv", (100, 1000, 10000), (50, 500, 5000), "interactions"), case_textconv),
}


def depth_table(runs: int) -> None:
    print("diff-depth, 4,096 leaves at each depth (flat is right):")
    for depth, fan in ((1, 4096), (2, 64), (3, 16), (4, 8), (6, 4), (12, 2)):
        old = [{"node": x} for x in nested(depth, fan, 1, False)]
        new = [{"node": x} for x in nested(depth, fan, 1, True)]
        seconds = cpu(lambda old=old, new=new: Walker(DiffRules(), Changes()).compare(old, new, ()), runs)
        print(f"  depth {depth:2d}: {seconds:.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (still 100x apart), one run each")
    parser.add_argument("--only", nargs="*", choices=sorted(CASES), default=None)
    parser.add_argument("--runs", type=int, default=None)
    options = parser.parse_args()
    runs = options.runs or (1 if options.quick else 2)
    print(
        f"python {sys.version.split()[0]}, CPU seconds (process_time), best of {runs}; bar: exponent <= {BAR}"
    )
    failed = []
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as scratch:
        folder = Path(scratch)
        for name in options.only or CASES:
            case, run = CASES[name]
            sizes = case.quick if options.quick else case.sizes
            seconds = []
            for size in sizes:
                elapsed, note = run(size, folder, runs)
                seconds.append(elapsed)
                print(f"  {name:18s} {size:>7,d} {case.unit:12s} {elapsed:8.3f} s  {note}", flush=True)
                if "| MISSED" in note:  # a ROW of the table, judged against its goal
                    failed.append(f"{name} at {size:,}")
            exponent = fitted_exponent(list(sizes), seconds)
            verdict = "ok" if exponent <= BAR else "OVER"
            print(f"{name}: fitted exponent {exponent:.2f} ({verdict})", flush=True)
            if exponent > BAR:
                failed.append(name)
        if options.only is None or "diff-depth" in options.only:
            depth_table(runs)
    print(
        "all linear, every row met"
        if not failed
        else f"over the bar or short of a row's goal: {', '.join(failed)}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
