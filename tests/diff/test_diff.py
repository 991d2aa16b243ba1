"""Every change kind, produced from real recordings of two server versions."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool import cassette, diff
from cassettes_tool.demo.services import Answer, DemoServer, SeenRequest
from cassettes_tool.diff.classify import compare_interactions
from cassettes_tool.jsonpath import WILD, parse_path, render_path
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Headers, Interaction, Request, Response

Pair = Callable[..., tuple[Path, Path]]


@pytest.fixture
def v2_local() -> Iterator[DemoServer]:
    with DemoServer("v2") as demo:
        yield demo


@pytest.fixture
def recorded_pair(record_cassette: Any, server: DemoServer, v2_local: DemoServer, tmp_path: Path) -> Pair:
    """Record one scenario against a v1 and a v2 server; routes may answer differently on each."""

    def make(
        name: str,
        scenario: str | Callable[[Any, DemoServer], None],
        *,
        old: dict[str, Answer | Callable[[SeenRequest], Answer]] | None = None,
        new: dict[str, Answer | Callable[[SeenRequest], Answer]] | None = None,
        old_client: str = "requests",
        new_client: str | None = None,
    ) -> tuple[Path, Path]:
        for path, answer in (old or {}).items():
            server.add_route("GET", path, answer)
        for path, answer in (new or {}).items():
            v2_local.add_route("GET", path, answer)
        before = record_cassette(name, scenario, server=server, client=old_client, root=tmp_path / "old")
        after = record_cassette(
            name, scenario, server=v2_local, client=new_client or old_client, root=tmp_path / "new"
        )
        return before, after

    return make


def changes_of(
    old: Path, new: Path, rules: diff.DiffRules | None = None
) -> list[tuple[str, str, str | None]]:
    result = diff.diff(cassette.load(old), cassette.load(new), rules)
    return [
        (c.severity.value, c.kind.value, c.path) for c in result.changes if c.severity.value != "volatile"
    ]


def get(url: str) -> Callable[[Any, DemoServer], None]:
    def scenario(http: Any, demo: DemoServer) -> None:
        http.get(demo.url(url))

    return scenario


def js(value: Any, *headers: tuple[str, str], status: int = 200, media: str = "application/json") -> Answer:
    return Answer(status, json.dumps(value).encode(), media, headers)


def test_demo_services_drift_as_the_story_says(recorded_pair: Pair) -> None:
    assert changes_of(*recorded_pair("login.yaml", "login")) == [
        ("additive", "field_added", "$.session_context")
    ]
    assert changes_of(*recorded_pair("charges.json", "payments", old_client="httpx")) == [
        ("breaking", "type_changed", "$.amount"),
        ("value", "value_changed", "$.status"),
    ]
    assert changes_of(*recorded_pair("users.yaml", "users", old_client="httpx")) == [
        ("breaking", "field_removed", "$.users[*].phone"),
        ("additive", "deprecation_announced", "deprecation"),
        ("additive", "deprecation_announced", "sunset"),
    ]
    items = changes_of(*recorded_pair("catalog.yaml", "catalog", old_client="httpx"))
    assert items == [("additive", "field_added", "$.items[*].sku")]  # one change, not one per item
    assert changes_of(*recorded_pair("report.yaml", "report")) == [("value", "body_changed", None)]


def test_status_media_type_and_headers(recorded_pair: Pair) -> None:
    old, new = recorded_pair(
        "things.yaml",
        get("https://files.example.com/thing"),
        old={
            "/files/thing": js(
                {"ok": True}, ("X-Old", "1"), ("Link", "</a>; rel=next"), ("X-Flavour", "vanilla")
            )
        },
        new={
            "/files/thing": Answer(
                404,
                b"<html>gone</html>",
                "text/html",
                (("X-New", "1"), ("Link", "</b>; rel=next"), ("X-Flavour", "mint")),
            )
        },
    )
    found = changes_of(old, new)
    assert ("breaking", "status_changed", None) in found
    assert ("breaking", "media_type_changed", "content-type") in found
    assert ("breaking", "header_removed", "x-old") in found
    assert ("additive", "header_added", "x-new") in found
    assert ("value", "header_changed", "link") in found  # a header a client acts on
    assert ("breaking", "body_changed", None) in found  # JSON became HTML
    assert not any(path == "x-flavour" for _, _, path in found)  # other values change on their own


def test_charset_only_change_is_not_breaking(recorded_pair: Pair) -> None:
    old, new = recorded_pair(
        "text.yaml",
        get("https://files.example.com/t.txt"),
        old={"/files/t.txt": Answer(200, "héllo".encode(), "text/plain; charset=utf-8")},
        new={"/files/t.txt": Answer(200, "héllo".encode("latin-1"), "text/plain; charset=iso-8859-1")},
    )
    assert changes_of(old, new) == [("value", "header_changed", "content-type")]


def test_format_and_type_changes_and_volatile_values(recorded_pair: Pair) -> None:
    old, new = recorded_pair(
        "formats.yaml",
        get("https://files.example.com/f"),
        old={
            "/files/f": js(
                {
                    "at": "2026-01-02T03:04:05Z",
                    "seen": "2026-01-02T03:04:05+00:00",
                    "trace": "4f1c2a1e-0d1b-4c55-9b35-5f1c1f0e2a10",
                    "count": 3,
                    "tags": ["a", "b", "c"],
                    "labels": ["x", "y"],
                    "owner": {"id": 7},
                }
            )
        },
        new={
            "/files/f": js(
                {
                    "at": 1767323045,  # ISO string -> epoch number: the format changed
                    "seen": "2026-03-04T05:06:07+00:00",  # another timestamp: volatile
                    "trace": "9a8b7c6d-0d1b-4c55-9b35-5f1c1f0e2a10",  # another UUID: volatile
                    "count": 4,
                    "tags": ["c", "a", "b"],  # reshuffled: no change
                    "labels": ["x", "z"],
                    "owner": None,
                }
            )
        },
    )
    assert sorted(changes_of(old, new)) == sorted(
        [
            ("breaking", "format_changed", "$.at"),
            ("value", "value_changed", "$.count"),
            ("value", "items_changed", "$.labels"),
            ("breaking", "type_changed", "$.owner"),
        ]
    )


def test_field_now_missing_from_some_items_is_breaking(recorded_pair: Pair) -> None:
    old, new = recorded_pair(
        "optional.yaml",
        get("https://files.example.com/list"),
        old={"/files/list": js({"items": [{"id": 1, "nick": "a"}, {"id": 2, "nick": "b"}]})},
        new={"/files/list": js({"items": [{"id": 1, "nick": "a"}, {"id": 2}, {"id": 3, "nick": "c"}]})},
    )
    assert sorted(changes_of(old, new)) == [
        ("breaking", "field_removed", "$.items[*].nick"),
        ("value", "items_changed", "$.items"),
    ]


def test_interactions_added_missing_and_new_ids_in_urls(recorded_pair: Pair, server: DemoServer) -> None:
    def flow(http: Any, demo: DemoServer) -> None:
        created = http.post(demo.url("https://payments.example.com/charges"), json={"amount": 1})
        http.get(
            demo.url("https://payments.example.com" + created.headers["Location"].removeprefix("/payments"))
        )
        extra = "/one" if demo is server else "/two"
        http.get(demo.url("https://files.example.com" + extra))

    def charge(request: SeenRequest) -> Answer:
        return js({"id": request.path.rsplit("/", 1)[-1], "amount": 1})

    old, new = recorded_pair("flow.yaml", flow, old={"/files/one": js({})}, new={"/files/two": js({})})
    for demo_server in (server,):
        demo_server.add_route("GET", "/payments/charges/ignored", charge)
    result = diff.diff(cassette.load(old), cassette.load(new))
    by_uri = {(i.method, i.uri.rsplit("/", 1)[-1]): i for i in result.interactions}
    assert [c.kind.value for c in by_uri[("GET", "one")].changes] == ["interaction_missing"]
    assert [c.kind.value for c in by_uri[("GET", "two")].changes] == ["interaction_added"]
    # the created charge's id differs in the URL: paired by shape, the id change is volatile
    fetched = [i for i in result.interactions if "/charges/ch_" in i.uri]
    assert len(fetched) == 1 and not fetched[0].drifted
    assert any(c.path == "uri" and c.severity.value == "volatile" for c in fetched[0].changes)


def test_encoding_flip_alone_is_not_drift(recorded_pair: Pair) -> None:
    """httpx stores gzip !!binary; requests (urllib3 2) stores it plain under the gzip header."""
    fixed = js({"items": [1, 2, 3]})

    def fetch(http: Any, demo: DemoServer) -> None:
        http.get(demo.url("https://files.example.com/z"), headers={"Accept-Encoding": "gzip"})

    def gz(request: SeenRequest) -> Answer:
        import gzip

        return Answer(
            200, gzip.compress(fixed.body, mtime=0), "application/json", (("Content-Encoding", "gzip"),)
        )

    old, new = recorded_pair(
        "flip.yaml",
        fetch,
        old={"/files/z": gz},
        new={"/files/z": gz},
        old_client="httpx",
        new_client="requests",
    )
    assert "!!binary" in old.read_text() and "!!binary" not in new.read_text()
    assert changes_of(old, new) == []


def test_ignore_rules_make_a_change_volatile(recorded_pair: Pair) -> None:
    old, new = recorded_pair("charges.json", "payments", old_client="httpx")
    rules = diff.DiffRules(ignore_body=("$..status", "$.amount"))
    assert changes_of(old, new, rules) == []


def test_cli_json_report_for_the_motivating_example(recorded_pair: Pair, run: Any, tmp_path: Path) -> None:
    old, new = recorded_pair("auth/login.yaml", "login")
    result = run("diff", "--format", "json", old, new)
    assert result.exit_code == 0, result.output  # additive is below the default threshold
    report = json.loads(result.stdout)
    (entry,) = report["cassettes"]
    assert entry["path"] == "old/auth/login.yaml" and entry["status"] == "drifted"
    changes = [c for i in entry["interactions"] for c in i["changes"] if c["severity"] != "volatile"]
    assert changes == [
        {
            "severity": "additive",
            "kind": "field_added",
            "where": "body",
            "path": "$.session_context",
            "old": None,
            "new": {"device_id": "d-1", "auth_level": 2},
            "detail": None,
            "count": 1,
        }
    ]
    assert report["summary"]["changes"]["additive"] == 1 and report["summary"]["changes"]["volatile"] > 0
    assert run("diff", "--fail-on", "additive", old, new).exit_code == 1


def test_cli_text_markdown_junit_and_show_volatile(recorded_pair: Pair, run: Any, tmp_path: Path) -> None:
    recorded_pair("payments/charges.json", "payments", old_client="httpx")
    recorded_pair("auth/login.yaml", "login")
    text = run("diff", "old", "new")
    assert text.exit_code == 1  # a breaking change
    lines = text.stdout.splitlines()
    assert lines[0] == "old/payments/charges.json  drifted: 1 breaking, 1 value"  # most severe first
    assert 'breaking  type_changed  $.amount  1200 -> "12.00" (number -> string)' in text.stdout
    assert "x-request-id" not in text.stdout
    assert lines[-1].startswith(
        "summary: 2 cassettes, 0 aligned, 2 drifted (1 breaking, 1 additive, 1 value)"
    )
    assert re.search(
        r"volatile\s+header_changed\s+x-request-id\s", run("diff", "--show-volatile", "old", "new").stdout
    )

    markdown = run("diff", "--format", "markdown", "old", "new").stdout
    assert markdown.startswith("### cassettes diff: FAIL\n\n**FAIL**: 1 breaking change")
    assert "2 cassettes: 1 pass, 1 fail, 0 incomplete, 0 skipped" in markdown
    assert "- **breaking** `type_changed` `$.amount`" in markdown.replace("  - ", "- ")

    junit = ET.fromstring(run("diff", "--format", "junit", "old", "new").stdout.split("\n", 1)[1])
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failed = [case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert failed == ["old/payments/charges.json"]


def test_folders_pair_by_relative_path(
    recorded_pair: Pair, run: Any, record_cassette: Any, tmp_path: Path
) -> None:
    recorded_pair("auth/login.yaml", "login")
    record_cassette("only-old.yaml", "users", root=tmp_path / "old")
    report = json.loads(run("diff", "--format", "json", "old", "new").stdout)
    statuses = {c["path"]: (c["status"], c["error"]) for c in report["cassettes"]}
    assert statuses["old/only-old.yaml"] == ("skipped", "not in new")
    assert statuses["old/auth/login.yaml"][0] == "drifted"


def test_jsonpath_subset() -> None:
    assert parse_path("$.a..b[*][0]['c d']")[:1] == ("a",)
    rules = diff.DiffRules(ignore_body=("$..updated_at", "$.meta"))
    assert rules.ignores(("users", WILD, "updated_at"))
    assert rules.ignores(("meta", "request_id"))
    assert not rules.ignores(("users", WILD, "name"))
    assert render_path(("users", WILD, "a b", 0)) == "$.users[*]['a b'][0]"


def _answered(*headers: tuple[str, str], body: bytes = b'{"a": 1}') -> Interaction:
    request = Request("GET", "https://api.test/x", Headers(), Body(b"", b""))
    response = Response(200, "OK", Headers(headers), Body(body, body, "application/json"))
    return Interaction(0, request, response)


def test_repeated_headers_compare_as_one_value_joined_in_recorded_order() -> None:
    old = _answered(("Link", "</a>"), ("link", "</b>"), ("Content-Type", "application/json"))
    renamed = _answered(("LINK", "</a>"), ("Link", "</b>"), ("content-type", "application/json"))
    changed = _answered(("Link", "</a>"), ("Link", "</c>"), ("Content-Type", "application/json"))
    assert compare_interactions(old, old, diff.DiffRules()).changes == ()
    assert compare_interactions(old, renamed, diff.DiffRules()).changes == ()
    (change,) = compare_interactions(old, changed, diff.DiffRules()).changes
    assert (change.path, change.old, change.new) == ("link", "</a>, </b>", "</a>, </c>")


def test_a_body_is_read_once_whatever_blanks_lead_it() -> None:
    body = Body(b' \r\n\t{"a": [1]}', b' \r\n\t{"a": [1]}')
    assert (body.kind, body.value) == (BodyKind.JSON, {"a": [1]})
    assert body.text is body.text and "text" in body.__dict__
    assert Body(b"[x", b"[x").kind is BodyKind.TEXT and Body(b" x{", b" x{").kind is BodyKind.TEXT
    assert isinstance(Body.__dict__["text"].__doc__, str)
