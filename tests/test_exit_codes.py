"""Issue 16, "Exit codes a shell can trust": 2 for usage, 130 on Ctrl-C with one clear message,
cassettes never started counted as not started."""

from __future__ import annotations

import resource
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    RawServer,
    cassettes_cmd,
    interaction,
    no_traceback,
    read_request,
    tree_bytes,
    write_cassette,
)


@pytest.mark.parametrize("order", ["file-folder", "folder-file"])
def test_diff_of_a_file_and_a_folder_is_a_usage_error(order: str, run: Any, tmp_path: Path) -> None:
    cassette = write_cassette(
        tmp_path / "cassettes/users.yaml", interaction("https://users.example.com/users")
    )
    args = (
        [cassette, tmp_path / "cassettes"] if order == "file-folder" else [tmp_path / "cassettes", cassette]
    )
    result = run("diff", *args)
    assert result.exit_code == 2, result.output  # today: 3, "incomplete"
    assert "folder" in result.output.lower()


@pytest.fixture
def held_run(tmp_path: Path) -> Any:
    """Three cassettes; a staging that takes the first request and holds it (30 s at most).

    `start(command)` starts the tool on them, returns once staging holds a request (the run
    is then mid-flight: synchronised on that, never on a sleep), and hands back the process.
    """
    for name in ("a", "b", "c"):
        write_cassette(tmp_path / f"cassettes/{name}.yaml", interaction(f"https://users.example.com/{name}"))
    arrived = threading.Event()

    def hold(conn: Any, stopped: threading.Event) -> None:
        read_request(conn)
        arrived.set()
        stopped.wait(30)

    with RawServer(hold) as server:

        def start(command: str) -> subprocess.Popen[str]:
            process = subprocess.Popen(
                [
                    *cassettes_cmd(),
                    command,
                    "cassettes",
                    "--concurrency",
                    "1",
                    "--map",
                    f"users.example.com={server.url}",
                ],
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            if not arrived.wait(30):
                process.kill()
                pytest.fail("the run never reached staging")
            return process

        yield start


@pytest.mark.parametrize("command", ["refresh", "check"])
def test_ctrl_c_exits_130_with_one_message_and_originals_untouched(
    command: str, held_run: Any, tmp_path: Path
) -> None:
    before = tree_bytes(tmp_path / "cassettes")
    process = held_run(command)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"Ctrl-C did not stop `cassettes {command}` within 20 s")
    text = out + err

    assert process.returncode == 130, text  # today: 3
    assert "not refreshed: not refreshed:" not in text  # today (check): doubled on every line
    assert tree_bytes(tmp_path / "cassettes") == before
    no_traceback(text)


@pytest.mark.parametrize("command", ["refresh", "check"])
def test_cassettes_never_started_are_counted_as_not_started_not_errors(
    command: str, held_run: Any, tmp_path: Path
) -> None:
    process = held_run(command)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    text = out + err
    for name in ("b.yaml", "c.yaml"):  # staging held a.yaml: b and c were never sent
        lines = [line for line in text.splitlines() if name in line]
        assert lines, text
        assert all("error" not in line.lower() for line in lines), lines  # today: "error ... interrupted"
        assert any("not started" in line.lower() for line in lines), lines


def test_ctrl_c_ends_within_a_bounded_time(held_run: Any) -> None:
    """Guard (passes today): SIGINT stops a run held by staging at once."""
    process = held_run("refresh")
    start = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=20)
    assert time.monotonic() - start < 10


#: a project's own serializer that takes its time: it says when it started, then waits
_SLOW_SERIALIZER = """
import json, pathlib, time

def serialize(cassette_dict):
    return json.dumps(cassette_dict)

def deserialize(cassette_string):
    pathlib.Path("reading").touch()
    time.sleep(30)
    return json.loads(cassette_string)
"""


@pytest.mark.parametrize("command", ["scan", "lint", "age"])
def test_ctrl_c_in_any_command_exits_130_with_one_message(command: str, tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/a.json", interaction("https://users.example.com/users"))
    (tmp_path / "slowser.py").write_text(_SLOW_SERIALIZER)
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\nserializer = "slowser"\n')
    args = [command, "cassettes", "--no-cache"] if command != "age" else [command, "cassettes"]
    process = subprocess.Popen(
        [*cassettes_cmd(), *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not (tmp_path / "reading").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # waiting for the file to appear, not for time to pass
    assert (tmp_path / "reading").exists(), process.communicate(timeout=5)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)

    assert process.returncode == 130, out + err  # before: 1 and click's "Aborted!"
    assert "Interrupted." in err and "Aborted!" not in err, err
    no_traceback(out + err)


def test_a_full_disk_while_fixing_names_the_file_and_leaves_it_whole(tmp_path: Path) -> None:
    """`lint --fix` writing where no byte more fits (here a file-size limit, as a full disk
    would fail the write): one line naming the file, exit 3, the original as it was."""
    cassette = write_cassette(
        tmp_path / "cassettes/a.yaml",
        interaction("https://api.example.com/x?api_key=sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    )
    before = tree_bytes(tmp_path / "cassettes")

    def no_room() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    done = subprocess.run(
        [*cassettes_cmd(), "lint", "cassettes", "--fix"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=no_room,
        check=False,
    )

    assert done.returncode == 3, done.stdout + done.stderr
    assert f"cassettes: error: cassettes/{cassette.name}: File too large" in done.stderr, done.stderr
    assert "internal error" not in done.stderr  # before: "internal error: OSError: [Errno 27]"
    assert tree_bytes(tmp_path / "cassettes") == before  # no half-written file, no .tmp left
