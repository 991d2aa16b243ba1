"""Issue 16, "Exit codes a shell can trust": 2 for usage, 130 on Ctrl-C with one clear message,
cassettes never started counted as not started."""

from __future__ import annotations

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
