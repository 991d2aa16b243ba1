"""Recognise values that change on every call, by their format rather than their name.

A timestamp that moved, a new UUID, a fresh token of the same shape: these are not
drift. The same value changing *format* (an ISO date becoming epoch seconds) is.
The diff, and later `show --textconv`, ask this module what a value looks like.
"""

from __future__ import annotations

import functools
import re
from typing import Any

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)
_RFC1123 = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? \d{1,2}[ -](?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"[ -]\d{2,4} \d{2}:\d{2}:\d{2} (?:GMT|UTC|[+-]\d{4})$"
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
_HEX = re.compile(r"^(?:0x)?[0-9a-f]{16,}$|^[0-9A-F]{16,}$")
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_B64 = re.compile(r"^[A-Za-z0-9+/_-]{20,}={0,2}$")
_PREFIXED = re.compile(r"^([A-Za-z]{1,12}[_-])([A-Za-z0-9]{6,})$")
_NUMERIC = re.compile(r"^-?\d+(?:\.\d+)?$")
_PLACEHOLDER = re.compile(
    r"^(?:<REDACTED(?::[\w-]+)?>|FILTERED|REDACTED|\*{3,})$|<REDACTED(?::[\w-]+)?>", re.IGNORECASE
)

#: no volatile format is longer than this many characters (a JWT with a large payload)
_LONGEST = 4096
#: formats of one family can replace each other only by a format change (breaking)
TIMESTAMPS = frozenset({"iso-8601", "rfc-1123", "epoch-seconds", "epoch-milliseconds"})


def is_placeholder(value: Any) -> bool:
    """A value left by redaction or masking: it equals whatever the other side holds."""
    return isinstance(value, str) and bool(_PLACEHOLDER.search(value))


def _epoch(number: float) -> str | None:
    if 946_684_800 <= number <= 4_102_444_800:  # 2000-01-01 .. 2100-01-01
        return "epoch-seconds"
    if 946_684_800_000 <= number <= 4_102_444_800_000:
        return "epoch-milliseconds"
    return None


def format_of(value: Any) -> str | None:
    """The volatile format a value has (`uuid`, `iso-8601`, `epoch-seconds`...), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return _epoch(float(value))
    if not isinstance(value, str) or len(value) < 8:
        return None
    if len(value) > _LONGEST and len(value.strip()) > _LONGEST:
        return None  # kept out of the cache: a base64 image must not outlive its cassette there
    return _format_of_text(value)


@functools.lru_cache(maxsize=65536)
def _format_of_text(value: str) -> str | None:
    """Cached: the same ids and dates come back in every item of every list."""
    text = value.strip()
    if len(text) < 8 or len(text) > _LONGEST:  # no volatile format is shorter than 8 characters
        return None
    if _NUMERIC.match(text):
        return _epoch(float(text))
    if _ISO.match(text):
        return "iso-8601"
    if _RFC1123.match(text):
        return "rfc-1123"
    if _UUID.match(text):
        return "uuid"
    if _JWT.match(text):
        return "jwt"
    if _ULID.match(text):
        return "ulid"
    if _HEX.match(text):
        return "hex-id"
    prefixed = _PREFIXED.match(text)
    if prefixed and _random_tail(prefixed.group(2)):
        return f"id:{prefixed.group(1)}"
    if _B64.match(text) and _random_token(text):
        return "base64-id"
    return None


_SEPARATORS = re.compile(r"[_+\-./]")
_CAMEL_WORDS = re.compile(r"^[a-z]*(?:[A-Z][a-z]{2,})+$")
_HEX_TAIL = re.compile(r"^[0-9a-f]{12,}$|^[0-9A-F]{12,}$")


def _random_tail(tail: str) -> bool:
    """The part after `ch_`: letters and digits mixed, or a slice of hex (`ch_{uuid4().hex[:12]}`
    is all digits one time in 300), or a long token in mixed case (`cus_MMqLcDRgcvrVavvkqujuIirI`)
    that is not CamelCase words. `ch_1001` and `tool_20250124` are values."""
    has_digit = any(c.isdigit() for c in tail)
    has_alpha = any(c.isalpha() for c in tail)
    mixed_case = any(c.isupper() for c in tail) and any(c.islower() for c in tail)
    long_token = len(tail) >= 20 and mixed_case and not _CAMEL_WORDS.match(tail)
    return (has_digit and has_alpha) or long_token or bool(_HEX_TAIL.match(tail)) or _random_token(tail)


def _random_token(text: str) -> bool:
    """Generated (random base64: `w1peaMz6INOvnvgPgYfPiQY`), not words put together.

    Split on separators, a token is random when one piece is: a hex run, or letters and
    digits whose character class changes every one or two characters. CamelCase words
    (`ShippingAddressValidationError`), phrases (`South+of+Market+Child+Care`), slugs and
    product codes (`LC08_L2SP_197023_20220324_02_T1`, `claude-sonnet-4-20250514`) are values.
    """
    return any(
        (_HEX.match(piece) and not piece.isdigit()) or _random_run(piece) for piece in _SEPARATORS.split(text)
    )


_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def _random_run(piece: str) -> bool:
    """Letters and digits in pieces shorter than words: `qtsPvN7J8Q0` is 8 pieces in 11
    characters, `ShippingAddressValidationError` 4 in 30, `20250717T112119` 3 in 15. Or
    unpronounceable: words are two-fifths vowels, random letters one-fifth."""
    if len(piece) < 8:
        return False
    words = _WORD.findall(piece)
    classes = {"digit" if w[0].isdigit() else "letter" for w in words}
    cases = any(c.isupper() for c in piece) and any(c.islower() for c in piece)
    if (len(classes) == 2 or cases) and len(piece) / max(len(words), 1) < 3:
        return True
    letters = [c for c in piece if c.isalpha()]
    vowels = sum(1 for c in letters if c in "aeiouAEIOU")
    return cases and len(piece) >= 12 and len(letters) >= 10 and vowels / len(letters) < 0.2


def classify(old: Any, new: Any) -> str | None:
    """For two different values: `volatile`, `format_changed`, or None (a real value change).

    Callers check JSON types first: a string epoch becoming a number is a type change.
    """
    if is_placeholder(old) or is_placeholder(new):
        return "volatile"
    old_format, new_format = format_of(old), format_of(new)
    if old_format is None or new_format is None:
        return None
    if old_format == new_format:
        return "volatile"
    if old_format in TIMESTAMPS and new_format in TIMESTAMPS:
        return "format_changed"
    return None


_TOKENS = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT"
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
    r"|\b[0-9a-f]{16,}\b"
)


def mask_text(text: str) -> str:
    """Text with volatile tokens replaced by their kind, so two recordings compare by what matters."""
    return _TOKENS.sub(_kind_of_token, text)


def _kind_of_token(match: re.Match[str]) -> str:
    token = match.group(0)
    kind = format_of(token) or "id"
    return f"<{kind}>"
