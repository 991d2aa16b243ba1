"""The masker's `name=value` rule, at every size a report line can have.

Every value a report prints passes the masker, URIs included; a URI holding a long token
(a signed URL, a data blob in a query) made the rule try each of its characters as the
start of a name: a 20,000-character token took 28 s to print, a 200,000-character one hours.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import interaction, no_traceback, run_bounded, write_cassette
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool.secrets.masker import _PAIR, _pair, mask_at, mask_text
from cassettes_tool.secrets.rules import field_kind, may_name_credential

#: the rule as it was: the same matches, tried from every character
_BEFORE = re.compile(r"""([A-Za-z_][\w.-]*)(=|["']?\s*:\s*["']|:\s+)([^\s&#"'<>,;]+)""")

_TEXT = st.text(alphabet="ab9_.-=:\"' &,;<>xT\u00e9\u0662\n\t", max_size=40)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_the_rule_matches_the_same_names_values_and_spans_as_before(text: str) -> None:
    before = [(m.start(1), m.group(1), m.group(2), m.group(3), m.end()) for m in _BEFORE.finditer(text)]
    now = [(m.start(2), m.group(2), m.group(3), m.group(4), m.end()) for m in _PAIR.finditer(text)]
    assert now == before


#: names with a kind, written as real payloads and attackers write them: any case, separators
#: anywhere, letters that lower-case to ASCII (Kelvin sign, dotted I), non-ASCII between
_NAMED = st.sampled_from(
    [
        "password",
        "Pass_Word",
        "PWD",
        "api-key",
        "X-Api-Key",
        "to\u212aen",
        "s.e.c.r.e.t",
        "sessionId",
        "S\u0130D",
        "x_goog_signature",
        "Authorization",
        "csrf\u00e9token",
        "client\u0662secret",
        "sig",
    ]
)
_AROUND = st.text(alphabet="ab9_.-=:\"' &,;<>xT\u00e9\u0662\u212a\u0130\n", max_size=20)


@settings(max_examples=2000, deadline=None)
@given(_AROUND, _NAMED, st.sampled_from(["=", '": "', ": "]), _AROUND)
def test_the_name_screen_lets_through_every_name_with_a_kind(
    before: str, name: str, sep: str, after: str
) -> None:
    """`mask_text` runs the pair rule only where `may_name_credential` says a name may have a
    kind: whatever stands around such a name, the screen lets its text through."""
    assert field_kind(name) is not None
    text = f"{before}{name}{sep}hunter2-real{after}"
    assert may_name_credential(text)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet='pasword_tkenKycrfxhuig.-=: "\u212a\u0130\u00e9', max_size=30))
def test_a_text_the_screen_stops_has_no_pair_to_mask(text: str) -> None:
    if not may_name_credential(text):
        assert _PAIR.sub(_pair, text) == text


def test_a_digit_or_dash_before_the_name_is_kept_and_the_value_masked() -> None:
    assert mask_text("--password=hunter2-real") == "--password=<REDACTED:password>"
    assert mask_text("9token=ghp_notaplaceholder1234567890") == "9token=<REDACTED:secret-parameter>"


def test_a_uri_with_a_200k_character_token_is_scanned_and_shown(tmp_path: Path) -> None:
    blob = "A" * 200_000
    write_cassette(
        tmp_path / "cassettes/signed.yaml", interaction(f"https://files.example.com/get?data={blob}&x=1")
    )
    result = run_bounded(["scan", "cassettes", "--format", "json", "--no-cache"], cwd=tmp_path, timeout=60)
    no_traceback(result.stdout + result.stderr)
    assert result.returncode == 0, result.stderr
    assert blob in result.stdout  # a value, not a credential: shown whole


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "junit", "html"])
def test_a_changed_credential_field_is_never_shown_by_a_diff(fmt: str, tmp_path: Path, run: Any) -> None:
    """The report names the field in one place and its values in another (`"path":
    "$.password", "old": ...`), where the masker, reading values, saw no name: both
    passwords were printed, and in a request body's summary the new one too."""
    old, new = "hunter2-real-one", "other-real-two9"
    for side, password in (("old", old), ("new", new)):
        write_cassette(
            tmp_path / f"{side}/login.yaml",
            interaction(
                "https://api.example.com/login",
                method="POST",
                request_body=f'{{"user": "ada", "password": "{password}"}}',
                body=f'{{"user": "ada", "api_key": "{password}-key", "next": "next:page:2"}}',
            ),
        )
    args = ("diff", "old/login.yaml", "new/login.yaml", "--format", fmt, "--fail-on", "value")
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == 1, result.output  # the values changed, and the diff says so
    assert "api_key" in result.output  # by the path of the change
    for value in (old, new):
        assert value not in result.output, result.output
    assert "REDACTED" in result.output or "&lt;REDACTED" in result.output


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        ("$.password", "hunter2-real-one", "<REDACTED:password>"),
        ("$.users[*].password", "hunter2-real-one", "<REDACTED:password>"),
        ("$['x-api-key']", "k3y-v4lue-real-1", "<REDACTED:secret-parameter>"),
        (
            "$.data.client_secrets[0]",
            "s3cr3t-v4lue-real",
            "<REDACTED:secret-parameter>",
        ),  # an item of a list named so
        ("$.links[*].body.token", "next:naip:hi_m_2015558", "next:naip:hi_m_2015558"),  # a cursor
        ("$.password", "<REDACTED>", "<REDACTED>"),
        ("$.user.name", "ada lovelace", "ada lovelace"),
        ("$.password", 12345678, 12345678),
    ],
)
def test_a_value_at_a_credential_path_is_shown_as_its_placeholder(path: str, value: Any, shown: Any) -> None:
    assert mask_at(path, value) == shown
