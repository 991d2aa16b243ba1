"""The records every stage passes on. Standard library only: no vcrpy, httpx, click or git."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cassettes_tool.model.age import Age, AgeSource, days_between, utc_now
    from cassettes_tool.model.body import Body, BodyKind
    from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Request, Response
    from cassettes_tool.model.change import CassetteDiff, Change, ChangeKind, InteractionDiff, Severity, Where
    from cassettes_tool.model.exit import ExitCode
    from cassettes_tool.model.manifest import CassetteRun, InteractionRun, Outcome, Progress, RunManifest
    from cassettes_tool.model.result import (
        ApplyInfo,
        CassetteResult,
        InteractionSummary,
        Problem,
        Report,
        RunInfo,
        ShardInfo,
        Status,
    )
    from cassettes_tool.model.secret import Finding, Masked
    from cassettes_tool.model.summary import Counts, Failing, GateOutcome, Reason, Summary

#: name -> (module, attribute): loaded on first use (PEP 562), so that a command that needs
#: one record or one reader does not import the whole package (`show --textconv` start-up)
_LAZY = {
    "Age": ("cassettes_tool.model.age", "Age"),
    "AgeSource": ("cassettes_tool.model.age", "AgeSource"),
    "days_between": ("cassettes_tool.model.age", "days_between"),
    "utc_now": ("cassettes_tool.model.age", "utc_now"),
    "Body": ("cassettes_tool.model.body", "Body"),
    "BodyKind": ("cassettes_tool.model.body", "BodyKind"),
    "Cassette": ("cassettes_tool.model.cassette", "Cassette"),
    "Headers": ("cassettes_tool.model.cassette", "Headers"),
    "Interaction": ("cassettes_tool.model.cassette", "Interaction"),
    "Request": ("cassettes_tool.model.cassette", "Request"),
    "Response": ("cassettes_tool.model.cassette", "Response"),
    "CassetteDiff": ("cassettes_tool.model.change", "CassetteDiff"),
    "Change": ("cassettes_tool.model.change", "Change"),
    "ChangeKind": ("cassettes_tool.model.change", "ChangeKind"),
    "InteractionDiff": ("cassettes_tool.model.change", "InteractionDiff"),
    "Severity": ("cassettes_tool.model.change", "Severity"),
    "Where": ("cassettes_tool.model.change", "Where"),
    "CassetteRun": ("cassettes_tool.model.manifest", "CassetteRun"),
    "InteractionRun": ("cassettes_tool.model.manifest", "InteractionRun"),
    "Outcome": ("cassettes_tool.model.manifest", "Outcome"),
    "Progress": ("cassettes_tool.model.manifest", "Progress"),
    "RunManifest": ("cassettes_tool.model.manifest", "RunManifest"),
    "ApplyInfo": ("cassettes_tool.model.result", "ApplyInfo"),
    "CassetteResult": ("cassettes_tool.model.result", "CassetteResult"),
    "ExitCode": ("cassettes_tool.model.exit", "ExitCode"),
    "InteractionSummary": ("cassettes_tool.model.result", "InteractionSummary"),
    "Problem": ("cassettes_tool.model.result", "Problem"),
    "Report": ("cassettes_tool.model.result", "Report"),
    "RunInfo": ("cassettes_tool.model.result", "RunInfo"),
    "ShardInfo": ("cassettes_tool.model.result", "ShardInfo"),
    "Status": ("cassettes_tool.model.result", "Status"),
    "Finding": ("cassettes_tool.model.secret", "Finding"),
    "Masked": ("cassettes_tool.model.secret", "Masked"),
    "Counts": ("cassettes_tool.model.summary", "Counts"),
    "Failing": ("cassettes_tool.model.summary", "Failing"),
    "GateOutcome": ("cassettes_tool.model.summary", "GateOutcome"),
    "Reason": ("cassettes_tool.model.summary", "Reason"),
    "Summary": ("cassettes_tool.model.summary", "Summary"),
}

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


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value
