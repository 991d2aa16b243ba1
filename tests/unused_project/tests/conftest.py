"""Where the services live: the public hosts by default, the demo services when recording."""

from __future__ import annotations

import os
from typing import Any

import pytest


@pytest.fixture
def users_url() -> str:
    return os.environ.get("USERS_BASE_URL", "https://users.example.com")


@pytest.fixture
def catalog_url() -> str:
    return os.environ.get("CATALOG_BASE_URL", "https://catalog.example.com")


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Replay would rewrite a cassette without the interactions it did not play: `unused`
    must keep the originals byte-identical all the same."""
    return {"drop_unused_requests": True}
