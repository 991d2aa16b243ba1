"""Credentials: one table of rules, the scanner, redaction, and the masker everything written passes."""

from __future__ import annotations

from cassettes_tool.secrets.mask import mask_interaction, secret_values
from cassettes_tool.secrets.masker import mask_text, remember
from cassettes_tool.secrets.redact import covered_values, redact_interaction
from cassettes_tool.secrets.rules import REDACTED, TARGET_HEADER, is_placeholder, looks_real
from cassettes_tool.secrets.scan import scan_interaction

__all__ = [
    "REDACTED",
    "TARGET_HEADER",
    "covered_values",
    "is_placeholder",
    "looks_real",
    "mask_interaction",
    "mask_text",
    "redact_interaction",
    "remember",
    "scan_interaction",
    "secret_values",
]
