"""The records every stage passes on. Standard library only: no vcrpy, httpx, click or git."""

from __future__ import annotations

from cassettes_tool.model.age import Age, AgeSource, days_between, utc_now
from cassettes_tool.model.body import Body, BodyKind
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Request, Response
from cassettes_tool.model.change import CassetteDiff, Change, ChangeKind, InteractionDiff, Severity, Where
from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, Progress, RunManifest
from cassettes_tool.model.result import (
    ApplyInfo,
    CassetteResult,
    ExitCode,
    InteractionSummary,
    Problem,
    Report,
    RunInfo,
    ShardInfo,
    Status,
)
from cassettes_tool.model.secret import Finding, Masked
from cassettes_tool.model.summary import Counts, Failing, GateOutcome, Reason, Summary

__all__ = [
    "Age",
    "AgeSource",
    "ApplyInfo",
    "Body",
    "BodyKind",
    "Cassette",
    "CassetteDiff",
    "CassetteResult",
    "CassetteRun",
    "Change",
    "ChangeKind",
    "Counts",
    "ExitCode",
    "Failing",
    "Finding",
    "GateOutcome",
    "Headers",
    "Interaction",
    "InteractionDiff",
    "InteractionRun",
    "InteractionSummary",
    "Masked",
    "Outcome",
    "Problem",
    "Progress",
    "Reason",
    "Report",
    "Request",
    "Response",
    "RunInfo",
    "RunManifest",
    "Severity",
    "ShardInfo",
    "Status",
    "Summary",
    "Where",
    "days_between",
    "utc_now",
]
