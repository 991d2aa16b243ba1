"""Plant credentials in a staging's answers and grep everything the tool wrote or printed."""

from __future__ import annotations

import json
import secrets as random_secrets
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

from cassettes_tool.demo.services import Answer, DemoServer

ALNUM = string.ascii_letters + string.digits


def _rnd(n: int) -> str:
    return "".join(random_secrets.choice(ALNUM) for _ in range(n))


#: real-looking, random each run: a login answer that hands out a set of credentials
PLANTED = {
    "access": "ya29." + _rnd(40),
    "refresh": "1//" + _rnd(44),
    "client_secret": "GOCSPX-" + _rnd(28),
    "notion": "secret_" + _rnd(43),
    "cookie": random_secrets.token_hex(16),
    "nested_ghp": "ghp_" + _rnd(36),
    "fragment": _rnd(48),
}
STAGING_TOKEN = "stg_" + _rnd(32)
URL_PASSWORD = "pw" + _rnd(14)


def _login_answer(_request: Any) -> Answer:
    body = {
        "accessToken": PLANTED["access"],
        "refresh_token": PLANTED["refresh"],
        "app": {"clientSecret": PLANTED["client_secret"], "notion_token": PLANTED["notion"]},
        "event": json.dumps({"github": {"token": PLANTED["nested_ghp"]}}),
        "user": {"id": 42, "name": "Ada"},
    }
    headers = (
        ("Set-Cookie", f"session={PLANTED['cookie']}; Path=/; HttpOnly"),
        ("Location", f"https://app.example.com/cb#access_token={PLANTED['fragment']}&token_type=bearer"),
    )
    return Answer(200, json.dumps(body).encode(), "application/json", headers)


def _everything(root: Path, outputs: list[str]) -> str:
    texts = list(outputs)
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def _assert_clean(blob: str) -> None:
    for name, value in PLANTED.items():
        assert value not in blob, f"{name} leaked"
    assert STAGING_TOKEN not in blob and URL_PASSWORD not in blob


@pytest.fixture
def project(git_repo: Any, record_cassette: Any, server: DemoServer) -> GitRepo:
    repo: GitRepo = git_repo()
    server.add_route("GET", "/auth/session", Answer(200, b'{"user": {"id": 42}}'))
    record_cassette(
        "auth/session.yaml",
        lambda http, demo: http.get(demo.url("https://auth.example.com/session")),
        server=server,
        root=repo.root / "tests" / "cassettes",
    )
    from datetime import datetime, timezone

    repo.commit("Record", date=datetime(2024, 1, 1, tzinfo=timezone.utc))
    server.add_route("GET", "/auth/session", _login_answer)
    return repo


