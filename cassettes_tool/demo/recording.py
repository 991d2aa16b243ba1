"""Record real vcrpy cassettes of the demo services, as a user's test suite would.

Used by `scripts/record_samples.py` (the bundled sample cassettes) and by the tests,
which record their own cassettes rather than trusting hand-written ones. Calls go to
the loopback server; the cassette keeps the public-looking URI (`auth.example.com`),
the way a suite records its production or staging host.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import vcr

from cassettes_tool.demo.services import DEMO_USER, DemoServer

FILTERED = "FILTERED"


class HttpClient(Protocol):
    """What requests.Session and httpx.Client have in common, and all a scenario uses."""

    def get(self, url: str, **kwargs: Any) -> Any: ...

    def post(self, url: str, **kwargs: Any) -> Any: ...


Scenario = Callable[[HttpClient, DemoServer], None]


def demo_vcr(server: DemoServer, *, serializer: str = "yaml", **kwargs: Any) -> vcr.VCR:
    """A VCR that records calls to `server` under their public hosts, credentials filtered."""

    def public(request: Any) -> Any:
        request.uri = server.public_url(request.uri)
        if "host" in request.headers:
            request.headers["host"] = urlsplit(request.uri).netloc
        return request

    options: dict[str, Any] = {
        "serializer": serializer,
        "record_mode": "all",
        "before_record_request": public,
        "before_record_response": scrub_tokens,
        "filter_headers": [("authorization", FILTERED)],
        "filter_post_data_parameters": [("password", FILTERED)],
        "decode_compressed_response": False,
    }
    options.update(kwargs)
    return vcr.VCR(**options)


def scrub_tokens(response: dict[str, Any]) -> dict[str, Any]:
    """Replace a login token in a JSON response body, as careful suites do."""
    body = response.get("body", {}).get("string")
    if not body or not isinstance(body, bytes | str):
        return response
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return response
    if isinstance(value, dict) and isinstance(value.get("token"), str):
        value["token"] = FILTERED
        response["body"]["string"] = json.dumps(value).encode("utf-8")
    return response


def record(
    path: Path,
    scenario: Scenario,
    server: DemoServer,
    client: HttpClient,
    *,
    serializer: str = "yaml",
    custom_serializers: dict[str, Any] | None = None,
    **vcr_kwargs: Any,
) -> Path:
    """Run `scenario` under vcrpy, recording into `path` (custom serializers registered first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    recorder = demo_vcr(server, serializer=serializer, **vcr_kwargs)
    for name, custom in (custom_serializers or {}).items():
        recorder.register_serializer(name, custom)
    with recorder.use_cassette(str(path)):
        scenario(client, server)
    return path


# ---------------------------------------------------------------------------- scenarios


def login_flow(http: HttpClient, server: DemoServer) -> None:
    """Log in, then call an endpoint with the token the first answer gave."""
    answer = http.post(server.url("https://auth.example.com/login"), json=DEMO_USER)
    token = answer.json()["token"]
    http.get(server.url("https://auth.example.com/me"), headers={"Authorization": f"Bearer {token}"})


def payments_flow(http: HttpClient, server: DemoServer) -> None:
    http.get(server.url("https://payments.example.com/charges/ch_1001"))
    http.post(server.url("https://payments.example.com/charges"), json={"amount": 500, "currency": "usd"})


def users_list(http: HttpClient, server: DemoServer) -> None:
    http.get(server.url("https://users.example.com/users?page=1"))


def catalog_gzip(http: HttpClient, server: DemoServer) -> None:
    http.get(server.url("https://catalog.example.com/items"), headers={"Accept-Encoding": "gzip"})


def report_download(http: HttpClient, server: DemoServer) -> None:
    http.get(server.url("https://files.example.com/report.pdf"))


SCENARIOS: dict[str, Scenario] = {
    "login": login_flow,
    "payments": payments_flow,
    "users": users_list,
    "catalog": catalog_gzip,
    "report": report_download,
}
