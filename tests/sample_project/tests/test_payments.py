"""Recorded through a `VCR` of the suite's own, as a decorator."""

from __future__ import annotations

from pathlib import Path

import requests
import vcr

payments_vcr = vcr.VCR(
    cassette_library_dir=str(Path(__file__).parent / "cassettes" / "payments"),
    path_transformer=vcr.VCR.ensure_suffix(".yaml"),
)


@payments_vcr.use_cassette("charge")
def test_charge_amount_in_cents(payments_url: str) -> None:
    charge = requests.get(f"{payments_url}/charges/ch_1001").json()
    assert isinstance(charge["amount"], int)  # staging (v2) answers a string: this test fails there
