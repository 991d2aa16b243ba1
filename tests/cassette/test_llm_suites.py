"""Real cassettes of LLM suites (tests/data: pydantic-ai, langchain-aws, crewAI) read by default,
shown, excluded, and written back in their own layout, as their own serializers read them."""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from cassettes_tool import cassette
from cassettes_tool.cassette.formats.custom import import_serializer
from cassettes_tool.errors import ConfigError, NotACassette

DATA = Path(__file__).resolve().parents[1] / "data"
PARSED = DATA / "pydantic-ai" / "test_google_decimal_native_output.yaml"
STREAMED = DATA / "pydantic-ai" / "test_dbos_agent_iter_in_workflow.yaml"
GZIPPED = DATA / "langchain-aws" / "test_agent_loop[v1].yaml.gz"


def test_every_real_llm_cassette_reads_with_zero_errors(run: Any) -> None:
    suites = [DATA / name for name in ("pydantic-ai", "langchain-aws", "crewai")]
    result = run("scan", "--format", "json", *suites)
    report = json.loads(result.stdout)
    statuses = Counter(c["status"] for c in report["cassettes"])
    assert statuses == {"ok": 8, "skipped": 2}, report["cassettes"]
    assert result.exit_code == 0  # other recording formats are skipped, not incomplete
    skipped = {Path(c["path"]).name: c["error"] for c in report["cassettes"] if c["status"] == "skipped"}
    assert "WebSocket frame transcript" in skipped["test_history_seeding_parity[google-current].yaml"]
    assert "gRPC" in skipped["test_xai_grok_45_thinking.xai.yaml"]
    bodies = [i for c in report["cassettes"] for i in c.get("interactions", [])]
    assert all(i["body_size"] > 0 for i in bodies)
    serializers = Counter(c["serializer"] for c in report["cassettes"] if c["status"] == "ok")
    assert serializers == {"yaml": 2, "yaml+parsed_body": 3, "yaml+requests/responses": 3}


def test_exclude_globs_are_honoured(run: Any, tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.cassettes]\nexclude = ["**/websocket/**", "*.xai.yaml", "crewai/"]\n')
    project = tmp_path / "data"
    import shutil

    for suite in ("pydantic-ai", "langchain-aws", "crewai"):
        shutil.copytree(DATA / suite, project / suite)
    result = run("scan", "--format", "json", "data", cwd=tmp_path)
    names = {Path(c["path"]).name for c in json.loads(result.stdout)["cassettes"]}
    assert len(names) == 6 and not any("xai" in n or "parity" in n for n in names)
    assert not any("gemini" in n.lower() or "bedrock_async" in n for n in names)


def test_parsed_body_is_read_and_shown(run: Any) -> None:
    loaded = cassette.load(PARSED)
    assert loaded.serializer == "yaml+parsed_body"
    response = loaded.interactions[0].response
    assert response.body.kind.value == "json" and response.body.value["candidates"]
    shown = run("show", PARSED).stdout
    assert "response body: application/json" in shown and '"candidates": [' in shown
    assert "body: empty" not in shown


def test_streams_are_shown_event_by_event(run: Any) -> None:
    shown = run("show", STREAMED).stdout
    assert "text/event-stream" in shown and "12 events" in shown
    assert "    [event 0]\n        {" in shown
    assert "[event 11] [DONE]" in shown
    conv = run("show", "--textconv", STREAMED).stdout
    assert '"id": "chatcmpl-' not in conv or "<" in conv  # volatile values as their kind
    assert conv.count("[event ") == 12


def test_gzip_cassette_is_read(run: Any) -> None:
    loaded = cassette.load(GZIPPED)
    assert loaded.serializer == "yaml+requests/responses"
    assert [i.request.method for i in loaded.interactions] == ["POST", "POST"]
    assert loaded.interactions[0].response.body.kind.value == "json"


def test_a_gzip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml.gz"
    bomb.write_bytes(gzip.compress(b"interactions: []\n" + b" " * (300 * 1024 * 1024)))
    with pytest.raises(Exception, match="more than"):
        cassette.load(bomb)


# -- written back in the same layout, read back by the project's own reader through real vcrpy --


class _ParsedBodyReader:
    """What pydantic-ai's json_body_serializer.deserialize does: parsed_body back to text."""

    @staticmethod
    def deserialize(text: str) -> Any:
        data = yaml.safe_load(text)
        for interaction in data["interactions"]:
            for kind, side in interaction.items():
                parsed = side.pop("parsed_body", None)
                if parsed is not None:
                    dumped = json.dumps(parsed)
                    side["body"] = {"string": dumped} if kind == "response" else dumped
        return data

    @staticmethod
    def serialize(data: Any) -> str:
        raise AssertionError("read only")


