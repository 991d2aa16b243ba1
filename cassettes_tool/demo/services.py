"""Fake dependencies in two versions, served by a real HTTP server on 127.0.0.1.

`v1` is how the services answered when the sample cassettes were recorded; `v2` is
today's staging, drifted the way real services drift: the auth service adds
`session_context` (the motivating story), payments turns an amount into a string,
users drops a field and announces its deprecation, the gzip catalog adds a field to
every item, the binary download changes. Volatile values (dates, ids, request ids)
change on every call in both versions, as they do in life.

Each service is mounted under a path prefix (`/auth`, `/payments`...), and cassettes
record it under a public-looking host (`auth.example.com`): `host_map()` is the
`--map` a refresh needs.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import brotli

VERSIONS = ("v1", "v2")

#: recorded host -> path prefix on the demo server
HOSTS: dict[str, str] = {
    "auth.example.com": "/auth",
    "payments.example.com": "/payments",
    "users.example.com": "/users",
    "catalog.example.com": "/catalog",
    "files.example.com": "/files",
}

#: the password the demo login accepts; the token it hands out is made per call
DEMO_USER = {"username": "ada", "password": "correct-horse"}
#: bounded request log, so a long-lived server cannot grow without limit
MAX_LOGGED_REQUESTS = 1000


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


#: what a refresh target sends: staging lets it act for the demo user, whose password
#: the cassettes keep filtered (as staging environments let a service token act for test users)
STAGING_TOKEN = "demo-staging-token"


def _staging_token(request: SeenRequest) -> bool:
    return request.headers.get("authorization", "") == f"Bearer {STAGING_TOKEN}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _json(status: int, value: Any, *headers: tuple[str, str]) -> Answer:
    return Answer(status, json.dumps(value).encode("utf-8"), "application/json", headers)


_COMPRESSORS: tuple[tuple[str, Callable[[bytes], bytes]], ...] = (
    ("gzip", lambda data: gzip.compress(data, mtime=0)),
    ("br", lambda data: bytes(brotli.compress(data))),
    ("deflate", zlib.compress),
)


class DemoApp:
    """Routing and answers, free of any socket: one instance per version."""

    def __init__(self, version: str):
        if version not in VERSIONS:
            raise ValueError(f"unknown demo version {version!r} (expected one of {VERSIONS})")
        self.version = version
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self.routes: dict[tuple[str, str], Callable[[SeenRequest], Answer]] = {
            ("POST", "/auth/login"): self.login,
            ("GET", "/auth/me"): self.me,
            ("GET", "/payments/charges/ch_1001"): self.charge,
            ("POST", "/payments/charges"): self.create_charge,
            ("GET", "/users/users"): self.users,
            ("GET", "/catalog/items"): self.catalog,
            ("GET", "/files/report.pdf"): self.report_pdf,
        }

    @property
    def v2(self) -> bool:
        return self.version == "v2"

    def handle(self, request: SeenRequest) -> Answer:
        path = urlsplit(request.path).path
        route = self.routes.get((request.method, path))
        if route is None:
            known_path = any(p == path for _, p in self.routes)
            status = 405 if known_path else 404
            return _json(status, {"error": "method not allowed" if known_path else "not found"})
        return route(request)

    # -- auth ---------------------------------------------------------------------------

    def login(self, request: SeenRequest) -> Answer:
        try:
            creds = json.loads(request.body or b"{}")
        except ValueError:
            return _json(400, {"error": "invalid json"})
        if creds != DEMO_USER and not (
            _staging_token(request) and creds.get("username") == DEMO_USER["username"]
        ):
            return _json(401, {"error": "invalid credentials"})
        token = "tok_" + uuid.uuid4().hex
        with self._lock:
            self._tokens.add(token)
        body: dict[str, Any] = {
            "token": token,
            "token_type": "Bearer",
            "expires_at": _iso(_now() + timedelta(hours=1)),
            "user": {"id": 42, "name": "Ada Lovelace"},
        }
        if self.v2:
            body["session_context"] = {"device_id": "d-1", "auth_level": 2}
        return _json(200, body)

    def me(self, request: SeenRequest) -> Answer:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            known = token in self._tokens
        if not known and not _staging_token(request):
            return _json(401, {"error": "unauthorized"}, ("WWW-Authenticate", 'Bearer realm="demo"'))
        roles = ["billing", "admin"] if self.v2 else ["admin", "billing"]  # same set, new order
        return _json(
            200,
            {
                "id": 42,
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "roles": roles,
                "last_login": _iso(_now()),
            },
        )

    # -- payments -----------------------------------------------------------------------

    def charge(self, request: SeenRequest) -> Answer:
        amount: int | str = "12.00" if self.v2 else 1200  # v2: a number became a string
        return _json(
            200,
            {
                "id": "ch_1001",
                "amount": amount,
                "currency": "usd",
                "status": "succeeded",
                "created": int(_now().timestamp()),
            },
        )

    def create_charge(self, request: SeenRequest) -> Answer:
        charge_id = f"ch_{uuid.uuid4().hex[:12]}"
        body = {
            "id": charge_id,
            "amount": 500,
            "currency": "usd",
            "status": "pending" if self.v2 else "succeeded",
            "created": int(_now().timestamp()),
        }
        return _json(201, body, ("Location", f"/payments/charges/{charge_id}"))

    # -- users --------------------------------------------------------------------------

    def users(self, request: SeenRequest) -> Answer:
        page = parse_qs(urlsplit(request.path).query).get("page", ["1"])[0]
        people = [
            {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0001"},
            {"id": 2, "name": "Charles Babbage", "email": "charles@example.com", "phone": "+44 20 7946 0002"},
        ]
        for person in people:
            person["updated_at"] = _iso(_now())
            if self.v2:
                del person["phone"]  # v2: a field every item had is gone
        headers: tuple[tuple[str, str], ...] = ()
        if self.v2:
            headers = (("Deprecation", "true"), ("Sunset", "Wed, 01 Jul 2027 00:00:00 GMT"))
        return _json(200, {"users": people, "page": int(page), "total": len(people)}, *headers)

    # -- catalog (gzip) -----------------------------------------------------------------

    def catalog(self, request: SeenRequest) -> Answer:
        items = [{"id": n, "name": f"Widget {n}", "price": 100 * n} for n in range(1, 6)]
        if self.v2:
            for item in items:
                item["sku"] = f"W-{item['id']:04d}"  # v2: a field added to every item
        body = json.dumps({"items": items, "generated_at": _iso(_now())}).encode("utf-8")
        accepted = request.headers.get("accept-encoding", "")
        for coding, compress in _COMPRESSORS:
            if coding in accepted:
                return Answer(200, compress(body), "application/json", (("Content-Encoding", coding),))
        return Answer(200, body, "application/json")

    # -- files (binary) -----------------------------------------------------------------

    def report_pdf(self, request: SeenRequest) -> Answer:
        seed = hashlib.sha256(self.version.encode()).digest()
        payload = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + seed * (64 if self.v2 else 48) + b"\n%%EOF\n"
        return Answer(
            200, payload, "application/pdf", (("Content-Disposition", 'attachment; filename="report.pdf"'),)
        )


class _Handler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "demo-staging/1.0"
    disable_nagle_algorithm = True  # else every keep-alive answer waits ~40 ms for an ACK

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = SeenRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.server.log(seen)
        answer = self.server.app.handle(seen)
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("X-Request-Id", str(uuid.uuid4()))
        for name, value in answer.headers:
            self.send_header(name, value)
        payload = b"" if self.command == "HEAD" else answer.body
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a demo server must not scribble on the user's terminal."""


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: DemoApp):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app
        self.requests: list[SeenRequest] = []
        self._log_lock = threading.Lock()

    def log(self, seen: SeenRequest) -> None:
        with self._log_lock:
            if len(self.requests) < MAX_LOGGED_REQUESTS:
                self.requests.append(seen)


