"""The pytest plugin's pieces: inert by default, the reverse host map, the run's paths, the log.

End to end through a real test suite: test_via_pytest.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vcr.cassette import Cassette as VcrCassette

from cassettes_tool import cassette
from cassettes_tool.model import Cassette
from cassettes_tool.refresh import plugin as pytest_plugin
from cassettes_tool.refresh.mapping import recorded_uri, reverse_bases
from cassettes_tool.refresh.suite_log import PRIVATE, Plan, append_event, read_log, read_plan, write_plan

BASES = (
    ("http://127.0.0.1:8080/auth", "https://auth.example.com"),
    ("http://127.0.0.1:8080", "https://api.example.com"),
    ("https://staging.example.com/v2/", "http://legacy.example.com:8000"),
)


def test_the_plugin_is_installed_and_inert_unless_a_run_asks(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.get_plugin("cassettes") is pytest_plugin
    assert pytest_plugin._active is None
    assert not hasattr(VcrCassette.__init__, "__wrapped__")  # vcrpy as it came


@pytest.mark.parametrize(
    ("sent", "recorded"),
    [
        ("http://127.0.0.1:8080/auth/login", "https://auth.example.com/login"),
        ("http://127.0.0.1:8080/auth", "https://auth.example.com/"),
        ("http://127.0.0.1:8080/authors?page=2", "https://api.example.com/authors?page=2"),
        ("HTTP://127.0.0.1:8080/users", "https://api.example.com/users"),
        ("https://staging.example.com:443/v2/items?q=a%20b", "http://legacy.example.com:8000/items?q=a%20b"),
        ("https://staging.example.com/v1/items", None),
        ("http://127.0.0.1:9090/auth/login", None),
        ("https://auth.example.com/login", None),
    ],
)
def test_recorded_uri_undoes_the_map(sent: str, recorded: str | None) -> None:
    assert recorded_uri(sent, BASES) == recorded


def _cassette(tmp_path: Path, *uris: str) -> Cassette:
    interactions = [
        {
            "request": {"method": "GET", "uri": uri, "body": None, "headers": {}},
            "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": ""}},
        }
        for uri in uris
    ]
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"version": 1, "interactions": interactions}))
    return cassette.load(path)


def test_reverse_bases_take_the_scheme_and_port_the_originals_recorded(tmp_path: Path) -> None:
    original = _cassette(tmp_path, "http://api.example.com:8000/x", "https://auth.example.com/login")
    hosts = {"api.example.com": "http://127.0.0.1:1/api", "Auth.example.com": "http://127.0.0.1:1/auth"}
    hosts["files.example.com"] = "http://127.0.0.1:1/files"
    assert reverse_bases(hosts, [original]) == (
        ("http://127.0.0.1:1/api", "http://api.example.com:8000"),
        ("http://127.0.0.1:1/auth", "https://auth.example.com"),
        ("http://127.0.0.1:1/files", "https://files.example.com"),  # not in any original: https
    )


def test_a_cassette_is_recorded_at_its_relative_path_in_the_run(tmp_path: Path) -> None:
    root, folder = tmp_path / "project", tmp_path / "project" / ".cassettes" / "scratch" / "run"
    plan = Plan(root, folder)
    assert plan.copy_of(root / "tests" / "c" / "a.yaml") == (
        "tests/c/a.yaml",
        folder / "tests" / "c" / "a.yaml",
    )
    assert plan.copy_of(folder / "tests" / "a.yaml") == ("tests/a.yaml", folder / "tests" / "a.yaml")
    outside = tmp_path / "elsewhere" / "b.yaml"
    relative, copy = plan.copy_of(outside)
    assert relative is None
    assert copy.is_relative_to(folder / PRIVATE) and copy.name == "b.yaml"


def test_the_plan_round_trips(tmp_path: Path) -> None:
    plan = Plan(tmp_path, tmp_path / "run", BASES, serializer="project.serializers:compact")
    write_plan(plan)
    assert read_plan(tmp_path / "run") == plan
    (tmp_path / "run" / PRIVATE / "plan.json").write_text('{"schema": "other/1"}')
    with pytest.raises(ValueError, match="not a cassettes-pytest-plan/1 plan"):
        read_plan(tmp_path / "run")


def test_the_log_keeps_failures_and_passes_over_a_torn_line(tmp_path: Path) -> None:
    events = [
        {"event": "configured", "pid": 1},
        {"event": "opened", "path": "c/a.yaml", "test": "t.py::a"},
        {"event": "test", "test": "t.py::a", "where": "t.py::a", "outcome": "passed", "when": "call"},
        {"event": "test", "test": "t.py::a", "where": "t.py::a", "outcome": "failed", "when": "teardown"},
        # pytest-xdist's controller repeats what its workers reported
        {"event": "test", "test": "t.py::a", "where": "t.py::a", "outcome": "passed", "when": "call"},
        {"event": "saved", "path": "c/a.yaml", "test": "t.py::a", "masked": [], "unmapped": ["http://x:1"]},
        {"event": "opened", "path": "c/a.yaml", "test": "t.py::b"},
        {
            "event": "saved",
            "path": "c/a.yaml",
            "test": "t.py::b",
            "masked": [{"kind": "jwt", "interaction": 1, "where": "response.body $.t"}],
            "unmapped": ["http://x:1"],
        },
    ]
    for event in events:
        append_event(tmp_path, event)
    with (tmp_path / PRIVATE / "events.jsonl").open("a") as log:
        log.write('{"event": "opened", "pa')  # a worker killed half-way through a line

    read = read_log(tmp_path)

    assert read.active
    assert read.tests["t.py::a"].outcome == "failed" and read.tests["t.py::a"].when == "teardown"
    recording = read.recordings["c/a.yaml"]
    assert recording.tests == ("t.py::a", "t.py::b") and recording.saved
    assert recording.unmapped == ("http://x:1",)
    assert [(m.kind, m.interaction) for m in recording.masked] == [("jwt", 1)]
