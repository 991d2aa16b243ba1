"""Large runs: the largest cassettes are taken up first; the copies are written in a writer
process, the same bytes as on the request threads, with one clear error for a copy whose
process died; Ctrl-C still stops cleanly; the manifest's entries, made as cassettes finish,
are masked as the whole manifest would be."""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import cassettes_executable, file_hashes
from helpers import RawServer, interaction, interrupt_when, read_request, write_cassette
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool import cassette
from cassettes_tool.config import Config, RedactRules, Target
from cassettes_tool.model import Masked, Outcome
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, RunManifest
from cassettes_tool.refresh import replay, writer
from cassettes_tool.refresh.copy import Copied, CopyJob, write_copy
from cassettes_tool.refresh.http import Limits
from cassettes_tool.refresh.scratch import entry_text, manifest_json, manifest_text
from cassettes_tool.secrets import mask_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
STAGING_TOKEN = "staging-token-of-the-writer-tests"
#: more cassettes than a run needs to write its copies in a writer process
MANY = 20


def fixed_answer(conn: socket.socket, stop: threading.Event) -> None:
    """The same bytes for every request (no Date), with a credential of each kind the copy must mask:
    a token by its shape, and the target's own token echoed back."""
    read_request(conn)
    _answer(conn)


def _answer(conn: socket.socket) -> None:
    body = json.dumps({"new": True, "session": JWT, "echo": STAGING_TOKEN}).encode()
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    conn.sendall("\r\n".join([*head, "Connection: close", "", ""]).encode() + body)


def never_answers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    stop.wait(10)


def _many_cassettes(root: Path) -> None:
    for n in range(MANY):
        write_cassette(
            root / f"cassettes/c{n:02}.yaml",
            interaction(f"https://api.example.com/things/{n}?page=1", body='{"old": true}'),
            interaction(f"https://api.example.com/things/{n}/more"),
        )


