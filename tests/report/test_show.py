"""`cassettes show`: cassettes recorded by real vcrpy against the demo services, made readable;
`--textconv` as git's diff driver in a real repository."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from click.testing import Result

from cassettes_tool import cassette
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.report import show

Run = Callable[..., Result]


def _fetch_gzip(http: Any, server: DemoServer) -> None:
    http.get(server.url("https://catalog.example.com/items"), headers={"Accept-Encoding": "gzip"})


def test_gzip_binary_body_is_shown_as_pretty_json(record_cassette: Any, run: Run) -> None:
    path = record_cassette("catalog.yaml", _fetch_gzip, client="httpx")
    assert "!!binary" in path.read_text()

    result = run("show", path)

    assert result.exit_code == 0, result.output
    body = cassette.load(path).interactions[0].response.body
    assert "  response body: application/json, " in result.output
    assert f"{body.size} bytes, gzip undone" in result.output
    pretty = json.dumps(body.value, sort_keys=True, ensure_ascii=False, indent=2)
    assert "\n".join("    " + line for line in pretty.splitlines()) in result.output
    assert '          "name": "Widget 1",' in result.output.splitlines()
    assert result.output.splitlines()[0] == "[0] GET https://catalog.example.com/items -> 200 OK"


def test_binary_body_is_one_line(record_cassette: Any, run: Run) -> None:
    path = record_cassette("report.yaml", "report")
    body = cassette.load(path).interactions[0].response.body

    result = run("show", path)

    assert result.exit_code == 0, result.output
    line = f"  response body: <binary: application/pdf, {body.size} bytes, sha256 {body.sha256}>"
    assert line in result.output.splitlines()
    assert "%PDF" not in result.output


def test_form_bodies_are_key_value_lines(record_cassette: Any, server: DemoServer, run: Run) -> None:
    server.add_route(
        "POST",
        "/auth/token",
        Answer(
            200,
            b"access=ok&scope=read+write&issued=2026-01-02T03:04:05Z",
            "application/x-www-form-urlencoded",
        ),
    )

    def token(http: Any, demo: DemoServer) -> None:
        form = {"grant_type": "client_credentials", "scope": "read write", "password": "hunter22"}
        http.post(demo.url("https://auth.example.com/token"), data=form)

    path = record_cassette("token.yaml", token, server=server)

    plain = run("show", path).output.splitlines()
    start = next(
        n for n, line in enumerate(plain) if line.startswith("  request body: application/x-www-form")
    )
    assert sorted(plain[start + 1 : start + 4]) == [
        "    grant_type = client_credentials",
        "    password = FILTERED",
        "    scope = read write",
    ]
    assert "    issued = 2026-01-02T03:04:05Z" in plain
    assert "    issued = <iso-8601>" in run("show", "--textconv", path).output.splitlines()


def test_one_interaction_and_sorted_headers(record_cassette: Any, run: Run) -> None:
    path = record_cassette("login.yaml", "login")

    result = run("show", path, "--interaction", "1")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "[1] GET https://auth.example.com/me -> 200 OK"
    assert "/login" not in result.output
    request_headers = lines[lines.index("  request headers:") + 1 : lines.index("  request body: empty")]
    names = [line.strip().split(":")[0] for line in request_headers]
    assert names == sorted(names, key=str.lower)
    assert "    authorization: FILTERED" in request_headers  # recorded lower-case, sorted regardless

    wrong = run("show", path, "--interaction", "2")
    assert wrong.exit_code == 2
    assert "has 2 interactions" in wrong.output


def test_textconv_writes_volatile_values_as_their_kind(record_cassette: Any, run: Run) -> None:
    path = record_cassette("payments.yaml", "payments")

    lines = run("show", "--textconv", path).output.splitlines()

    assert "    date: <volatile>" in lines
    assert "    x-request-id: <volatile>" in lines
    assert "    location: /payments/charges/<id:ch_>" in lines
    assert '      "id": "<id:ch_>",' in lines
    assert '      "id": "ch_1001",' in lines  # a fixed id is not volatile
    assert '      "created": <epoch-seconds>,' in lines  # a number stays unquoted
    assert '      "amount": 1200,' in lines
    assert not any(" bytes" in line for line in lines)  # text sizes move with every id
    assert str(path.parent) not in "\n".join(lines)


def test_textconv_of_a_broken_file_prints_it_and_exits_0(tmp_path: Path, run: Run) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions:\n- request: {uri: [\n", encoding="utf-8")

    result = run("show", "--textconv", broken)

    assert result.exit_code == 0
    first, *rest = result.output.splitlines()
    assert first.startswith("# cassettes show: not shown as a cassette: line ")
    assert "invalid YAML" in first and str(tmp_path) not in first
    assert rest == ["interactions:", "- request: {uri: ["]

    plain = run("show", broken)
    assert plain.exit_code == 3
    assert plain.output.strip().splitlines() == [plain.output.strip()]
    assert plain.output.startswith(f"cassettes: error: {broken}:")


def test_fallback_keeps_undecodable_bytes_readable() -> None:
    assert show.fallback(b"a\xffb\n", "binary") == [
        "# cassettes show: not shown as a cassette: binary",
        "a\ufffdb",
    ]


# ---------------------------------------------------------------------------- git's diff driver


def _diff_lines(repo: Any) -> list[str]:
    """The changed lines of the last commit's diff as git's textconv driver shows them."""
    out = repo.git("diff", "HEAD~1", "HEAD", "--", "tests/cassettes")
    return [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_git_diff_through_textconv_shows_only_real_changes(
    git_repo: Any, record_cassette: Any, v2_server: DemoServer
) -> None:
    repo = git_repo("project")
    executable = Path(sys.executable).parent / "cassettes"
    assert executable.exists()
    repo.git("config", "diff.cassettes.textconv", f"{shlex.quote(str(executable))} show --textconv")
    (repo.root / ".gitattributes").write_text("tests/cassettes/** diff=cassettes\n", encoding="utf-8")
    cassettes = repo.root / "tests" / "cassettes"

    record_cassette("auth/login.yaml", "login", root=cassettes)
    repo.commit("Record login against v1", date=datetime(2026, 1, 5, tzinfo=timezone.utc))
    first = (cassettes / "auth/login.yaml").read_text()

    # the same scenario against the same version: only dates and ids differ
    record_cassette("auth/login.yaml", "login", root=cassettes)
    repo.commit("Re-record login against v1", date=datetime(2026, 2, 5, tzinfo=timezone.utc))
    assert (cassettes / "auth/login.yaml").read_text() != first
    assert repo.git("diff", "--no-textconv", "HEAD~1", "HEAD", "--", "tests/cassettes")  # bytes did change
    assert _diff_lines(repo) == []

    # today's staging adds a field to the login answer, and lists a set of roles in another
    # order: arrays are shown as recorded (the diff calls that reorder volatile `order_changed`)
    record_cassette("auth/login.yaml", "login", root=cassettes, server=v2_server)
    repo.commit("Re-record login against v2", date=datetime(2026, 3, 5, tzinfo=timezone.utc))
    lines = _diff_lines(repo)
    assert [
        line for line in lines if "roles" not in line and '"admin"' not in line and '"billing"' not in line
    ] == [
        '+      "session_context": {',
        '+        "auth_level": 2,',
        '+        "device_id": "d-1"',
        "+      },",
    ]
    assert sorted(line for line in lines if '"admin"' in line or '"billing"' in line) == [
        '+        "admin"',
        '+        "billing",',
        '-        "admin",',
        '-        "billing"',
    ]
    log = repo.git("log", "-p", "--format=%s", "--", "tests/cassettes")
    assert "session_context" in log and "x-request-id: <volatile>" in log


def test_textconv_follows_the_configured_ignore_rules(tmp_path: Path, record_cassette: Any, run: Run) -> None:
    path = record_cassette("login.yaml", "login")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes.ignore]\nbody = ["$.user.name"]\nheaders = ["content-type"]\n', encoding="utf-8"
    )

    lines = run("show", "--textconv", "--interaction", "0", path).output.splitlines()

    assert '        "name": "<ignored>"' in lines
    assert "    content-type: <volatile>" in lines
    assert '        "id": 42,' in lines

    (tmp_path / "pyproject.toml").write_text("[tool.cassettes\n", encoding="utf-8")
    broken_config = run("show", "--textconv", "--interaction", "0", path)
    assert broken_config.exit_code == 0  # git's diff keeps working; the default rules apply
    assert "    content-type: application/json" in broken_config.output.splitlines()
    assert run("show", path).exit_code == 2


def test_textconv_writes_header_names_in_one_case_sorted(tmp_path: Path) -> None:
    """A refresh whose client spells `Content-Type` where the old one wrote `content-type`
    showed as header churn in `git diff`."""
    body = '{"ok": true}'
    template = (
        "interactions:\n- request:\n    body: null\n    headers:\n      {a}: [text/plain]\n"
        "    method: GET\n    uri: https://api.example.com/x\n  response:\n    body: {{string: '{body}'}}\n"
        "    headers:\n      {b}: [application/json]\n      X-Zed: [z]\n      {c}: ['1']\n"
        "    status: {{code: 200, message: OK}}\nversion: 1\n"
    )
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(template.format(a="Accept", b="Content-Type", c="X-Alpha", body=body))
    new.write_text(template.format(a="accept", b="content-type", c="x-alpha", body=body))
    shown = [show.render(cassette.load(p), textconv=True) for p in (old, new)]
    assert shown[0] == shown[1]
    headers = [line.strip().split(":")[0] for line in shown[0] if line.startswith("    ") and ": " in line]
    assert headers == [h.lower() for h in headers] and "x-zed" in headers


def test_textconv_fast_path_imports_neither_click_nor_the_renderers(tmp_path: Path) -> None:
    """git runs textconv once per file side: its start-up is the cost of `git log -p`."""
    sample = Path(__file__).resolve().parents[2] / "sample_cassettes" / "catalog" / "items.yaml"
    code = (
        "import sys; from cassettes_tool.cli import main\n"
        f"sys.argv = ['cassettes', 'show', '--textconv', {str(sample)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n"
        "    loaded = [m for m in ('click', 'httpx', 'cassettes_tool.report.markdown', 'cassettes_tool.cli.app',"
        " 'cassettes_tool.diff.classify', 'cassettes_tool.git') if m in sys.modules]\n"
        "    print(exc.code, loaded, file=sys.stderr)\n"
    )
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stderr.strip() == "0 []", done.stderr
    assert done.stdout.startswith("[0] GET https://catalog.example.com/items")
