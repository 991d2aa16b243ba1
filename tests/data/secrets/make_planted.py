#!/usr/bin/env python3
"""Write a folder of vcrpy-format YAML cassettes with planted, real-shaped but FAKE credentials
(must be flagged) and near-misses (must not be flagged), plus a manifest of every planted value.

    python make_planted.py [OUT_DIR]        # default: ./planted

OUT_DIR/cassettes/*.yaml   the cassettes (vcrpy `version: 1` layout, PyYAML-loadable)
OUT_DIR/manifest.jsonl     one object per planted value:
    {"id", "expect": "flag"|"no-flag", "kind", "file", "interaction", "location", "value"}

Every value is generated from a fixed seed: the same script writes the same bytes every
time, and nothing here is a live credential (random characters in the documented shapes).
See planted.md for the list and the reasons.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import string
import sys
from pathlib import Path
from urllib.parse import quote

import yaml

R = random.Random(15)
ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64URL = ALNUM + "-_"


def rnd(n: int, alphabet: str = ALNUM) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fake_jwt(claims: dict) -> str:
    head = b64url(json.dumps({"alg": "RS256", "typ": "JWT", "kid": rnd(8)}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{rnd(86, B64URL)}"


def fake_private_key() -> str:
    body = base64.b64encode(R.randbytes(600)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END PRIVATE KEY-----\n"


# --------------------------------------------------------------------------- values
V = {
    "aws_access_key_id": "AKIA" + rnd(16, UPPER_DIGITS),
    "aws_secret_access_key": rnd(40, ALNUM + "+/"),
    "aws_sts_access_key_id": "ASIA" + rnd(16, UPPER_DIGITS),
    "aws_sts_secret": rnd(40, ALNUM + "+/"),
    "aws_session_token": "IQoJb3JpZ2luX2Vj" + rnd(300, ALNUM + "+/") + "==",
    "ghp": "ghp_" + rnd(36),
    "github_pat": "github_pat_" + rnd(22) + "_" + rnd(59),
    "stripe_live": "sk_live_" + rnd(24),
    "stripe_live_form": "rk_live_" + rnd(24),
    "slack_bot": f"xoxb-{R.randint(10**11, 10**12 - 1)}-{R.randint(10**12, 10**13 - 1)}-{rnd(24)}",
    "slack_in_header": f"xoxb-{R.randint(10**11, 10**12 - 1)}-{R.randint(10**12, 10**13 - 1)}-{rnd(24)}",
    "openai_proj": "sk-proj-" + rnd(58, B64URL) + "T3BlbkFJ" + rnd(58, B64URL),
    "anthropic": "sk-ant-api03-" + rnd(93, B64URL) + "-" + rnd(6) + "AA",
    "google_api_key": "AIza" + rnd(35, B64URL),
    "jwt_id_token": fake_jwt(
        {"iss": "https://accounts.example.com", "sub": rnd(21, string.digits), "aud": "x", "exp": 1893456000}
    ),
    "jwt_cookie": fake_jwt({"sid": rnd(20), "exp": 1893456000}),
    "basic_user": "svc-ci",
    "basic_password": rnd(20),
    "basic_token": "",  # base64("svc-ci:<basic_password>"), filled in below
    "bearer_opaque": rnd(40, ALNUM + "._-"),
    "access_token_json": "ya29." + rnd(150, B64URL),
    "refresh_token_gzip": "1//0" + rnd(99, B64URL),
    "gzip_member2_token": "ghp_" + rnd(36),
    "query_access_token": rnd(48, ALNUM),
    "query_api_key": rnd(32, "0123456789abcdef"),
    "query_apiToken": "tok" + rnd(37, ALNUM),
    "query_encoded_secret": rnd(10) + "." + rnd(12) + "_" + rnd(10),  # written with %2E / %5F
    "json_in_string_client_secret": "GOCSPX-" + rnd(28, B64URL),
    "private_key": fake_private_key(),
    "fragment_access_token": rnd(64, ALNUM + "-_"),
    "name_accessToken": rnd(44, ALNUM),
    "name_clientSecret": rnd(40, ALNUM + "~._-"),
    "name_apiToken": rnd(40, ALNUM),
    "name_x_auth": rnd(32, "0123456789abcdef"),
    "name_password_form": rnd(14, ALNUM + "!@#%^&*"),
    "name_session_cookie": rnd(32, "0123456789abcdef"),
    "name_stripe_key_suffix": rnd(32, ALNUM),  # `*_key` with no known shape
    "name_webhook_secret": "whsec_" + rnd(32),
    "name_csrf_token": rnd(43, B64URL),
    "name_id_token_opaque": rnd(64, ALNUM),
    "notion_secret": "secret_" + rnd(43),
    "token_prefixed": "token_" + rnd(32),
    "test_prefixed": "test_" + rnd(32),
    "url_userinfo_password": rnd(16),
    "base64_wrapped": "sk_live_" + rnd(24),
    "yaml_comment": "ghp_" + rnd(36),
    "duplicate_key_hidden": rnd(40, ALNUM),
    "set_cookie_jwt_name": fake_jwt({"uid": 7, "exp": 1893456000}),
    "xml_secret": rnd(40, ALNUM + "+/"),
    "camel_refreshToken": rnd(48, B64URL),
    "kv_pair_value": rnd(40, ALNUM),
}
V["basic_token"] = base64.b64encode(f"{V['basic_user']}:{V['basic_password']}".encode()).decode()
N = {
    # placeholders under credential names
    "ph_redacted_jwt": "<REDACTED:jwt>",
    "ph_filtered": "FILTERED",
    "ph_stars": "***",
    "ph_xxxx": "XXXX",
    "ph_dummy": "DUMMY",
    "ph_empty": "",
    "ph_redacted_plain": "<REDACTED>",
    # pagination cursors
    "cursor_next": "next:" + rnd(40, ALNUM + "/+="),
    "cursor_next_token": rnd(40, "0123456789abcdefghijklmnopqrstuvwxyz"),
    "cursor_page_token_id": str(R.randint(10**17, 10**18)),
    "cursor_continuation": base64.b64encode(json.dumps({"offset": 200, "ts": 1700000000}).encode()).decode(),
    # LLM
    "llm_thinking_signature": "Eq" + rnd(420, ALNUM + "+/") + "=",
    "llm_thought_signature": "Cq" + rnd(300, B64URL),
    "llm_reasoning_signature": "Eu" + rnd(250, ALNUM + "+/") + "==",
    "logprob_token_1": "authentication",
    "logprob_token_2": " secret",
    "logprob_token_3": "_token",
    # cookies
    "cookie_cf_bm": rnd(43, ALNUM + "._-")
    + "-"
    + str(R.randint(10**9, 10**10))
    + "-1.0.1.1-"
    + rnd(60, ALNUM + "._"),
    "cookie_cfuvid": rnd(40, ALNUM + "._") + "-" + str(R.randint(10**12, 10**13)) + "-0.0.1.1-604800000",
    "cookie_ga": f"GA1.1.{R.randint(10**8, 10**9)}.{R.randint(10**9, 10**10)}",
    "cookie_guest_id": f"v1%3A{R.randint(10**17, 10**18)}",
    # counts, ids, prose
    "ratelimit_tokens": "29000",
    "request_id": "req_" + rnd(24),
    "message_id": "msg_01" + rnd(22),
    "openai_org": "org-" + rnd(24),
    "token_type_word": "Bearer",
    "www_authenticate": 'Bearer realm="api", error="invalid_token"',
    "prose_basic": "Basic Constraints",
    "base64_blob_with_shape_inside": base64.b64encode(R.randbytes(90)).decode()[:40]
    + "AIza"
    + rnd(35, B64URL)
    + base64.b64encode(R.randbytes(30)).decode(),
    "key_field_name": "source_url",
    "uuid_session_id": "df14c3dc-e2a1-4c3e-9a53-" + rnd(12, "0123456789abcdef"),
}

manifest: list[dict] = []


def plant(expect: str, kind: str, file: str, interaction: int, location: str, value_key: str) -> str:
    value = (V if expect == "flag" else N)[value_key]
    manifest.append(
        dict(
            id=value_key,
            expect=expect,
            kind=kind,
            file=file,
            interaction=interaction,
            location=location,
            value=value,
        )
    )
    return value


def req(method, uri, headers=None, body=None):
    return {
        "method": method,
        "uri": uri,
        "headers": {k: [v] for k, v in (headers or {}).items()},
        "body": body,
    }


def resp(status=200, headers=None, body=""):
    hs = {"Content-Type": ["application/json"]}
    hs.update({k: (v if isinstance(v, list) else [v]) for k, v in (headers or {}).items()})
    return {"status": {"code": status, "message": "OK"}, "headers": hs, "body": {"string": body}}


def J(obj) -> str:
    return json.dumps(obj)


def cassette(interactions) -> dict:
    return {"version": 1, "interactions": [{"request": q, "response": a} for q, a in interactions]}


def build(out: Path) -> None:
    files: dict[str, dict | str] = {}

    # 1. headers: auth schemes and credential header names
    f = "headers.yaml"
    files[f] = cassette(
        [
            (
                req(
                    "GET",
                    "https://api.github.com/user",
                    {
                        "Authorization": "token "
                        + plant("flag", "github-token", f, 0, "request.headers.Authorization", "ghp")
                    },
                ),
                resp(body=J({"login": "octo"})),
            ),
            (
                req(
                    "POST",
                    "https://api.openai.com/v1/chat/completions",
                    {
                        "Authorization": "Bearer "
                        + plant("flag", "openai-key", f, 1, "request.headers.Authorization", "openai_proj"),
                        "OpenAI-Organization": plant(
                            "no-flag", "org-id", f, 1, "request.headers.OpenAI-Organization", "openai_org"
                        ),
                    },
                ),
                resp(
                    headers={
                        "x-ratelimit-remaining-tokens": plant(
                            "no-flag",
                            "count-header",
                            f,
                            1,
                            "response.headers.x-ratelimit-remaining-tokens",
                            "ratelimit_tokens",
                        ),
                        "x-request-id": plant(
                            "no-flag", "request-id", f, 1, "response.headers.x-request-id", "request_id"
                        ),
                    },
                    body=J({"id": "chatcmpl-1"}),
                ),
            ),
            (
                req(
                    "POST",
                    "https://api.anthropic.com/v1/messages",
                    {
                        "x-api-key": plant(
                            "flag", "anthropic-key", f, 2, "request.headers.x-api-key", "anthropic"
                        )
                    },
                ),
                resp(
                    body=J(
                        {
                            "id": plant("no-flag", "message-id", f, 2, "response.body $.id", "message_id"),
                            "type": "message",
                        }
                    )
                ),
            ),
            (
                req(
                    "GET",
                    "https://example.org/private",
                    {
                        "Authorization": "Basic "
                        + plant(
                            "flag",
                            "basic-auth",
                            f,
                            3,
                            "request.headers.Authorization (base64 of user:password)",
                            "basic_token",
                        )
                    },
                ),
                resp(
                    status=401,
                    headers={
                        "WWW-Authenticate": plant(
                            "no-flag",
                            "auth-challenge",
                            f,
                            3,
                            "response.headers.WWW-Authenticate",
                            "www_authenticate",
                        ),
                        "Access-Control-Allow-Credentials": "true",
                    },
                    body=J({"error": "nope"}),
                ),
            ),
            (
                req(
                    "GET",
                    "https://api.example.com/v2/items",
                    {
                        "Authorization": "Bearer "
                        + plant(
                            "flag", "bearer-opaque", f, 4, "request.headers.Authorization", "bearer_opaque"
                        ),
                        "X-Auth": plant("flag", "name:X-Auth", f, 4, "request.headers.X-Auth", "name_x_auth"),
                    },
                ),
                resp(body=J({"items": []})),
            ),
            (
                req(
                    "POST",
                    "https://slack.com/api/chat.postMessage",
                    {
                        "Authorization": "Bearer "
                        + plant(
                            "flag", "slack-token", f, 5, "request.headers.Authorization", "slack_in_header"
                        )
                    },
                ),
                resp(body=J({"ok": True})),
            ),
            (
                req(
                    "GET",
                    "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
                    {
                        "Authorization": "AWS4-HMAC-SHA256 Credential="
                        + plant(
                            "flag",
                            "aws-access-key",
                            f,
                            6,
                            "request.headers.Authorization Credential=",
                            "aws_access_key_id",
                        )
                        + "/20240101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature="
                        + "0" * 0
                        + rnd(64, "0123456789abcdef")
                    },
                ),
                resp(
                    headers={"Content-Type": "text/xml"},
                    body="<GetCallerIdentityResponse><Arn>arn:aws:iam::123456789012:user/ci</Arn></GetCallerIdentityResponse>",
                ),
            ),
            (
                req(
                    "GET",
                    "https://api.notion.com/v1/users/me",
                    {
                        "Authorization": "Bearer "
                        + plant(
                            "flag", "notion-secret_", f, 7, "request.headers.Authorization", "notion_secret"
                        )
                    },
                ),
                resp(body=J({"object": "user"})),
            ),
        ]
    )

    # 2. JSON bodies at any depth, names and shapes
    f = "json_bodies.yaml"
    files[f] = cassette(
        [
            (
                req(
                    "POST",
                    "https://oauth2.googleapis.com/token",
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    "grant_type=password&username=ci&password="
                    + quote(
                        plant(
                            "flag",
                            "name:password(form)",
                            f,
                            0,
                            "request.body form password",
                            "name_password_form",
                        ),
                        safe="",
                    ),
                ),
                resp(
                    body=J(
                        {
                            "access_token": plant(
                                "flag",
                                "name:access_token",
                                f,
                                0,
                                "response.body $.access_token",
                                "access_token_json",
                            ),
                            "id_token": plant(
                                "flag", "jwt", f, 0, "response.body $.id_token", "jwt_id_token"
                            ),
                            "token_type": plant(
                                "no-flag",
                                "token-type-word",
                                f,
                                0,
                                "response.body $.token_type",
                                "token_type_word",
                            ),
                            "expires_in": 3599,
                        }
                    )
                ),
            ),
            (
                req(
                    "POST",
                    "https://auth.example.com/login",
                    {"Content-Type": "application/json"},
                    J({"user": "ci"}),
                ),
                resp(
                    body=J(
                        {
                            "data": {
                                "session": {
                                    "accessToken": plant(
                                        "flag",
                                        "name:accessToken",
                                        f,
                                        1,
                                        "response.body $.data.session.accessToken",
                                        "name_accessToken",
                                    ),
                                    "refreshToken": plant(
                                        "flag",
                                        "name:refreshToken",
                                        f,
                                        1,
                                        "response.body $.data.session.refreshToken",
                                        "camel_refreshToken",
                                    ),
                                    "idToken": plant(
                                        "flag",
                                        "name:idToken",
                                        f,
                                        1,
                                        "response.body $.data.session.idToken",
                                        "name_id_token_opaque",
                                    ),
                                }
                            },
                            "csrfToken": plant(
                                "flag", "name:csrfToken", f, 1, "response.body $.csrfToken", "name_csrf_token"
                            ),
                        }
                    )
                ),
            ),
            (
                req(
                    "POST",
                    "https://api.example.com/apps",
                    {"Content-Type": "application/json"},
                    J(
                        {
                            "app": {
                                "clientSecret": plant(
                                    "flag",
                                    "name:clientSecret",
                                    f,
                                    2,
                                    "request.body $.app.clientSecret",
                                    "name_clientSecret",
                                ),
                                "apiToken": plant(
                                    "flag",
                                    "name:apiToken",
                                    f,
                                    2,
                                    "request.body $.app.apiToken",
                                    "name_apiToken",
                                ),
                                "stripe_key": plant(
                                    "flag",
                                    "name:*_key",
                                    f,
                                    2,
                                    "request.body $.app.stripe_key",
                                    "name_stripe_key_suffix",
                                ),
                                "webhookSecret": plant(
                                    "flag",
                                    "name:*secret*",
                                    f,
                                    2,
                                    "request.body $.app.webhookSecret",
                                    "name_webhook_secret",
                                ),
                                "notion_token": plant(
                                    "flag",
                                    "notion-secret_",
                                    f,
                                    2,
                                    "request.body $.app.notion_token",
                                    "notion_secret",
                                ),
                                "api_token": plant(
                                    "flag",
                                    "name:*token*(token_ prefix)",
                                    f,
                                    2,
                                    "request.body $.app.api_token",
                                    "token_prefixed",
                                ),
                                "service_secret": plant(
                                    "flag",
                                    "name:*secret*(test_ prefix)",
                                    f,
                                    2,
                                    "request.body $.app.service_secret",
                                    "test_prefixed",
                                ),
                            }
                        }
                    ),
                ),
                resp(body=J({"ok": True})),
            ),
            (
                req("POST", "https://slack.com/api/oauth.v2.access"),
                resp(
                    body=J(
                        {
                            "ok": True,
                            "access_token": plant(
                                "flag", "slack-token", f, 3, "response.body $.access_token", "slack_bot"
                            ),
                            "bot": {
                                "token": {
                                    "github": plant(
                                        "flag",
                                        "github-token",
                                        f,
                                        3,
                                        "response.body $.bot.token.github",
                                        "github_pat",
                                    )
                                }
                            },
                        }
                    )
                ),
            ),
            (
                req("GET", "https://iam.example.com/keys/1"),
                resp(
                    body=J(
                        {
                            "type": "service_account",
                            "private_key_id": rnd(40, "0123456789abcdef"),
                            "private_key": plant(
                                "flag", "private-key", f, 4, "response.body $.private_key", "private_key"
                            ),
                            "client_email": "ci@example.iam.gserviceaccount.com",
                        }
                    )
                ),
            ),
            (
                req(
                    "POST",
                    "https://sts.amazonaws.com/",
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    "Action=AssumeRole&Version=2011-06-15",
                ),
                resp(
                    headers={"Content-Type": "text/xml"},
                    body=(
                        "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                        f"<AccessKeyId>{plant('flag', 'aws-access-key', f, 5, 'response.body <AccessKeyId>', 'aws_sts_access_key_id')}</AccessKeyId>"
                        f"<SecretAccessKey>{plant('flag', 'aws-secret-key(xml)', f, 5, 'response.body <SecretAccessKey>', 'aws_sts_secret')}</SecretAccessKey>"
                        f"<SessionToken>{plant('flag', 'aws-session-token(xml)', f, 5, 'response.body <SessionToken>', 'aws_session_token')}</SessionToken>"
                        "</Credentials></AssumeRoleResult></AssumeRoleResponse>"
                    ),
                ),
            ),
            (
                req("GET", "https://api.example.com/config"),
                resp(
                    body=J(
                        {
                            "aws": {
                                "aws_access_key_id": plant(
                                    "flag",
                                    "aws-access-key(json)",
                                    f,
                                    6,
                                    "response.body $.aws.aws_access_key_id",
                                    "aws_access_key_id",
                                ),
                                "aws_secret_access_key": plant(
                                    "flag",
                                    "aws-secret-key(json)",
                                    f,
                                    6,
                                    "response.body $.aws.aws_secret_access_key",
                                    "aws_secret_access_key",
                                ),
                            },
                            "settings": [
                                {
                                    "key": "API_TOKEN",
                                    "value": plant(
                                        "flag",
                                        "key/value pair",
                                        f,
                                        6,
                                        "response.body $.settings[0].value (name in sibling key)",
                                        "kv_pair_value",
                                    ),
                                }
                            ],
                        }
                    )
                ),
            ),
            (
                req(
                    "POST",
                    "https://api.stripe.com/v1/charges",
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    "amount=100&currency=usd&key="
                    + plant("flag", "stripe-key(form)", f, 7, "request.body form key", "stripe_live_form"),
                ),
                resp(body=J({"id": "ch_1"})),
            ),
            (
                req(
                    "GET",
                    "https://api.stripe.com/v1/balance",
                    {
                        "Authorization": "Bearer "
                        + plant("flag", "stripe-key", f, 8, "request.headers.Authorization", "stripe_live")
                    },
                ),
                resp(body=J({"object": "balance"})),
            ),
        ]
    )

    # 3. where it hides: gzip, multi-member gzip, query, fragment, JSON-in-string, base64, comment, duplicate key, userinfo
    f = "hidden.yaml"
    gz = gzip.compress(
        J(
            {
                "refresh_token": plant(
                    "flag",
                    "name:refresh_token(gzip)",
                    f,
                    0,
                    "response.body(gzip) $.refresh_token",
                    "refresh_token_gzip",
                )
            }
        ).encode()
    )
    multi = gzip.compress(b'{"page": 1, ') + gzip.compress(
        (
            '"deploy": "'
            + plant(
                "flag",
                "github-token(gzip member 2)",
                f,
                1,
                "response.body(gzip, 2nd member) $.deploy",
                "gzip_member2_token",
            )
            + '"}'
        ).encode()
    )
    files[f] = cassette(
        [
            (
                req("POST", "https://auth.example.com/token"),
                resp(headers={"Content-Encoding": "gzip"}, body=gz),
            ),
            (
                req("GET", "https://api.example.com/deploy"),
                resp(headers={"Content-Encoding": "gzip"}, body=multi),
            ),
            (
                req(
                    "GET",
                    "https://graph.example.com/me?fields=id&access_token="
                    + plant(
                        "flag",
                        "query:access_token",
                        f,
                        2,
                        "request.uri query access_token",
                        "query_access_token",
                    )
                    + "&api_key="
                    + plant("flag", "query:api_key", f, 2, "request.uri query api_key", "query_api_key")
                    + "&apiToken="
                    + plant("flag", "query:apiToken", f, 2, "request.uri query apiToken", "query_apiToken"),
                ),
                resp(body=J({"id": "1"})),
            ),
            (
                req(
                    "GET",
                    "https://maps.googleapis.com/maps/api/geocode/json?address=x&key="
                    + plant("flag", "google-api-key", f, 3, "request.uri query key", "google_api_key"),
                ),
                resp(body=J({"results": []})),
            ),
            (
                req(
                    "GET",
                    "https://api.example.com/v1/x?client%5Fsecret="
                    + plant(
                        "flag",
                        "query:url-encoded name+value",
                        f,
                        4,
                        "request.uri query client%5Fsecret (value written with %2E/%5F)",
                        "query_encoded_secret",
                    )
                    .replace(".", "%2E")
                    .replace("_", "%5F"),
                ),
                resp(body=J({})),
            ),
            (
                req("GET", "https://login.example.com/authorize?response_type=token"),
                resp(
                    status=302,
                    headers={
                        "Location": "https://app.example.com/callback#access_token="
                        + plant(
                            "flag",
                            "fragment:access_token",
                            f,
                            5,
                            "response.headers.Location fragment access_token",
                            "fragment_access_token",
                        )
                        + "&token_type=bearer&expires_in=3600"
                    },
                    body="",
                ),
            ),
            (
                req("POST", "https://queue.example.com/messages"),
                resp(
                    body=J(
                        {
                            "Message": J(
                                {
                                    "event": "rotated",
                                    "credentials": {
                                        "clientSecret": plant(
                                            "flag",
                                            "json-in-string",
                                            f,
                                            6,
                                            "response.body $.Message (json-in-string) $.credentials.clientSecret",
                                            "json_in_string_client_secret",
                                        )
                                    },
                                }
                            )
                        }
                    )
                ),
            ),
            (
                req("GET", "https://api.example.com/blob"),
                resp(
                    body=J(
                        {
                            "encoding": "base64",
                            "content": base64.b64encode(
                                J(
                                    {
                                        "stripe": plant(
                                            "flag",
                                            "base64-wrapped",
                                            f,
                                            7,
                                            "response.body $.content (base64 of JSON) $.stripe",
                                            "base64_wrapped",
                                        )
                                    }
                                ).encode()
                            ).decode(),
                        }
                    )
                ),
            ),
            (
                req(
                    "GET",
                    "https://ci:"
                    + plant(
                        "flag", "url-userinfo-password", f, 8, "request.uri userinfo", "url_userinfo_password"
                    )
                    + "@registry.example.com/v2/",
                ),
                resp(body=J({})),
            ),
            (
                req("GET", "https://app.example.com/"),
                resp(
                    headers={
                        "Set-Cookie": [
                            "session="
                            + plant(
                                "flag",
                                "name:session(cookie)",
                                f,
                                9,
                                "response.headers.Set-Cookie session",
                                "name_session_cookie",
                            )
                            + "; Path=/; HttpOnly; Secure",
                            "auth="
                            + plant(
                                "flag", "jwt(cookie)", f, 9, "response.headers.Set-Cookie auth", "jwt_cookie"
                            )
                            + "; Path=/; HttpOnly",
                        ]
                    },
                    body="<html></html>",
                ),
            ),
        ]
    )
    # a YAML comment and a duplicate key hidden by a later placeholder: written as text
    comment_secret = plant(
        "flag", "yaml-comment", "comment_and_duplicate.yaml", 0, "yaml comment line", "yaml_comment"
    )
    dup_secret = plant(
        "flag",
        "duplicate-key(hidden by later placeholder)",
        "comment_and_duplicate.yaml",
        0,
        "request.headers.Authorization (first of two keys)",
        "duplicate_key_hidden",
    )
    files["comment_and_duplicate.yaml"] = f"""interactions:
