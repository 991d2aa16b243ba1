"""Staging writes its own base URL into its answers: mapped back to the recorded origin.

No public re-recording shows this (every href in the real pairs stays on the recorded host),
so a local staging server plays it: the v1 service answers as production does, naming
`https://files.example.com`; the v2 one, reached at another base URL, names itself in
`Location`, `Link` and every href of its body. A refresh must write the copy as production
would have, count what it mapped back in the manifest, and diff as aligned.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool import cassette, diff
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.model.body import Body
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Request, Response
from cassettes_tool.refresh.mapping import map_back_recorded, map_back_response

PUBLIC = "https://files.example.com"


def page(base: str) -> Answer:
    """One page of a paged list, every URL under `base`, as a server that knows its own address writes it."""
    body = {
        "items": [{"id": n, "href": f"{base}/things/{n}", "title": f"Thing {n}"} for n in (1, 2)],
        "links": [
            {"rel": "next", "href": f"{base}/things?page=2"},
            {"rel": "self", "href": f"{base}/things"},
        ],
        "elsewhere": "https://cdn.example.org/logo.png",
    }
    escaped = base.replace("/", "\\/") + "\\/x"  # JSON may escape its slashes: `http:\/\/host`
    raw = json.dumps(body)[:-1] + f', "escaped": "{escaped}"}}'
    headers = (("Link", f"<{base}/things?page=2>; rel=next"), ("Content-Location", f"{base}/things"))
    return Answer(200, raw.encode(), "application/json", headers)


def test_a_refresh_maps_staging_base_urls_back_in_headers_and_bodies(
    record_cassette: Any, v1_server: DemoServer, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    v1_server.add_route("GET", "/files/things", lambda _r: page(PUBLIC))
    staging = v2_server.base_url("files.example.com")
    v2_server.add_route("GET", "/files/things", lambda _r: page(staging))

    def scenario(http: Any, demo: DemoServer) -> None:
        http.get(demo.url(f"{PUBLIC}/things"))

    original = record_cassette("files/things.yaml", scenario)
    assert staging not in original.read_text()

    result = run("refresh", original.parent, "--map", f"files.example.com={staging}", "--format", "json")
    assert result.exit_code == 0, result.output
    (run_dir,) = [p for p in (tmp_path / ".cassettes" / "scratch").iterdir() if p.is_dir()]
    (copy,) = run_dir.rglob("things.yaml")
    text = copy.read_text()
    assert "127.0.0.1" not in text and f"{PUBLIC}/things?page=2" in text
    assert "https://cdn.example.org/logo.png" in text  # not a staging URL: left alone

    manifest = json.loads((run_dir / "manifest.json").read_text())
    (entry,) = manifest["cassettes"][0]["interactions"]
    assert entry["mapped_back"] == 2 + 4 + 1  # Link, Content-Location; four hrefs; one escaped

    compared = diff.diff(cassette.load(original), cassette.load(copy))
    assert not compared.drifted, [c for c in compared.changes if c.severity.value != "volatile"]


def test_the_suite_route_maps_answers_back_as_replay_does() -> None:
    """`--via pytest`: the plugin's own function on the dict vcrpy hands its persister."""
    staging = "http://127.0.0.1:8765/files"
    answer = page(staging)
    recorded = {
        "requests": [object()],
        "responses": [
            {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"], **{k: [v] for k, v in answer.headers}},
                "body": {"string": answer.body},
            }
        ],
    }
    mapped, counts = map_back_recorded(recorded, [(staging, PUBLIC)])
    assert counts == {0: 7}
    (response,) = mapped["responses"]
    assert response["headers"]["Link"] == [f"<{PUBLIC}/things?page=2>; rel=next"]
    assert json.loads(response["body"]["string"]) == json.loads(page(PUBLIC).body)
    assert recorded["responses"][0]["body"]["string"] == answer.body  # vcrpy's own dict untouched


def _interaction(base: str, value: Any) -> Cassette:
    body = {"self": f"{base}/things", "data": value, "next": f"{base}/things?page=2"}
    data = json.dumps(body).encode()
    response = Response(
        200,
        "OK",
        Headers((("Content-Type", "application/json"), ("Location", f"{base}/things/1"))),
        Body(data, data, "application/json"),
    )
    request = Request("GET", f"{PUBLIC}/things", Headers(), Body(b"", b""))
    return Cassette(Path("c.yaml"), "yaml", (Interaction(0, request, response),))


URL_TEXT = st.from_regex(r"[a-z]{1,8}(/[a-z0-9]{1,6}){0,3}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["http://127.0.0.1:8080", "http://localhost:9000/api", "https://staging.example.com/v2"]),
    st.recursive(URL_TEXT | st.integers(), lambda inner: st.lists(inner, max_size=3), max_leaves=8),
)
def test_a_response_with_the_staging_base_everywhere_mapped_back_is_aligned(staging: str, value: Any) -> None:
    """Substitute the staging base for the recorded one everywhere; mapping back restores it."""

    def rooted(v: Any, base: str) -> Any:
        if isinstance(v, str):
            return f"{base}/{v}"
        if isinstance(v, list):
            return [rooted(x, base) for x in v]
        return v

    original = _interaction(PUBLIC, rooted(value, PUBLIC))
    answered = _interaction(staging, rooted(value, staging))
    response, count = map_back_response(answered.interactions[0].response, [(staging, PUBLIC)])
    assert count >= 3
    refreshed = Cassette(
        Path("c.yaml"), "yaml", (Interaction(0, answered.interactions[0].request, response),)
    )
    assert not diff.diff(original, refreshed).drifted
    assert response.body.value == original.interactions[0].response.body.value


def test_only_a_whole_base_url_is_mapped_back() -> None:
    """Only base URLs at a boundary are mapped: `http://127.0.0.1:80801` is another address."""
    response = _interaction("http://127.0.0.1:80801", 1).interactions[0].response
    assert map_back_response(response, [("http://127.0.0.1:8080", PUBLIC)])[1] == 0