class InOrder:
    """Staging that notes the path of every request, in the order they arrive."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, conn: socket.socket, stop: threading.Event) -> None:
        self.paths.append(read_request(conn).split(b" ")[1].decode())
        _answer(conn)


def test_the_largest_cassettes_are_taken_up_first_and_listed_in_their_own_order(tmp_path: Path) -> None:
    for name, count in (("a_short", 1), ("b_long", 3), ("c_middle", 2)):
        steps = [interaction(f"https://api.example.com/{name}/{n}") for n in range(count)]
        write_cassette(tmp_path / f"cassettes/{name}.yaml", *steps)
    seen = InOrder()
    with RawServer(seen) as staging:
        target = Target("staging", hosts={"api.example.com": staging.url}, concurrency=1)
        made = replay.refresh([tmp_path / "cassettes"], Config(), target, scratch=tmp_path / "scratch")
    assert seen.paths == ["/b_long/0", "/b_long/1", "/b_long/2", "/c_middle/0", "/c_middle/1", "/a_short/0"]
    assert [c.path.name for c in made.cassettes] == ["a_short.yaml", "b_long.yaml", "c_middle.yaml"]
    assert all(c.outcome is Outcome.REFRESHED for c in made.cassettes)


def test_a_large_run_writes_the_same_copies_in_a_writer_process(tmp_path: Path) -> None:
    _many_cassettes(tmp_path)
    before = file_hashes(tmp_path / "cassettes")
    copies = {}
    with RawServer(fixed_answer) as staging:
        target = Target(
            "staging",
            hosts={"api.example.com": staging.url},
            headers={"Authorization": f"Bearer {STAGING_TOKEN}"},
        )
        for writers in (None, 0):  # the default for a run this large, then on the request threads
            scratch = tmp_path / f"scratch-{writers}"
            made = replay.refresh(
                [tmp_path / "cassettes"], Config(), target, scratch=scratch, limits=Limits(writers=writers)
            )
            assert made.complete and len(made.cassettes) == MANY
            assert all(c.outcome is Outcome.REFRESHED and c.written for c in made.cassettes)
            assert all({m.kind for m in c.masked} == {"jwt", "target-header"} for c in made.cassettes)
            files = file_hashes(made.folder)
            assert json.loads(files.pop("manifest.json"))["summary"]["cassettes"]["refreshed"] == MANY
            copies[writers] = (files, [(c.path, c.masked, c.interactions) for c in made.cassettes])
    assert copies[None] == copies[0]
    files, _ = copies[None]
    assert sorted(files) == [f"c{n:02}.yaml" for n in range(MANY)]
    assert all(JWT.encode() not in data and STAGING_TOKEN.encode() not in data for data in files.values())
    assert file_hashes(tmp_path / "cassettes") == before


def dies_on_the_second(job: CopyJob) -> Copied:
    """A writer whose process dies outright (no exception, no answer) on one cassette."""
    if job.destination.name == "second.yaml":
        os._exit(3)
    return write_copy(job)


def _jobs(root: Path, *names: str) -> list[CopyJob]:
    jobs = []
    for name in names:
        original = write_cassette(root / f"{name}.yaml", interaction(f"https://api.example.com/{name}"))
        destination = root / "run" / f"{name}.yaml"
        jobs.append(CopyJob(cassette.load(original), {}, destination, None, RedactRules(), ()))
    return jobs


def test_a_writer_process_that_dies_costs_only_the_copy_it_was_writing(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path, "first", "second", "third")
    answers: dict[str, Copied] = {}
    pool = writer.Writer(1, lambda key, copied: answers.__setitem__(key, copied), work=dies_on_the_second)
    for job in jobs:
        pool.submit(job.destination.stem, job)
    pool.close()
    assert answers["first"] == Copied() and answers["third"] == Copied()
    assert answers["second"].failure == "cannot write its copy: the process writing it exited with status 3"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["first.yaml", "third.yaml"]
    assert pool.idle()


def dies_on_c03(job: CopyJob) -> Copied:
    if job.destination.name == "c03.yaml":
        os._exit(3)
    return write_copy(job)


def test_a_run_whose_writer_dies_on_one_copy_lists_that_cassette_as_an_error_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _many_cassettes(tmp_path)
    monkeypatch.setattr(replay, "Writer", functools.partial(writer.Writer, work=dies_on_c03))
    with RawServer(fixed_answer) as staging:
        target = Target("staging", hosts={"api.example.com": staging.url}, concurrency=4)
        made = replay.refresh([tmp_path / "cassettes"], Config(), target, scratch=tmp_path / "scratch")
    assert made.complete
    outcomes = {c.path.name: (c.outcome, c.reason, c.written) for c in made.cassettes}
    died = "cannot write its copy: the process writing it exited with status 3"
    assert outcomes.pop("c03.yaml") == (Outcome.ERROR, died, False)
    assert set(outcomes.values()) == {(Outcome.REFRESHED, None, True)} and len(outcomes) == MANY - 1
    written = sorted(p.name for p in made.folder.iterdir())
    assert written == sorted([*outcomes, "manifest.json"])
    summary = json.loads((made.folder / "manifest.json").read_text())["summary"]["cassettes"]
    assert summary == {"refreshed": MANY - 1, "skipped": 0, "error": 1}


def test_where_no_writer_process_can_start_the_copies_are_written_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_processes() -> None:
        raise OSError("no process may be started here")

    monkeypatch.setattr(writer, "_context", no_processes)
    jobs = _jobs(tmp_path, "first", "second")
    answers: dict[str, Copied] = {}
    pool = writer.Writer(1, lambda key, copied: answers.__setitem__(key, copied))
    for job in jobs:
        pool.submit(job.destination.stem, job)
    pool.close()
    assert answers == {"first": Copied(), "second": Copied()}
    assert all(job.destination.read_bytes() for job in jobs)


def test_ctrl_c_stops_a_large_run_cleanly(tmp_path: Path) -> None:
    _many_cassettes(tmp_path)
    for n in range(3):  # the largest files: taken up first, they keep three of the four workers
        steps = [interaction(f"https://files.example.com/{n}/{step}") for step in range(3)]
        write_cassette(tmp_path / f"cassettes/hang/{n}.yaml", *steps)
    before = file_hashes(tmp_path / "cassettes")
    with RawServer(never_answers) as silent, RawServer(fixed_answer) as staging:
        command = [*cassettes_executable(), "refresh", "cassettes", "--timeout", "30", "--concurrency", "4"]
        command += ["--map", f"files.example.com={silent.url}", "--map", f"api.example.com={staging.url}"]
        scratch = tmp_path / ".cassettes" / "scratch"
        done = interrupt_when(
            command,
            tmp_path,
            lambda: silent.connections == 3 and any(scratch.glob("*/cassettes/c*.yaml")),
            "the hanging requests or a first copy never came",
        )
    assert done.elapsed < 8, f"took {done.elapsed:.1f} s to stop"
    assert done.returncode == 130, done.stderr
    assert "(incomplete: interrupted)" in done.stdout
    run_dir = scratch / (scratch / "LATEST").read_text().strip()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["finished"]
    entries = {c["path"]: c for c in manifest["cassettes"]}
    assert len(entries) == MANY + 3
    written = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
    refreshed = sorted(path for path, c in entries.items() if c["status"] == "refreshed")
    assert refreshed and written == sorted([*refreshed, "manifest.json"])  # no copy unlisted, no .tmp left
    assert all(entries[path]["written"] for path in refreshed)
    for path, entry in entries.items():
        assert entry["status"] == "refreshed" or entry["reason"] in (
            "interrupted while it was being refreshed",
            "not started: the run was interrupted",
        ), path
    summary = manifest["summary"]["cassettes"]
    assert summary["refreshed"] == len(refreshed) and sum(summary.values()) == MANY + 3
    assert file_hashes(tmp_path / "cassettes") == before


#: pieces of text a manifest may carry in a URI or a reason, credentials and their neighbours
_PIECES = st.sampled_from(
    [
        *(JWT, "password=hunter2secret", "?api_key=abcd1234efgh5678", "https://u:pw-1234@h.example"),
        *(" ", ",", '"', "token", ": ", "=", "\n", "Bearer ", "&", "é", "/v1/x", "ok"),
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ]
)


@settings(max_examples=80, deadline=None)
@given(texts=st.lists(st.lists(_PIECES, max_size=8).map("".join), min_size=1, max_size=6))
def test_a_manifest_masked_entry_by_entry_is_the_manifest_masked_whole(texts: list[str]) -> None:
    runs = tuple(
        CassetteRun(
            Path(f"c{n}.yaml"),
            Outcome.ERROR if n % 2 else Outcome.REFRESHED,
            reason=text or None,
            interactions=(
                InteractionRun(0, "GET", f"https://api.example.com/x?q={text}", Outcome.SKIPPED, text),
            ),
            masked=(Masked("jwt", 0, "response.body"),),
        )
        for n, text in enumerate(texts)
    )
    started = datetime(2026, 1, 2, tzinfo=timezone.utc)
    manifest = RunManifest(
        "20260102T000000Z-abcd", "staging", Path("/p"), Path("/p/s"), started, cassettes=runs
    )
    whole = mask_text(json.dumps(manifest_json(manifest), indent=2, ensure_ascii=False) + "\n")
    made_early = {runs[0]: entry_text(runs[0])}  # one made as it finished, the others at the end
    assert manifest_text(manifest, made_early) == whole
    assert manifest_text(RunManifest("r", "t", Path("/p"), Path("/p/s"), started), {}) == mask_text(
        json.dumps(manifest_json(RunManifest("r", "t", Path("/p"), Path("/p/s"), started)), indent=2) + "\n"
    )
