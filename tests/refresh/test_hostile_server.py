"""Issue 16: a staging that answers badly (by accident or on purpose) bounds the run, never breaks it.

Every server is a real one on 127.0.0.1, a free port, in a thread, and stops by itself;
every run of the tool has a timeout, so a hang fails the test instead of blocking it.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import brotli
import pytest
from helpers import (
    RawServer,
    Reply,
    Stage,
    interaction,
    no_traceback,
    read_request,
    run_bounded,
    tree_bytes,
    write_cassette,
)

MEMORY = 1 << 30
USERS = "https://users.example.com/users?page=1"


def brotli_bomb(gib: int) -> bytes:
    zeros = b"\0" * (128 << 20)
    compressor = brotli.Compressor(quality=1)
    return b"".join([*(compressor.process(zeros) for _ in range(gib * 8)), compressor.finish()])


def test_a_brotli_bomb_from_staging_is_a_bounded_error_for_that_cassette(tmp_path: Path) -> None:
    bomb = brotli_bomb(2)  # < 1 MB on the wire, 2 GiB once decoded
    assert len(bomb) < 1 << 20
    write_cassette(tmp_path / "cassettes/export.yaml", interaction("https://files.example.com/export"))
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS))
    before = tree_bytes(tmp_path / "cassettes")

    def answer(method: str, path: str, body: bytes) -> Reply:
        if path.startswith("/export"):
            return Reply(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "br"})
        return Reply(200, b'{"ok": true}')

    with Stage(answer) as stage:
        result = run_bounded(
            [
                "refresh",
                "cassettes",
                "--map",
                f"files.example.com={stage.url}",
                "--map",
                f"users.example.com={stage.url}",
            ],
            cwd=tmp_path,
            memory=MEMORY,
            timeout=120,
        )
    out = result.stdout + result.stderr
    no_traceback(out)  # today: MemoryError: brotli: unable to allocate memory
    assert result.returncode == 3, out
    about = "\n".join(line for line in out.splitlines() if "export.yaml" in line or "/export" in line)
    assert "decompress" in about.lower() or "too large" in about.lower(), out
    assert "users.yaml" in out  # the other cassette was refreshed all the same
    assert tree_bytes(tmp_path / "cassettes") == before


def trickle(conn: socket.socket, stopped: threading.Event) -> None:
    """Headers at once, then the body one byte a second, 40 bytes; stops when the test ends."""
    read_request(conn)
    body = b'{"users": [], "page": 1, "total": 0}    '
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    for byte in body:
        if stopped.wait(1.0):
            return
        conn.sendall(bytes([byte]))


def test_timeout_is_a_deadline_for_the_whole_request_against_a_trickling_server(tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS))
    with RawServer(trickle) as slow:
        start = time.monotonic()
        result = run_bounded(
            ["refresh", "cassettes", "--map", f"users.example.com={slow.url}", "--timeout", "3"],
            cwd=tmp_path,
            timeout=90,
        )
        elapsed = time.monotonic() - start
    out = result.stdout + result.stderr
    assert elapsed < 12, f"a 3-second timeout held the run {elapsed:.0f} s"  # today: ~40 s
    assert result.returncode == 3, out  # today: 0, the trickled answer is stored
    assert "users.yaml" in out and ("timeout" in out.lower() or "deadline" in out.lower()), out
    no_traceback(out)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_a_request_that_is_not_idempotent_is_never_retried(method: str, tmp_path: Path) -> None:
    write_cassette(
        tmp_path / "cassettes/charge.yaml",
        interaction(
            "https://payments.example.com/charges", method=method, status=201, request_body='{"amount": 5}'
        ),
    )
    unavailable = Reply(503, b'{"error": "unavailable"}', {"Content-Type": "application/json"})
    with Stage(lambda m, p, b: unavailable) as stage:
        result = run_bounded(
            ["refresh", "cassettes", "--map", f"payments.example.com={stage.url}", "--allow-method", method],
            cwd=tmp_path,
            timeout=60,
        )
        sent = stage.count(method)
    out = result.stdout + result.stderr
    assert sent == 1, f"{method} sent {sent} times: a charge may have been made {sent} times"  # today: 3
    assert result.returncode == 3, out
    assert "charge.yaml" in out and "503" in out
    no_traceback(out)


def test_a_get_is_retried_on_503_a_bounded_number_of_times(tmp_path: Path) -> None:
    """Guard (passes today): idempotent requests are retried, but not forever."""
    write_cassette(tmp_path / "cassettes/users.yaml", interaction(USERS))
    unavailable = Reply(503, b'{"error": "unavailable"}', {"Content-Type": "application/json"})
    with Stage(lambda m, p, b: unavailable) as stage:
        result = run_bounded(
            ["refresh", "cassettes", "--map", f"users.example.com={stage.url}"], cwd=tmp_path, timeout=60
        )
        sent = stage.count("GET")
    assert 1 < sent <= 5, sent
    assert result.returncode == 3, result.stdout + result.stderr
