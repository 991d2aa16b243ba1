"""Recorded through pytest-recording's mark and through a `VCR` of the suite's own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
import vcr

CASSETTES = Path(__file__).parent / "cassettes"
#: `none` when replaying, as in CI; the recording step sets `once`
own_vcr = vcr.VCR(record_mode=os.environ.get("RECORD_MODE", "none"))


@pytest.mark.vcr
def test_users_then_catalog(users_url: str, catalog_url: str) -> None:
    assert requests.get(f"{users_url}/users").status_code == 200
    assert requests.get(f"{catalog_url}/items").status_code == 200  # dropped after recording


def test_users_with_own_vcr(users_url: str) -> None:
    with own_vcr.use_cassette(str(CASSETTES / "direct" / "users.yaml")):
        assert requests.get(f"{users_url}/users").json()["total"] == 2
