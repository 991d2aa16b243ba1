"""Credentials left in real recordings are found, placeholders are not, and lines point at them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cassettes_tool import secrets
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.secrets.rules import AUTH_SCHEME

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiI0MiIsIm5hbWUiOiJBZGEiLCJpYXQiOjE3MDAwMDAwMDB9."
    "kS3rVdT2mZ7yq3Q2l5f0p9WcKx1Lr8s4aNbTt6uYwXo"
)
AWS_KEY = "AKIAIOSFODNN7EXAMPLF"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
SLACK = "xoxb-" + "263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1"
PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V\n-----END RSA PRIVATE KEY-----"


@pytest.fixture
def leaky(record_cassette: Any, server: DemoServer) -> Path:
    """A cassette recorded with no filtering at all, against endpoints that hand out secrets."""
    server.add_route(
        "GET",
        "/auth/keys",
        Answer(
            200,
            json.dumps(
                {
                    "id_token": JWT,
                    "deploy": {"aws_key_id": AWS_KEY, "note": f"use {GITHUB} for the mirror"},
                    "billing": [{"key": STRIPE}],
                    "chat": SLACK,
                    "pem": PRIVATE_KEY,
                    "refresh_token": "r-9f8e7d6c5b4a39281706",
                }
            ).encode(),
            "application/json",
            (("Set-Cookie", "session=8f14e45fceea167a5a36dedd4bea2543; Path=/; HttpOnly"),),
        ),
    )

    def leak(http: Any, demo: DemoServer) -> None:
        answer = http.post(
            demo.url("https://auth.example.com/login"), json={"username": "ada", "password": "correct-horse"}
        )
        token = answer.json()["token"]
        http.get(demo.url("https://auth.example.com/me"), headers={"Authorization": f"Bearer {token}"})
        http.get(demo.url("https://auth.example.com/keys?api_key=k3y-5up3r-53cr3t-v4lu3"))

    return record_cassette("leaky.yaml", leak, server=server, filter_headers=[], before_record_response=None)


def test_lint_finds_every_kind_of_credential(leaky: Path, run: Any) -> None:
    result = run("lint", "cassettes")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    problems = [line for line in lines if ": S1" in line]
    kinds = {line.split(": ")[1].split()[1] for line in problems}
    assert kinds >= {
        "bearer-token",  # the Authorization header of /me
        "token-in-body",  # the login answer's token and refresh_token
        "secret-parameter",  # ?api_key=
        "jwt",
        "aws-access-key",
        "github-token",
        "stripe-key",
        "slack-token",
        "private-key",
        "cookie",
    }
    text = leaky.read_text().splitlines()
    for line in problems:
        where, number = line.split(":")[0], int(line.split(":")[1])
        assert where == "cassettes/leaky.yaml"
        masked = line.rsplit(": ", 1)[1]
        head = masked.split("…")[0]
        assert head in text[number - 1], (line, text[number - 1])  # the line holds the secret
    # Values are shown masked, never whole.
    for secret in (JWT, AWS_KEY, GITHUB, STRIPE, SLACK, "k3y-5up3r-53cr3t-v4lu3"):
        assert secret not in result.stdout
    assert lines[-1].startswith(f"Found {len(problems)} problems in 1 of 1 cassettes")


def test_lint_json_report_carries_codes_and_lines(leaky: Path, run: Any) -> None:
    result = run("lint", "--format", "json", "cassettes")
    report = json.loads(result.stdout)
    assert report["schema"] == "cassettes-report/1" and report["command"] == "lint"
    problems = report["cassettes"][0]["problems"]
    by_kind = {p["kind"]: p for p in problems}
    assert by_kind["jwt"]["code"] == "S105" and by_kind["aws-access-key"]["code"] == "S106"
    assert all(isinstance(p["line"], int) for p in problems)
    assert report["summary"]["problems"] == len(problems)


def test_filtered_recordings_and_placeholders_are_clean(record_cassette: Any, run: Any) -> None:
    record_cassette("auth/login.yaml", "login")  # Authorization and token FILTERED by the recorder
    record_cassette("payments/charges.json", "payments", client="httpx")
    result = run("lint", "cassettes")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "All 2 cassettes clean."


@pytest.mark.parametrize(
    "value",
    [
        "",
        "FILTERED",
        "<REDACTED>",
        "<REDACTED:jwt>",
        "***",
        "XXXX",
        "DUMMY",
        "0000000000",
        "Bearer FILTERED",
        "Bearer <REDACTED>",
        "xxxx-xxxx-xxxx",
        "${STAGING_TOKEN}",
    ],
)
def test_placeholders_are_not_findings(value: str) -> None:
    token = AUTH_SCHEME.sub("", value)
    assert not secrets.looks_real(token)


def test_lint_empty_cassette_is_a_problem(record_cassette: Any, run: Any) -> None:
    # vcrpy never saves a cassette with no interaction: this one lost them in an edit.
    path = record_cassette("empty.yaml", "users")
    data = yaml.safe_load(path.read_text())
    data["interactions"] = []
    path.write_text(yaml.safe_dump(data))
    result = run("lint", "cassettes")
    assert result.exit_code == 1
    assert "cassettes/empty.yaml: C006 no-interactions: cassette has no interactions" in result.stdout


def test_sample_cassettes_are_lint_clean(sample_cassettes: Path, run: Any) -> None:
    result = run("lint", sample_cassettes)
    assert result.exit_code == 0, result.stdout
    assert "All 5 cassettes clean." in result.stdout


def test_redact_config_adds_header_names(
    record_cassette: Any, server: DemoServer, run: Any, tmp_path: Path
) -> None:
    server.add_route(
        "GET",
        "/auth/internal",
        Answer(200, b"{}", "application/json", (("X-Internal-Ref", "s3ss10n-4b5c6d7e8f"),)),
    )
    record_cassette(
        "internal.yaml",
        lambda http, demo: http.get(demo.url("https://auth.example.com/internal")),
        server=server,
    )
    assert run("lint", "cassettes").exit_code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.redact]\nheaders = ["x-internal-ref"]\n')
    result = run("lint", "cassettes")
    assert result.exit_code == 1
    assert "S101 credential-header" in result.stdout and "X-Internal-Ref" in result.stdout
