"""What a re-recording sends, to whom and how often: only the recorded request, only to
staging, again only when staging asks and the method is safe to repeat.

A proxy from the environment must not see a request (and its staging token) meant for
127.0.0.1, and a cookie one staging answer sets must not ride along with the next request:
the copy would then record a session the original never had.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from helpers import RawServer, interaction, no_traceback, read_request, run_bounded, write_cassette

STAGING_TOKEN = "staging-token-for-loopback-only"


def _answer(conn: socket.socket, body: bytes, *extra: str) -> None:
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    conn.sendall(("\r\n".join([*head, *extra, "Connection: close", "", ""])).encode() + body)


class Recorder:
    """Every request a loopback server received, raw, in arrival order."""

    def __init__(self, *set_cookie: str) -> None:
        self.requests: list[bytes] = []
        self._lock = threading.Lock()
        self._set_cookie = set_cookie

    def __call__(self, conn: socket.socket, _stop: threading.Event) -> None:
        request = read_request(conn)
        with self._lock:
            self.requests.append(request)
        _answer(conn, b'{"ok": true}', *self._set_cookie)


def _two_cassettes(root: Path) -> None:
    for name in ("first", "second"):
        write_cassette(
            root / f"cassettes/{name}.yaml",
            interaction(f"https://api.example.com/{name}", body='{"ok": true}'),
        )


def test_a_proxy_from_the_environment_never_sees_a_loopback_staging_request(tmp_path: Path) -> None:
    _two_cassettes(tmp_path)
    proxy_seen, staging_seen = Recorder(), Recorder()
    with RawServer(proxy_seen) as proxy, RawServer(staging_seen) as staging:
        env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
        env |= {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url}
        env |= {"http_proxy": proxy.url, "https_proxy": proxy.url, "all_proxy": proxy.url}
        result = run_bounded(
            [
                "refresh",
                "cassettes",
                "--map",
                f"api.example.com={staging.url}",
                "--header",
                f"Authorization=Bearer {STAGING_TOKEN}",
            ],
            cwd=tmp_path,
            env=env,
        )
    no_traceback(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert proxy_seen.requests == []  # the token went to staging, and only there
    assert len(staging_seen.requests) == 2
    assert all(STAGING_TOKEN.encode() in request for request in staging_seen.requests)


def test_a_cookie_set_by_one_staging_answer_is_not_sent_with_the_next_request(tmp_path: Path) -> None:
    _two_cassettes(tmp_path)
    staging_seen = Recorder("Set-Cookie: session=from-staging; Path=/", "Set-Cookie: theme=dark")
    with RawServer(staging_seen) as staging:
        result = run_bounded(
            ["refresh", "cassettes", "--map", f"api.example.com={staging.url}", "--concurrency", "1"],
            cwd=tmp_path,
        )
    no_traceback(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(staging_seen.requests) == 2
    for request in staging_seen.requests:
        assert b"cookie:" not in request.lower(), request  # what the cassette recorded, nothing more


# ---------------------------------------------------------------------------- Retry-After


class Busy:
    """Answers 503 with `Retry-After` the first `busy` times, then 200; notes when each came."""

    def __init__(self, retry_after: str, busy: int = 1) -> None:
        self.arrivals: list[float] = []
        self._lock = threading.Lock()
        self._retry_after, self._busy = retry_after, busy

    def __call__(self, conn: socket.socket, _stop: threading.Event) -> None:
        read_request(conn)
        with self._lock:
            self.arrivals.append(time.monotonic())
            busy = len(self.arrivals) <= self._busy
        if busy:
            conn.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: "
                + self._retry_after.encode()
                + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        else:
            _answer(conn, b'{"ok": true}')


def _refresh(tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run_bounded(
        ["refresh", "cassettes", "--map", f"api.example.com={url}", "--format", "json", *extra],
        cwd=tmp_path,
    )
    no_traceback(result.stdout + result.stderr)
    return result


def test_retry_after_is_waited_for_before_a_get_is_sent_again(tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/one.yaml", interaction("https://api.example.com/one"))
    busy = Busy("1")
    with RawServer(busy) as staging:
        result = _refresh(tmp_path, staging.url, "--timeout", "20")
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(busy.arrivals) == 2
    assert busy.arrivals[1] - busy.arrivals[0] >= 1.0  # not the 0.5 s backoff: staging said 1 s


def test_retry_after_past_the_deadline_fails_at_once_naming_the_wait(tmp_path: Path) -> None:
    write_cassette(tmp_path / "cassettes/one.yaml", interaction("https://api.example.com/one"))
    busy = Busy("3600")
    started = time.monotonic()
    with RawServer(busy) as staging:
        result = _refresh(tmp_path, staging.url, "--timeout", "20")
    assert time.monotonic() - started < 20  # it did not sit out the hour, nor the deadline
    assert result.returncode == 3, result.stdout + result.stderr
    assert len(busy.arrivals) == 1
    assert "retry after 3600 s" in result.stdout + result.stderr


def test_a_post_answered_503_is_never_sent_twice(tmp_path: Path) -> None:
    write_cassette(
        tmp_path / "cassettes/one.yaml",
        interaction("https://api.example.com/charges", method="POST", request_body='{"amount": 1}'),
    )
    busy = Busy("0")
    with RawServer(busy) as staging:
        result = _refresh(tmp_path, staging.url, "--timeout", "20", "--allow-method", "POST")
    assert len(busy.arrivals) == 1, result.stdout + result.stderr  # a charge made twice is worse
