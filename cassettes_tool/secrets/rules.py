"""What a credential looks like: by name (headers, fields) and by shape; and what a placeholder is.

Two nets: by name (a credential header, a secret-named query, form or JSON field with a
real-looking value) and by shape (JWTs, cloud and SaaS key formats, private key blocks,
bearer tokens in text). Placeholders that scrubbing leaves behind (`<REDACTED>`,
`FILTERED`, `***`, `0000000000`) are not findings.
"""

from __future__ import annotations

import re

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


_SHAPES: tuple[tuple[str, str], ...] = (
    # the whole block, so that masking it leaves no key material behind
    (
        "private-key",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[A-Za-z0-9+/=\s\\n]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
    ),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    ("aws-access-key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
    ("stripe-key", r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"),
    ("slack-token", r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    ("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("bearer-token", r"\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)"),
)


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
TARGET_HEADER = "target-header"


SECRET_NAME = re.compile(r"auth|token|key|secret|session|cookie|sign|pass", re.IGNORECASE)
