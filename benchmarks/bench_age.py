"""Benchmark `cassettes age` against the per-file loop a user would write, and against the floor.

    python benchmarks/bench_age.py [--commits 5000] [--cassettes 2000] [--sample 200] [--runs 3]

The repository is generated in one `git fast-import` stream from a seeded random
generator: cassettes are added as a suite grows, then re-recorded, moved to another
folder (pure renames), moved and re-recorded in the same commit, masked (an id
replaced by `<REDACTED:id>`, as `lint --fix` does), and one whole folder is moved in a
single commit; every commit also touches a source file. Generation is
not timed. Each time is the best of `--runs`, taken in turns.

(a) the naive loop, `git log -1 --format=%aI -- PATH` per file, is timed on `--sample`
    files and extrapolated linearly to all of them (said so in the output);
(b) the floor, one bare `git log --name-status` over the same history, output read.
Targets: ours at least 50x faster than (a) and at most 1.5x (b).
Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import formatdate
from pathlib import Path

from cassettes_tool import config
from cassettes_tool.commands import age
from cassettes_tool.git.runner import clean_env
from cassettes_tool.model import Age

FOLDER = "tests/cassettes"
PER_FOLDER = 40
SOURCE_FILES = 200
START = int(datetime(2023, 1, 1, tzinfo=timezone.utc).timestamp())
#: seconds between commits: 5,000 commits span about three years
STEP = 5 * 3600
TARGET_NAIVE = 50.0
_MASK = re.compile(rb'"request_id": "[0-9a-f]+"')
TARGET_FLOOR = 1.5


@dataclass(frozen=True, slots=True)
class History:
    root: Path
    commits: int
    cassettes: int
    #: current paths of cassettes that were never renamed: their age is what the naive loop sees too
    never_renamed: tuple[str, ...]
    #: cassettes whose last change is a pure rename: the naive loop dates the move, we must not
    moved_last: tuple[str, ...]
    #: cassettes whose last change masked an id (`lint --fix`): the naive loop dates the mask, we must not
    masked_last: tuple[str, ...]
    renames: int
    seconds: float


def _cassette(rng: random.Random, ident: int, version: int, when: int) -> bytes:
    """A small vcrpy-shaped YAML cassette recorded at `when`; each recording differs in its
    `Date` and ids."""
    stamp = rng.randrange(10**9)
    date = formatdate(when, usegmt=True)
    return (
        "interactions:\n"
        "- request:\n"
        "    body: null\n"
        "    headers:\n"
        "      Accept: ['application/json']\n"
        "    method: GET\n"
        f"    uri: https://api.example.com/items/{ident}\n"
        "  response:\n"
        "    body:\n"
        f'      string: \'{{"id": {ident}, "version": {version}, "request_id": "{stamp:x}"}}\'\n'
        "    headers:\n"
        "      Content-Type: [application/json]\n"
        f"      Date: ['{date}']\n"
        "    status: {code: 200, message: OK}\n"
        "version: 1\n"
    ).encode()


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def generate(root: Path, commits: int, cassettes: int, seed: int) -> History:
    """One fast-import stream: grow the suite, then re-record, move, and move-and-re-record."""
    rng = random.Random(seed)
    started = time.perf_counter()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=clean_env())
    paths = {i: f"{FOLDER}/group_{i // PER_FOLDER:03d}/cassette_{i:05d}.yaml" for i in range(cassettes)}
    versions = dict.fromkeys(paths, 0)
    contents: dict[int, bytes] = {}
    masked_last: set[int] = set()
    renamed: set[int] = set()
    moved_last: set[int] = set()
    renames = 0
    growth = min(cassettes, commits // 2)
    per_growth = -(-cassettes // growth)
    folder_move = commits * 7 // 10
    stream: list[bytes] = []
    added = 0
    for n in range(commits):
        when = START + n * STEP
        ops: list[bytes] = []
        source = f"src/module_{rng.randrange(SOURCE_FILES):03d}.py"
        ops.append(b"M 100644 inline %s\n" % source.encode() + _data(f"# change {n}\n".encode()))
        if added < cassettes:
            for ident in range(added, min(cassettes, added + per_growth)):
                contents[ident] = _cassette(rng, ident, 0, when)
                ops.append(b"M 100644 inline %s\n" % paths[ident].encode() + _data(contents[ident]))
            added = min(cassettes, added + per_growth)
            message = "Record new cassettes"
        elif n == folder_move:
            group = f"{FOLDER}/group_007"
            moved = [i for i, p in paths.items() if p.startswith(group + "/")]
            ops.append(f"R {group} {FOLDER}/moved_group_007\n".encode())
            for ident in moved:
                paths[ident] = paths[ident].replace(group, f"{FOLDER}/moved_group_007")
                renamed.add(ident)
                moved_last.add(ident)
            renames += len(moved)
            message = "Move a whole folder of cassettes"
        else:
            roll = rng.random()
            ident = rng.randrange(cassettes)
            if roll < 0.08:
                new = f"{FOLDER}/group_{rng.randrange(cassettes // PER_FOLDER):03d}/moved_{ident:05d}.yaml"
                if new not in paths.values():
                    ops.append(f"R {paths[ident]} {new}\n".encode())
                    paths[ident] = new
                    renamed.add(ident)
                    moved_last.add(ident)
                    renames += 1
                message = "Move a cassette"
            elif roll < 0.12:
                new = f"{FOLDER}/group_{rng.randrange(cassettes // PER_FOLDER):03d}/renamed_{ident:05d}.yaml"
                if new not in paths.values():
                    versions[ident] += 1
                    contents[ident] = _cassette(rng, ident, versions[ident], when)
                    masked_last.discard(ident)
                    ops.append(f"D {paths[ident]}\n".encode())
                    ops.append(b"M 100644 inline %s\n" % new.encode() + _data(contents[ident]))
                    paths[ident] = new
                    renamed.add(ident)
                    moved_last.discard(ident)
                    renames += 1
                message = "Rename and re-record a cassette"
            elif roll < 0.95:
                for other in sorted({ident, *rng.sample(range(cassettes), rng.randrange(0, 3))}):
                    versions[other] += 1
                    contents[other] = _cassette(rng, other, versions[other], when)
                    ops.append(b"M 100644 inline %s\n" % paths[other].encode() + _data(contents[other]))
                    moved_last.discard(other)
                    masked_last.discard(other)
                message = "Re-record cassettes"
            elif roll < 0.98:
                # `lint --fix`: the id masked, the recording (and its Date) kept
                content = _MASK.sub(b'"request_id": "<REDACTED:id>"', contents[ident])
                if content != contents[ident]:
                    ops.append(b"M 100644 inline %s\n" % paths[ident].encode() + _data(content))
                    contents[ident] = content
                    masked_last.add(ident)
                    moved_last.discard(ident)
                message = "Mask a cassette"
            else:
                message = "Change the code only"
        stream.append(b"commit refs/heads/main\n")
        stream.append(b"author Ada Lovelace <ada@example.com> %d +0000\n" % when)
        stream.append(b"committer Ada Lovelace <ada@example.com> %d +0000\n" % when)
        stream.append(_data(message.encode()))
        stream.extend(ops)
        stream.append(b"\n")
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        input=b"".join(stream),
        cwd=root,
        check=True,
        env=clean_env(),
    )
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=root, check=True, env=clean_env())
    return History(
        root=root,
        commits=commits,
        cassettes=cassettes,
        never_renamed=tuple(paths[i] for i in sorted(set(paths) - renamed)),
        moved_last=tuple(paths[i] for i in sorted(moved_last)),
        masked_last=tuple(paths[i] for i in sorted(masked_last)),
        renames=renames,
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------- contenders


def _git(root: Path, *args: str) -> bytes:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, check=True, env=clean_env())
    return done.stdout


def floor(root: Path) -> None:
    """(b) one bare `git log --name-status` over the whole history, its output read."""
    _git(root, "log", "--name-status")


def naive(root: Path, files: list[str]) -> dict[str, str]:
    """(a) what a user writes today: one `git log -1` per cassette."""
    return {name: _git(root, "log", "-1", "--format=%aI", "--", name).decode().strip() for name in files}


def _cli() -> list[str]:
    exe = Path(sys.executable).parent / "cassettes"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cassettes_tool"]


def ours_cli(root: Path) -> None:
    """The installed command as a user runs it: start-up, settings, the log pass, the table."""
    subprocess.run([*_cli(), "age", FOLDER, "-q"], cwd=root, capture_output=True, check=True)


def ours_inprocess(root: Path) -> dict[str, Age]:
    """The same without interpreter start-up and rendering: discovery, git, the report."""
    os.chdir(root)
    report = age.run((Path(FOLDER),), config.Config(root=root))
    return {r.path.as_posix(): r.age for r in report.cassettes if r.age is not None}


def best_of(runs: int, contenders: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best time of each contender, taken in turns so that a slow spell of the machine hits all."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(runs):
        for name, fn in contenders.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def _subject(root: Path, age: Age) -> str:
    return _git(root, "log", "-1", "--format=%s", age.commit).decode().strip() if age.commit else ""


def check(history: History, ours: dict[str, Age], sample: dict[str, str]) -> list[str]:
    """Ours agrees with the naive loop where renames do not matter, and keeps ages across moves."""
    problems = []
    if len(ours) != history.cassettes:
        problems.append(f"listed {len(ours)} cassettes, expected {history.cassettes}")
    for name, stamp in sample.items():
        got = ours[name].last_recorded
        plain = name in history.never_renamed and name not in history.masked_last
        if plain and (got is None or got != datetime.fromisoformat(stamp)):
            problems.append(f"{name}: ours {got}, git log -1 {stamp}")
    moved = [name for name in history.moved_last if name in ours]
    dated_by_move = [
        name
        for name in moved
        if ours[name].commit is not None
        and _git(history.root, "log", "-1", "--format=%s", ours[name].commit)
        .decode()
        .strip()
        .startswith("Move")
    ]
    if dated_by_move:
        problems.append(f"{len(dated_by_move)} moved cassettes dated by their move, e.g. {dated_by_move[0]}")
    dated_by_mask = [
        name for name in history.masked_last if _subject(history.root, ours[name]).startswith("Mask")
    ]
    if dated_by_mask:
        problems.append(
            f"{len(dated_by_mask)} masked cassettes dated by their masking, e.g. {dated_by_mask[0]}"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--cassettes", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=200, help="files the naive loop is timed on (200)")
    parser.add_argument("--runs", type=int, default=3, help="take the best of this many runs (3)")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--workdir", type=Path, help="where to put the temporary repository")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        history = generate(Path(tmp) / "repo", args.commits, args.cassettes, args.seed)
        root = history.root
        print(
            f"repository: {history.commits:,} commits, {history.cassettes:,} cassettes, "
            f"{history.renames:,} renames ({len(history.moved_last)} cassettes last changed by a move, "
            f"one folder of {PER_FOLDER} moved in one commit; {len(history.masked_last)} last changed by a "
            f"masking); generated in {history.seconds:.1f} s"
        )
        files = sorted(_git(root, "ls-files", "-z", "--", FOLDER).decode().split("\0")[:-1])
        rng = random.Random(args.seed)
        sampled = sorted(rng.sample(files, min(args.sample, len(files))))
        times = best_of(
            args.runs,
            {
                "floor": lambda: floor(root),
                "cli": lambda: ours_cli(root),
                "inprocess": lambda: ours_inprocess(root),
            },
        )
        start = time.perf_counter()
        sample = naive(root, sampled)
        naive_sample = time.perf_counter() - start
        naive_all = naive_sample * len(files) / len(sampled)
        problems = check(history, ours_inprocess(root), sample)

    floor_t, cli_t, inproc_t = times["floor"], times["cli"], times["inprocess"]
    extrapolated = len(sampled) < len(files)
    print()
    print(f"(b) floor  git log --name-status (whole history)      {floor_t:8.3f} s")
    print(
        f"    ours   cassettes age, in-process (stage function)  {inproc_t:8.3f} s   "
        f"{inproc_t / floor_t:5.2f}x the floor   (target <= {TARGET_FLOOR}x)"
    )
    print(
        f"    ours   cassettes age, the installed CLI            {cli_t:8.3f} s   "
        f"{cli_t / floor_t:5.2f}x the floor   (includes interpreter start-up and imports)"
    )
    how = (
        f"timed on {len(sampled)} files, extrapolated linearly to {len(files):,}"
        if extrapolated
        else "all files"
    )
    print(f"(a) naive  git log -1 per file ({how})")
    print(
        f"           {naive_sample:.3f} s for {len(sampled)} files -> {naive_all:8.3f} s for {len(files):,}"
    )
    print(
        f"    ours is {naive_all / inproc_t:,.0f}x faster in-process, {naive_all / cli_t:,.0f}x as the CLI "
        f"(target >= {TARGET_NAIVE:.0f}x)"
    )
    if problems:
        print("check FAILED:", *problems, sep="\n  ")
        return 1
    print(
        f"check: ours agrees with `git log -1` on the "
        f"{sum(n in history.never_renamed and n not in history.masked_last for n in sample)} sampled cassettes "
        f"never renamed or masked; none of the {len(history.moved_last)} last changed by a move, nor of the "
        f"{len(history.masked_last)} last masked, is dated by it"
    )
    met = naive_all / inproc_t >= TARGET_NAIVE and inproc_t / floor_t <= TARGET_FLOOR
    print("targets met (in-process)" if met else "targets MISSED (in-process)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
