"""What `cassettes refresh` prints: grouped by why interactions were skipped, and few progress lines in a pipe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.cli import drift
from cassettes_tool.demo.services import DemoServer


@pytest.fixture
def seven(record_cassette: Any) -> Path:
    """Seven cassettes by real vcrpy: five hosts, a POST, some hosts in several cassettes."""
    record_cassette("auth/login.yaml", "login", filter_post_data_parameters=[])
    record_cassette("auth/again.yaml", "login", filter_post_data_parameters=[])
    record_cassette("payments/charges.json", "payments", client="httpx")
    record_cassette("catalog/items.yaml", "catalog", client="httpx")
    record_cassette("users/list.yaml", "users")
    record_cassette("users/more.yaml", "users")
    return record_cassette("files/report.yaml", "report").parents[1]


def test_skipped_interactions_are_one_line_per_reason(seven: Path, v2_server: DemoServer, run: Any) -> None:
    payments = v2_server.host_map()["payments.example.com"]
    result = run("refresh", "cassettes", "--map", f"payments.example.com={payments}")
    assert result.exit_code == 3, result.output  # nothing of six cassettes was sent: incomplete
    lines = result.stdout.splitlines()
    skipped = [line for line in lines if line.startswith("skipped")]
    assert skipped == [
        "skipped    host auth.example.com is not mapped: 4 interactions in 2 cassettes "
        "(--map auth.example.com=BASE_URL)",
        "skipped    host users.example.com is not mapped: 2 interactions in 2 cassettes "
        "(--map users.example.com=BASE_URL)",
        "skipped    host catalog.example.com is not mapped: 1 interaction in 1 cassette "
        "(--map catalog.example.com=BASE_URL)",
        "skipped    host files.example.com is not mapped: 1 interaction in 1 cassette "
        "(--map files.example.com=BASE_URL)",
        "skipped    method POST is not allowed: 1 interaction in 1 cassette (--allow-method POST)",
    ]
    assert not [line for line in lines if line.startswith("    #")]  # no line per interaction
    assert lines[-2] == (
        "refreshed 1 of 7 cassettes (1 interaction); skipped 9 interactions "
        "(8 host not mapped, 1 method not allowed); 6 cassettes not refreshed"
    )
    assert len(lines) == 1 + len(skipped) + 2  # the refreshed cassette, the reasons, totals and run

    verbose = run("refresh", "cassettes", "--map", f"payments.example.com={payments}", "--verbose")
    per_interaction = [line for line in verbose.stdout.splitlines() if line.startswith("    #")]
    assert len(per_interaction) == 10
    assert "skipped    cassettes/users/more.yaml: nothing was sent: host users.example.com" in verbose.stdout


def test_progress_in_a_pipe_is_a_line_every_few_seconds(
    seven: Path, v2_server: DemoServer, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    maps = [arg for host, url in v2_server.host_map().items() for arg in ("--map", f"{host}={url}")]
    result = run("refresh", "cassettes", *maps, "--allow-method", "POST")
    assert result.exit_code == 0, result.output
    progress = result.stderr.splitlines()
    assert len(progress) == 1, result.stderr  # a quick run: the last line only, not one per cassette
    assert progress[0].startswith("refresh: 7/7 cassettes, 10 interactions (")

    monkeypatch.setattr(drift, "PIPE_PROGRESS_EVERY", 0.0)  # every update is due: one per update
    every = run("refresh", "cassettes", *maps, "--allow-method", "POST").stderr.splitlines()
    assert len(every) > 7 and every[-1].startswith("refresh: 7/7 cassettes")
