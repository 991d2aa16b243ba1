"""Where the services live: the public hosts by default, staging when the environment says."""

from __future__ import annotations

import os
from typing import Any

import pytest


def base_url(variable: str, default: str) -> str:
    return os.environ.get(variable, default).rstrip("/")


@pytest.fixture
def auth_url() -> str:
    return base_url("AUTH_BASE_URL", "https://auth.example.com")


@pytest.fixture
def users_url() -> str:
    return base_url("USERS_BASE_URL", "https://users.example.com")


@pytest.fixture
def payments_url() -> str:
    return base_url("PAYMENTS_BASE_URL", "https://payments.example.com")


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """pytest-recording's settings: the password never reaches a cassette."""
    return {"filter_post_data_parameters": [("password", "FILTERED")]}