def test_no_planted_credential_leaves_the_tool(
    project: GitRepo, server: DemoServer, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGING_TOK", STAGING_TOKEN)
    base = server.base_url("auth.example.com").replace("http://", f"http://ci:{URL_PASSWORD}@")
    target = ["--map", f"auth.example.com={base}", "--header", "Authorization=env:STAGING_TOK"]
    outputs = []
    for fmt in ("text", "json", "markdown", "junit", "html"):
        result = run("refresh", *target, "--format", fmt, cwd=project.root)
        assert result.exit_code in (0, 1), result.output
        outputs += [result.stdout, result.stderr]
        lint = run("lint", "--format", fmt, ".cassettes", cwd=project.root)
        outputs += [lint.stdout, lint.stderr]
    committed = run("refresh", "--commit", *target, "--format", "json", cwd=project.root)
    assert committed.exit_code in (0, 1), committed.output
    outputs += [committed.stdout, committed.stderr]
    outputs.append(project.git("log", "-p", "--all"))
    blob = _everything(project.root, outputs)
    _assert_clean(blob)
    assert "<REDACTED:" in blob  # masked in place, and the drift around it still shows


def test_a_control_character_in_a_target_header_is_a_usage_error_never_echoed(
    project: GitRepo, server: DemoServer, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STAGING_TOK", STAGING_TOKEN + "\r\nX-Evil: 1")
    base = server.base_url("auth.example.com")
    result = run(
        "refresh",
        "--map",
        f"auth.example.com={base}",
        "--header",
        "Authorization=env:STAGING_TOK",
        cwd=project.root,
    )
    assert result.exit_code == 2
    assert STAGING_TOKEN not in result.output and "control character" in result.output
    assert not (project.root / ".cassettes").exists() or not any(
        (project.root / ".cassettes").rglob("*.yaml")
    )


def test_lint_fix_masks_the_planted_set_and_a_second_run_changes_nothing(tmp_path: Path, run: Any) -> None:
    data = Path(__file__).resolve().parent.parent / "data" / "secrets"
    subprocess.run(
        [sys.executable, str(data / "make_planted.py"), str(tmp_path / "planted")],
        check=True,
        capture_output=True,
    )
    folder = tmp_path / "planted" / "cassettes"
    manifest = [json.loads(line) for line in (tmp_path / "planted" / "manifest.jsonl").open()]
    first = run("lint", "--fix", str(folder))
    assert first.exit_code == 1, first.output
    text = "\n".join(p.read_text() for p in folder.glob("*.yaml"))
    import base64
    import gzip
    import re

    for blob in re.findall(r"!!binary \|\n((?:[ \t]+[A-Za-z0-9+/=]+\n)+)", text):
        text += gzip.decompress(base64.b64decode("".join(blob.split()))).decode("utf-8", "replace")
    for planted in manifest:
        if planted["expect"] == "flag":
            assert planted["value"] not in text, planted["id"]
            assert planted["value"] not in first.output, planted["id"]
    before = {p: p.read_bytes() for p in folder.glob("*.yaml")}
    second = run("lint", "--fix", str(folder))
    assert second.exit_code == 0, second.output
    assert before == {p: p.read_bytes() for p in folder.glob("*.yaml")}


def test_each_finding_points_at_the_line_that_holds_it(tmp_path: Path) -> None:
    from cassettes_tool import cassette
    from cassettes_tool.secrets.text import find_in_cassette

    data = Path(__file__).resolve().parent.parent / "data" / "secrets"
    subprocess.run(
        [sys.executable, str(data / "make_planted.py"), str(tmp_path)], check=True, capture_output=True
    )
    checked = 0
    for path in sorted((tmp_path / "cassettes").glob("*.yaml")):
        loaded = cassette.load(path)
        lines = loaded.text.splitlines()
        for located in find_in_cassette(loaded):
            value = located.finding.value
            interaction = loaded.interactions[located.finding.interaction]
            assert located.line is not None and interaction.line is not None
            assert located.line >= interaction.line
            if value in loaded.text:
                assert value[:12] in lines[located.line - 1], (path.name, located)
                checked += 1
    assert checked > 30


def _leaky(path: Path) -> str:
    token = "ghp_" + _rnd(36)
    path.write_text(
        "interactions:\n- request:\n    body: null\n    headers:\n      Authorization:\n      - token "
        + token
        + "\n    method: GET\n    uri: https://api.github.com/user\n  response:\n    body:\n      string: '{}'\n"
        "    headers: {}\n    status:\n      code: 200\n      message: OK\nversion: 1\n"
    )
    return token


def test_fix_writes_a_symlinks_target_inside_the_project_and_refuses_outside(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, run: Any
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes]\n")
    (tmp_path / "real").mkdir()
    (tmp_path / "cassettes").mkdir()
    inside = tmp_path / "real" / "inside.yaml"
    token = _leaky(inside)
    inside.chmod(0o640)
    (tmp_path / "cassettes" / "inside.yaml").symlink_to(inside)
    outside = tmp_path_factory.mktemp("elsewhere") / "outside.yaml"
    other = _leaky(outside)
    (tmp_path / "cassettes" / "outside.yaml").symlink_to(outside)

    result = run("lint", "--fix", "cassettes")

    assert result.exit_code == 1
    assert (tmp_path / "cassettes" / "inside.yaml").is_symlink()
    assert token not in inside.read_text() and (inside.stat().st_mode & 0o777) == 0o640
    assert other in outside.read_text()  # refused: outside the project
    assert "outside.yaml" in result.output and other not in result.output
