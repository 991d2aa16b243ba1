"""The demo: v1/v2 fake services and the bundled sample cassettes recorded against v1."""

from __future__ import annotations

from pathlib import Path


def sample_cassettes_dir() -> Path:
    """The bundled samples: inside the installed wheel, or at the top of a checkout."""
    bundled = Path(__file__).resolve().parent / "sample_cassettes"
    if bundled.is_dir():
        return bundled
    checkout = Path(__file__).resolve().parents[2] / "sample_cassettes"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the sample cassettes are missing from this installation")
