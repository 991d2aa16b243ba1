"""Lint codes: choosing them (flags, config, prefixes, names) and the hygiene checks, on real recordings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.demo.services import DEMO_USER, Answer, DemoServer
from cassettes_tool.lint.checks import staging_host
from cassettes_tool.lint.codes import CODES, Selection

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiI0MiIsIm5hbWUiOiJBZGEiLCJpYXQiOjE3MDAwMDAwMDB9."
    "kS3rVdT2mZ7yq3Q2l5f0p9WcKx1Lr8s4aNbTt6uYwXo"
)
UNFILTERED: dict[str, Any] = {"filter_headers": [], "before_record_response": None}


def codes_in(output: str) -> set[str]:
    return {line.split(": ")[1].split()[0] for line in output.splitlines() if line.startswith("cassettes/")}


@pytest.fixture
def leaky(record_cassette: Any, server: DemoServer) -> Path:
    """A JWT (S105) in a body, a bearer token (S101) in a header, a token field (S104)."""
    server.add_route("GET", "/auth/keys", Answer(200, json.dumps({"note": f"id {JWT}"}).encode()))

    def leak(http: Any, demo: DemoServer) -> None:
        answer = http.post(demo.url("https://auth.example.com/login"), json=DEMO_USER)
        token = answer.json()["token"]
        http.get(demo.url("https://auth.example.com/me"), headers={"Authorization": f"Bearer {token}"})
        http.get(demo.url("https://auth.example.com/keys"))

    return record_cassette("leaky.yaml", leak, server=server, **UNFILTERED)


def test_every_kind_has_a_code_in_its_family() -> None:
    for kind, code in CODES.items():
        assert code[0] in "CS" and code[1:].isdigit() and len(code) == 4, (kind, code)
    assert CODES["large-body"] == "C008"
    assert CODES["duplicate-interaction"] == "C009"
    assert CODES["staging-host"] == "C010"


@pytest.mark.parametrize(
    ("select", "ignore", "wanted"),
    [
        ((), (), {"S101", "S104", "S105"}),
        (("S105",), (), {"S105"}),
        (("S",), ("S101", "password"), {"S104", "S105"}),
        (("jwt",), (), {"S105"}),
        (("S105",), ("S",), {"S105"}),  # the more specific entry wins, as in ruff
        (("ALL",), ("S10",), set()),
    ],
)
def test_select_and_ignore_flags(
    leaky: Path, run: Any, select: tuple[str, ...], ignore: tuple[str, ...], wanted: set[str]
) -> None:
    args = ["lint", "cassettes"]
    if select:
        args += ["--select", ",".join(select)]
    if ignore:
        args += ["--ignore", ",".join(ignore)]
    result = run(*args)
    assert codes_in(result.stdout) == wanted, result.output
    assert result.exit_code == (1 if wanted else 0)


def test_config_chooses_and_flags_override_it(leaky: Path, run: Any, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.lint]\nignore = ["S1"]\n')
    result = run("lint", "cassettes")
    assert result.exit_code == 0 and codes_in(result.stdout) == set(), result.output
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.lint]\nselect = ["S104"]\n')
    assert codes_in(run("lint", "cassettes").stdout) == {"S104"}
    assert codes_in(run("lint", "--select", "S105", "cassettes").stdout) == {"S105"}
    assert codes_in(run("lint", "--ignore", "S104", "cassettes").stdout) == set()


def test_unknown_codes_are_usage_errors(leaky: Path, run: Any, tmp_path: Path) -> None:
    result = run("lint", "--select", "S105,X999", "cassettes")
    assert result.exit_code == 2
    assert "X999" in result.output and "--select" in result.output
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.lint]\nignore = ["S9"]\n')
    result = run("lint", "cassettes")
    assert result.exit_code == 2
    assert "'S9'" in result.output and "lint.ignore" in result.output


def test_selection_law() -> None:
    assert Selection().wants("C008", "large-body")
    assert not Selection().wants("C009", "duplicate-interaction")  # opt-in
    assert Selection(select=("ALL",)).wants("C009", "duplicate-interaction")
    assert not Selection(ignore=("C",)).wants("C008", "large-body")
    assert Selection(select=("C0",), ignore=("large-body",)).wants("C009", "duplicate-interaction")
    assert not Selection(select=("C0",), ignore=("large-body",)).wants("C008", "large-body")


def test_large_body(record_cassette: Any, server: DemoServer, run: Any, tmp_path: Path) -> None:
    big = json.dumps({"items": ["x" * 100] * 40}).encode()  # ~4 KB
    server.add_route("GET", "/catalog/everything", Answer(200, big))
    record_cassette(
        "big.yaml",
        lambda http, demo: http.get(demo.url("https://catalog.example.com/everything")),
        server=server,
    )
    assert run("lint", "cassettes").exit_code == 0  # under the 1 MiB default
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes.lint]\nmax_body_bytes = 2048\n")
    result = run("lint", "cassettes")
    assert result.exit_code == 1
    assert "cassettes/big.yaml:" in result.stdout
    assert (
        "C008 large-body: response body of interaction 0 is 4.1 KB (max_body_bytes 2.0 KB)" in result.stdout
    )


def test_duplicate_interactions(record_cassette: Any, server: DemoServer, run: Any) -> None:
    server.add_route("GET", "/catalog/fixed", Answer(200, b'{"answer": 42}'))

    def twice(http: Any, demo: DemoServer) -> None:
        http.get(demo.url("https://catalog.example.com/fixed"))
        http.get(demo.url("https://users.example.com/users?page=1"))
        http.get(demo.url("https://catalog.example.com/fixed"))

    path = record_cassette("twice.yaml", twice, server=server)
    assert run("lint", "cassettes").exit_code == 0  # opt-in: real suites repeat calls on purpose
    result = run("lint", "--select", "C", "cassettes")
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "C009" in line)
    assert "duplicate-interaction: interaction 2 repeats interaction 0: same request and response" in line
    number = int(line.split(":")[1])
    assert path.read_text().splitlines()[number - 1].startswith("- request:")
    assert run("lint", "--select", "C", "--ignore", "C009", "cassettes").exit_code == 0
    assert "C009" in run("lint", "--select", "duplicate-interaction", "cassettes").stdout


def test_staging_host(record_cassette: Any, run: Any) -> None:
    # recorded as the server was called: no rewrite to the public host
    record_cassette("local.yaml", "users", before_record_request=None)
    record_cassette("public.yaml", "users")
    result = run("lint", "cassettes")
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if "C010" in line]
    assert len(problems) == 1
    assert problems[0].startswith("cassettes/local.yaml:")
    assert (
        "staging-host: interaction 0 calls 127.0.0.1 (loopback): a refresh applied without mapping back?"
        in (problems[0])
    )


def test_staging_host_in_an_answer(record_cassette: Any, run: Any, v1_server: Any) -> None:
    """A refresh applied without mapping back leaves staging in the answers, not only in the URI."""
    from cassettes_tool.demo.services import Answer

    body = b'{"next": "http://127.0.0.1:9/files/things?page=2", "logo": "https://cdn.example.org/x.png"}'
    v1_server.add_route("GET", "/files/things", lambda _r: Answer(200, body, "application/json"))
    v1_server.add_route(
        "GET",
        "/files/moved",
        lambda _r: Answer(301, b"", "text/plain", (("Location", "https://files.staging.example.com/x"),)),
    )

    def scenario(http: Any, demo: Any) -> None:
        http.get(demo.url("https://files.example.com/things"))
        http.get(demo.url("https://files.example.com/moved"), allow_redirects=False)

    record_cassette("answers.yaml", scenario)
    problems = [line for line in run("lint", "cassettes").stdout.splitlines() if "C010" in line]
    assert len(problems) == 2, problems
    assert "the answer of interaction 0 names 127.0.0.1 (loopback) in its body" in problems[0]
    assert (
        "the answer of interaction 1 names files.staging.example.com (a staging host) in its location"
        in (problems[1])
    )


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.4.5.6", "loopback"),
        ("::1", "loopback"),
        ("localhost", "loopback"),
        ("printer.local", "a .local host"),
        ("api.staging.example.com", "a staging host"),
        ("api-stage.example.com", "a staging host"),
        ("api.example.com", None),
        ("backstage.example.com", None),
        ("10.0.0.1", None),
    ],
)
def test_staging_hosts(host: str, reason: str | None) -> None:
    assert staging_host(host) == reason


def test_findings_are_sorted_by_file_and_line_in_every_format(
    leaky: Path, record_cassette: Any, run: Any, tmp_path: Path
) -> None:
    # a large body in the first interaction is found after the credentials further down
    (tmp_path / "pyproject.toml").write_text("[tool.cassettes.lint]\nmax_body_bytes = 100\n")
    record_cassette("a/first.yaml", "login", **UNFILTERED)
    text = run("lint", "cassettes")
    located = [line.split(": ")[0] for line in text.stdout.splitlines() if line.startswith("cassettes/")]
    keys = [(where.rsplit(":", 1)[0], int(where.rsplit(":", 1)[1])) for where in located]
    assert len(keys) >= 5 and keys == sorted(keys), text.output
    assert {path for path, _ in keys} == {"cassettes/a/first.yaml", "cassettes/leaky.yaml"}
    report = json.loads(run("lint", "--format", "json", "cassettes").stdout)
    in_json = [(c["path"], p["line"]) for c in report["cassettes"] for p in c["problems"]]
    assert in_json == keys
    markdown = run("lint", "--format", "markdown", "cassettes").stdout
    places = [markdown.index(f"{line}") for _, line in keys[-3:]]
    assert places == sorted(places)


def test_check_takes_select_and_ignore(leaky: Path, run: Any, tmp_path: Path) -> None:
    def codes(*args: str) -> set[str]:
        result = run("check", "--offline", "--format", "json", *args, "cassettes")
        report = json.loads(result.stdout)
        return {p["code"] for c in report["cassettes"] for p in c["problems"]}

    assert codes() == {"S101", "S104", "S105"}
    assert codes("--select", "S105") == {"S105"}
    assert codes("--ignore", "S1") == set()
    assert run("check", "--offline", "--ignore", "S1", "cassettes").exit_code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes.lint]\nignore = ["S101"]\n')
    assert codes() == {"S104", "S105"}
    assert codes("--ignore", "S104") == {"S101", "S105"}  # the flag replaces the config's list
    bad = run("check", "--offline", "--select", "X999", "cassettes")
    assert bad.exit_code == 2 and "X999" in bad.output and "--select" in bad.output


def test_per_file_ignores(leaky: Path, run: Any, tmp_path: Path) -> None:
    legacy = tmp_path / "cassettes" / "legacy" / "old" / "leaky.yaml"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(leaky.read_bytes())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes.lint.per-file-ignores]\n"cassettes/legacy/**" = ["S101", "token-in-body"]\n'
    )

    def by_file(*args: str) -> dict[str, set[str]]:
        result = run(*args, "--format", "json", "cassettes")
        report = json.loads(result.stdout)
        return {c["path"]: {p["code"] for p in c["problems"]} for c in report["cassettes"]}

    expected = {"cassettes/leaky.yaml": {"S101", "S104", "S105"}, "cassettes/legacy/old/leaky.yaml": {"S105"}}
    assert by_file("lint") == expected
    assert by_file("check", "--offline") == expected
    # a flag's select does not bring back what the file's own entry drops (as in ruff)
    assert by_file("lint", "--select", "S101")["cassettes/legacy/old/leaky.yaml"] == set()
    # relative to the config's folder, wherever the command runs from
    inner = run("lint", "--format", "json", ".", cwd=tmp_path / "cassettes" / "legacy")
    assert {p["code"] for c in json.loads(inner.stdout)["cassettes"] for p in c["problems"]} == {"S105"}
    # lint --fix leaves the ignored credentials where they are
    fixed = run("lint", "--fix", "cassettes/legacy")
    assert fixed.exit_code == 1 and "S105" in fixed.stdout and "S101" not in fixed.stdout, fixed.output
    assert "<REDACTED:jwt>" in legacy.read_text() and "<REDACTED:bearer" not in legacy.read_text()


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ('"cassettes/legacy/**" = ["S9"]', "'S9'"),
        ('"!" = ["S101"]', "'!'"),
        ('"cassettes/**" = "S101"', "expected a list of strings"),
    ],
)
def test_per_file_ignores_bad_entries_are_named(
    leaky: Path, run: Any, tmp_path: Path, table: str, named: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.cassettes.lint.per-file-ignores]\n{table}\n")
    for command in ("lint", "check"):
        result = run(command, "cassettes")
        assert result.exit_code == 2, result.output
        assert named in result.output and "lint.per-file-ignores" in result.output, result.output
