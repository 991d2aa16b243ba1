"""Recorded through pytest-recording's mark: a login, then a call with the token it gave."""

from __future__ import annotations

import pytest
import requests


@pytest.mark.vcr
def test_login_then_me(auth_url: str) -> None:
    with requests.Session() as session:
        login = session.post(f"{auth_url}/login", json={"username": "ada", "password": "correct-horse"})
        assert login.status_code == 200
        token = login.json()["token"]
        me = session.get(f"{auth_url}/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["name"] == "Ada Lovelace"
