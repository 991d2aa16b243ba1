"""`cassettes refresh` against the real demo services: cassettes recorded by vcrpy from v1,
re-recorded against v2 into a scratch run, and replayed by vcrpy again."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import vcr
from conftest import file_hashes
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool import cassette, cli, secrets
from cassettes_tool.cassette import decode
from cassettes_tool.config import Config, RedactRules, Target
from cassettes_tool.demo.recording import HttpClient
from cassettes_tool.demo.services import Answer, DemoServer, SeenRequest
from cassettes_tool.diff.rules import DiffRules
from cassettes_tool.errors import ConfigError
from cassettes_tool.jsonpath import DESCEND, WILD, parse_path
from cassettes_tool.model import Outcome, Progress
from cassettes_tool.model.cassette import Headers, Interaction, Request, Response
from cassettes_tool.refresh import replay
from cassettes_tool.refresh.scratch import load_manifest

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
STAGING_TOKEN = "demo-staging-token"


def maps(server: DemoServer, *hosts: str) -> list[str]:
    """`--map` flags sending the demo hosts (all, or those named) to `server`."""
    return [
        arg
        for host, url in server.host_map().items()
        if not hosts or host in hosts
        for arg in ("--map", f"{host}={url}")
    ]


def only_run(scratch: Path) -> Path:
    (run_id,) = [p.name for p in scratch.iterdir() if p.is_dir()]
    return scratch / run_id


def manifest_of(scratch: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((only_run(scratch) / "manifest.json").read_text())
    return data


def by_path(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["path"]: c for c in manifest["cassettes"]}


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# ---------------------------------------------------------------------------- the story


@pytest.fixture
def recorded(record_cassette: Any) -> Path:
    """The demo story recorded from v1 by real vcrpy, with requests and httpx, YAML and JSON."""
    record_cassette("auth/login.yaml", "login", filter_post_data_parameters=[])
    record_cassette("payments/charges.json", "payments", client="httpx")
    record_cassette("catalog/items.yaml", "catalog", client="httpx")
    record_cassette("users/list.yaml", "users")
    return record_cassette("files/report.yaml", "report").parents[1]


def test_refresh_writes_v2_answers_into_a_mirrored_scratch_run(
    recorded: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    before = file_hashes(recorded)
    result = run(
        "refresh",
        recorded,
        *maps(v2_server),
        "--allow-method",
        "POST",
        "--header",
        f"Authorization=Bearer {STAGING_TOKEN}",
    )
    assert result.exit_code == 0, result.output
    assert file_hashes(recorded) == before

    scratch = tmp_path / ".cassettes" / "scratch"
    run_dir = only_run(scratch)
    assert (scratch / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (scratch / "LATEST").read_text() == run_dir.name + "\n"
    copies = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*.*") if p.name != "manifest.json")
    originals = sorted(str(p.relative_to(tmp_path)) for p in recorded.rglob("*.*"))
    assert copies == originals

    for original in recorded.rglob("*.*"):
        copy = cassette.load(run_dir / original.relative_to(tmp_path))
        old = cassette.load(original)
        assert copy.serializer == old.serializer
        assert [i.request.uri for i in copy.interactions] == [i.request.uri for i in old.interactions]
        assert [i.request.method for i in copy.interactions] == [i.request.method for i in old.interactions]

    login = cassette.load(run_dir / "cassettes/auth/login.yaml")
    assert login.interactions[0].response.body.value["session_context"] == {
        "device_id": "d-1",
        "auth_level": 2,
    }
    # the placeholder the original recorded stays; the staging token never reaches the file
    assert login.interactions[1].request.headers.get("authorization") == "FILTERED"
    assert login.interactions[1].response.status == 200
    charge = cassette.load(run_dir / "cassettes/payments/charges.json").interactions[0]
    assert charge.response.body.value["amount"] == "12.00"
    catalog = cassette.load(run_dir / "cassettes/catalog/items.yaml").interactions[0].response
    assert all("sku" in item for item in catalog.body.value["items"])
    assert "content-encoding" not in catalog.headers  # stored decoded, as the client saw it
    users = cassette.load(run_dir / "cassettes/users/list.yaml").interactions[0].response
    assert users.headers.get("deprecation") == "true"

    assert all(STAGING_TOKEN.encode() not in data for data in files_under(scratch).values())
    seen = [r for r in v2_server.requests if r.path == "/auth/me"]
    assert seen and seen[-1].headers["authorization"] == f"Bearer {STAGING_TOKEN}"

    assert "refreshed 5 of 5 cassettes (7 interactions)" in result.stdout
    assert f"run {run_dir.name}: .cassettes/scratch/{run_dir.name}" in result.stdout


def test_refreshed_cassettes_replay_under_vcrpy_with_requests_and_httpx(
    recorded: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    result = run("refresh", recorded, *maps(v2_server), "--allow-method", "POST", "--quiet")
    assert result.exit_code == 0, result.output
    run_dir = only_run(tmp_path / ".cassettes" / "scratch") / "cassettes"
    replay = vcr.VCR(record_mode="none")
    with replay.use_cassette(str(run_dir / "auth/login.yaml")), requests.Session() as session:
        answer = session.post("https://auth.example.com/login", json={"username": "ada", "password": "x"})
        assert answer.json()["session_context"]["auth_level"] == 2
    with replay.use_cassette(str(run_dir / "catalog/items.yaml")), httpx.Client() as client:
        items = client.get("https://catalog.example.com/items", headers={"Accept-Encoding": "gzip"}).json()
        assert items["items"][0]["sku"] == "W-0001"
    with replay.use_cassette(str(run_dir / "catalog/items.yaml")), requests.Session() as session:
        assert session.get("https://catalog.example.com/items").json()["items"][4]["sku"] == "W-0005"
    with replay.use_cassette(str(run_dir / "payments/charges.json")), httpx.Client() as client:
        assert client.get("https://payments.example.com/charges/ch_1001").json()["amount"] == "12.00"
    with replay.use_cassette(str(run_dir / "files/report.yaml")), requests.Session() as session:
        pdf = session.get("https://files.example.com/report.pdf")
        assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 64 * 32


def test_unmapped_hosts_and_unlisted_methods_are_skipped_and_never_contacted(
    record_cassette: Any, server: DemoServer, run: Any, tmp_path: Path
) -> None:
    record_cassette("payments.yaml", "payments")
    record_cassette("users.yaml", "users")
    result = run("refresh", "cassettes", *maps(server, "payments.example.com"))
    assert result.exit_code == 3, result.output  # nothing of users.yaml was sent: incomplete
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/payments/charges/ch_1001")]
    manifest = by_path(manifest_of(tmp_path / ".cassettes" / "scratch"))
    payments = manifest["cassettes/payments.yaml"]
    assert payments["status"] == "refreshed"
    assert [(i["status"], i["reason"]) for i in payments["interactions"]] == [
        ("refreshed", None),
        ("skipped", "method POST is not allowed (--allow-method POST)"),
    ]
    users = manifest["cassettes/users.yaml"]
    assert users["status"] == "skipped" and not users["written"]
    assert users["interactions"][0]["reason"].startswith("host users.example.com is not mapped")
    assert not (only_run(tmp_path / ".cassettes" / "scratch") / "cassettes/users.yaml").exists()
    # the skipped POST is kept as recorded in the copy, so it still replays
    copy = cassette.load(only_run(tmp_path / ".cassettes" / "scratch") / "cassettes/payments.yaml")
    original = cassette.load(tmp_path / "cassettes/payments.yaml")
    assert copy.interactions[1] == original.interactions[1]
    assert "skipped 2 interactions" in result.stdout

    again = run(
        "refresh", "cassettes", *maps(server, "payments.example.com"), "--allow-method", "post", "--quiet"
    )
    assert again.exit_code == 3, again.output  # users.yaml is still unmapped
    assert ("POST", "/payments/charges") in [(r.method, r.path) for r in server.requests]


def test_a_redirect_is_the_new_answer_and_is_not_followed(
    record_cassette: Any, server: DemoServer, run: Any, tmp_path: Path
) -> None:
    server.add_route("GET", "/files/old", Answer(200, b'{"here": true}'))
    record_cassette(
        "moved.yaml", lambda http, demo: http.get(demo.url("https://files.example.com/old")), server=server
    )
    server.add_route("GET", "/files/old", Answer(301, b"", None, (("Location", "/files/new"),)))
    result = run("refresh", "cassettes", *maps(server))
    assert result.exit_code == 0, result.output
    assert [r.path for r in server.requests] == ["/files/old", "/files/old"]
    copy = cassette.load(only_run(tmp_path / ".cassettes" / "scratch") / "cassettes/moved.yaml")
    answer = copy.interactions[0].response
    assert answer.status == 301 and answer.headers.get("location") == "/files/new"


def test_target_header_is_sent_in_place_of_the_placeholder_but_never_written(
    record_cassette: Any, server: DemoServer, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def echo(request: SeenRequest) -> Answer:
        return Answer(200, json.dumps({"you_sent": request.headers}).encode(), "application/json")

    server.add_route("GET", "/auth/echo", echo)

    def scenario(http: HttpClient, demo: DemoServer) -> None:
        http.get(demo.url("https://auth.example.com/me"), headers={"Authorization": "Bearer tok_original"})
        http.get(demo.url("https://auth.example.com/echo"), headers={"Authorization": "Bearer tok_original"})

    record_cassette("me.yaml", scenario, server=server)
    monkeypatch.setenv("STAGING_AUTH", f"Bearer {STAGING_TOKEN}")
    result = run("refresh", "cassettes", *maps(server), "--header", "Authorization=env:STAGING_AUTH")
    assert result.exit_code == 0, result.output
    sent = [r.headers.get("authorization") for r in server.requests[-2:]]
    assert sent == [f"Bearer {STAGING_TOKEN}"] * 2
    scratch = tmp_path / ".cassettes" / "scratch"
    copy = cassette.load(only_run(scratch) / "cassettes/me.yaml")
    assert [i.request.headers.get("authorization") for i in copy.interactions] == ["FILTERED", "FILTERED"]
    assert copy.interactions[0].response.status == 200  # staging accepted the target's token
    echoed = copy.interactions[1].response.body.value["you_sent"]["authorization"]
    assert echoed == "Bearer <REDACTED:target-header>"
    assert all(STAGING_TOKEN.encode() not in data for data in files_under(scratch).values())
    masked = by_path(manifest_of(scratch))["cassettes/me.yaml"]["masked"]
    assert {"interaction": 1, "where": "response.body", "kind": "target-header"}.items() <= masked[0].items()

    monkeypatch.delenv("STAGING_AUTH")
    missing = run("refresh", "cassettes", *maps(server), "--header", "Authorization=env:STAGING_AUTH")
    assert missing.exit_code == 2
    assert "--header Authorization: environment variable STAGING_AUTH is not set" in missing.stderr


def test_credentials_in_new_answers_are_masked_in_place_and_listed(
    record_cassette: Any, server: DemoServer, run: Any, tmp_path: Path
) -> None:
    server.add_route("GET", "/auth/session", Answer(200, b'{"session": {"state": "none"}}'))
    record_cassette(
        "session.json",
        lambda http, demo: http.get(demo.url("https://auth.example.com/session")),
        server=server,
    )
    body = {
        "session": {"state": "open", "context": JWT},
        "password": "hunter2-is-long",
        "pins": [{"pin": 4321}],
    }
    server.add_route(
        "GET",
        "/auth/session",
        Answer(
            200,
            json.dumps(body).encode(),
            "application/json",
            (("Set-Cookie", "sid=a1b2c3d4e5f6a7b8; Path=/; HttpOnly"), ("X-Session", JWT)),
        ),
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes.redact]\nbody = ["$..password", "$.pins[*].pin"]\n'
    )
    result = run("refresh", "cassettes", *maps(server))
    assert result.exit_code == 0, result.output
    scratch = tmp_path / ".cassettes" / "scratch"
    copy = cassette.load(only_run(scratch) / "cassettes/session.json").interactions[0].response
    assert copy.body.value == {
        "session": {"state": "open", "context": "<REDACTED:jwt>"},
        "password": "<REDACTED>",
        "pins": [{"pin": "<REDACTED>"}],
    }
    assert copy.headers.get("x-session") == "<REDACTED:jwt>"
    assert copy.headers.get("set-cookie") == "sid=<REDACTED>; Path=/; HttpOnly"
    assert all(JWT.encode() not in data and b"a1b2c3d4" not in data for data in files_under(scratch).values())
    masked = by_path(manifest_of(scratch))["cassettes/session.json"]["masked"]
    assert sorted((m["where"], m["kind"], m["placeholder"]) for m in masked) == [
        ("response.body $.session.context", "jwt", "<REDACTED:jwt>"),
        ("response.header.X-Session", "jwt", "<REDACTED:jwt>"),
    ]
    assert "#0 masked a jwt in response.body $.session.context" in result.stdout
    assert "2 credentials masked" in result.stdout
    assert run("lint", scratch).exit_code == 0


def test_the_original_serializer_writes_the_copy(
    record_cassette: Any, v2_server: DemoServer, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "banner_serializer.py").write_text(
        "import json\n"
        "class Banner:\n"
        "    @staticmethod\n"
        "    def serialize(data):\n"
        "        return '# banner\\n' + json.dumps(data, indent=1, sort_keys=True)\n"
        "    @staticmethod\n"
        "    def deserialize(text):\n"
        "        return json.loads(text.partition('\\n')[2])\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from banner_serializer import Banner  # type: ignore[import-not-found]

    record_cassette("users.banner", "users", serializer="banner", custom_serializers={"banner": Banner})
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\nserializer = "banner_serializer:Banner"\n')
    result = run("refresh", "cassettes/users.banner", *maps(v2_server))
    assert result.exit_code == 0, result.output
    copy = only_run(tmp_path / ".cassettes" / "scratch") / "cassettes/users.banner"
    assert copy.read_text().startswith("# banner\n")
    loaded = Banner.deserialize(copy.read_text())
    assert "Deprecation" in loaded["interactions"][0]["response"]["headers"]


def test_paths_outside_the_current_folder_are_mirrored_from_their_common_folder(
    record_cassette: Any, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    record_cassette("auth/login.yaml", "login")
    record_cassette("users/list.yaml", "users")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run(
        "refresh", tmp_path / "cassettes", *maps(v2_server), "--scratch", tmp_path / "out", cwd=elsewhere
    )
    assert result.exit_code == 0, result.output
    run_dir = only_run(tmp_path / "out")
    assert sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*.yaml")) == [
        "auth/login.yaml",
        "users/list.yaml",
    ]
    manifest = load_manifest(tmp_path / "out")
    assert manifest.root == tmp_path / "cassettes"
    assert manifest.original(manifest.cassettes[0]) == tmp_path / "cassettes/auth/login.yaml"

    # a scratch area inside the searched folder is not searched again
    inside = run("refresh", tmp_path / "cassettes", *maps(v2_server), "--scratch", tmp_path / "cassettes/out")
    again = run("refresh", tmp_path / "cassettes", *maps(v2_server), "--scratch", tmp_path / "cassettes/out")
    assert inside.exit_code == again.exit_code == 0
    assert len(load_manifest(tmp_path / "cassettes/out").cassettes) == 2


def test_manifest_loads_back_as_records(record_cassette: Any, v2_server: DemoServer, tmp_path: Path) -> None:
    record_cassette("auth/login.yaml", "login", filter_post_data_parameters=[])
    record_cassette("users/list.yaml", "users")
    target = Target("staging", hosts={"auth.example.com": v2_server.base_url("auth.example.com")})
    made = replay.refresh([tmp_path / "cassettes"], Config(), target, scratch=tmp_path / "scratch")
    loaded = load_manifest(tmp_path / "scratch")
    assert loaded == made
    assert loaded == load_manifest(tmp_path / "scratch", made.run_id)
    assert loaded.complete and loaded.target == "staging" and loaded.finished is not None
    assert loaded.started <= loaded.finished
    login, users = loaded.cassettes
    assert login.outcome is Outcome.REFRESHED and login.written
    assert loaded.root == tmp_path / "cassettes"  # not under the current folder: from the PATH
    assert loaded.copy(login) == loaded.folder / "auth/login.yaml"
    assert [i.outcome for i in login.interactions] == [Outcome.SKIPPED, Outcome.REFRESHED]
    assert login.interactions[1].status_code == 401  # no token: v2 says so, and that is the new answer
    assert users.outcome is Outcome.SKIPPED and loaded.copy(users) is None
    assert {m.kind for m in login.masked} == {"password"}  # the recorded password, masked in the copy
    with pytest.raises(ConfigError, match="no refresh run 'nope'"):
        load_manifest(tmp_path / "scratch", "nope")
    with pytest.raises(ConfigError, match="no refresh run in"):
        load_manifest(tmp_path / "empty")


def test_json_report_carries_the_run_and_each_interaction_outcome(
    record_cassette: Any, v2_server: DemoServer, run: Any
) -> None:
    record_cassette("payments.json", "payments")
    result = run("refresh", "cassettes", *maps(v2_server), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["command"] == "refresh" and data["target"] == "command-line"
    assert data["run"]["complete"] is True and data["run"]["folder"].startswith(".cassettes/scratch/")
    (payments,) = data["cassettes"]
    assert payments["status"] == "ok"
    get, post = payments["interactions"]
    assert get["status"] == "ok" and get["status_code"] == 200 and get["media_type"] == "application/json"
    assert post["status"] == "skipped" and post["reason"].startswith("method POST is not allowed")


def test_target_from_config_with_flags_on_top(
    record_cassette: Any, v2_server: DemoServer, run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_cassette("login.yaml", "login")
    monkeypatch.setenv("STAGING_TOKEN", STAGING_TOKEN)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.cassettes.targets.staging]\n"
        f'hosts = {{ "auth.example.com" = "{v2_server.base_url("auth.example.com")}" }}\n'
        'headers = { authorization = "Bearer ${STAGING_TOKEN}", X-Client = "cassettes" }\n'
        "timeout = 5\n"
    )
    result = run("refresh", "cassettes", "--target", "staging", "--header", "X-Client=override")
    assert result.exit_code == 0, result.output
    me = [r for r in v2_server.requests if r.path == "/auth/me"][-1]
    assert me.headers["authorization"] == f"Bearer {STAGING_TOKEN}" and me.headers["x-client"] == "override"
    assert manifest_of(tmp_path / ".cassettes" / "scratch")["target"] == "staging"
    assert STAGING_TOKEN not in (only_run(tmp_path / ".cassettes" / "scratch") / "manifest.json").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "prod"], "unknown target 'prod'"),
        ([], "no target: name one with --target NAME or map hosts with --map HOST=BASE_URL"),
        (["--map", "auth.example.com"], "'auth.example.com' is not of the form HOST=BASE_URL"),
        (["--map", "auth.example.com=ftp://x"], "a base URL is http(s)://host"),
        (["--map", "a=http://127.0.0.1:9", "--concurrency", "0"], "0 is not in the range x>=1"),
    ],
)
def test_usage_errors_exit_2(
    record_cassette: Any, run: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    record_cassette("users.yaml", "users")
    result = run("refresh", "cassettes", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / ".cassettes").exists()


def test_progress_lines_on_stderr_unless_quiet(record_cassette: Any, v2_server: DemoServer, run: Any) -> None:
    record_cassette("a/users.yaml", "users")
    record_cassette("b/users.yaml", "users")
    loud = run("refresh", "cassettes", *maps(v2_server))
    assert loud.stderr.startswith("refresh: 2/2 cassettes, 2 interactions ("), loud.stderr
    quiet = run("refresh", "cassettes", *maps(v2_server), "--quiet")
    assert quiet.stderr == ""
    assert quiet.stdout.startswith("run ")


def test_progress_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    show: Callable[[Progress], None] = cli._progress()
    show(Progress(Path("."), cassettes=4, cassettes_done=1, interactions_done=3, errors=0))
    show(Progress(Path("."), cassettes=4, cassettes_done=4, interactions_done=9, errors=2))
    err = capsys.readouterr().err
    assert err.startswith("\r[######..................] 1/4 cassettes  3 interactions")
    assert err.endswith("\r[########################] 4/4 cassettes  9 interactions  2 errors\n")


# ---------------------------------------------------------------------------- redaction


def interaction(
    *,
    uri: str = "https://api.example.com/x",
    request_headers: tuple[tuple[str, str], ...] = (),
    request_body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),),
    body: bytes = b"{}",
) -> Interaction:
    req_headers = Headers(request_headers)
    resp_headers = Headers(headers)
    return Interaction(
        0,
        Request("GET", uri, req_headers, decode(request_body, req_headers.get("content-type"), None)),
        Response(200, "OK", resp_headers, decode(body, resp_headers.get("content-type"), None)),
    )


def test_redact_rules_read_json_paths_as_the_diff_does() -> None:
    """One parser: a quoted key with an escaped quote means the same in redact and ignore rules."""
    assert parse_path("$..password") == (DESCEND, "password")
    assert parse_path("$.a.b[0]['odd key'][*]") == ("a", "b", 0, "odd key", WILD)
    with pytest.raises(ValueError, match="starts with"):
        parse_path("password")
    with pytest.raises(ValueError, match="cannot read the path at"):
        parse_path("$.a[")
    rules = RedactRules(body=("$['it\\'s']",))
    before = interaction(
        body=b'{"it\'s": "hunter2-hunter2", "other": "kept"}', headers=(("Content-Type", "application/json"),)
    )
    after = secrets.redact_interaction(before, rules)
    assert after.response.body.value == {"it's": "<REDACTED>", "other": "kept"}
    ignored = DiffRules(ignore_body=("$['it\\'s']",))
    assert ignored.ignores(("it's",))


def test_redaction_rules_keep_shapes_and_placeholders() -> None:
    rules = RedactRules(body=("$..secret", "$.list[-1]"))
    before = interaction(
        uri="https://api.example.com/x?api_key=k9f8e7d6c5b4&page=2&token=FILTERED",
        request_headers=(("Authorization", "Bearer FILTERED"), ("Cookie", "a=9f8e7d6c5b; b=<REDACTED>")),
        headers=(
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "99"),
            ("Set-Cookie", "sid=s3cr3tvalue; Path=/"),
            ("X-Api-Key", "key-1234567890"),
        ),
        body=b'{"a": {"secret": "v4lu3-s3cr3t"}, "list": [1, 2], "secret": null}',
    )
    after = secrets.redact_interaction(before, rules)
    assert after.request.uri == "https://api.example.com/x?api_key=%3CREDACTED%3E&page=2&token=FILTERED"
    assert after.request.headers.items == (
        ("Authorization", "Bearer FILTERED"),
        ("Cookie", "a=<REDACTED>; b=<REDACTED>"),
    )
    assert after.response.body.value == {
        "a": {"secret": "<REDACTED>"},
        "list": [1, "<REDACTED>"],
        "secret": None,
    }
    assert after.response.headers.get("set-cookie") == "sid=<REDACTED>; Path=/"
    assert after.response.headers.get("x-api-key") == "<REDACTED>"
    # a rewritten body is stored decoded, with its length
    assert "content-encoding" not in after.response.headers
    assert after.response.headers.get("content-length") == str(len(after.response.body.stored))
    assert secrets.redact_interaction(after, rules) == after


def test_a_credential_written_in_an_escaped_form_is_masked_with_its_whole_value() -> None:
    """Text replacement cannot see `\\u002e` or `%2E`; the value at the finding's place goes instead."""
    escaped = JWT.replace(".", "\\u002e")
    before = interaction(
        uri=f"https://api.example.com/x?next={JWT.replace('.', '%2E')}&page=2",
        body=('{"note": "' + escaped + '", "keep": 1}').encode(),
    )
    after, found = secrets.mask_interaction(before)
    assert {(m.where, m.kind) for m in found} == {
        ("request.query.next", "jwt"),
        ("response.body $.note", "jwt"),
    }
    assert after.request.uri == "https://api.example.com/x?next=%3CREDACTED%3Ajwt%3E&page=2"
    assert after.response.body.value == {"note": "<REDACTED:jwt>", "keep": 1}
    assert secrets.scan_interaction(after) == []


