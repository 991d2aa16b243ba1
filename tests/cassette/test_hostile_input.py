"""Issue 16, "Bounded, whatever comes in": files a cassette folder may hold, crafted or by accident.

Each runs the installed `cassettes` in a subprocess with a wall-clock timeout, and where
memory is at stake with an address-space cap (RLIMIT_AS), so that today's failure is the
child's MemoryError or a timeout, never the machine's memory or a stuck test run.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import zlib
from pathlib import Path
from xml.etree import ElementTree

import brotli
import pytest
from helpers import closed_port, interaction, no_traceback, run_bounded, write_cassette

#: the child's address space: plenty for a normal run (a scan needs < 400 MB), half a bomb
MEMORY = 1 << 30
BOMB_GIB = 2
OK_URI = "https://users.example.com/users?page=1"


def gzip_bomb(gib: int) -> bytes:
    """A gzip stream of `gib` GiB of zeros, ~1 MB per GiB: one byte-aligned deflate unit
    (64 MiB of zeros after a full flush) repeated. The trailer's CRC is left zero: a bounded
    reader stops long before it, an unbounded one runs out of memory before it."""
    zeros = b"\0" * (64 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    unit = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush()
    count = gib * 16
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    return header + unit * count + tail + struct.pack("<II", 0, (count * len(zeros)) & 0xFFFFFFFF)


def brotli_bomb(gib: int) -> bytes:
    """`gib` GiB of zeros as brotli, ~200 KB per GiB."""
    zeros = b"\0" * (128 << 20)
    compressor = brotli.Compressor(quality=1)
    parts = [compressor.process(zeros) for _ in range(gib * 8)]
    return b"".join([*parts, compressor.finish()])


@pytest.fixture(scope="session")
def bombs() -> dict[str, bytes]:
    return {"gzip": gzip_bomb(BOMB_GIB), "br": brotli_bomb(BOMB_GIB)}


def lines_naming(output: str, name: str) -> str:
    return "\n".join(line for line in output.splitlines() if name in line)


# ---------------------------------------------------------------------------- decompression bombs


@pytest.mark.parametrize("encoding", ["gzip", "br"])
@pytest.mark.parametrize("command", ["scan", "lint", "diff"])
def test_a_compressed_bomb_inside_a_cassette_is_an_error_for_that_file_only(
    encoding: str, command: str, bombs: dict[str, bytes], tmp_path: Path
) -> None:
    for side in ("old", "new"):
        write_cassette(
            tmp_path / side / "bomb.yaml",
            interaction(
                "https://files.example.com/export",
                body=bombs[encoding],
                headers={"content-encoding": encoding},
            ),
        )
        total = {"old": 1, "new": 2}[side]  # a plain drift: the rest of the run is reported
        write_cassette(tmp_path / side / "users.yaml", interaction(OK_URI, body=f'{{"total": {total}}}'))
    args = ["diff", "old", "new"] if command == "diff" else [command, "old"]

    result = run_bounded(args, cwd=tmp_path, memory=MEMORY, timeout=120)

    out = result.stdout + result.stderr
    no_traceback(out)  # today (br): MemoryError: brotli: unable to allocate memory
    # an error for that file: incomplete (lint may also have a finding, C008 large-body, then 1)
    assert result.returncode in ((1, 3) if command == "lint" else (3,)), out
    about_bomb = lines_naming(out, "bomb.yaml").lower()
    assert any(word in about_bomb for word in ("decompress", "expand", "too large", "limit")), out
    if command != "lint":
        assert "users.yaml" in out  # the rest of the run went on


def test_show_names_a_bomb_instead_of_crashing(bombs: dict[str, bytes], tmp_path: Path) -> None:
    write_cassette(
        tmp_path / "bomb.yaml",
        interaction("https://files.example.com/export", body=bombs["br"], headers={"content-encoding": "br"}),
    )
    result = run_bounded(["show", "bomb.yaml"], cwd=tmp_path, memory=MEMORY, timeout=120)
    out = result.stdout + result.stderr
    no_traceback(out)
    assert result.returncode in (1, 3), out
    assert "decompress" in out.lower() or "too large" in out.lower(), out


# ---------------------------------------------------------------------------- deep nesting

DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000
DEEP_ARRAY = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def deep_folders(tmp_path: Path) -> Path:
    """old/ and new/: `deep.yaml` whose JSON body nests 100,000 levels, `users.yaml` a plain drift."""
    for side, deep, total in (("old", DEEP_OBJECT, 1), ("new", DEEP_ARRAY, 2)):
        write_cassette(
            tmp_path / side / "deep.yaml", interaction("https://users.example.com/deep", body=deep)
        )
        write_cassette(tmp_path / side / "users.yaml", interaction(OK_URI, body=f'{{"total": {total}}}'))
    return tmp_path


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "old"],
        ["lint", "old"],
        ["check", "--offline", "old"],
        ["diff", "old", "new", "--fail-on", "breaking"],
    ],
    ids=["scan", "lint", "check", "diff-folders"],
)
def test_json_nested_100000_levels_is_an_error_for_that_file_and_the_rest_goes_on(
    args: list[str], deep_folders: Path
) -> None:
    result = run_bounded(args, cwd=deep_folders, memory=MEMORY, timeout=120)
    out = result.stdout + result.stderr
    no_traceback(out)  # today: RecursionError from json.loads (lint, check, diff)
    assert result.returncode == 3, out  # no finding among the rest: incomplete
    about_deep = lines_naming(out, "deep.yaml").lower()
    assert "nest" in about_deep or "deep" in about_deep.replace("deep.yaml", ""), out
    if args[0] in ("scan", "diff"):
        assert "users.yaml" in out, out
    elif args[0] == "check":
        assert "ok 1" in out, out  # users.yaml was checked (offline check lists only what it flags)


def test_diff_of_two_deep_cassettes_is_an_error_not_a_traceback(deep_folders: Path) -> None:
    result = run_bounded(
        ["diff", "old/deep.yaml", "new/deep.yaml"], cwd=deep_folders, memory=MEMORY, timeout=120
    )
    out = result.stdout + result.stderr
    no_traceback(out)
    assert result.returncode == 3, out
    assert "deep.yaml" in out


# ---------------------------------------------------------------------------- special files


@pytest.fixture
def special_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "cassettes"
    write_cassette(folder / "users.yaml", interaction(OK_URI))
    os.mkfifo(folder / "x.yaml")
    (folder / "zero.yaml").symlink_to("/dev/zero")
    return folder


@pytest.mark.parametrize("command", ["scan", "lint", "check"])
def test_a_fifo_and_a_symlink_to_dev_zero_are_skipped_with_a_note_never_opened(
    command: str, special_folder: Path, tmp_path: Path
) -> None:
    args = [command, "cassettes", "--verbose"]
    if command == "check":
        args.append("--offline")
    try:
        result = run_bounded(args, cwd=tmp_path, memory=MEMORY, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`cassettes {command}` hung on the FIFO x.yaml (it opened it)")
    out = result.stdout + result.stderr
    no_traceback(out)  # today: MemoryError reading /dev/zero once the FIFO is gone
    assert result.returncode == 0, out  # skipped with a note is not an error
    for name in ("x.yaml", "zero.yaml"):
        note = lines_naming(out, name).lower()
        assert note, f"{name} is not mentioned:\n{out}"
        assert re.search(r"fifo|pipe|device|special|not a regular file", note), note
    # opening the FIFO for reading would have blocked until the timeout above: it was never opened
    assert special_folder.joinpath("x.yaml").is_fifo()


def test_the_symlink_to_dev_zero_alone_is_skipped(tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(OK_URI))
    (tmp_path / "cassettes/zero.yaml").symlink_to("/dev/zero")
    result = run_bounded(["scan", "cassettes", "--verbose"], cwd=tmp_path, memory=MEMORY, timeout=60)
    out = result.stdout + result.stderr
    no_traceback(out)
    assert result.returncode == 0, out
    assert "zero.yaml" in out and "users.yaml" in out


# ---------------------------------------------------------------------------- control characters

#: a URI a cassette recorded, holding a newline, a GitHub Actions command and terminal escapes
EVIL_URI = (
    "https://users.example.com/a\n::error file=app.py,line=1::forged by a cassette\x1b[2J\x1b]0;pwned\x07/b"
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.mark.parametrize(
    "args",
    [["scan", "cassettes"], ["show", "cassettes/evil.yaml"], ["check", "cassettes", "--map", "MAP"]],
    ids=["scan", "show", "check"],
)
def test_control_characters_in_a_recorded_uri_are_not_forged_into_output(
    args: list[str], tmp_path: Path
) -> None:
    write_cassette(
        tmp_path / "cassettes/evil.yaml",
        interaction(EVIL_URI, headers={"x-note": "a\r\n::warning::from a header"}),
    )
    port = closed_port()
    args = [a.replace("MAP", f"users.example.com=http://127.0.0.1:{port}") for a in args]
    result = run_bounded(args, cwd=tmp_path, timeout=60)
    out = result.stdout + result.stderr
    forged = [line for line in out.splitlines() if line.lstrip().startswith("::")]
    assert not forged, out  # today (show): a line `::error file=app.py,line=1::forged by a cassette`
    assert not CONTROL.search(out), repr(out)  # today: ESC, BEL and CR reach the terminal
    no_traceback(out)


@pytest.mark.parametrize("command", ["lint", "check"])
def test_a_control_character_in_a_file_name_keeps_the_junit_report_readable(
    command: str, tmp_path: Path
) -> None:
    """One byte XML 1.0 forbids, anywhere in the report, and the CI cannot read any of it."""
    write_cassette(tmp_path / "cassettes/ev\x01il\x1b.yaml", interaction(EVIL_URI))
    (tmp_path / "cassettes/bro\x02ken.yaml").write_text("interactions: [\n  - request: {\n")
    result = run_bounded([command, "cassettes", "--format", "junit"], cwd=tmp_path, timeout=60)
    no_traceback(result.stdout + result.stderr)
    suites = ElementTree.fromstring(result.stdout)  # today: "not well-formed (invalid token)"
    names = [case.get("name") for case in suites.iter("testcase")]
    assert "cassettes/bro\\x02ken.yaml" in names, names
    assert not CONTROL.search(result.stdout), repr(result.stdout)