- request:
    body: null
    # recorded with GITHUB_TOKEN={comment_secret}
    headers:
      Authorization:
      - Bearer {dup_secret}
      Authorization:
      - <REDACTED>
    method: GET
    uri: https://api.github.com/repos/o/r
  response:
    body:
      string: '{{"ok": true}}'
    headers:
      Content-Type:
      - application/json
    status:
      code: 200
      message: OK
version: 1
"""

    # 4. near-misses that must NOT be flagged
    f = "near_misses.yaml"
    files[f] = cassette(
        [
            (
                req(
                    "POST",
                    "https://api.example.com/login",
                    {
                        "Authorization": "Bearer "
                        + plant(
                            "no-flag", "placeholder", f, 0, "request.headers.Authorization", "ph_redacted_jwt"
                        ),
                        "X-Api-Key": plant(
                            "no-flag", "placeholder", f, 0, "request.headers.X-Api-Key", "ph_filtered"
                        ),
                        "Cookie": "session="
                        + plant("no-flag", "placeholder", f, 0, "request.headers.Cookie session", "ph_stars"),
                    },
                    J(
                        {
                            "password": plant(
                                "no-flag", "placeholder", f, 0, "request.body $.password", "ph_xxxx"
                            ),
                            "client_secret": plant(
                                "no-flag", "placeholder", f, 0, "request.body $.client_secret", "ph_dummy"
                            ),
                            "refresh_token": plant(
                                "no-flag", "placeholder", f, 0, "request.body $.refresh_token", "ph_empty"
                            ),
                            "access_token": plant(
                                "no-flag",
                                "placeholder",
                                f,
                                0,
                                "request.body $.access_token",
                                "ph_redacted_plain",
                            ),
                        }
                    ),
                ),
                resp(body=J({"ok": True})),
            ),
            (
                req(
                    "POST",
                    "https://stac.example.com/search",
                    {"Content-Type": "application/json"},
                    J(
                        {
                            "token": plant(
                                "no-flag", "pagination-cursor", f, 1, "request.body $.token", "cursor_next"
                            )
                        }
                    ),
                ),
                resp(
                    headers={
                        "x-continuation-token": plant(
                            "no-flag",
                            "pagination-cursor",
                            f,
                            1,
                            "response.headers.x-continuation-token",
                            "cursor_continuation",
                        )
                    },
                    body=J(
                        {
                            "features": [],
                            "links": [{"rel": "next", "body": {"token": N["cursor_next"]}}],
                            "meta": {
                                "next_token": plant(
                                    "no-flag",
                                    "pagination-cursor",
                                    f,
                                    1,
                                    "response.body $.meta.next_token",
                                    "cursor_next_token",
                                )
                            },
                        }
                    ),
                ),
            ),
            (
                req(
                    "GET",
                    "https://sheets.example.com/v4/files?pageSize=100&page_token="
                    + plant(
                        "no-flag",
                        "pagination-cursor(plain id)",
                        f,
                        2,
                        "request.uri query page_token",
                        "cursor_page_token_id",
                    ),
                ),
                resp(body=J({"files": []})),
            ),
            (
                req("POST", "https://api.anthropic.com/v1/messages", {"x-api-key": "<REDACTED>"}),
                resp(
                    headers={
                        "Set-Cookie": [
                            "__cf_bm="
                            + plant(
                                "no-flag",
                                "cdn-cookie",
                                f,
                                3,
                                "response.headers.Set-Cookie __cf_bm",
                                "cookie_cf_bm",
                            )
                            + "; path=/; expires=Thu, 01-Jan-2026 00:30:00 GMT; domain=.api.anthropic.com; HttpOnly; Secure; SameSite=None",
                            "_cfuvid="
                            + plant(
                                "no-flag",
                                "cdn-cookie",
                                f,
                                3,
                                "response.headers.Set-Cookie _cfuvid",
                                "cookie_cfuvid",
                            )
                            + "; path=/; domain=.api.anthropic.com; HttpOnly; Secure; SameSite=None",
                            "_ga="
                            + plant(
                                "no-flag",
                                "analytics-cookie",
                                f,
                                3,
                                "response.headers.Set-Cookie _ga",
                                "cookie_ga",
                            )
                            + "; Path=/",
                            "guest_id="
                            + plant(
                                "no-flag",
                                "analytics-cookie",
                                f,
                                3,
                                "response.headers.Set-Cookie guest_id",
                                "cookie_guest_id",
                            )
                            + "; Max-Age=34214400; Expires=Sun, 01 Feb 2026 00:00:00 GMT; Path=/; Domain=.x.com; Secure; SameSite=None",
                        ],
                        "request-id": N["request_id"],
                    },
                    body=J(
                        {
                            "id": N["message_id"],
                            "content": [
                                {
                                    "type": "thinking",
                                    "thinking": "Let me think.",
                                    "signature": plant(
                                        "no-flag",
                                        "llm-thinking-signature",
                                        f,
                                        3,
                                        "response.body $.content[0].signature",
                                        "llm_thinking_signature",
                                    ),
                                },
                                {"type": "text", "text": "4"},
                            ],
                            "usage": {"input_tokens": 10, "output_tokens": 5},
                        }
                    ),
                ),
            ),
            (
                req(
                    "POST",
                    "https://generativelanguage.googleapis.com/v1beta/models/gemini:generateContent",
                    {"x-goog-api-key": "<REDACTED>"},
                ),
                resp(
                    body=J(
                        {
                            "candidates": [
                                {
                                    "content": {
                                        "parts": [
                                            {
                                                "text": "ok",
                                                "thought_signature": plant(
                                                    "no-flag",
                                                    "llm-thinking-signature",
                                                    f,
                                                    4,
                                                    "response.body $.candidates[0].content.parts[0].thought_signature",
                                                    "llm_thought_signature",
                                                ),
                                            }
                                        ]
                                    }
                                }
                            ],
                            "groundingMetadata": {
                                "customMetadata": [
                                    {
                                        "key": plant(
                                            "no-flag",
                                            "key-name-field",
                                            f,
                                            4,
                                            "response.body $.groundingMetadata.customMetadata[0].key",
                                            "key_field_name",
                                        ),
                                        "stringValue": "https://example.com",
                                    }
                                ]
                            },
                            "sessionId": plant(
                                "no-flag",
                                "session-id-uuid",
                                f,
                                4,
                                "response.body $.sessionId",
                                "uuid_session_id",
                            ),
                        }
                    )
                ),
            ),
            (
                req(
                    "POST",
                    "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse",
                    {"Authorization": "<REDACTED>"},
                    J(
                        {
                            "messages": [
                                {
                                    "role": "assistant",
                                    "content": [
                                        {
                                            "reasoningContent": {
                                                "reasoningText": {
                                                    "text": "hmm",
                                                    "signature": plant(
                                                        "no-flag",
                                                        "llm-thinking-signature",
                                                        f,
                                                        5,
                                                        "request.body $.messages[0].content[0].reasoningContent.reasoningText.signature",
                                                        "llm_reasoning_signature",
                                                    ),
                                                }
                                            }
                                        }
                                    ],
                                }
                            ]
                        }
                    ),
                ),
                resp(body=J({"output": {}})),
            ),
            (
                req(
                    "POST",
                    "https://api.openai.com/v1/chat/completions",
                    {"Authorization": "Bearer <REDACTED>"},
                ),
                resp(
                    body=J(
                        {
                            "choices": [
                                {
                                    "logprobs": {
                                        "content": [
                                            {
                                                "token": plant(
                                                    "no-flag",
                                                    "logprob-token",
                                                    f,
                                                    6,
                                                    "response.body $.choices[0].logprobs.content[0].token",
                                                    "logprob_token_1",
                                                ),
                                                "logprob": -0.1,
                                                "bytes": [97],
                                                "top_logprobs": [
                                                    {
                                                        "token": plant(
                                                            "no-flag",
                                                            "logprob-token",
                                                            f,
                                                            6,
                                                            "response.body ...top_logprobs[0].token",
                                                            "logprob_token_2",
                                                        ),
                                                        "logprob": -2.3,
                                                    }
                                                ],
                                            },
                                            {
                                                "token": plant(
                                                    "no-flag",
                                                    "logprob-token",
                                                    f,
                                                    6,
                                                    "response.body $.choices[0].logprobs.content[1].token",
                                                    "logprob_token_3",
                                                ),
                                                "logprob": -0.5,
                                            },
                                        ]
                                    }
                                }
                            ],
                            "usage": {"prompt_tokens": 3, "completion_tokens": 2},
                        }
                    )
                ),
            ),
            (
                req("GET", "https://plugins.example.com/families/1"),
                resp(
                    body=J(
                        {
                            "plugins": [
                                {
                                    "name": plant(
                                        "no-flag",
                                        "prose-auth-word",
                                        f,
                                        7,
                                        "response.body $.plugins[0].name",
                                        "prose_basic",
                                    )
                                }
                            ],
                            "attachment": {
                                "data": plant(
                                    "no-flag",
                                    "base64-blob(shape mid-word)",
                                    f,
                                    7,
                                    "response.body $.attachment.data",
                                    "base64_blob_with_shape_inside",
                                )
                            },
                        }
                    )
                ),
            ),
        ]
    )

    cas = out / "cassettes"
    cas.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        text = (
            data
            if isinstance(data, str)
            else yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100000)
        )
        (cas / name).write_text(text)
    with open(out / "manifest.jsonl", "w") as fh:
        for m in manifest:
            fh.write(json.dumps(m) + "\n")
    flags = sum(m["expect"] == "flag" for m in manifest)
    print(f"{out}: {len(files)} cassettes, {flags} planted credentials, {len(manifest) - flags} near-misses")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "planted"))
