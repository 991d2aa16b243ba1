"""`lint --fix` on real recordings: only the secret's bytes change, and the cassette still replays."""

from __future__ import annotations

import difflib
import gzip
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import vcr
from conftest import file_hashes
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool import cassette
from cassettes_tool.demo.services import DEMO_USER, Answer, DemoServer

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiI0MiIsIm5hbWUiOiJBZGEiLCJpYXQiOjE3MDAwMDAwMDB9."
    "kS3rVdT2mZ7yq3Q2l5f0p9WcKx1Lr8s4aNbTt6uYwXo"
)
UNFILTERED: dict[str, Any] = {
    "filter_headers": [],
    "filter_post_data_parameters": [],
    "before_record_response": None,
}


def login(http: Any, demo: DemoServer) -> None:
    """The token comes back in the login answer and goes out again in a request header."""
    answer = http.post(demo.url("https://auth.example.com/login"), json=DEMO_USER)
    token = answer.json()["token"]
    http.get(demo.url("https://auth.example.com/me"), headers={"Authorization": f"Bearer {token}"})


def replay_login() -> dict[str, Any]:
    """What the user's test does: log in, call /me with the token, against the cassette."""
    with requests.Session() as http:
        answer = http.post("https://auth.example.com/login", json=DEMO_USER)
        token = answer.json()["token"]
        me = http.get("https://auth.example.com/me", headers={"Authorization": f"Bearer {token}"})
        me.raise_for_status()
        result: dict[str, Any] = me.json()
        return result


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    """(old line, new line) pairs of a line diff, as `git diff --no-index` would show them."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    pairs = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        assert tag == "replace" and a2 - a1 == b2 - b1, (tag, old_lines[a1:a2], new_lines[b1:b2])
        pairs += list(zip(old_lines[a1:a2], new_lines[b1:b2], strict=True))
    return pairs


@pytest.mark.parametrize("name", ["login.yaml", "login.json"])
def test_fix_masks_body_and_header_tokens_changing_only_their_lines(
    name: str, record_cassette: Any, run: Any, tmp_path: Path
) -> None:
    path = record_cassette(name, login, **UNFILTERED)
    before = path.read_text()
    token = cassette.load(path).interactions[0].response.body.value["token"]
    assert before.count(token) == 2  # in the login answer and in the /me Authorization header

    secrets = (token, DEMO_USER["password"])

    result = run("lint", "--fix", "cassettes")

    assert result.exit_code == 1, result.output  # a file changed: the pre-commit fixer convention
    after = path.read_text()
    assert not any(secret in after for secret in secrets)
    lines = [line for line in result.stdout.splitlines() if ": masked (" in line]
    # one line and one count per value: the token is one secret, masked in two places
    assert [line.split(": ")[1] for line in lines] == ["password", "token-in-body"]
    assert "<REDACTED:bearer-token> in request.header.Authorization (line " in lines[1]
    assert "Masked 2 values in 1 of 1 cassettes." in result.stdout
    for line in lines:  # `path:line: kind: masked`, and the line is where the secret stood
        where, number = line.split(":")[0], int(line.split(":")[1])
        assert where == f"cassettes/{name}"
        assert any(secret in before.splitlines()[number - 1] for secret in secrets)
    changed = changed_lines(before, after)
    secret_lines = [(old, new) for old, new in changed if any(s in old for s in secrets)]
    assert len(secret_lines) == 3  # the password, the token in the answer, the token in the header
    for old, new in secret_lines:
        secret = next(s for s in secrets if s in old)
        placeholder = re.search(r"<REDACTED:[a-z-]+>", new)
        assert placeholder is not None and new == old.replace(secret, placeholder.group(0))
    # the only other changes: each Content-Length follows its changed body (replay serves it)
    others = [(old, new) for old, new in changed if (old, new) not in secret_lines]
    assert len(others) == 2
    for old, new in others:
        assert re.sub(r"\d+", "N", old) == re.sub(r"\d+", "N", new)

    serializer = jsonserializer if name.endswith(".json") else yamlserializer
    requests_, responses = FilesystemPersister.load_cassette(str(path), serializer)
    assert len(requests_) == len(responses) == 2
    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        assert replay_login()["name"] == "Ada Lovelace"

    again = run("lint", "--fix", "cassettes")
    assert again.exit_code == 0, again.output
    assert path.read_text() == after
    assert again.stdout.strip() == "All 1 cassettes clean."


def test_fix_masks_inside_a_gzip_binary_body_and_keeps_it_gzip(
    record_cassette: Any, server: DemoServer, run: Any
) -> None:
    payload = json.dumps({"user": "ada", "id_token": JWT}).encode()
    server.add_route(
        "GET",
        "/auth/session",
        Answer(200, gzip.compress(payload), "application/json", (("Content-Encoding", "gzip"),)),
    )

    def session(http: Any, demo: DemoServer) -> None:
        http.get(demo.url("https://auth.example.com/session"), headers={"Accept-Encoding": "gzip"})

    path = record_cassette("session.yaml", session, client="httpx", server=server, **UNFILTERED)
    before = path.read_text()
    assert "!!binary" in before and JWT.encode() not in path.read_bytes()

    result = run("lint", "--fix", "cassettes")

    assert result.exit_code == 1, result.output
    assert "cassettes/session.yaml:" in result.stdout and "jwt: masked (S105" in result.stdout
    body = cassette.load(path).interactions[0].response.body
    assert body.decoded_from == ("gzip",)  # stored gzip again, not decoded
    assert gzip.decompress(body.stored) == json.dumps({"user": "ada", "id_token": "<REDACTED:jwt>"}).encode()
    assert "!!binary" in path.read_text()
    # Only the body node and the Content-Length that follows it changed.
    old_lines, new_lines = before.splitlines(), path.read_text().splitlines()
    kept = [line for line in new_lines if line in old_lines]
    assert len(kept) >= len(new_lines) - 4
    with vcr.VCR(record_mode="none").use_cassette(str(path)), httpx.Client() as http:
        answer = http.get("https://auth.example.com/session", headers={"Accept-Encoding": "gzip"})
        assert answer.json() == {"user": "ada", "id_token": "<REDACTED:jwt>"}

    again = run("lint", "--fix", "cassettes")
    assert again.exit_code == 0 and "All 1 cassettes clean." in again.stdout


def test_fix_masks_what_the_redact_rules_cover(record_cassette: Any, run: Any, tmp_path: Path) -> None:
    path = record_cassette("login.yaml", login, **UNFILTERED)
    # a name is no credential to the scanner; the project's rule still covers it
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.redact]\nbody = ["$..name"]\n')
    result = run("lint", "--fix", "cassettes")
    assert result.exit_code == 1, result.output
    assert "masked (S104, <REDACTED:token-in-body> in response.body $..name; " in result.stdout
    assert "Masked 3 values in 1 of 1 cassettes." in result.stdout  # the name, twice, is one value
    assert "Ada Lovelace" not in path.read_text()
    loaded = cassette.load(path)
    assert loaded.interactions[0].response.body.value["user"]["name"] == "<REDACTED:token-in-body>"
    assert loaded.interactions[1].response.body.value["name"] == "<REDACTED:token-in-body>"


def test_fix_leaves_what_is_not_selected(record_cassette: Any, run: Any) -> None:
    path = record_cassette("login.yaml", login, **UNFILTERED)
    result = run("lint", "--fix", "--ignore", "S101", "cassettes")
    assert result.exit_code == 1
    text = path.read_text()
    assert "<REDACTED:token-in-body>" in text and "<REDACTED:bearer-token>" not in text


def test_fix_writes_again_through_vcrpy_when_the_value_is_not_verbatim(
    record_cassette: Any, run: Any
) -> None:
    path = record_cassette("login.yaml", login, **UNFILTERED)
    loaded = cassette.load(path)
    token = loaded.interactions[0].response.body.value["token"]
    # The same header, written as a double-quoted YAML scalar with an escape inside the token.
    escaped = path.read_text().replace(f"- Bearer {token}", f'- "Bearer \\x{ord(token[0]):02x}{token[1:]}"')
    path.write_text(escaped)
    assert cassette.load(path).interactions[1].request.headers.get("Authorization") == f"Bearer {token}"

    result = run("lint", "--fix", "cassettes")

    assert result.exit_code == 1, result.output
    assert "written again through vcrpy's serializer" in result.stdout
    assert token not in path.read_text()
    with vcr.VCR(record_mode="none").use_cassette(str(path)):
        assert replay_login()["name"] == "Ada Lovelace"


def test_fix_on_a_broken_file_changes_nothing_and_says_why(
    record_cassette: Any, run: Any, cassettes_dir: Path
) -> None:
    path = record_cassette("login.yaml", login, **UNFILTERED)
    path.write_text(path.read_text().replace("  response:\n", "  response: [\n", 1))
    before = file_hashes(cassettes_dir)
    result = run("lint", "--fix", "cassettes")
    assert result.exit_code == 1
    assert file_hashes(cassettes_dir) == before
    assert "cassettes/login.yaml" in result.stdout and "C001 unparseable: invalid YAML" in result.stdout
    assert "nothing masked" in result.stdout


def test_fix_with_nothing_to_do_exits_0(record_cassette: Any, run: Any, cassettes_dir: Path) -> None:
    record_cassette("auth/login.yaml", "login")  # recorded with the demo's own filters
    before = file_hashes(cassettes_dir)
    result = run("lint", "--fix", "cassettes")
    assert result.exit_code == 0, result.output
    assert file_hashes(cassettes_dir) == before


def test_fix_hook_is_declared() -> None:
    import yaml

    hooks = yaml.safe_load((Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text())
    fix = next(h for h in hooks if h["id"] == "cassettes-fix")
    assert fix["entry"] == "cassettes lint --fix"
