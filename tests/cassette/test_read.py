"""Reading cassettes that real vcrpy recorded, every way real suites store them."""

from __future__ import annotations

import gc
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool import cassette
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Headers, Request


def test_requests_yaml_cassette_reads_as_recorded(record_cassette: Any) -> None:
    path = record_cassette("auth/login.yaml", "login")
    loaded = cassette.load(path)
    assert loaded.serializer == "yaml"
    assert [(i.request.method, i.request.uri, i.response.status) for i in loaded.interactions] == [
        ("POST", "https://auth.example.com/login", 200),
        ("GET", "https://auth.example.com/me", 200),
    ]
    login, me = loaded.interactions
    assert login.request.body.kind is BodyKind.JSON
    assert login.request.body.value == {"username": "ada", "password": "FILTERED"}
    assert login.response.body.value["token"] == "FILTERED"
    assert me.request.headers.get("AUTHORIZATION") == "FILTERED"
    assert me.response.body.value["roles"] == ["admin", "billing"]
    assert login.line == 2 and me.line is not None and me.line > login.line
    assert loaded.text.splitlines()[me.line - 1].startswith("- request:")


def test_httpx_json_cassette_with_lower_case_headers(record_cassette: Any) -> None:
    path = record_cassette("payments/charges.json", "payments", client="httpx")
    loaded = cassette.load(path)
    assert loaded.serializer == "json"
    charge, created = loaded.interactions
    assert charge.response.headers.items[0][0].islower()  # httpx records lower-case names
    assert charge.response.headers.get("Content-Type") == "application/json"
    assert charge.response.body.value["amount"] == 1200
    assert created.response.status == 201
    assert created.response.headers.get("location", "").startswith("/payments/charges/ch_")
    assert loaded.text.splitlines()[created.line - 1].strip() == "{"


@pytest.mark.parametrize(
    ("client", "accept", "stored_compressed"),
    [
        ("httpx", "gzip", True),  # httpx hands vcrpy the raw bytes: a gzip !!binary body
        ("httpx", "br", True),
        ("httpx", "deflate", True),
        ("requests", "gzip", False),  # urllib3 2 stores it decoded under a gzip header
    ],
)
def test_compressed_bodies_are_decoded(
    record_cassette: Any, client: str, accept: str, stored_compressed: bool
) -> None:
    def fetch(http: Any, server: DemoServer) -> None:
        http.get(server.url("https://catalog.example.com/items"), headers={"Accept-Encoding": accept})

    path = record_cassette("catalog.yaml", fetch, client=client)
    body = cassette.load(path).interactions[0].response.body
    assert ("!!binary" in path.read_text()) is stored_compressed
    assert body.decoded_from == ((accept,) if stored_compressed else ())
    assert body.kind is BodyKind.JSON
    assert [item["name"] for item in body.value["items"]][:2] == ["Widget 1", "Widget 2"]
    assert body.size == len(body.data) > len(body.stored) if stored_compressed else body.data == body.stored


def test_binary_body_keeps_its_bytes(record_cassette: Any) -> None:
    path = record_cassette("files/report.yaml", "report")
    body = cassette.load(path).interactions[0].response.body
    assert body.kind is BodyKind.BINARY
    assert body.media_type == "application/pdf"
    assert body.data.startswith(b"%PDF-1.4") and body.value is None
    assert len(body.sha256) == 64


def test_non_utf8_text_and_repeated_headers(record_cassette: Any, server: DemoServer) -> None:
    server.add_route(
        "GET",
        "/files/notes.txt",
        Answer(
            200,
            "Café crème".encode("latin-1"),
            "text/plain; charset=ISO-8859-1",
            (("Link", "</notes?page=2>; rel=next"), ("Link", "</notes?page=9>; rel=last")),
        ),
    )

    def fetch(http: Any, demo: DemoServer) -> None:
        http.get(demo.url("https://files.example.com/notes.txt"))

    for client in ("requests", "httpx"):
        path = record_cassette(f"notes-{client}.yaml", fetch, client=client, server=server)
        response = cassette.load(path).interactions[0].response
        assert response.body.charset == "iso-8859-1"
        assert response.body.kind is BodyKind.TEXT
        assert response.body.value == "Café crème"
        assert response.headers.get_all("LINK") == ["</notes?page=2>; rel=next", "</notes?page=9>; rel=last"]


