"""One table of secret rules: every kind the scanner reports has a code, a name and a placeholder."""

from __future__ import annotations

import base64
import re

from cassettes_tool.cassette import decode
from cassettes_tool.lint.codes import CODES, SECRET_NAMES, known_codes
from cassettes_tool.model import Headers, Interaction, Request, Response
from cassettes_tool.secrets import scan_interaction
from cassettes_tool.secrets.rules import RULES, SECRET_RULES, SHAPE_KINDS

#: one planted value of every kind, each where the scanner looks for it (fake, real-shaped)
_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ"
_PLANTED = {
    "request_headers": (
        ("Authorization", "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"),
        ("Proxy-Authorization", "Basic " + base64.b64encode(b"ada:lovelace-1843").decode()),
        ("X-Api-Key", "k7Hq2mZp9XwL4vNc8RtY"),
        ("Cookie", "sessionid=8d7c6b5a4f3e2d1c0b9a"),
    ),
    "uri": "https://ada:s3cr3t-pa55w0rd@api.example.com/x?api_key=Zk9f8e7d6c5b4a3",
    "request_body": b"token=AKIAIOSFODNN7EXAMPLE&password=correct-horse-battery",
    "body": (
        '{"access_token": "'
        + _JWT
        + '", "password": "tr0ub4dor&3-staple", "auth_token": "q8w7e6r5t4y3u2i1o0p9",'
        ' "note": "ghp_'
        + "a" * 18
        + "B" * 18
        + " sk_live_4eC39HqLyjWDarjtT1zdp7dc xoxb-1234567890-abcdefghij"
        " AIza" + "S" * 35 + " -----BEGIN RSA PRIVATE KEY-----\\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\\n"
        '-----END RSA PRIVATE KEY-----"}'
    ).encode(),
}


def _planted() -> Interaction:
    request_headers = Headers(
        (*_PLANTED["request_headers"], ("Content-Type", "application/x-www-form-urlencoded"))
    )
    response_headers = Headers((("Content-Type", "application/json"),))
    request_body = _PLANTED["request_body"]
    body = _PLANTED["body"]
    assert isinstance(request_body, bytes) and isinstance(body, bytes)
    return Interaction(
        0,
        Request(
            "POST",
            str(_PLANTED["uri"]),
            request_headers,
            decode(request_body, "application/x-www-form-urlencoded", None),
        ),
        Response(200, "OK", response_headers, decode(body, "application/json", None)),
    )


def test_every_rule_has_a_code_and_a_name() -> None:
    for rule in SECRET_RULES:
        assert re.fullmatch(r"S2\d\d" if rule.opt_in else r"S1\d\d", rule.code), rule
        assert rule.name and CODES[rule.kind] == rule.code and SECRET_NAMES[rule.kind] == rule.name
    assert len(RULES) == len(SECRET_RULES), "a kind is listed twice"
    assert set(SHAPE_KINDS.values()) == {rule.kind for rule in SECRET_RULES if rule.shape}


def test_every_kind_the_scanner_reports_is_a_rule() -> None:
    found = scan_interaction(_planted())
    kinds = {finding.kind for finding in found}
    # the planted interaction reaches every path of the scanner: by name and by shape
    assert {"bearer-token", "basic-auth", "credential-header", "cookie", "url-password", "jwt"} <= kinds
    assert {"password", "token-in-body", "github-token", "stripe-key", "slack-token"} <= kinds
    assert {"google-api-key", "private-key", "aws-access-key"} <= kinds
    for finding in found:
        assert finding.kind in RULES, f"{finding.kind} has no rule: lint would fail with a KeyError"
        assert finding.placeholder == f"<REDACTED:{finding.kind}>"


def test_unknown_code_message_is_made_from_the_tables() -> None:
    text = known_codes()
    low = min(code for code in CODES.values() if code.startswith("S"))
    high = max(code for code in CODES.values() if code.startswith("S"))
    assert f"{low}-{high}" in text and "C001-C010" in text
