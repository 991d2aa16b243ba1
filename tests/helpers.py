"""Test-side helpers only: hand-written cassettes, hostile loopback servers, a bounded subprocess.

Nothing here imports `cassettes_tool`: the tool is driven through its CLI alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

#: every server here stops by itself after this long, whatever the test does
SERVER_LIFETIME = 60.0


def back_date(*paths: Path, ns: int | None = None) -> None:
    """Files last modified an hour ago (or at `ns`), rather than waited for: the scan cache
    and the kept report never trust a file modified within two seconds of their writing."""
    when = ns if ns is not None else time.time_ns() - 3600 * 10**9
    for path in paths:
        os.utime(path, ns=(when, when))


def no_traceback(text: str) -> None:
    assert "Traceback (most recent call last)" not in text, text[-3000:]
    assert "MemoryError" not in text and "RecursionError" not in text, text[-3000:]


def cassettes_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "cassettes"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cassettes_tool"]


# ------------------------------------------------------------------ cassettes written by hand


def interaction(
    uri: str,
    *,
    method: str = "GET",
    status: int = 200,
    body: str | bytes = '{"ok": true}',
    headers: dict[str, str] | None = None,
    request_body: str | None = None,
) -> dict[str, Any]:
    """One interaction as vcrpy's yaml serializer stores it (version 1 format)."""
    response_headers = {"content-type": ["application/json"]}
    for name, value in (headers or {}).items():
        response_headers[name.lower()] = [value]
    return {
        "request": {
            "body": request_body,
            "headers": {"accept": ["*/*"]},
            "method": method,
            "uri": uri,
        },
        "response": {
            "body": {"string": body},
            "headers": response_headers,
            "status": {"code": status, "message": "OK" if status < 400 else "Error"},
        },
    }


def write_cassette(path: Path, *interactions: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"interactions": list(interactions), "version": 1}
    if path.suffix == ".json":
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
    return path


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ servers on loopback


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


class Stage:
    """A threaded HTTP server on 127.0.0.1, a free port, answering `handle(method, path, body)`.

    It counts every request by (method, path), and shuts down by itself after SERVER_LIFETIME.
    """

    def __init__(self, handle: Callable[[str, str, bytes], Reply]):
        stage = self
        self.seen: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with stage._lock:
                    stage.seen[(self.command, self.path)] += 1
                reply = handle(self.command, self.path, body)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._timer = threading.Timer(SERVER_LIFETIME, self._server.shutdown)
        self._timer.daemon = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, method: str | None = None) -> int:
        with self._lock:
            return sum(n for (m, _), n in self.seen.items() if method in (None, m))

    def __enter__(self) -> Stage:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class RawServer:
    """A loopback TCP server handing each connection to `handle(conn, stop_event)` on a thread.

    For answers an HTTP library will not send (a byte a second). Stops by itself.
    """

    def __init__(self, handle: Callable[[socket.socket, threading.Event], None], host: str = "127.0.0.1"):
        self.handle = handle
        self.stopped = threading.Event()
        self.connections = 0
        self._sock = socket.create_server((host, 0))
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._deadline = time.monotonic() + SERVER_LIFETIME

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self.stopped.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()
        self.stopped.set()

    def _one(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(5)
            self.handle(conn, self.stopped)


def closed_port() -> int:
    """A loopback port nobody listens on: connection refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


# ------------------------------------------------------------------ a bounded subprocess


def run_bounded(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float = 60,
    memory: int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The installed `cassettes` in a subprocess, with a wall-clock timeout and, when given,
    an address-space cap (RLIMIT_AS) so a runaway allocation is the child's MemoryError,
    never the machine's memory."""

    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [*cassettes_cmd(), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=limit,
        env=env if env is not None else dict(os.environ),
    )


@dataclass(frozen=True)
class Interrupted:
    returncode: int
    stdout: str
    stderr: str
    #: seconds from Ctrl-C to the command's end
    elapsed: float


def interrupt_when(command: list[str], cwd: Path, ready: Callable[[], bool], why: str) -> Interrupted:
    """Start `command`, wait (polling, at most 20 s) until `ready()` says the moment has come,
    then send it Ctrl-C and wait for it to end (at most 10 s; killed otherwise)."""
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        deadline = time.monotonic() + 20
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.05)  # wait for the state the test needs, not for a guess of time
        assert ready(), why
        process.send_signal(signal.SIGINT)
        start = time.monotonic()
        stdout, stderr = process.communicate(timeout=10)
        elapsed = time.monotonic() - start
    finally:
        process.kill()
    return Interrupted(process.returncode, stdout, stderr, elapsed)


def path_without_git() -> str:
    """A PATH holding python and the `cassettes` script but no `git`."""
    bindir = Path(sys.executable).parent
    keep = [str(bindir)]
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and not (Path(entry) / "git").exists() and entry not in keep:
            keep.append(entry)
    assert shutil.which("git", path=os.pathsep.join(keep)) is None
    return os.pathsep.join(keep)


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