def test_null_empty_and_missing_bodies(record_cassette: Any, tmp_path: Path) -> None:
    requests_path = record_cassette("null.yaml", "report")  # requests records a GET body as null
    httpx_path = record_cassette("empty.yaml", "report", client="httpx")  # httpx records ''
    assert "body: null" in requests_path.read_text()
    assert "body: ''" in httpx_path.read_text()
    for path in (requests_path, httpx_path):
        body = cassette.load(path).interactions[0].request.body
        assert (body.kind, body.data, body.size) == (BodyKind.EMPTY, b"", 0)

    # A layout with the body key gone altogether still reads (derived from a recording).
    data = yaml.safe_load(requests_path.read_text())
    del data["interactions"][0]["request"]["body"]
    del data["interactions"][0]["response"]["body"]
    missing = tmp_path / "missing.yaml"
    missing.write_text(yaml.safe_dump(data))
    interaction = cassette.load(missing).interactions[0]
    assert interaction.request.body.kind is BodyKind.EMPTY
    assert interaction.response.body.kind is BodyKind.EMPTY


def test_legacy_bytesio_request_body(record_cassette: Any) -> None:
    def upload(http: Any, server: DemoServer) -> None:
        http.post(
            server.url("https://payments.example.com/charges"),
            data=io.BytesIO(b'{"amount": 500, "currency": "usd"}'),
            headers={"Content-Type": "application/json"},
        )

    path = record_cassette("upload.yaml", upload)
    assert "!!python/object/new:_io.BytesIO" in path.read_text()
    body = cassette.load(path).interactions[0].request.body
    assert body.value == {"amount": 500, "currency": "usd"}


@pytest.mark.parametrize(
    ("relative", "scenario"),
    [("auth/login.yaml", "login"), ("payments/charges.json", "payments"), ("catalog/items.yaml", "catalog")],
)
def test_what_we_read_is_what_vcrpy_replays(record_cassette: Any, relative: str, scenario: str) -> None:
    path = record_cassette(relative, scenario, client="httpx")
    serializer = jsonserializer if relative.endswith(".json") else yamlserializer
    requests_, responses = FilesystemPersister.load_cassette(path, serializer)
    ours = cassette.load(path).interactions
    assert len(ours) == len(requests_)
    for mine, vcr_request, vcr_response in zip(ours, requests_, responses, strict=True):
        assert mine.request.method == vcr_request.method
        assert mine.request.uri == vcr_request.uri
        assert mine.request.body.stored == (vcr_request.body or b"")
        assert mine.response.status == vcr_response["status"]["code"]
        assert mine.response.body.stored == vcr_response["body"]["string"]
        for name, values in vcr_response["headers"].items():
            assert mine.response.headers.get_all(name) == values


