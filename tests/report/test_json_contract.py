"""The JSON report against its documentation (docs/report-schema.md), and the reader against the writer."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from reports import applied, rich_check

from cassettes_tool.commands.merge import merge
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
    ShardInfo,
    Status,
    Where,
)
from cassettes_tool.report.json import _change_json, from_json, render_json, to_json

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


def _documented(heading: str) -> set[str]:
    """The keys of the table under `## heading` in docs/report-schema.md."""
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))


def test_every_key_written_is_documented_and_every_documented_key_is_written() -> None:
    data = to_json(rich_check())
    top = _documented("Top level")
    # `apply` appears only after `refresh --apply`, `run` only after a refresh, `shard` with --shard
    history_only = {"drifting_since", "drifting_days", "timeline", "fail_on_drifting"}  # check --history
    assert set(data) == top - {"apply", "shard"} - history_only
    assert set(to_json(applied())) == top - {"shard"} - history_only
    with_shard = replace(rich_check(), shard=ShardInfo(1, 2, ("tests",)))
    assert set(to_json(with_shard)) == top - {"apply"} - history_only
    cassette_keys: set[str] = set().union(*(set(c) for c in data["cassettes"]))
    assert cassette_keys == _documented("`cassettes[]`") - {"fixed"} - history_only
    change_keys = {
        key for c in data["cassettes"] for i in c["interactions"] for ch in i["changes"] for key in ch
    }
    spec_only = {"operation", "schema"}  # written only for findings against an OpenAPI document
    documented_changes = _documented("Changes") - history_only
    assert change_keys == documented_changes - spec_only | {"old", "new"}  # documented as `old`, `new`
    remembered = to_json(_with_history(rich_check()))
    assert history_only <= set(remembered) | {"drifting_since", "drifting_days", "timeline"}
    assert "fail_on_drifting" in remembered
    drifted = [c for c in remembered["cassettes"] if c.get("timeline")]
    assert drifted and {"drifting_since", "drifting_days", "timeline"} <= set(drifted[0])
    assert from_json(remembered) == from_json(json.loads(json.dumps(remembered)))
    assert from_json(remembered).cassettes == _with_history(rich_check()).cassettes
    spec_finding = Change(
        Severity.BREAKING,
        ChangeKind.OPERATION_REMOVED,
        Where.SPEC,
        operation="getPet",
        schema="a.yaml#/paths",
    )
    assert set(_change_json(spec_finding)) == documented_changes | {"old", "new"}
    kinds = re.search(r"\| `kind` \| (.*) \|", SCHEMA_DOC.read_text(encoding="utf-8"))
    assert kinds is not None
    assert set(re.findall(r"`([a-z_]+)`", kinds.group(1))) == {kind.value for kind in ChangeKind}
    assert data["verdict"] == "fail" and data["exit_code"] == 1


def _with_history(report: Report) -> Report:
    """The report as `check --history` leaves it: drift changes dated, timelines drawn."""
    since = datetime(2026, 5, 1, 6, 0, tzinfo=timezone.utc)
    dated = []
    for result in report.cassettes:
        interactions = tuple(
            replace(
                i,
                changes=tuple(
                    replace(ch, drifting_since=since, drifting_days=14.0)
                    if ch.severity is not Severity.VOLATILE
                    else ch
                    for ch in i.changes
                ),
            )
            for i in result.interactions
        )
        timeline = ((since, "drift"), (since + timedelta(days=14), "drift")) if interactions else ()
        dated.append(replace(result, interactions=interactions, timeline=timeline))
    return replace(report, cassettes=tuple(dated), fail_on_drifting=7.0)


_text = st.text(alphabet="abcdefghij-_ ", min_size=1, max_size=12)
_json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)
_path = st.builds(
    lambda a, b: Path(f"tests/{a}/{b}.yaml"),
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["x", "y", "z"]),
)
_age = st.builds(
    lambda days, source: Age(
        round(days, 1),
        datetime(2026, 1, 1, tzinfo=timezone.utc) - timedelta(days=round(days, 1)),
        "3f2c1e0",
        "subject",
        "Ada",
        source,
    ),
    st.floats(0, 900, allow_nan=False),
    st.sampled_from(list(AgeSource)),
)
_change = st.builds(
    Change,
    st.sampled_from(list(Severity)),
    st.sampled_from(list(ChangeKind)),
    st.sampled_from(list(Where)),
    st.none() | st.just("$.a[*].b"),
    _json_value,
    _json_value,
    st.none() | _text,
    st.integers(1, 5),
)
_interaction = st.builds(
    InteractionSummary,
    index=st.integers(0, 9),
    method=st.sampled_from(["GET", "POST"]),
    uri=st.just("https://api.example.com/a?b=1"),
    host=st.just("api.example.com"),
    path=st.just("/a"),
    status_code=st.none() | st.integers(200, 599),
    media_type=st.none() | st.just("application/json"),
    body_size=st.integers(0, 10_000),
    body_kind=st.sampled_from(["json", "text", "empty"]),
    line=st.none() | st.integers(1, 500),
    age=st.none() | _age,
    status=st.none() | st.sampled_from(list(Status)),
    changes=st.lists(_change, max_size=3).map(tuple),
    reason=st.none() | _text,
    masked=st.lists(st.tuples(_text, _text), max_size=2).map(tuple),
)
_problem = st.builds(
    Problem,
    st.sampled_from(["S105", "C001"]),
    st.sampled_from(["jwt", "unparseable"]),
    _text,
    st.none() | st.integers(1, 99),
)
_result = st.builds(
    CassetteResult,
    path=_path,
    status=st.sampled_from(list(Status)),
    serializer=st.none() | st.just("yaml"),
    error=st.none() | _text,
    note=st.none() | _text,
    size=st.integers(0, 10**6),
    interactions=st.lists(_interaction, max_size=3).map(tuple),
    line=st.none() | st.integers(1, 99),
    problems=st.lists(_problem, max_size=2).map(tuple),
    age=st.none() | _age,
    fixed=st.lists(_problem, max_size=2).map(tuple),
)
_applied = st.none() | st.builds(
    ApplyInfo,
    written=st.lists(_path, max_size=2).map(tuple),
    kept=st.lists(st.tuples(_path, _text), max_size=2).map(tuple),
    withheld=st.lists(st.tuples(_path, _text), max_size=2).map(tuple),
    branch=st.none() | st.just("cassettes/refresh-1"),
    commit=st.none() | st.just("0123456789abcdef"),
)
_report = st.builds(
    Report,
    command=st.sampled_from(["scan", "lint", "check", "diff", "refresh"]),
    cassettes=st.lists(_result, max_size=4).map(tuple),
    notes=st.lists(st.tuples(_path, _text), max_size=2).map(tuple),
    target=st.none() | st.just("staging"),
    fail_on=st.sampled_from([Severity.BREAKING, Severity.ADDITIVE, Severity.VALUE]),
    max_age=st.none() | st.just(180.0),
    show_volatile=st.booleans(),
    run=st.none() | st.just(RunInfo("r1", Path(".cassettes/scratch/r1"), True)),
    applied=_applied,
)


@settings(max_examples=150, deadline=None)
@given(_report)
def test_reading_back_what_was_written_gives_the_same_report(report: Report) -> None:
    """The law `report merge` stands on: fixed, applied and show_volatile used to be dropped,
    which flipped a merged `lint --fix` report from exit 1 to exit 0."""
    back = from_json(json.loads(render_json(report)))
    assert back == report
    assert back.verdict == report.verdict


def test_merging_one_lint_fix_report_keeps_its_verdict() -> None:
    masked = Problem("S105", "jwt", "<REDACTED:jwt> in response.body $.token", 14)
    fixed = Report("lint", (CassetteResult(Path("tests/a.yaml"), Status.OK, fixed=(masked,)),))
    assert int(fixed.verdict) == 1
    merged = merge([from_json(json.loads(render_json(fixed)))])
    assert merged == fixed and int(merged.verdict) == 1