_token_chars = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=12
)


@settings(max_examples=60, deadline=None)
@given(
    header=_token_chars,
    payload=_token_chars,
    text=st.text(alphabet=" ,:;{}\"'\n", max_size=20),
    place=st.sampled_from(["json", "text", "header", "query", "form"]),
)
def test_masking_leaves_no_credential_wherever_it_was(
    header: str, payload: str, text: str, place: str
) -> None:
    """A JWT anywhere the scanner looks is gone after masking, and the scanner finds nothing more."""
    token = f"eyJ{header}.eyJ{payload}.sig"
    kwargs: dict[str, Any] = {}
    if place == "json":
        kwargs["body"] = json.dumps({"note": text + token + text, "list": [token]}).encode()
    elif place == "text":
        kwargs.update(headers=(("Content-Type", "text/plain"),), body=(text + token + text).encode())
    elif place == "header":
        kwargs["headers"] = (("X-Thing", f"{text.strip()}{token}"),)
    elif place == "query":
        kwargs["uri"] = f"https://api.example.com/x?next={token}&a=1"
    else:
        kwargs.update(
            request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
            request_body=f"note=x+{token}&a=1".encode(),
        )
    masked, found = secrets.mask_interaction(interaction(**kwargs))
    assert found and all(m.kind == "jwt" for m in found)
    assert secrets.scan_interaction(masked) == []
    request, response = masked.request, masked.response
    texts = [request.uri, response.body.text or "", request.body.text or ""]
    texts += [v for _, v in (*request.headers, *response.headers)]
    assert not any(token in t for t in texts)
