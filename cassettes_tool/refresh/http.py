"""One exchange with staging: the client, the URL it is sent to, what is forwarded, when to retry."""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit, urlunsplit

import httpx

from cassettes_tool import cassette
from cassettes_tool.cassette import decode
from cassettes_tool.cassette.codecs import DECODABLE
from cassettes_tool.config import Target
from cassettes_tool.errors import ConfigError
from cassettes_tool.model.cassette import Headers, Response

#: Headers of one hop or of one body's framing: the client computes its own.
_NOT_FORWARDED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authorization",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)


RETRY_STATUSES = frozenset({502, 503, 504})


#: Methods safe to send again (RFC 9110 idempotent); POST and PATCH are sent once.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


@dataclass(frozen=True, slots=True)
class Limits:
    """How hard to try and how much to take, so one bad endpoint cannot stall or swamp a run."""

    max_bytes: int = 50 * 1024 * 1024
    #: bytes of answers all workers hold at once, waiting to be written (one answer alone may exceed it)
    in_memory: int = 24 * 1024 * 1024
    attempts: int = 3
    #: seconds before the second attempt, doubled before each next one
    backoff: float = 0.25
    #: processes that scrub and write the copies (0: the request threads do); None: one
    #: when the run is large enough to pay for starting it
    writers: int | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class Failure:
    reason: str
    attempts: int


def ssl_context(verify: bool | str, *, tls: bool = True) -> ssl.SSLContext:
    """The one TLS context of a run, shared by every client and transport: httpx would load
    the CA bundle (~35 ms) once for each. A target that speaks no TLS (`tls`: every base URL
    is `http://`) gets a context that trusts no certificate at all, so nothing is loaded for
    it and nothing is trusted by accident. A CA bundle path is loaded (ConfigError if it
    cannot be); `true` is httpx's own default (`SSL_CERT_FILE`, `SSL_CERT_DIR`, certifi)."""
    if verify is True and not tls:
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if isinstance(verify, bool):
        return httpx.create_ssl_context(verify=verify, trust_env=True)
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"verify: cannot load the CA bundle {verify}: {exc}") from None


def make_client(target: Target, verify: ssl.SSLContext) -> httpx.Client:
    """One pooled client per staging origin: `concurrency` caps its open connections.

    Proxies come from the environment (`trust_env`), except for loopback targets: a proxy
    must not see a staging token meant for 127.0.0.1. Redirects are not followed. No cookie
    jar: a `Set-Cookie` of one answer is never sent with another request. The client's own
    default headers are dropped so that only what was recorded is sent.
    """
    limits = httpx.Limits(max_connections=target.concurrency, max_keepalive_connections=target.concurrency)
    direct = {
        f"all://{host}": httpx.HTTPTransport(verify=verify, limits=limits)
        for host in {(urlsplit(url).hostname or "") for url in target.hosts.values()}
        if _is_loopback(host)
    }
    client = httpx.Client(
        verify=verify,
        timeout=httpx.Timeout(target.timeout, pool=None),
        limits=limits,
        follow_redirects=False,
        trust_env=True,
        mounts=direct or None,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )
    client.headers.clear()
    return client


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def base_url(uri: str, hosts: Mapping[str, str]) -> str | None:
    """The mapped base URL of a recorded URI: by `host:port` when the URI names a port, else host."""
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and f"{host}:{port}" in hosts:
        return hosts[f"{host}:{port}"]
    return hosts.get(host)


def staging_url(uri: str, base: str) -> str:
    """`https://api.example.com/v1/x?q=1` on `http://127.0.0.1:8080/api` -> `.../api/v1/x?q=1`."""
    recorded = urlsplit(uri)
    staging = urlsplit(base)
    path = staging.path.rstrip("/") + (recorded.path or "/")
    return urlunsplit((staging.scheme, staging.netloc, path, recorded.query, ""))


def outgoing_headers(recorded: Headers, extra: Mapping[str, str]) -> list[tuple[str, str]]:
    """The recorded headers, less framing and hop-by-hop ones, with the target's on top."""
    replaced = {name.lower() for name in extra}
    kept = [
        (name, value)
        for name, value in recorded
        if name.lower() not in _NOT_FORWARDED and name.lower() not in replaced
    ]
    return kept + list(extra.items())


def retryable(exc: httpx.TransportError, method: str) -> bool:
    """A connection error, for a method safe to repeat (a wrong certificate is not worth another try)."""
    if method not in IDEMPOTENT:
        return False
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return not any(isinstance(e, ssl.SSLError) for e in causes(exc))
    return isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError | httpx.WriteError)


def retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds (a number or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def stored(answer: Answer) -> Response:
    """The answer as it is written: decoded when every content-coding it names can be undone."""
    headers = Headers(answer.headers)
    encoding = headers.get("content-encoding")
    body = decode(answer.body, headers.get("content-type"), encoding)
    response = Response(answer.status, answer.reason, headers, body)
    codings = {c.strip().lower() for c in (encoding or "").split(",")}
    if encoding is not None and answer.body and codings <= DECODABLE and body.note is None:
        return cassette.with_body(response, body.data)
    return response


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size:,} bytes"


#: what a run takes and how hard it tries unless a caller says otherwise
DEFAULT_LIMITS = Limits()
