"""Reports built in memory for the renderer tests: every field a renderer reads, no I/O."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from cassettes_tool.model import (
    Age,
    AgeSource,
    ApplyInfo,
    CassetteResult,
    Change,
    ChangeKind,
    InteractionSummary,
    Problem,
    Report,
    RunInfo,
    Severity,
    Status,
    Where,
)

RECORDED = datetime(2026, 5, 21, 10, 0, tzinfo=timezone.utc)


def interaction(
    index: int, uri: str, *changes: Change, status: Status = Status.DRIFTED
) -> InteractionSummary:
    host = uri.split("/")[2]
    return InteractionSummary(
        index=index,
        method="GET",
        uri=uri,
        host=host,
        path="/" + uri.split("/", 3)[3],
        status_code=200,
        media_type="application/json",
        body_size=120,
        body_kind="json",
        line=2 + 40 * index,
        status=status if changes else Status.ALIGNED,
        changes=changes,
    )


def rich_check() -> Report:
    """A check that found breaking drift, a stale cassette, a lint problem and an error."""
    age = Age(187.2, RECORDED, "3f2c1e0", "Record cassettes", "Ada Lovelace", AgeSource.GIT)
    old = Age(401.0, RECORDED.replace(year=2025), "9a8b7c6", "First recording", "Ada Lovelace", AgeSource.GIT)
    login = CassetteResult(
        path=Path("tests/cassettes/auth/login.yaml"),
        status=Status.DRIFTED,
        serializer="yaml",
        size=1712,
        age=age,
        interactions=(
            interaction(
                0,
                "https://auth.example.com/login",
                Change(
                    Severity.ADDITIVE,
                    ChangeKind.FIELD_ADDED,
                    Where.BODY,
                    "$.session_context",
                    None,
                    {"auth_level": 2},
                ),
                Change(Severity.VOLATILE, ChangeKind.VALUE_CHANGED, Where.BODY, "$.token", "<jwt>", "<jwt>"),
            ),
        ),
    )
    charges = CassetteResult(
        path=Path("tests/cassettes/payments/charges.json"),
        status=Status.DRIFTED,
        serializer="json",
        size=2210,
        age=age,
        interactions=(
            interaction(
                0,
                "https://api.example.com/payments/charges",
                Change(
                    Severity.BREAKING,
                    ChangeKind.TYPE_CHANGED,
                    Where.BODY,
                    "$.amount",
                    1200,
                    "12.00",
                    "number -> string",
                ),
                Change(Severity.VALUE, ChangeKind.VALUE_CHANGED, Where.BODY, "$.status", "succeeded", "paid"),
            ),
            interaction(1, "https://api.example.com/payments/refunds"),
        ),
    )
    users = CassetteResult(
        path=Path("tests/cassettes/users/list.yaml"),
        status=Status.STALE,
        serializer="yaml",
        size=900,
        age=old,
        note="frozen 401 days, more than --max-age 180",
        interactions=(interaction(0, "https://api.example.com/users"),),
        problems=(Problem("S105", "jwt", "JWT in response.body $.token: eyJh…(120 chars)", 14),),
    )
    broken = CassetteResult(
        path=Path("tests/cassettes/broken.yaml"),
        status=Status.ERROR,
        error="invalid YAML: found unclosed quote",
        line=7,
    )
    return Report(
        command="check",
        cassettes=(login, charges, users, broken),
        notes=((Path("tests/cassettes/loop"), "symlink loop: folder already searched, skipped"),),
        target="staging",
        fail_on=Severity.BREAKING,
        max_age=180.0,
        run=RunInfo("20261125-101500-ab12", Path(".cassettes/scratch/20261125-101500-ab12"), True),
    )


def applied() -> Report:
    """`refresh --apply --commit` of the same run: what was written, kept and withheld."""
    check = rich_check()
    return Report(
        command="refresh",
        cassettes=check.cassettes[:2],
        target=check.target,
        run=check.run,
        applied=ApplyInfo(
            written=(Path("tests/cassettes/payments/charges.json"),),
            kept=(
                (
                    Path("tests/cassettes/auth/login.yaml"),
                    "its drift is additive at most, below --only breaking",
                ),
            ),
            branch="cassettes/refresh-20261125-101500",
            commit="0123456789abcdef0123456789abcdef01234567",
        ),
    )
