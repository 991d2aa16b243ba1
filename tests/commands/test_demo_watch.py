"""`cassettes demo --watch`: three weekly checks against a staging that drifts more each week."""

from __future__ import annotations

import json
from typing import Any


def test_demo_watch_sorts_the_drift_by_how_long_it_has_lasted(run: Any) -> None:
    result = run("demo", "--watch")
    assert result.exit_code == 0, result.output
    out = result.output
    auth = out.index("auth/login.yaml  drifted: 1 additive · drifting 14 days")
    payments = out.index("payments/charges.json  drifted: 1 breaking, 1 value · drifting 7 days")
    users = out.index("users/list.yaml  drifted")
    assert auth < payments < users  # how long first, then how bad
    assert "longest drifting: tests/cassettes/auth/login.yaml, drifting 14 days" in out
    assert "ran three times, a simulated week apart" in out


def test_demo_watch_json_carries_the_history(run: Any) -> None:
    result = run("demo", "--watch", "--format", "json", "--quiet")
    data = json.loads(result.output)
    login = next(c for c in data["cassettes"] if c["path"].endswith("auth/login.yaml"))
    assert login["drifting_days"] == 14.0
    assert [t["mark"] for t in login["timeline"]] == ["drift", "drift", "drift"]
    files = next(c for c in data["cassettes"] if c["path"].endswith("files/report.yaml"))
    assert [t["mark"] for t in files["timeline"]] == ["aligned", "aligned", "drift"]
