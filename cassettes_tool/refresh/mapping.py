"""Staging addresses mapped back to the recorded ones, so copies pair with the originals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import SplitResult, urlsplit, urlunsplit

from cassettes_tool.model.cassette import Cassette


def reverse_bases(hosts: Mapping[str, str], originals: Iterable[Cassette]) -> tuple[tuple[str, str], ...]:
    """Each mapped host's staging base URL with the origin the originals recorded it under.

    The map names hosts, not schemes: the scheme (and port) come from the originals'
    requests to that host, `https` when none says.
    """
    seen: dict[str, str] = {}
    for loaded in originals:
        for interaction in loaded.interactions:
            parts = urlsplit(interaction.request.uri)
            origin = _origin(parts)
            host = (parts.hostname or "").lower()
            if origin is None or not host:
                continue
            if parts.port is not None:
                seen.setdefault(f"{host}:{parts.port}", origin)
            seen.setdefault(host, origin)
    return tuple((base, seen.get(host.lower(), f"https://{host.lower()}")) for host, base in hosts.items())


def recorded_uri(uri: str, bases: Sequence[tuple[str, str]]) -> str | None:
    """The URI as the originals recorded it, for a request the tests sent to staging.

    `http://127.0.0.1:8080/auth/login` under the base `http://127.0.0.1:8080/auth`, recorded
    as `https://auth.example.com`, is `https://auth.example.com/login`: the inverse of how
    replay builds a staging URL. The longest base that holds the URI wins; None when none does.
    """
    parts = urlsplit(uri)
    origin = _origin(parts)
    best: tuple[str, str] | None = None
    for base, recorded in bases:
        staging = urlsplit(base)
        prefix = staging.path.rstrip("/")
        if origin is None or _origin(staging) != origin:
            continue
        if prefix and parts.path != prefix and not parts.path.startswith(prefix + "/"):
            continue
        if best is None or len(prefix) > len(best[0]):
            best = (prefix, recorded)
    if best is None:
        return None
    prefix, recorded = best
    target = urlsplit(recorded)
    return urlunsplit((target.scheme, target.netloc, parts.path[len(prefix) :] or "/", parts.query, ""))


def origin_of(uri: str) -> str:
    """`scheme://host[:port]` of a URI: what a report may say of a request without its query."""
    return _origin(urlsplit(uri)) or "an unreadable URL"


def _origin(parts: SplitResult) -> str | None:
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(scheme)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")
