"""Deleted after recording: its cassette stays behind, opened by no test."""

from __future__ import annotations

import pytest
import requests


@pytest.mark.vcr
def test_catalog(catalog_url: str) -> None:
    assert requests.get(f"{catalog_url}/items").status_code == 200
