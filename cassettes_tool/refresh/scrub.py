"""Nothing is written before it is scrubbed: redaction by the rules, then masking of what they missed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from cassettes_tool import cassette, secrets
from cassettes_tool.config import RedactRules
from cassettes_tool.model import Masked
from cassettes_tool.model.cassette import Cassette, Response


def scrub(
    loaded: Cassette,
    serializer: cassette.Serializer,
    rules: RedactRules,
    *,
    known: Iterable[str] = (),
    recorded: Sequence[tuple[Any, Any]] | None = None,
    answers: Mapping[int, Response] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> tuple[str, tuple[Masked, ...]]:
    """A cassette's text as the scratch area may hold it: each interaction (with its new
    answer, when `answers` has one) redacted by the rules, then masked by the scanner.

    `recorded` is vcrpy's own `(Request, response dict)` per interaction: what redaction
    and masking leave untouched is written from it, byte for byte. `known` values (a
    target's tokens) are masked wherever they appear.
    """
    pairs: list[tuple[Any, Any]] = []
    masked: list[Masked] = []
    for interaction in loaded.interactions:
        answer = (answers or {}).get(interaction.index)
        written = replace(interaction, response=answer) if answer is not None else interaction
        clean, found = secrets.mask_interaction(
            secrets.redact_interaction(written, rules),
            headers=rules.headers,
            fields=rules.query,
            known=known,
        )
        masked += found
        raw_request, raw_response = recorded[interaction.index] if recorded else (None, None)
        if raw_request is None or clean.request != interaction.request:
            raw_request = cassette.vcr_request(clean.request, like=raw_request)
        if raw_response is None or answer is not None or clean.response != interaction.response:
            raw_response = cassette.vcr_response(clean.response)
        pairs.append((raw_request, raw_response))
    return cassette.dumps(pairs, serializer, metadata=metadata), tuple(masked)
