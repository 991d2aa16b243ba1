"""What a re-recording sends, and to whom: only the recorded request, only to staging.

A proxy from the environment must not see a request (and its staging token) meant for
127.0.0.1, and a cookie one staging answer sets must not ride along with the next request:
the copy would then record a session the original never had.
"""

from __future__ import annotations

import os
import socket
import threading
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
