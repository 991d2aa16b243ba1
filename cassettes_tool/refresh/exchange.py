"""Sending one request to staging and reading its answer, within the run's deadline and limits."""

from __future__ import annotations

import errno
import json
import ssl
import threading
import time
from urllib.parse import urlsplit

import httpx

from cassettes_tool.config import Target
from cassettes_tool.refresh.budget import Budget
from cassettes_tool.refresh.http import (
    IDEMPOTENT,
    RETRY_STATUSES,
    Answer,
    Failure,
    Limits,
    causes,
    make_client,
    mib,
    origin,
    retry_after,
    retryable,
)


class Exchange:
    """The run's clients (one pool per staging origin) and how one request goes through them."""

    def __init__(
        self,
        target: Target,
        limits: Limits,
        budget: Budget,
        stopping: threading.Event,
        verify: ssl.SSLContext,
    ):
        self.target = target
        self.limits = limits
        self.budget = budget
        self.stopping = stopping
        origins = {origin(url) for url in target.hosts.values()}
        self.clients = {origin: make_client(target, verify) for origin in origins}

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def send(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> Answer | Failure:
        """Send within one deadline (`--timeout`, body and retries included). Only idempotent
        methods are sent again: on a connection error or a 502/503/504, after `Retry-After`
        when it fits in the deadline. POST and PATCH go once, whatever happens."""
        client = self.clients[origin(url)]
        limits = self.limits
        deadline = time.monotonic() + self.target.timeout
        attempt = 0
        while True:
            attempt += 1
            again = attempt < limits.attempts and method in IDEMPOTENT
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return Failure(self.late(url), attempt - 1)
            try:
                timeout = httpx.Timeout(remaining, pool=None)
                request = client.stream(method, url, headers=headers, content=body or None, timeout=timeout)
                with request as response:
                    if response.status_code not in RETRY_STATUSES or not again:
                        return self.read(response, attempt, deadline, url)
                    pause = retry_after(response.headers.get("retry-after"))
            except httpx.TimeoutException:
                return Failure(self.late(url), attempt)
            except httpx.TransportError as exc:
                if not again or not retryable(exc, method):
                    return Failure(self.describe(exc, url), attempt)
                pause = None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                return Failure(f"cannot send it to {url}: {exc}", attempt)
            wait = max(limits.backoff * 2 ** (attempt - 1), pause or 0.0)
            if time.monotonic() + wait >= deadline:
                return Failure(f"{self.late(url)}; staging asked to retry after {wait:g} s", attempt)
            if self.stopping.wait(wait):
                return Failure("the run was interrupted", attempt)

    def late(self, url: str) -> str:
        host = urlsplit(url).netloc
        return f"no complete answer from {host} within {self.target.timeout:g} s (timeout: the whole request)"

    def read(self, response: httpx.Response, attempt: int, deadline: float, url: str) -> Answer | Failure:
        """The raw body, streamed, cut off past the size limit or the deadline."""
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return Failure(f"answer too large: {int(declared):,} bytes declared, limit {mib(limit)}", attempt)
        # waiting for memory is no fault of the server's: it does not count against the deadline
        deadline += self.budget.take(int(declared) if declared.isdigit() else 0, self.stopping)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > limit:
                return Failure(f"answer too large: more than {mib(limit)}, not stored", attempt)
            if time.monotonic() > deadline:
                return Failure(self.late(url), attempt)
            chunks.append(chunk)
        if not declared.isdigit():
            self.budget.take(size, self.stopping)
        headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
        return Answer(response.status_code, response.reason_phrase, headers, b"".join(chunks), attempt)

    def describe(self, exc: httpx.TransportError, url: str) -> str:
        host = urlsplit(url).netloc
        timeout = f"{self.target.timeout:g} s"
        chain = causes(exc)
        verify_error = next((e for e in chain if isinstance(e, ssl.SSLCertVerificationError)), None)
        if verify_error is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            detail = getattr(verify_error, "verify_message", None) or str(exc)
            verify = json.dumps(self.target.verify)
            return (
                f"TLS certificate of {host} not trusted ({detail}) with verify = {verify}: "
                "set the target's `verify` to the CA bundle that signed it, or to false"
            )
        if isinstance(exc, httpx.ConnectTimeout):
            return f"no connection to {host} within {timeout} (timeout)"
        if isinstance(exc, httpx.ConnectError):
            refused = any(
                isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED
                for e in chain
            )
            return f"connection refused by {host}" if refused else f"cannot connect to {host}: {exc}"
        if isinstance(exc, httpx.ReadTimeout):
            return f"no answer from {host} within {timeout} (timeout)"
        if isinstance(exc, httpx.TimeoutException):
            return f"{host} timed out after {timeout}: {type(exc).__name__}"
        if isinstance(exc, httpx.ProxyError):
            return f"proxy refused the request to {host}: {exc}"
        return f"connection to {host} broken: {exc or type(exc).__name__}"
