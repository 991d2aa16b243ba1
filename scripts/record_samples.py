"""Re-record the bundled sample cassettes against the v1 demo services.

    python scripts/record_samples.py [OUT_DIR]     # default: sample_cassettes/

Real vcrpy recordings, through both the requests and the httpx clients, in both the
YAML and JSON serializers. Anyone can rerun it; the result differs from the committed
files only in volatile values (dates, ids), which is the point of the tool.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import requests

from cassettes_tool.demo.recording import SCENARIOS, record
from cassettes_tool.demo.services import DemoServer

#: relative path, scenario, client, serializer
SAMPLES = (
    ("auth/login.yaml", "login", "requests", "yaml"),
    ("payments/charges.json", "payments", "httpx", "json"),
    ("users/list.yaml", "users", "httpx", "yaml"),
    ("catalog/items.yaml", "catalog", "httpx", "yaml"),  # gzip body stored as !!binary
    ("files/report.yaml", "report", "requests", "yaml"),
)


def main(out: Path) -> None:
    with DemoServer("v1") as server:
        for relative, scenario, client_name, serializer in SAMPLES:
            path = out / relative
            path.unlink(missing_ok=True)
            if client_name == "httpx":
                with httpx.Client() as client:
                    record(path, SCENARIOS[scenario], server, client, serializer=serializer)
            else:
                with requests.Session() as session:
                    record(path, SCENARIOS[scenario], server, session, serializer=serializer)
            print(f"recorded {path}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "sample_cassettes"
    )