class DemoServer:
    """A running demo staging server: `with DemoServer("v2") as server: server.host_map()`."""

    def __init__(self, version: str = "v2"):
        self.app = DemoApp(version)
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def version(self) -> str:
        return self.app.version

    def start(self) -> DemoServer:
        self._httpd = _DemoHTTPServer(self.app)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-staging", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("demo server is not running")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[SeenRequest]:
        return list(self._httpd.requests) if self._httpd else []

    def add_route(self, method: str, path: str, answer: Answer | Callable[[SeenRequest], Answer]) -> None:
        """Serve one more answer (tests use it for edge cases the demo story does not need)."""
        handler = answer if callable(answer) else (lambda _request: answer)
        self.app.routes[(method.upper(), path)] = handler

    def base_url(self, host: str) -> str:
        """Where a recorded host lives on this server: `http://127.0.0.1:PORT/auth`."""
        return self.origin + HOSTS[host]

    def host_map(self) -> dict[str, str]:
        return {host: self.base_url(host) for host in HOSTS}

    def url(self, public_url: str) -> str:
        """`https://auth.example.com/login` -> the same resource on this server."""
        parts = urlsplit(public_url)
        base = urlsplit(self.base_url(parts.hostname or ""))
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def public_url(self, local_url: str) -> str:
        """The inverse of `url`: what a cassette should record for a call to this server."""
        parts = urlsplit(local_url)
        for host, prefix in HOSTS.items():
            if parts.path == prefix or parts.path.startswith(prefix + "/"):
                path = parts.path[len(prefix) :] or "/"
                return urlunsplit(("https", host, path, parts.query, ""))
        return local_url
