"""Score the secret finder: precision and recall on a planted set and on labelled real findings,
and the time of `cassettes lint` on the public corpus against the baseline.

    python benchmarks/bench_secrets.py [--src SUITES] [--corpus ../shared/corpus]
                                       [--baseline OTHER_CASSETTES_EXECUTABLE] [--runs 3]

planted: `tests/data/secrets/make_planted.py` writes 49 fake, real-shaped credentials and 31
near-misses into cassettes (seed 15); a credential is found when a finding's value (as
written, or decoded) and the planted value overlap by at least 8 characters.
real: `tests/data/secrets/labelled.jsonl.gz` labels 10,429 values found in five public suites
(credential or not, with a class; see the README there). Values are stored as a hash of
their 12-character excerpt and length, so the set holds no credential; the suites' cassettes
come from `--src` (one folder per project) and `--corpus`. Rows under `parsed_body` are
invisible to today's reader (issue 19), so the figures are printed with and without them.
Goals: planted recall 100%, real precision >= 95%, lint within 1.2x of the baseline.
Standalone script: never part of the pytest run.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from cassettes_tool import cassette
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.model.secret import Finding
from cassettes_tool.secrets.text import find_in_cassette

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "secrets"
PRECISION_GOAL, RECALL_GOAL, TIME_GOAL = 0.95, 1.0, 1.2


def findings(folder: Path) -> Iterator[tuple[Path, Finding]]:
    for path in cassette.discover([folder]).files:
        loaded = cassette.read(path, None)
        if isinstance(loaded, Cassette):
            for located in find_in_cassette(loaded):
                yield path, located.finding


def _values(finding: Finding) -> set[str]:
    return {v for v in (finding.value, finding.secret) if v}


def _overlap(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 8 and short in long_


def planted() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "planted"
        subprocess.run([sys.executable, str(DATA / "make_planted.py"), str(out)], check=True)
        manifest = [json.loads(line) for line in (out / "manifest.jsonl").open()]
        found = [(p.name, f) for p, f in findings(out / "cassettes")]
    hits: dict[int, list[Finding]] = {}
    true_findings = 0
    for name, finding in found:
        matches = [
            i
            for i, m in enumerate(manifest)
            if m["file"] == name and any(_overlap(v, m["value"]) for v in _values(finding))
        ]
        for i in matches:
            hits.setdefault(i, []).append(finding)
        true_findings += any(manifest[i]["expect"] == "flag" for i in matches)
    creds = [i for i, m in enumerate(manifest) if m["expect"] == "flag"]
    near = [i for i, m in enumerate(manifest) if m["expect"] == "no-flag"]
    recall = sum(i in hits for i in creds) / len(creds)
    precision = true_findings / max(len(found), 1)
    print(f"planted: credentials {len(creds)}, found {sum(i in hits for i in creds)}, recall {recall:.1%}")
    print(
        f"  near-misses {len(near)}, flagged {sum(i in hits for i in near)}; findings {len(found)}, "
        f"precision {precision:.1%}"
    )
    for i in creds:
        if i not in hits:
            print(f"  MISSED {manifest[i]['id']} {manifest[i]['file']}#{manifest[i]['interaction']}")
    for i in near:
        if i in hits:
            print(f"  FLAGGED near-miss {manifest[i]['id']} as {sorted({f.kind for f in hits[i]})}")
    return recall >= RECALL_GOAL


def _key(root: str, file: str, interaction: int, value: str) -> tuple[str, str, int, str]:
    excerpt = value if len(value) <= 12 else value[:12] + "…"
    digest = hashlib.sha256(f"{excerpt}|{len(value)}".encode()).hexdigest()[:16]
    return root, file, interaction, digest


def real(src: Path, corpus: Path) -> bool:
    with gzip.open(DATA / "labelled.jsonl.gz", "rt") as lines:
        rows = [json.loads(line) for line in lines]
    roots = (
        {"corpus": corpus} | {p.name: p for p in sorted(src.iterdir()) if p.is_dir()} if src.is_dir() else {}
    )
    roots.setdefault("corpus", corpus)
    flagged: set[tuple[str, str, int, str]] = set()
    unlabelled: list[tuple[str, Finding]] = []
    known = {
        (
            ("corpus" if r["project"].startswith("corpus") else r["project"]),
            r["file"],
            r["interaction"],
            r["value_hash"],
        )
        for r in rows
    }
    for root_name, root in roots.items():
        if not root.is_dir():
            print(f"real: {root} not found, {root_name} rows score as not flagged")
            continue
        for path, finding in findings(root):
            file = path.relative_to(root).as_posix()
            keys = {_key(root_name, file, finding.interaction, v) for v in _values(finding)}
            flagged |= keys
            if not keys & known:
                unlabelled.append((file, finding))
    ok = True
    for title, keep in (
        ("all rows", lambda r: True),
        ("rows today's reader can see (no parsed_body)", lambda r: "parsed_body" not in r["location"]),
    ):
        sel = [r for r in rows if keep(r)]
        mine = [
            r
            for r in sel
            if (
                ("corpus" if r["project"].startswith("corpus") else r["project"]),
                r["file"],
                r["interaction"],
                r["value_hash"],
            )
            in flagged
        ]
        ok &= _print_scores(title, sel, mine)
    print(f"  findings matching no labelled row: {len(unlabelled)}")
    for file, finding in unlabelled[:15]:
        print(f"    {file}#{finding.interaction} {finding.where} {finding.kind} {finding.masked}")
    return ok


def _print_scores(title: str, sel: list[dict[str, object]], mine: list[dict[str, object]]) -> bool:
    ok = True
    for subtitle, strict in (("", False), ("  without judgment-call classes:", True)):
        rows = [r for r in sel if not (strict and r["judgment"])]
        flagged = [r for r in mine if not (strict and r["judgment"])]
        today = [r for r in rows if r["found_by_today"]]
        creds = sum(r["label"] == "credential" for r in rows)
        tp = sum(r["label"] == "credential" for r in flagged)
        tp_today = sum(r["label"] == "credential" for r in today)
        precision = tp / max(len(flagged), 1)
        print(
            f"real, {title}:{subtitle} today precision {tp_today / max(len(today), 1):.1%} recall "
            f"{tp_today / max(creds, 1):.1%} | ours precision {precision:.1%} "
            f"({tp}/{len(flagged)}), recall {tp / max(creds, 1):.1%} ({tp}/{creds})"
        )
        ok &= precision >= PRECISION_GOAL
    fps: dict[str, int] = {}
    for r in mine:
        if r["label"] == "not":
            fps[str(r["cls"])] = fps.get(str(r["cls"]), 0) + 1
    missed: dict[str, int] = {}
    for r in sel:
        if r["label"] == "credential" and r not in mine:
            missed[str(r["cls"])] = missed.get(str(r["cls"]), 0) + 1
    print(f"  false positives by class: {fps or 'none'}; missed by class: {missed or 'none'}")
    return ok


def timing(corpus: Path, baseline: str, runs: int) -> bool:
    ours = shutil.which("cassettes", path=str(Path(sys.executable).parent)) or "cassettes"

    def once(cmd: str) -> float:
        start = time.perf_counter()
        subprocess.run([cmd, "lint", str(corpus), "--format", "json"], capture_output=True, check=False)
        return time.perf_counter() - start

    base_t, our_t = [], []
    for _ in range(runs):  # in turns, so load on the machine hits both alike
        base_t.append(once(baseline))
        our_t.append(once(ours))
    ratio = min(our_t) / min(base_t)
    print(
        f"lint {corpus}: baseline {min(base_t):.2f}s, ours {min(our_t):.2f}s, ratio {ratio:.2f}x "
        f"(goal <= {TIME_GOAL}x; best of {runs})"
    )
    return ratio <= TIME_GOAL


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--src", type=Path, default=None, help="the labelled suites' cassettes, a folder per project"
    )
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    )
    parser.add_argument("--baseline", default=None, help="another `cassettes` to time lint against")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    ok = planted()
    if args.src is not None:
        ok &= real(args.src, args.corpus)
    else:
        print(
            "real set: skipped (give --src: a folder per labelled project, see tests/data/secrets/README.md)"
        )
    if args.baseline is None:
        print("timing: skipped (give --baseline: the `cassettes` of the release to compare with)")
    elif not args.no_timing:
        ok &= timing(args.corpus, args.baseline, args.runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
