"""The JSON report (`cassettes-report/1`, docs/report-schema.md): the one writer and the one reader."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cassettes_tool.errors import ConfigError
from cassettes_tool.model.age import Age, AgeSource
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
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
from cassettes_tool.model.summary import Summary
from cassettes_tool.report.common import VERDICT_WORDS
from cassettes_tool.report.pieces import masked_text
from cassettes_tool.secrets.masker import mask_text
from cassettes_tool.words import display_path

SCHEMA = "cassettes-report/1"


def to_json(report: Report, *, cassettes: bool = True) -> dict[str, Any]:
    """The report as JSON data; without `cassettes`, all but the list of cassettes."""
    summary = Summary.of(report)
    counts = summary.counts
    return {
        "schema": SCHEMA,
        "command": report.command,
        "target": report.target,
        "summary": {
            "cassettes": counts.cassettes,
            "interactions": counts.interactions,
            **{status.value: n for status, n in counts.statuses},
            "errors": counts.status(Status.ERROR),
            "problems": counts.problems,
            "changes": {severity.value: n for severity, n in counts.changes},
            "outcomes": {outcome.value: n for outcome, n in counts.outcomes},
            "over_max_age": counts.over_max_age,
        },
        "verdict": VERDICT_WORDS[summary.verdict],
        "exit_code": int(summary.verdict),
        "failing": [
            {
                "path": display_path(f.path),
                "outcome": f.outcome.value,
                "reasons": [{"reason": r.token, "detail": r.detail} for r in f.reasons],
            }
            for f in summary.failing
        ],
        **({"shard": _shard_json(report.shard)} if report.shard else {}),
        "fail_on": report.fail_on.value,
        "max_age": report.max_age,
        **({"fail_on_drifting": report.fail_on_drifting} if report.fail_on_drifting is not None else {}),
        "show_volatile": report.show_volatile,
        **({"run": _run_json(report.run)} if report.run else {}),
        **({"apply": _apply_json(report.applied)} if report.applied else {}),
        **({"cassettes": [_cassette_json(c) for c in report.cassettes]} if cassettes else {}),
        "notes": [{"path": display_path(p), "note": n} for p, n in report.notes],
    }


def _shard_json(shard: ShardInfo) -> dict[str, Any]:
    return {"index": shard.index, "count": shard.count, "paths": list(shard.paths)}


def _change_json(change: Change) -> dict[str, Any]:
    data: dict[str, Any] = {
        "severity": change.severity.value,
        "kind": change.kind.value,
        "where": change.where.value,
        "path": change.path,
        "old": change.old,
        "new": change.new,
        "detail": change.detail,
        "count": change.count,
    }
    # spec findings only: drift changes keep the shape they always had
    if change.operation is not None:
        data["operation"] = change.operation
    if change.schema is not None:
        data["schema"] = change.schema
    # with a history only (`check --history`)
    if change.drifting_since is not None:
        data["drifting_since"] = change.drifting_since.isoformat(timespec="seconds")
        data["drifting_days"] = change.drifting_days
    return data


def _history_json(result: CassetteResult) -> dict[str, Any]:
    """A cassette's `drifting_since` / `drifting_days` (its longest-drifting change) and its
    timeline: only with a history."""
    if not result.timeline:
        return {}
    changes = [ch for i in result.interactions for ch in i.changes if ch.drifting_since is not None]
    since = min((ch.drifting_since for ch in changes if ch.drifting_since), default=None)
    days = max((ch.drifting_days for ch in changes if ch.drifting_days is not None), default=None)
    return {
        "drifting_since": since.isoformat(timespec="seconds") if since else None,
        "drifting_days": days,
        "timeline": [{"at": at.isoformat(timespec="seconds"), "mark": mark} for at, mark in result.timeline],
    }


def _cassette_json(result: CassetteResult) -> dict[str, Any]:
    """Complete, volatile changes included (each carries its severity): the human renderers
    hide volatile ones unless --show-volatile, and shard reports merge back exactly."""
    return {
        "path": display_path(result.path),
        "status": result.status.value,
        "age": age_json(result.age),
        "serializer": result.serializer,
        "size": result.size,
        "error": result.error,
        "line": result.line,
        "note": result.note,
        **({"unchecked": True} if result.unchecked else {}),
        **_history_json(result),
        "interactions": [
            {
                "index": i.index,
                "method": i.method,
                "uri": i.uri,
                "host": i.host,
                "path": i.path,
                "status_code": i.status_code,
                "media_type": i.media_type,
                "body_kind": i.body_kind,
                "body_size": i.body_size,
                "line": i.line,
                "age": age_json(i.age),
                "status": i.status.value if i.status else None,
                "changes": [_change_json(c) for c in i.changes],
                **({"reason": i.reason} if i.reason else {}),
                **({"masked": [{"where": w, "kind": k} for w, k in i.masked]} if i.masked else {}),
            }
            for i in result.interactions
        ],
        "problems": [
            {"code": p.code, "kind": p.kind, "message": p.message, "line": p.line} for p in result.problems
        ],
        **(
            {
                "fixed": [
                    {"code": p.code, "kind": p.kind, "message": p.message, "line": p.line}
                    for p in result.fixed
                ]
            }
            if result.fixed
            else {}
        ),
    }


def _run_json(run: RunInfo) -> dict[str, Any]:
    return {"id": run.run_id, "folder": display_path(run.folder), "complete": run.complete}


def _apply_json(applied: ApplyInfo) -> dict[str, Any]:
    return {
        "written": [display_path(p) for p in applied.written],
        "kept": [{"path": display_path(p), "reason": why} for p, why in applied.kept],
        "withheld": [{"path": display_path(p), "reason": why} for p, why in applied.withheld],
        "branch": applied.branch,
        "commit": applied.commit,
    }


#: above this many cassettes, or interactions in all, each cassette is written on one line:
#: `indent` makes json use its pure-Python encoder, which took 4 s of a 20,000-cassette scan
#: and 0.5 s of a diff of one cassette of 10,000 interactions
_PRETTY_MAX = 500
_PRETTY_MAX_INTERACTIONS = 5000


def _pretty(report: Report) -> bool:
    if len(report.cassettes) > _PRETTY_MAX:
        return False
    return sum(len(result.interactions) for result in report.cassettes) <= _PRETTY_MAX_INTERACTIONS


def render_json(report: Report) -> str:
    """The JSON report, through the one masker (placeholders keep the JSON valid)."""
    return "".join(json_pieces(report))


def json_pieces(report: Report) -> Iterator[str]:
    """`render_json` piece by piece, a cassette per piece once there are many: the report is
    never whole in memory, as data or as text. Each piece is masked on its own, which masks
    as the whole would: no credential shape or `name: value` pair reaches across the `,`
    and the line break between two cassettes."""
    if _pretty(report):
        yield masked_text(json.dumps(to_json(report), indent=2, ensure_ascii=False, default=str) + "\n")
        return
    head = json.dumps(to_json(report, cassettes=False), indent=2, ensure_ascii=False, default=str)
    yield mask_text(head[:-2] + ',\n  "cassettes": [\n    ')
    separator = ""
    for result in report.cassettes:
        yield mask_text(separator + json.dumps(_cassette_json(result), ensure_ascii=False, default=str))
        separator = ",\n    "
    yield "\n  ]\n}\n"


def age_json(age: Age | None) -> dict[str, Any] | None:
    """The spec's `age` object: days to one decimal, UTC time last recorded, short sha, source."""
    if age is None:
        return None
    return {
        "days": None if age.days is None else round(age.days, 1),
        "last_recorded": age.last_recorded.isoformat() if age.last_recorded else None,
        "commit": age.commit,
        "source": age.source.value,
        "subject": age.subject,
        "author": age.author,
    }


