"""`[tool.cassettes]`: found by walking up, validated key by key, overridden by flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool import config
from cassettes_tool.errors import ConfigError


def write_pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(body)
    return path


def test_nearest_pyproject_walking_up_sets_paths(tmp_path: Path, record_cassette: Any, run: Any) -> None:
    record_cassette("users.yaml", "users", root=tmp_path / "project" / "tests" / "cassettes")
    write_pyproject(tmp_path / "project", '[tool.cassettes]\npaths = ["tests/cassettes"]\n')
    deep = tmp_path / "project" / "src" / "pkg"
    deep.mkdir(parents=True)
    result = run("scan", "--format", "json", cwd=deep)
    assert result.exit_code == 0, result.output
    paths = [c["path"] for c in json.loads(result.stdout)["cassettes"]]
    assert paths == ["../../tests/cassettes/users.yaml"]  # relative to where the user stands


def test_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    outer = write_pyproject(tmp_path, '[tool.cassettes]\nscratch = "out"\n')
    write_pyproject(tmp_path / "sub", '[project]\nname = "x"\n')
    assert config.find_pyproject(tmp_path / "sub") == outer


def test_path_arguments_override_configured_paths(tmp_path: Path, record_cassette: Any, run: Any) -> None:
    record_cassette("a.yaml", "users", root=tmp_path / "configured")
    record_cassette("b.yaml", "users", root=tmp_path / "given")
    write_pyproject(tmp_path, '[tool.cassettes]\npaths = ["configured"]\n')
    configured = json.loads(run("scan", "--format", "json").stdout)
    given = json.loads(run("scan", "--format", "json", "given").stdout)
    assert [c["path"] for c in configured["cassettes"]] == ["configured/a.yaml"]
    assert [c["path"] for c in given["cassettes"]] == ["given/b.yaml"]


def test_explicit_config_file_wins(tmp_path: Path, record_cassette: Any, run: Any) -> None:
    record_cassette("a.yaml", "users", root=tmp_path / "elsewhere")
    write_pyproject(tmp_path, '[tool.cassettes]\npaths = ["nothing-here"]\n')
    standalone = tmp_path / "cassettes.toml"
    standalone.write_text('paths = ["elsewhere"]\n')
    result = run("scan", "--config", standalone, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["cassettes"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[tool.cassettes]\npathz = ["x"]\n', "pyproject.toml: pathz: unknown key"),
        (
            '[tool.cassettes]\npaths = "tests"\n',
            "pyproject.toml: paths: expected a list of strings, got a string",
        ),
        ("[tool.cassettes]\nfail_on = 'sometimes'\n", "fail_on: expected one of breaking, additive, value"),
        (
            "[tool.cassettes.targets.staging]\ntimeout = 'slow'\n",
            "targets.staging.timeout: expected a number, got a string",
        ),
        (
            "[tool.cassettes.targets.staging]\nconcurrency = 0\n",
            "targets.staging.concurrency: expected a positive",
        ),
        ("[tool.cassettes.redcat]\nheaders = []\n", "redcat: unknown key"),
        ("[tool.cassettes.redact]\nheaders = [1]\n", "redact.headers: item 0: expected a string"),
        ("[tool.cassettes\npaths = []\n", "pyproject.toml: invalid TOML"),
        (
            '[tool.cassettes]\nordered = ["$..bbox", "$.a[?x]"]\n',
            "ordered: item 1: '$.a[?x]': cannot read the path at",
        ),
        ('[tool.cassettes]\nunordered = "$.tags"\n', "unordered: expected a list of strings"),
        (
            '[tool.cassettes]\npaths = ["${NO_SUCH_VARIABLE_42}/c"]\n',
            "paths[0]: environment variable NO_SUCH_VARIABLE_42 is not set",
        ),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path, run: Any, body: str, message: str) -> None:
    write_pyproject(tmp_path, body)
    result = run("scan")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1  # one line, no traceback


def test_env_interpolation_in_target_headers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = write_pyproject(
        tmp_path,
        '[tool.cassettes.targets.staging]\nhosts = { "api.example.com" = "http://127.0.0.1:9" }\n'
        'headers = { Authorization = "Bearer ${STAGING_TOKEN}" }\nmethods = ["get", "post"]\n',
    )
    settings = config.load(source)
    with pytest.raises(
        ConfigError, match=r"targets\.staging\.headers\.Authorization: environment variable STAGING_TOKEN"
    ):
        settings.target("staging")
    monkeypatch.setenv("STAGING_TOKEN", "s3cr3t")
    target = settings.target("staging")
    assert target.headers == {"Authorization": "Bearer s3cr3t"}
    assert target.methods == ("GET", "POST")
    assert target.hosts == {"api.example.com": "http://127.0.0.1:9"}
    with pytest.raises(ConfigError, match="unknown target 'prod' \\(known: staging\\)"):
        settings.target("prod")


def test_missing_target_secret_does_not_break_offline_commands(
    tmp_path: Path, record_cassette: Any, run: Any
) -> None:
    """`scan` in CI must not need the staging token: targets are interpolated only when used."""
    record_cassette("a.yaml", "users")
    write_pyproject(tmp_path, '[tool.cassettes.targets.staging]\nheaders = { A = "${UNSET_TOKEN_X}" }\n')
    assert run("scan", "cassettes").exit_code == 0


def test_unknown_serializer_is_a_config_error(tmp_path: Path, record_cassette: Any, run: Any) -> None:
    record_cassette("a.yaml", "users")
    write_pyproject(tmp_path, '[tool.cassettes]\nserializer = "no_such_module_xyz:serializer"\n')
    result = run("scan", "cassettes")
    assert result.exit_code == 2
    assert "pyproject.toml: serializer: cannot import 'no_such_module_xyz:serializer'" in result.stderr


def test_ordered_and_unordered_arrays_reach_the_diff(tmp_path: Path) -> None:
    """`ordered`: strings in another order are a value change; `unordered`: numbers are a set."""
    from cassettes_tool.diff import DiffRules
    from cassettes_tool.diff.walker import Changes, Walker

    write_pyproject(tmp_path, '[tool.cassettes]\nordered = ["$.steps"]\nunordered = ["$..scores"]\n')
    rules = DiffRules.from_config(config.load(cwd=tmp_path))
    changes = Changes()
    old = {"steps": ["a", "b"], "tags": ["a", "b"], "x": {"scores": [1, 2]}, "bbox": [1, 2]}
    new = {"steps": ["b", "a"], "tags": ["b", "a"], "x": {"scores": [2, 1]}, "bbox": [2, 1]}
    Walker(rules, changes).compare(old, new, ())
    found = {(c.severity.value, c.kind.value, c.path) for c in changes.freeze()}
    assert found == {
        ("value", "order_changed", "$.steps"),
        ("volatile", "order_changed", "$.tags"),
        ("value", "value_changed", "$.bbox"),
    }
