"""What a credential looks like: by name (headers, fields) and by shape; and what a placeholder is.

Two nets: by name (a credential header, a secret-named query, form, JSON or XML field with a
real-looking value; names compared case- and separator-insensitively) and by shape (JWTs,
cloud and SaaS key formats, private key blocks, bearer tokens in text). Only exact
placeholders are exempt (`<REDACTED>`, `FILTERED`, `***`, an env-var name); a value that
merely starts with `secret_`, `token_` or `test_` is a value (Notion's tokens do).
What looks like a credential but is not (pagination cursors, CDN and analytics cookies,
LLM thinking signatures) is a `lookalike`: a default-off code, never masked by lint.
"""

from __future__ import annotations

import functools
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
    "x-auth",
    "x-apikeys",
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
    messages, the placeholders masking leaves (`<REDACTED:kind>`), the opt-in codes.
    """

    kind: str
    code: str
    name: str
    #: the regular expression a value of this kind matches anywhere in text, when it has a shape
    shape: str | None = None
    #: reported only when selected by name (`--select S201`): not a credential
    opt_in: bool = False
    #: the literals every match of `shape` starts with: the scanner looks for these first
    starts: tuple[str, ...] = ()


SECRET_RULES: tuple[SecretRule, ...] = (
    # shapes first, in the order they are tried: the whole private key block, so that
    # masking it leaves no key material behind
    SecretRule(
        "private-key",
        "S108",
        "private key block",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[A-Za-z0-9+/=\s\\n]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
        starts=("-----BEGIN",),
    ),
    SecretRule(
        "jwt",
        "S105",
        "JWT",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        starts=("eyJ",),
    ),
    SecretRule(
        "aws-access-key",
        "S106",
        "AWS access key id",
        r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        starts=("AKIA", "ASIA"),
    ),
    SecretRule(
        "github-token",
        "S107",
        "GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
        starts=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    SecretRule(
        "stripe-key",
        "S107",
        "Stripe live key",
        r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b",
        starts=("sk_live_", "rk_live_"),
    ),
    SecretRule(
        "slack-token",
        "S107",
        "Slack token",
        r"\bxox[abposr]-[0-9A-Za-z-]{10,}",
        starts=("xox",),
    ),
    SecretRule(
        "google-api-key",
        "S106",
        "Google API key",
        r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])",
        starts=("AIza",),
    ),
    SecretRule(
        "anthropic-key",
        "S107",
        "Anthropic API key",
        r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{20,}",
        starts=("sk-ant-",),
    ),
    SecretRule(
        "openai-key",
        "S107",
        "OpenAI API key",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
        starts=("sk-",),
    ),
    SecretRule(
        "notion-token",
        "S107",
        "Notion token",
        r"\b(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{40,})\b",
        starts=("secret_", "ntn_"),
    ),
    SecretRule(
        "huggingface-token",
        "S107",
        "Hugging Face token",
        r"\bhf_[A-Za-z]{34,}\b",
        starts=("hf_",),
    ),
    SecretRule(
        "bearer-token",
        "S101",
        "bearer token",
        r"\b[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)",
        starts=("Bearer", "bearer"),
    ),
    # by name: where the value sits says what it is
    SecretRule("credential-header", "S101", "credential"),
    SecretRule("basic-auth", "S101", "basic-auth credentials"),
    SecretRule("target-header", "S101", "the target's own credential"),
    SecretRule("cookie", "S102", "cookie value"),
    SecretRule("secret-parameter", "S103", "secret-named parameter"),
    SecretRule("url-password", "S103", "password in the URL"),
    SecretRule("password", "S103", "password"),
    SecretRule("signed-url", "S103", "signed URL signature"),
    SecretRule("token-in-body", "S104", "token"),
    # not credentials: cursors, CDN/analytics cookies, LLM signatures (opt-in, never masked by lint)
    SecretRule("lookalike", "S201", "credential lookalike (not a credential)", opt_in=True),
)
RULES = {rule.kind: rule for rule in SECRET_RULES}
OPT_IN_CODES = frozenset(rule.code for rule in SECRET_RULES if rule.opt_in)
_SHAPES = tuple((rule.kind, rule.shape) for rule in SECRET_RULES if rule.shape is not None)
SHAPE = re.compile("|".join(f"(?P<k{i}>{pattern})" for i, (_, pattern) in enumerate(_SHAPES)))
SHAPE_KINDS = {f"k{i}": kind for i, (kind, _) in enumerate(_SHAPES)}
#: every literal a shape starts with (`eyJ`, `AKIA`, ...): no shape matches where none begins
SHAPE_STARTS = tuple(dict.fromkeys(start for rule in SECRET_RULES for start in rule.starts))
#: a cheap first look: text without any of these cannot hold a shape
SHAPE_HINT = re.compile(
    r"eyJ|AKIA|ASIA|gh[pousr]_|github_pat_|_live_|xox|AIza|sk-|secret_|ntn_|hf_|earer|BEGIN"
)


_PLACEHOLDER = re.compile(
    r"""^(?:
        <[^<>]*> | \[[A-Za-z_:-]*\] | \{\{.*\}\} | \$\{.*\} | \$[A-Z_][A-Z0-9_]* | %\(.*\)s
      | [*xX#.\-_0]+ | 1234\d* | abc(?:def)?\d*
      | (?:redacted|filtered|dummy|fake|placeholder|masked|hidden|removed|scrubbed|sanitized|obfuscated)
        (?:[-_:][\w:-]*)?
      | none|null|nil|undefined|changeme|example|your[-_].*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


_PLACEHOLDER_WORD = re.compile(r"redacted|filtered|<[^<>]*>|\*{3,}", re.IGNORECASE)


AUTH_SCHEME = re.compile(r"^(Bearer|Basic|Token|Digest|Bot|OAuth|AWS4-HMAC-SHA256|ApiKey)\s+", re.I)


def is_placeholder(value: str, name: str = "") -> bool:
    """An exact placeholder form; with `name`, also the field's own name (`TNS_SESSIONID=SESSIONID`)."""
    stripped = value.strip().strip("\"'")
    if not stripped:
        return True
    if _PLACEHOLDER.match(stripped) or _ENV_NAME.match(stripped):  # `TIO_ACCESS_KEY`
        return True
    if _PLACEHOLDER_WORD.search(stripped):
        return True
    if name and len(stripped) >= 3 and normal(stripped) and normal(stripped) in normal(name):
        return True
    return len(set(stripped)) <= 2  # `0000000000`, `xxxx-xxxx`, `-`


_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?$")
_WORDS = re.compile(r"^[A-Za-z]+(?:[ _./-][A-Za-z]+)*$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


#: a pagination cursor (STAC's `next:...`): named a token, opens nothing
CURSOR = re.compile(r"^(?:next|prev|previous):")


def looks_real(value: str, name: str = "") -> bool:
    """A credential-named value worth reporting: long enough, not a placeholder, a word, a number or a date."""
    value = value.strip()
    if len(value) < 8 or len(set(value)) < 5 or is_placeholder(value, name):
        return False
    if _NUMBER.match(value) or _DATE.match(value):
        return False
    return not (_WORDS.match(value) and (value.islower() or value.istitle() or value.isupper()))


_STATUS_WORDS = frozenset({"set", "unset", "true", "false", "yes", "no", "none", "required", "optional"})


def password_value(value: str, name: str = "") -> bool:
    """A password-named value: any value but an exact placeholder or a status word (`SET`).

    Fixture words count (`nope`, `toor`, even `password`): a password is whatever a server accepted.
    """
    stripped = value.strip()
    return bool(stripped) and stripped.lower() not in _STATUS_WORDS and not is_placeholder(stripped)


def normal(name: str) -> str:
    """`Client-Secret`, `client_secret`, `clientSecret` -> `clientsecret`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: normalised names that mention a credential word but never hold one
_NOT_NAMES = frozenset(
    {
        "nexttoken",
        "previoustoken",
        "prevtoken",
        "pagetoken",
        "nextpagetoken",
        "pagingtoken",
        "continuationtoken",
        "xcontinuationtoken",
        "continuation",
        "cursor",
        "nextcursor",
        "tokentype",
        "accesscontrolallowcredentials",
        "wwwauthenticate",
        "proxyauthenticate",
        "xgoogcredential",
        "xamzcredential",
        "xgoogsignedheaders",
        "xamzsignedheaders",
        "promptcachekey",
        "cachekey",
        "idempotencykey",
        "sortkey",
        "primarykey",
        "keyname",
        "keyid",
        "thoughtsignature",
        "azuremlmodelsession",
        "authtype",
        "authmethod",
        "authentication",
        "serverauth",
        "tokenendpoint",
        "tokenurl",
        "tokenuri",
        "authurl",
        "authuri",
        "authorizationendpoint",
    }
)
_PASSWORD = re.compile(r"passw|passwd|passphrase|pwd")
_SECRET = re.compile(r"secret|token|apikey|accesskey|privatekey|csrf|xsrf|credential$|sessionid|sessionkey")
_SESSION = re.compile(r"session|^sid$|sessid")
_AUTH = frozenset({"auth", "xauth", "authorization", "proxyauthorization", "authkey", "xauthkey"})
_SIGNATURE = frozenset({"xgoogsignature", "xamzsignature", "signature", "sig"})


#: the words a credential's name holds once normalised (`normal`): a name without one has no kind
CREDENTIAL_WORDS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "csrf",
    "xsrf",
    "credential",
    "sess",
    "sid",
    "sig",
    "auth",
    "key",
)
_CREDENTIAL_WORD = re.compile("|".join(CREDENTIAL_WORDS))
_CREDENTIAL_WORD_BYTES = tuple(word.encode("ascii") for word in CREDENTIAL_WORDS)
_NOT_NORMAL = bytes(b for b in range(128) if b not in b"0123456789abcdefghijklmnopqrstuvwxyz")


def may_name_credential(text: str) -> bool:
    """Whether any name standing in `text` can have a `field_kind`. Such a name, normalised,
    holds a credential word and is part of the whole text normalised the same way (lower
    case, then only a-z and 0-9 kept), so a text whose normal form holds none names none.
    All in C, each word by `bytes.find`: a report's text is mostly names that are not credentials'."""
    kept = text.lower().encode("ascii", "ignore").translate(None, _NOT_NORMAL)
    return any(word in kept for word in _CREDENTIAL_WORD_BYTES)


@functools.lru_cache(maxsize=8192)
def field_kind(name: str) -> str | None:
    """What a field's name says its value is: `password`, `secret`, `session`, `signature`, or None.

    Cached: a report asks about the same few names (`method`, `uri`, `status`) thousands of times."""
    key = normal(name)
    if (
        not _CREDENTIAL_WORD.search(key)
        or key in _NOT_NAMES
        or key.startswith(("lastauth", "authpref", "max"))
        or "uuid" in key
    ):
        return None
    if key.endswith(("tokens", "count", "expires", "expiresin", "expiry", "url", "uri", "type", "name")):
        return None
    if _PASSWORD.search(key):
        return "password"
    if key in _SIGNATURE:
        return "signature"
    if key in _AUTH or _SECRET.search(key) or (key.endswith("key") and key != "key"):
        return "secret"
    if _SESSION.search(key):
        return "session"
    return None


#: cookies that are not credentials: CDN bot management, analytics, routing and preferences
LOOKALIKE_COOKIE = re.compile(
    r"^(?:__cf_bm|_cfuvid|cf_clearance|__cflb|__cfruid|_ga\w*|_gid|_gat\w*|_fbp|_gcl_\w+|aid"
    r"|guest_id\w*|personalization_id|nginx-cloud-site-id|gs_flow_control|awsalb\w*|lang|locale"
    r"|ajs_\w+|_hj\w+|optimizely\w*|amplitude\w*|mp_\w+|muc_ads|ph_\w+)$",
    re.IGNORECASE,
)


SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


#: What a redaction rule leaves in place of a value (masking leaves `<REDACTED:kind>`).
REDACTED = "<REDACTED>"


#: The kind of a target header value (a staging token) found echoed back in an answer.
TARGET_HEADER = RULES["target-header"].kind


SECRET_NAME = re.compile(r"auth|token|key|secret|session|cookie|sign|pass", re.IGNORECASE)
PASSWORD_FIELD = re.compile(r"pass|pwd", re.IGNORECASE)