def test_custom_serializer_reads_and_tolerant_reader_lists(
    record_cassette: Any, tmp_path: Path, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project that stores bodies parsed registers its own serializer; we read with it."""
    (tmp_path / "parsed_serializer.py").write_text(PARSED_SERIALIZER)
    monkeypatch.syspath_prepend(str(tmp_path))
    import parsed_serializer  # type: ignore[import-not-found]

    path = record_cassette(
        "parsed.yaml",
        "users",
        serializer="parsed",
        custom_serializers={"parsed": parsed_serializer.serializer},
    )
    assert "  json:" in path.read_text() and "string:" not in path.read_text()

    without = run("scan", "--format", "json", "cassettes")
    listed = json.loads(without.stdout)["cassettes"][0]
    assert listed["status"] == "ok" and "parsed" in listed["note"]
    assert listed["interactions"][0]["path"] == "/users"

    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes]\nserializer = "parsed_serializer:serializer"\n'
    )
    with_it = run("scan", "--format", "json", "cassettes")
    assert with_it.exit_code == 0, with_it.output
    read = json.loads(with_it.stdout)["cassettes"][0]
    assert read["serializer"] == "parsed_serializer:serializer"
    assert read["note"] is None
    assert read["interactions"][0]["body_kind"] == "json"
    loaded = cassette.load(path, cassette.import_serializer("parsed_serializer:serializer"))
    assert loaded.interactions[0].response.body.value["users"][0]["name"] == "Ada Lovelace"


PARSED_SERIALIZER = '''
"""Stores JSON bodies parsed, so reviewers read them: a layout some projects use."""
import json

import yaml


class _Serializer:
    @staticmethod
    def serialize(cassette_dict):
        for interaction in cassette_dict["interactions"]:
            body = interaction["response"]["body"]
            try:
                body["json"] = json.loads(body.pop("string"))
            except (ValueError, TypeError):
                body["string"] = body.get("string")
        return yaml.safe_dump(cassette_dict)

    @staticmethod
    def deserialize(cassette_string):
        data = yaml.safe_load(cassette_string)
        for interaction in data["interactions"]:
            body = interaction["response"]["body"]
            if "json" in body:
                body["string"] = json.dumps(body.pop("json"))
        return data


serializer = _Serializer()
'''


def test_discover_finds_cassettes_by_extension_and_skips_scratch(
    tmp_path: Path, record_cassette: Any
) -> None:
    good = record_cassette("a/b/c.yml", "users")
    record_cassette("x.json", "users", root=tmp_path / "cassettes" / ".cassettes" / "scratch")
    (tmp_path / "cassettes" / "notes.txt").write_text("not a cassette")
    found = cassette.discover([tmp_path / "cassettes"])
    assert found.files == (good,)


def test_interaction_lines_ignore_quoted_cassettes_in_bodies() -> None:
    text = "interactions:\n- request:\n    body: '- request: nested'\n  response: {}\n- request:\n    body: null\n"
    assert cassette.interaction_lines(text, "yaml", 2) == (2, 5)
    assert cassette.interaction_lines(text, "yaml", 3) == ()


def test_recorded_headers_of_every_shape_read_as_text() -> None:
    raw = {"A": ["x", None, b"\xe9", 3], "B": "y", "C": ("z",), 5: [None]}
    assert Headers.from_recorded(raw).items == (
        ("A", "x"), ("A", ""), ("A", "é"), ("A", "3"), ("B", "y"), ("C", "z"), ("5", ""),
    )  # fmt: skip
    assert Headers.from_recorded([["A", "x"], ("B", ["y", None]), ["bad"]]).items == (
        ("A", "x"),
        ("B", "y"),
        ("B", ""),
    )
    assert Headers.from_recorded(None).items == ()


def test_a_loaded_cassette_goes_to_the_oldest_generation_unless_objects_are_kept_frozen(
    tmp_path: Path,
) -> None:
    """The young collections would only walk the records to move them there; a process that
    froze objects on purpose keeps them frozen."""
    path = tmp_path / "c.yaml"
    path.write_text(yamlserializer.serialize({"interactions": [], "version": 1}))
    gc.collect()
    loaded = cassette.load(path)
    assert gc.isenabled()
    assert any(o is loaded for o in gc.get_objects(generation=2))
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        again = cassette.load(path)
        # nothing unfrozen (the count would fall to 0), nothing of the load frozen (it would
        # rise); frozen objects that lose their last reference meanwhile are freed as any
        assert 0 < gc.get_freeze_count() <= frozen and gc.isenabled() and again == loaded
    finally:
        gc.unfreeze()


_URI_TEXT = st.text(st.sampled_from("aZ09.-_~/%!$&'()*+,;=:@?#[] \t\r\nÉé"), max_size=16)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", " https://", "https:/"]), _URI_TEXT)
def test_a_request_has_the_host_and_path_urlsplit_reads(scheme: str, rest: str) -> None:
    uri = scheme + rest
    request = Request("GET", uri, Headers(), Body(b"", b""))
    try:
        parts = urlsplit(uri)
        expected = (parts.hostname or "", parts.path or "/")
    except ValueError:  # an unbalanced [ in the host: urlsplit refuses it, and so do we
        with pytest.raises(ValueError):
            _ = request.host
        return
    assert (request.host, request.path) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "https://api.test",
        "https://api.test/v1/items/7?b=2&a=1#top",
        "http://x.y/a%20b;c=d?\t",
        "https://h/#f",
    ],
)
def test_plain_uris_read_as_urlsplit_reads_them(uri: str) -> None:
    request = Request("GET", uri, Headers(), Body(b"", b""))
    assert (request.host, request.path) == (urlsplit(uri).hostname or "", urlsplit(uri).path or "/")
