"""Cassettes from public projects (../shared/corpus): read all of them, crash on none."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS

from cassettes_tool import cassette
from cassettes_tool.commands import scan as scan_command
from cassettes_tool.config import Config
from cassettes_tool.model.body import BodyKind
from cassettes_tool.model.result import Status

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no public corpus at {CORPUS}"),
]


def test_scan_reads_the_whole_corpus(run: Any) -> None:
    result = run("scan", "--format", "json", CORPUS)
    report = json.loads(result.stdout)
    statuses = Counter(c["status"] for c in report["cassettes"])
    assert statuses["ok"] >= 370, statuses
    errors = {Path(c["path"]).name: c["error"] for c in report["cassettes"] if c["status"] == "error"}
    # the only files we cannot read are the pre-1.0 ones, each told how to migrate
    assert set(errors) == {
        "old_cassette.json",
        "old_cassette.yaml",
        "domain_redirect.old.yaml",
        "domain_redirect.new.yaml",
    }
    assert all("python -m vcr.migration" in e for e in errors.values())
    assert result.exit_code == 3  # incomplete: some files could not be read


def test_lint_reads_the_whole_corpus_and_finds_leftovers(run: Any) -> None:
    result = run("lint", "--format", "json", CORPUS)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    kinds = Counter(p["kind"] for c in report["cassettes"] for p in c["problems"])
    assert kinds["old-format"] == 4
    # a real access token left in a public suite's rate-limit response
    leaked = [
        p
        for c in report["cassettes"]
        if c["path"].endswith("testratelimitstatus.json")
        for p in c["problems"]
    ]
    assert any(p["kind"] == "token-in-body" and "access_token" in p["message"] for p in leaked)
    assert all(p["line"] for p in leaked)


def test_python2_unicode_tags_and_flow_style() -> None:
    path = CORPUS / "pairs" / "tweepy" / "testupdateprofilebannerimage.old.yaml"
    assert "!!python/unicode" in path.read_text()
    loaded = cassette.load(path)
    assert len(loaded.interactions) == 3
    assert {i.request.method for i in loaded.interactions} == {"POST"}
    assert all(i.response.status == 201 for i in loaded.interactions)
    # the request body was stored as !!binary multipart; the reader hands back its bytes
    assert loaded.interactions[0].request.body.data.startswith(b"--Tw3ePy")


def test_httpx_stub_layout_before_vcrpy_6_is_listed() -> None:
    path = CORPUS / "vcrpy" / "tests" / "integration" / "cassettes" / "gzip_httpx_old_format.yaml"
    loaded = cassette.load(path)
    (interaction,) = loaded.interactions
    assert interaction.response.status == 200
    assert interaction.response.body.kind is BodyKind.JSON  # gzip header over a plain body
    assert interaction.response.body.value["gzipped"] is True
    assert "content" in (loaded.layout_note or "")


def test_aiohttp_json_bodies_stored_parsed() -> None:
    path = CORPUS / "tweepy" / "cassettes" / "test_asyncclient_bookmarks.yaml"
    loaded = cassette.load(path)
    post = next(i for i in loaded.interactions if i.request.method == "POST")
    assert post.request.body.value == {"tweet_id": "1507070437557096461"}


def test_parallel_scan_of_corpus_matches_serial() -> None:
    files = cassette.discover([CORPUS]).files
    assert cassette.map_files(cassette.summarize, files, workers=2) == [cassette.summarize(f) for f in files]
    assert scan_command.run((CORPUS,), Config()).count(Status.OK) >= 370