def read_report(path: Path) -> Report:
    """A report written with `--format json`; a file that is not one is a usage error naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read a JSON report: {exc}", source=path) from None
    except RecursionError:
        raise ConfigError("cannot read a JSON report: nested too deeply", source=path) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ConfigError(f"not a {SCHEMA} report (schema: {found!r})", source=path)
    try:
        return from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"malformed report ({type(exc).__name__}: {exc})", source=path) from None


def from_json(data: dict[str, Any]) -> Report:
    """The report `to_json` wrote: `from_json(to_json(r)) == r` (paths relative to the current folder)."""
    run = data.get("run")
    return Report(
        command=data["command"],
        cassettes=tuple(_cassette(c) for c in data["cassettes"]),
        notes=tuple((Path(n["path"]), n["note"]) for n in data.get("notes", [])),
        target=data.get("target"),
        fail_on=Severity(data.get("fail_on", "breaking")),
        max_age=data.get("max_age"),
        show_volatile=bool(data.get("show_volatile", False)),
        run=RunInfo(run["id"], Path(run["folder"]), run["complete"]) if run else None,
        applied=_applied(data["apply"]) if data.get("apply") else None,
        shard=_shard(data["shard"]) if data.get("shard") else None,
        fail_on_drifting=data.get("fail_on_drifting"),
    )


def _shard(data: dict[str, Any]) -> ShardInfo:
    return ShardInfo(int(data["index"]), int(data["count"]), tuple(data.get("paths", ())))


def _applied(data: dict[str, Any]) -> ApplyInfo:
    return ApplyInfo(
        written=tuple(Path(p) for p in data.get("written", [])),
        kept=tuple((Path(k["path"]), k["reason"]) for k in data.get("kept", [])),
        withheld=tuple((Path(w["path"]), w["reason"]) for w in data.get("withheld", [])),
        branch=data.get("branch"),
        commit=data.get("commit"),
    )


def _problems(items: list[dict[str, Any]]) -> tuple[Problem, ...]:
    return tuple(Problem(p["code"], p["kind"], p["message"], p.get("line")) for p in items)


def _cassette(data: dict[str, Any]) -> CassetteResult:
    return CassetteResult(
        path=Path(data["path"]),
        status=Status(data["status"]),
        serializer=data.get("serializer"),
        error=data.get("error"),
        note=data.get("note"),
        size=data.get("size", 0),
        line=data.get("line"),
        unchecked=bool(data.get("unchecked", False)),
        age=_age(data.get("age")),
        interactions=tuple(_interaction(i) for i in data.get("interactions", [])),
        problems=_problems(data.get("problems", [])),
        fixed=_problems(data.get("fixed", [])),
        timeline=tuple((datetime.fromisoformat(t["at"]), t["mark"]) for t in data.get("timeline", [])),
    )


def _interaction(data: dict[str, Any]) -> InteractionSummary:
    status = data.get("status")
    return InteractionSummary(
        index=data["index"],
        method=data["method"],
        uri=data["uri"],
        host=data.get("host", ""),
        path=data.get("path", ""),
        status_code=data.get("status_code"),
        media_type=data.get("media_type"),
        body_size=data.get("body_size", 0),
        body_kind=data.get("body_kind", ""),
        line=data.get("line"),
        status=Status(status) if status else None,
        changes=tuple(_change(c) for c in data.get("changes", [])),
        age=_age(data.get("age")),
        reason=data.get("reason"),
        masked=tuple((m["where"], m["kind"]) for m in data.get("masked", [])),
    )


def _change(data: dict[str, Any]) -> Change:
    return Change(
        severity=Severity(data["severity"]),
        kind=ChangeKind(data["kind"]),
        where=Where(data["where"]),
        path=data.get("path"),
        old=data.get("old"),
        new=data.get("new"),
        detail=data.get("detail"),
        count=data.get("count", 1),
        operation=data.get("operation"),
        schema=data.get("schema"),
        drifting_since=_time(data.get("drifting_since")),
        drifting_days=data.get("drifting_days"),
    )


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _age(data: dict[str, Any] | None) -> Age | None:
    if data is None:
        return None
    recorded = data.get("last_recorded")
    return Age(
        days=data.get("days"),
        last_recorded=datetime.fromisoformat(recorded) if recorded else None,
        commit=data.get("commit"),
        subject=data.get("subject"),
        author=data.get("author"),
        source=AgeSource(data["source"]),
    )
