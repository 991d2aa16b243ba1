"""The fast path finds exactly what the plain walk finds.

`reference` turns the fast path off: every body is walked node by node and shapes are
searched with the one combined expression. `fast` screens every body, whatever its size,
and searches shapes from their literals. Both must report the same findings, in the same
order, on the planted set, on the public corpus and on the labelled suites (when present),
and on large bodies with a credential planted anywhere.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcr.request import Request as VcrRequest
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from cassettes_tool import cassette
from cassettes_tool.cassette import decode
from cassettes_tool.model import Headers, Interaction, Request, Response
from cassettes_tool.model.cassette import Cassette
from cassettes_tool.secrets import scan, shapes
from cassettes_tool.secrets.rules import SHAPE, SHAPE_STARTS
from cassettes_tool.secrets.text import Located, find_in_cassette

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
#: the labelled suites' cassettes, a folder per project (see tests/data/secrets/README.md)
SUITES = os.environ.get("CASSETTES_SECRETS_SRC")


@contextmanager
def mode(screen_from: int, long_from: int) -> Iterator[None]:
    saved = scan.SCREEN_FROM, shapes._LONG
    scan.SCREEN_FROM, shapes._LONG = screen_from, long_from
    try:
        yield
    finally:
        scan.SCREEN_FROM, shapes._LONG = saved


def both(find: Callable[[], list[Located]]) -> tuple[list[Located], list[Located]]:
    with mode(0, 0):
        ours = find()
    with mode(1 << 62, 1 << 62):
        plain = find()
    return ours, plain


def _agree_on(folder: Path) -> int:
    files = 0
    for path in cassette.discover([folder]).files:
        loaded = cassette.read(path, None)
        if not isinstance(loaded, Cassette):
            continue
        files += 1
        for lookalikes in (False, True):
            ours, plain = both(lambda: find_in_cassette(loaded, lookalikes=lookalikes))  # noqa: B023
            assert ours == plain, path
    return files


def test_the_planted_set_agrees(tmp_path: Path) -> None:
    script = DATA / "secrets" / "make_planted.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    assert _agree_on(tmp_path / "cassettes") == 5


def test_the_bundled_cassettes_agree() -> None:
    assert _agree_on(DATA) > 10
    assert _agree_on(ROOT / "sample_cassettes") > 3


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no public corpus at {CORPUS}")
def test_the_public_corpus_agrees() -> None:
    assert _agree_on(CORPUS) > 300


@pytest.mark.skipif(not SUITES, reason="CASSETTES_SECRETS_SRC names no labelled suites")
def test_the_labelled_suites_agree() -> None:
    assert SUITES is not None
    assert _agree_on(Path(SUITES)) > 1000


# ---------------------------------------------------------------------------- shapes

_NOISE = st.text(alphabet=st.sampled_from('aeyJIAKS_-Bb rkhfxot0189.=+/"\\\n'), max_size=40)
_PIECE = st.one_of(
    st.sampled_from(SHAPE_STARTS),
    st.sampled_from(["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", "AKIAIOSFODNN7EXAMPLE", "Bearer "]),
    _NOISE,
)


@given(st.lists(_PIECE, max_size=30).map("".join))
@settings(max_examples=400, deadline=None)
def test_shapes_from_their_literals_are_the_combined_search(text: str) -> None:
    with mode(0, 0):
        ours = [(m.span(), m.lastgroup) for m in shapes.shape_spans(text)]
    assert ours == [(m.span(), m.lastgroup) for m in SHAPE.finditer(text)]


# ---------------------------------------------------------------------------- planted in large bodies

SECRETS = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ",
    "AKIAQ3EGRZ4BN7XK2M5P",
    "ghp_" + "Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5",
    "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
    "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6",
    "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END RSA PRIVATE KEY-----",
)
#: names that make any real-looking value a credential, and names that do not
NAMES = ("password", "client_secret", "apiKey", "X-Session-Token", "sess_id", "key", "note", "text", "value")
PLAIN_VALUE = "q8w7e6r5t4y3u2i1o0p9z"
HEX_VALUE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _item(n: int) -> dict[str, object]:
    return {
        "id": f"0b9e{n:04d}-6f3c-4a57-9d1e-58b0c4e2a{n:03d}",
        "created_at": "2026-01-02T03:04:05+00:00",
        "title": "Shipping address for the order, with a long description of the parcel",
        "token_count": n,
        "links": {"self": f"https://api.example.com/v1/orders/{n}?expand=customer&page=2"},
        "tags": ["billing", "customer", "priority"],
    }


def _json_body(items: int, at: int, key: str, value: str, nested: str) -> bytes:
    data: dict[str, object] = {"data": [_item(n) for n in range(items)]}
    target = data["data"][at]  # type: ignore[index]
    if nested == "json-in-string":
        value = json.dumps({key: value})
        key = "payload"
    elif nested == "base64":
        value = base64.b64encode(json.dumps({key: value}).encode()).decode()
        key = "blob"
    elif nested == "url":
        value = f'https://cdn.example.com/f.png?q="a"&{key}={value}'
        key = "download"
    target[key] = value
    return json.dumps(data).encode()


def _sse_body(events: int, at: int, key: str, value: str) -> bytes:
    lines = []
    for n in range(events):
        delta = {"type": "text_delta", "text": f" word{n} of the answer"}
        if n == at:
            delta[key] = value
        lines.append(f"event: content_block_delta\ndata: {json.dumps({'delta': delta})}\n\n")
    return "".join(lines).encode()


def _interaction(body: bytes, media: str) -> Interaction:
    request = Request("GET", "https://api.example.com/v1/orders", Headers(), decode(b"", None, None))
    headers = Headers((("Content-Type", media),))
    return Interaction(0, request, Response(200, "OK", headers, decode(body, media, None)))


@given(
    at=st.integers(0, 59),
    key=st.sampled_from(NAMES),
    value=st.sampled_from((*SECRETS, PLAIN_VALUE, HEX_VALUE)),
    nested=st.sampled_from(("plain", "json-in-string", "base64", "url")),
    stream=st.booleans(),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_credential_planted_in_a_large_body_is_found_where_it_is(
    at: int, key: str, value: str, nested: str, stream: bool
) -> None:
    if stream:
        interaction = _interaction(_sse_body(60, at, key, value), "text/event-stream")
    else:
        interaction = _interaction(_json_body(60, at, key, value, nested), "application/json")
    with mode(0, 0):
        ours = scan.scan_interaction(interaction)
    with mode(1 << 62, 1 << 62):
        plain = scan.scan_interaction(interaction)
    assert ours == plain
    if value in SECRETS and nested == "plain" and not stream:
        where = {f.where for f in ours if value in (f.value, f.secret) or f.value in value}
        assert f"response.body $.data[{at}].{key}" in where or f"response.body $.data[{at}]['{key}']" in where


@pytest.mark.parametrize(
    ("key", "value", "nested"),
    [
        ("password", PLAIN_VALUE, "url"),  # a quote in the query before the name
        ("sess_id", PLAIN_VALUE, "json-in-string"),  # a separator inside a credential word
        ("key", HEX_VALUE, "plain"),  # Tenable's bare hex linking key
        ("apiKey", PLAIN_VALUE, "base64"),
    ],
)
def test_named_values_in_large_bodies_are_found(key: str, value: str, nested: str) -> None:
    interaction = _interaction(_json_body(60, 7, key, value, nested), "application/json")
    with mode(0, 0):
        ours = scan.scan_interaction(interaction)
    with mode(1 << 62, 1 << 62):
        plain = scan.scan_interaction(interaction)
    assert ours == plain
    assert ours, "the planted value is a finding"


@given(at=st.integers(0, 59), value=st.sampled_from(SECRETS[:8]))
@settings(max_examples=25, deadline=None)
def test_a_planted_credential_is_placed_on_its_line(
    tmp_path_factory: pytest.TempPathFactory, at: int, value: str
) -> None:
    body = _json_body(60, at, "note", value, "plain")
    record = {
        "requests": [VcrRequest("GET", "https://api.example.com/v1/orders", None, {})],
        "responses": [
            {
                "status": {"code": 200, "message": "OK"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": json.dumps(json.loads(body), indent=1)},
            }
        ],
    }
    path = tmp_path_factory.mktemp("planted") / "big.yaml"
    path.write_text(serialize(record, yamlserializer))
    loaded = cassette.read(path, None)
    assert isinstance(loaded, Cassette)
    ours, plain = both(lambda: find_in_cassette(loaded))
    assert ours == plain
    lines = path.read_text().splitlines()
    hits = [located for located in ours if located.finding.value in value or value in located.finding.value]
    assert hits and all(located.line is not None for located in hits)
    assert all(located.finding.value[:12] in lines[located.line - 1] for located in hits if located.line)