class _LangchainPersister:
    """What langchain_tests' CustomPersister/CustomSerializer do: gzip, YAML, requests/responses."""

    @staticmethod
    def load_cassette(cassette_path: Any, serializer: Any) -> Any:
        from vcr.request import Request

        data = yaml.safe_load(gzip.decompress(Path(cassette_path).read_bytes()).decode("utf-8"))
        return [Request(**r) for r in data["requests"]], data["responses"]

    @staticmethod
    def save_cassette(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        raise AssertionError("read only")


def _refreshed_copy(original: Path, scratch: Path) -> Path:
    """A copy written as refresh writes one (vcrpy's pairs, the cassette's own serializer), then
    applied over the original as apply does (the copy's bytes, atomically)."""
    loaded = cassette.load(original)
    pairs = cassette.recorded_pairs(loaded)
    assert pairs is not None
    copy = scratch / original.name
    cassette.write_atomic(copy, cassette.dumps(pairs, cassette.serializer_for(loaded.serializer)))
    target = scratch / "applied" / original.name
    cassette.write_atomic(target, copy.read_bytes())
    return target


def test_parsed_body_round_trip_through_vcrpy(tmp_path: Path) -> None:
    from vcr.cassette import Cassette as VcrCassette

    applied = _refreshed_copy(PARSED, tmp_path)
    text = applied.read_text()
    assert "parsed_body:" in text and "string:" not in text.split("response:")[1].split("headers:")[0]
    played = VcrCassette.load(path=str(applied), serializer=_ParsedBodyReader)
    original = VcrCassette.load(path=str(PARSED), serializer=_ParsedBodyReader)
    assert len(played) == len(original) == 1
    old, new = original.data[0][1], played.data[0][1]
    assert json.loads(new["body"]["string"]) == json.loads(old["body"]["string"])
    assert cassette.load(applied).serializer == "yaml+parsed_body"


def test_gzip_round_trip_through_vcrpy(tmp_path: Path) -> None:
    from vcr.cassette import Cassette as VcrCassette

    applied = _refreshed_copy(GZIPPED, tmp_path)
    assert applied.read_bytes()[:2] == b"\x1f\x8b"
    played = VcrCassette.load(path=str(applied), persister=_LangchainPersister)
    original = VcrCassette.load(path=str(GZIPPED), persister=_LangchainPersister)
    assert len(played) == len(original) == 2
    for (old_req, old_resp), (new_req, new_resp) in zip(original.data, played.data, strict=True):
        assert (new_req.method, new_req.uri, new_req.body) == (old_req.method, old_req.uri, old_req.body)
        assert new_resp["body"]["string"] == old_resp["body"]["string"]


def test_serializer_may_name_a_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_serializer.py").write_text(
        "import yaml\n"
        "def deserialize(text):\n    return yaml.safe_load(text)\n"
        "def serialize(data):\n    return yaml.safe_dump(data)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    custom = import_serializer("my_serializer", root=tmp_path)
    assert custom.serializer is sys.modules["my_serializer"]
    loaded = cassette.load(STREAMED, custom)
    assert loaded.serializer == "my_serializer"
    with pytest.raises(ConfigError, match=r"package\.module"):
        import_serializer("my_serializer:", root=tmp_path)


def test_other_recording_formats_are_named() -> None:
    with pytest.raises(NotACassette, match="WebSocket"):
        cassette.load(DATA / "pydantic-ai" / "websocket" / "test_history_seeding_parity[google-current].yaml")


def test_lint_fix_masks_a_gzip_cassette_and_keeps_it_compressed(run: Any, tmp_path: Path) -> None:
    data = yaml.safe_load(gzip.decompress(GZIPPED.read_bytes()))
    data["requests"][0]["headers"]["authorization"] = ["Bearer sk-proj-" + "a1B2c3D4e5" * 4]
    target = tmp_path / "planted.yaml.gz"
    target.write_bytes(gzip.compress(yaml.safe_dump(data).encode()))
    assert run("lint", "--fix", target).exit_code == 1
    fixed = target.read_bytes()
    assert fixed[:2] == b"\x1f\x8b"
    text = gzip.decompress(fixed).decode()
    assert "<REDACTED:bearer-token>" in text and "sk-proj-" not in text
    assert "requests:" in text and "interactions:" not in text  # langchain's own layout
    assert run("lint", target).exit_code == 0


def test_check_and_age_take_compressed_cassettes_as_scan_does(run: Any, tmp_path: Path) -> None:
    """The content test that keeps fixtures out of `age` and `check` must not keep `*.yaml.gz` out."""
    import shutil

    folder = tmp_path / "cassettes"
    folder.mkdir()
    shutil.copy(GZIPPED, folder / GZIPPED.name)
    (folder / "fixture.json").write_text('{"type": "Feature", "bbox": [1, 2, 3, 4]}')
    scanned = {
        Path(c["path"]).name for c in json.loads(run("scan", "--format", "json", folder).stdout)["cassettes"]
    }
    checked = json.loads(run("check", "--offline", "--format", "json", folder).stdout)["cassettes"]
    aged = json.loads(run("age", "--format", "json", folder).stdout)["cassettes"]
    assert GZIPPED.name in scanned
    assert {Path(c["path"]).name for c in checked} == {GZIPPED.name}
    assert {Path(c["path"]).name for c in aged} == {GZIPPED.name}
