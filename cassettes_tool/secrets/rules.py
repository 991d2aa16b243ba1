"""What a credential looks like: by name (headers, fields) and by shape; and what a placeholder is.

Two nets: by name (a credential header, a secret-named query, form or JSON field with a
real-looking value) and by shape (JWTs, cloud and SaaS key formats, private key blocks,
bearer tokens in text). Placeholders that scrubbing leaves behind (`<REDACTED>`,
`FILTERED`, `***`, `0000000000`) are not findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cassettes_tool.config import DEFAULT_REDACT_HEADERS, DEFAULT_REDACT_QUERY

#: Header names that carry credentials even when the config does not list them.
CREDENTIAL_HEADERS = frozenset(DEFAULT_REDACT_HEADERS) | {
    "x-goog-api-key",
    "x-csrf-token",
    "x-xsrf-token",
    "private-token",
    "x-session-token",
    "x-vault-token",
}


#: Field names (query, form, JSON) whose values are credentials.
SECRET_FIELDS = frozenset(DEFAULT_REDACT_QUERY) | {
    "api-key",
    "x-api-key",
    "auth_token",
    "authtoken",
    "session_token",
    "sessionid",
    "session_id",
    "private_key",
    "client_assertion",
    "passwd",
    "pwd",
    "access_key",
    "secret_key",
    "aws_secret_access_key",
    "bearer",
}


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One kind of credential: its stable lint code, how a message names it, and its shape.

    The one table every part derives from: the scanner's shapes, lint's codes and
    messages, the placeholders masking leaves (`<REDACTED:kind>`).
    """

    kind: str
    code: str
    name: str
    #: the regular expression a value of this kind matches anywhere in text, when it has a shape
    shape: str | None = None


SECRET_RULES: tuple[SecretRule, ...] = (
    # shapes first, in the order they are tried: the whole private key block, so that
    # masking it leaves no key material behind
    SecretRule(
        "private-key",
        "S108",
        "private key block",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[A-Za-z0-9+/=\s\\n]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
    ),
    SecretRule("jwt", "S105", "JWT", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    SecretRule("aws-access-key", "S106", "AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    SecretRule(
        "github-token",
        "S107",
        "GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
    ),
    SecretRule("stripe-key", "S107", "Stripe live key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"),
    SecretRule("slack-token", "S107", "Slack token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    SecretRule("google-api-key", "S106", "Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    SecretRule("bearer-token", "S101", "bearer token", r"\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)"),
    # by name: where the value sits says what it is
    SecretRule("credential-header", "S101", "credential"),
    SecretRule("basic-auth", "S101", "basic-auth credentials"),
    SecretRule("target-header", "S101", "the target's own credential"),
    SecretRule("cookie", "S102", "cookie value"),
    SecretRule("secret-parameter", "S103", "secret-named parameter"),
    SecretRule("url-password", "S103", "password in the URL"),
    SecretRule("password", "S103", "password"),
    SecretRule("token-in-body", "S104", "token"),
)
RULES = {rule.kind: rule for rule in SECRET_RULES}
_SHAPES = tuple((rule.kind, rule.shape) for rule in SECRET_RULES if rule.shape is not None)
SHAPE = re.compile("|".join(f"(?P<k{i}>{pattern})" for i, (_, pattern) in enumerate(_SHAPES)))
SHAPE_KINDS = {f"k{i}": kind for i, (kind, _) in enumerate(_SHAPES)}


_PLACEHOLDER = re.compile(
    r"""^(?:
        <[^<>]*> | \{\{.*\}\} | \$\{.*\} | %\(.*\)s
      | [*xX#.\-_0]+ | 1234\d* | abc(?:def)?\d*
      | (?:redacted|filtered|dummy|fake|placeholder|masked|hidden|removed|scrubbed|sanitized
           |none|null|nil|undefined|test|testing|example|sample|changeme|secret|token|password
           |mytoken|my[-_]?token|api[-_]?key|your[-_].*)(?:[-_:].*)?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


_PLACEHOLDER_WORD = re.compile(r"redacted|filtered|dummy|placeholder|<[^<>]*>|\*{3,}", re.IGNORECASE)


AUTH_SCHEME = re.compile(r"^(Bearer|Basic|Token|Digest|Bot|OAuth|AWS4-HMAC-SHA256|ApiKey)\s+", re.I)


def is_placeholder(value: str) -> bool:
    stripped = value.strip().strip("\"'")
    if not stripped:
        return True
    if _PLACEHOLDER.match(stripped) or _PLACEHOLDER_WORD.search(stripped):
        return True
    return len(set(stripped)) <= 2  # `0000000000`, `xxxx-xxxx`


def looks_real(value: str) -> bool:
    """A credential-named value worth reporting: long enough and not a placeholder."""
    value = value.strip()
    return len(value) >= 8 and not is_placeholder(value) and len(set(value)) >= 5


PASSWORD_FIELD = re.compile(r"pass|pwd", re.IGNORECASE)


SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


#: What a redaction rule leaves in place of a value (masking leaves `<REDACTED:kind>`).
REDACTED = "<REDACTED>"


#: The kind of a target header value (a staging token) found echoed back in an answer.
TARGET_HEADER = RULES["target-header"].kind


SECRET_NAME = re.compile(r"auth|token|key|secret|session|cookie|sign|pass", re.IGNORECASE)
