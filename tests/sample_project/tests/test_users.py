"""Recorded with `vcr.use_cassette` itself, at a path of the suite's choosing."""

from __future__ import annotations

from pathlib import Path

import requests
import vcr

CASSETTES = Path(__file__).parent / "cassettes" / "direct"


def test_first_page_of_users(users_url: str) -> None:
    with vcr.use_cassette(str(CASSETTES / "users.yaml")):
        answer = requests.get(f"{users_url}/users", params={"page": 1})
    assert answer.status_code == 200
    assert answer.json()["total"] == 2
