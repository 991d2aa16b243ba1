"""The demo services drift between v1 and v2 as the story says, and the samples replay under vcrpy."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import vcr

from cassettes_tool import cassette
from cassettes_tool.demo.services import DEMO_USER, DemoServer

ROOT = Path(__file__).resolve().parents[2]


def _login(server: DemoServer) -> dict[str, Any]:
    answer = requests.post(server.url("https://auth.example.com/login"), json=DEMO_USER, timeout=5)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_v2_auth_adds_session_context(v1_server: DemoServer, v2_server: DemoServer) -> None:
    old, new = _login(v1_server), _login(v2_server)
    assert set(new) - set(old) == {"session_context"}
    assert new["session_context"] == {"device_id": "d-1", "auth_level": 2}
    me = requests.get(
        v2_server.url("https://auth.example.com/me"),
        headers={"Authorization": f"Bearer {new['token']}"},
        timeout=5,
    )
    assert me.status_code == 200 and me.json()["id"] == 42
    refused = requests.get(v2_server.url("https://auth.example.com/me"), timeout=5)
    assert refused.status_code == 401 and "WWW-Authenticate" in refused.headers


def test_v2_drifts_payments_users_catalog_and_files(v1_server: DemoServer, v2_server: DemoServer) -> None:
    def get(server: DemoServer, url: str) -> requests.Response:
        return requests.get(server.url(url), timeout=5)

    charge = "https://payments.example.com/charges/ch_1001"
    assert get(v1_server, charge).json()["amount"] == 1200
    assert get(v2_server, charge).json()["amount"] == "12.00"

    users = "https://users.example.com/users?page=1"
    assert "phone" in get(v1_server, users).json()["users"][0]
    v2_users = get(v2_server, users)
    assert "phone" not in v2_users.json()["users"][0]
    assert v2_users.headers["Deprecation"] == "true" and "Sunset" in v2_users.headers

    items = "https://catalog.example.com/items"
    raw = requests.get(v2_server.url(items), headers={"Accept-Encoding": "gzip"}, timeout=5, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(raw.raw.read()))
    assert all("sku" in item for item in body["items"])

    pdf = "https://files.example.com/report.pdf"
    assert get(v1_server, pdf).content != get(v2_server, pdf).content


def test_unknown_routes_and_methods(v1_server: DemoServer) -> None:
    assert requests.get(v1_server.origin + "/nowhere", timeout=5).status_code == 404
    assert requests.delete(v1_server.url("https://auth.example.com/login"), timeout=5).status_code == 405


def test_url_mapping_round_trips(v1_server: DemoServer) -> None:
    public = "https://users.example.com/users?page=2"
    local = v1_server.url(public)
    assert local == f"{v1_server.origin}/users/users?page=2"
    assert v1_server.public_url(local) == public
    assert v1_server.host_map()["auth.example.com"] == f"{v1_server.origin}/auth"


def test_sample_cassettes_replay_under_vcrpy(sample_cassettes: Path) -> None:
    """The bundled samples are real vcrpy cassettes: vcrpy plays them back with the network off."""
    recorder = vcr.VCR(record_mode="none")
    with recorder.use_cassette(str(sample_cassettes / "auth" / "login.yaml")):
        login = requests.post(
            "https://auth.example.com/login", json={"username": "ada", "password": "x"}, timeout=5
        )
        me = requests.get("https://auth.example.com/me", headers={"Authorization": "Bearer t"}, timeout=5)
    assert login.json()["user"]["id"] == 42 and me.json()["roles"] == ["admin", "billing"]
    with recorder.use_cassette(str(sample_cassettes / "catalog" / "items.yaml")), httpx.Client() as client:
        # recorded through httpx, replayed through httpx: the gzip body comes back decoded
        items = client.get("https://catalog.example.com/items", headers={"Accept-Encoding": "gzip"}).json()[
            "items"
        ]
    assert len(items) == 5 and "sku" not in items[0]


def test_samples_are_what_the_recording_script_makes(tmp_path: Path) -> None:
    """Rerunning the script gives the same cassettes but for volatile values."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "record_samples.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = sorted(
        p.relative_to(ROOT / "sample_cassettes") for p in (ROOT / "sample_cassettes").rglob("*.*")
    )
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.*"))
    assert fresh == committed
    for relative in committed:
        old = cassette.load(ROOT / "sample_cassettes" / relative)
        new = cassette.load(tmp_path / relative)
        assert [(i.request.method, i.request.uri, i.response.status) for i in old.interactions] == [
            (i.request.method, i.request.uri, i.response.status) for i in new.interactions
        ]
        assert old.serializer == new.serializer


@pytest.mark.slow
def test_wheel_bundles_the_demo_and_the_samples(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 and "No matching distribution found for hatchling" in done.stderr:
        pytest.skip("the build backend cannot be downloaded here")
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("cassettes_tool-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "cassettes_tool/demo/services.py" in names
    for sample in ("auth/login.yaml", "payments/charges.json", "catalog/items.yaml"):
        assert f"cassettes_tool/demo/sample_cassettes/{sample}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "cassettes = cassettes_tool.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
