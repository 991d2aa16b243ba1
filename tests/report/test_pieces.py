"""Reports written in pieces say, byte for byte, what the whole report said: the masker
sees every credential in a piece as it did in the whole text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool.model.result import CassetteResult, InteractionSummary, Problem, Report, Status
from cassettes_tool.report import json as json_report
from cassettes_tool.report import pieces
from cassettes_tool.secrets.masker import mask_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl"
KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc+/=\n-----END RSA PRIVATE KEY-----"

#: lines that end or start where a pattern could reach across the break
TRICKY = [
    "token:",
    ": abcdef0123456789abcdef",
    '"password"',
    '  : "hunter2-but-longer"',
    "Authorization: Bearer",
    "    abcdefghijklmnop0123456789",
    "api_key=",
    f"jwt {JWT}",
    *KEY.split("\n"),
    "plain words here",
    "   ",
    ":",
    "Bearer",
    "secret",
    "'client_secret'",
    "u:p4ssw0rd-long@",
    "    0  GET  api.example.com  /v2/users  200  application/json  1.2 KB",
    "",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TRICKY), max_size=40))
def test_pieces_mask_as_the_whole_text_does(lines: list[str]) -> None:
    text = [f"{line}\n" for line in lines]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pieces, "PIECE", 1)  # a break wherever one is allowed
        assert "".join(pieces.masked_pieces(text)) == mask_text("".join(text))


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TRICKY), max_size=40), st.integers(min_value=1, max_value=64))
def test_a_whole_text_in_pieces_is_masked_as_the_whole_text(lines: list[str], piece: int) -> None:
    text = "".join(f"{line}\n" for line in lines)
    assert pieces.masked_text(text, piece=piece) == mask_text(text)


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(
        ["hunter2-real", "sk-9f8a7b6c5d4e3f2a1b0c", "https://u:pw9x@h/p?token=ab12cd34ef", "a=b"]
    )
    | st.text(alphabet="ab9_.-=:\"' &,;<>\n\u00e9", max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["password", "api_key", "name", "pass", "uri", "x"]), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None)
@given(_JSON_VALUES, st.integers(min_value=1, max_value=64))
def test_indented_json_masked_a_few_lines_at_a_time_is_masked_as_a_whole(value: Any, chunk: int) -> None:
    """The JSON report is masked in chunks of lines, so the word screen skips most of them:
    with chunks down to a line each, the result is the whole text's."""
    text = json.dumps({"summary": {"pass": 1}, "data": value}, indent=2, ensure_ascii=False) + "\n"
    assert pieces.masked_text(text, piece=chunk) == mask_text(text)


def _report(count: int) -> Report:
    results = tuple(
        CassetteResult(
            path=Path(f"tests/cassettes/c{n:04d}.yaml"),
            status=Status.OK,
            serializer="yaml",
            size=1000 + n,
            interactions=(
                InteractionSummary(
                    0,
                    "GET",
                    f"https://api.example.com/v1/x?token={JWT}&n={n}",
                    "api.example.com",
                    "/v1/x",
                    200,
                    "application/json",
                    12,
                    "json",
                    3,
                ),
                InteractionSummary(
                    1,
                    "POST",
                    "https://u:secretpassword@api.example.com/login",
                    "api.example.com",
                    "/login",
                    401,
                    None,
                    0,
                    "empty",
                    9,
                ),
            ),
            problems=(Problem("S105", "jwt", f"JWT in body: {JWT[:8]}…", 9),),
        )
        for n in range(count)
    )
    return Report(command="lint", cassettes=results, notes=((Path("x"), "password: hunter2hunter2"),))


@pytest.mark.parametrize("limit", ["cassettes", "interactions"])
def test_a_large_json_report_in_pieces_is_the_report_masked_whole(
    limit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past 500 cassettes, or 5,000 interactions in all (one huge cassette), each cassette is
    written on one line by json's C encoder."""
    if limit == "interactions":
        monkeypatch.setattr(json_report, "_PRETTY_MAX_INTERACTIONS", 30)
        report = _report(40)
    else:
        report = _report(json_report._PRETTY_MAX + 20)
    data = json_report.to_json(report)
    cassettes = data.pop("cassettes")
    head = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    lines = ",\n    ".join(json.dumps(c, ensure_ascii=False, default=str) for c in cassettes)
    whole = mask_text(head[:-2] + ',\n  "cassettes": [\n    ' + lines + "\n  ]\n}\n")
    assert "".join(json_report.json_pieces(report)) == whole
    assert json_report.render_json(report) == whole
    assert JWT not in whole and "secretpassword" not in whole
