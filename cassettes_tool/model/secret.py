"""Credentials found or masked: their kind and where, never printed whole."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One credential: its kind, where it is, and its value (never printed whole)."""

    kind: str
    interaction: int
    #: `request.header.Authorization`, `request.query.api_key`, `response.body $.token`
    where: str
    #: the value as it stands in the cassette (percent-encoded, base64-wrapped: the wrapper)
    value: str
    #: the credential itself when `value` is its encoded or wrapping form
    secret: str = ""

    @property
    def masked(self) -> str:
        return mask(self.value)

    @property
    def placeholder(self) -> str:
        return f"<REDACTED:{self.kind}>"


def mask(value: str) -> str:
    """Enough to recognise the value, not enough to use it."""
    if len(value) <= 8:
        return "*" * len(value) or "''"
    return f"{value[:4]}…({len(value)} chars)"


@dataclass(frozen=True, slots=True)
class Masked:
    """A credential no rule covered, masked in place: its kind and where it was, never the value."""

    kind: str
    interaction: int
    where: str

    @property
    def placeholder(self) -> str:
        return f"<REDACTED:{self.kind}>"
