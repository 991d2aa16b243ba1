"""Published documents against real recordings: the report says what tests/data/spec/REVIEW.md
says a reviewer found by hand, and nothing else above volatile."""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from cassettes_tool.commands import spec as command
from cassettes_tool.config import Config
from cassettes_tool.model.change import Severity
from cassettes_tool.spec import checker_for, parse_spec_flag

DATA = Path(__file__).parent.parent / "data" / "spec"
STAC = DATA / "stac" / "openapi"
STAC_DOCS = ("core/openapi.yaml", "ogcapi-features/openapi-features.yaml", "item-search/openapi.yaml")
STAC_HOSTS = ("planetarycomputer.microsoft.com/api/stac/v1", "earth-search.aws.element84.com/v1")


def _findings(folder: Path, flags: list[str]) -> dict[str, list[tuple[str, str, str | None, int]]]:
    checker = checker_for([parse_spec_flag(f) for f in flags])
    report = command.run((folder,), Config(), checker, fail_on=Severity.BREAKING)
    out: dict[str, list[tuple[str, str, str | None, int]]] = {}
    for result in report.cassettes:
        found = out.setdefault(result.path.name, [])
        for interaction in result.interactions:
            for c in interaction.changes:
                assert c.where.value == "spec"
                found.append((c.severity.value, c.kind.value, c.path, c.count))
    return out


@functools.cache
def _stac() -> dict[str, list[tuple[str, str, str | None, int]]]:
    flags = [f"{host}={STAC / doc}" for host in STAC_HOSTS for doc in STAC_DOCS]
    return _findings(DATA / "stac" / "cassettes", flags)


def test_stac_fields_extension_items_lack_what_the_item_schema_requires() -> None:
    found = _stac()["test_fields.yaml"]
    assert sorted(f for f in found if f[0] != "value") == [
        ("additive", "field_added", "$.features[*].assets", 10),
        ("additive", "field_added", "$.features[*].geometry", 10),
        ("additive", "field_added", "$.features[*].links", 10),
    ]
    assert sorted(f[2] for f in found if f[0] == "value") == [
        "$.context",
        "$.features[*].collection",
        "$.stac_extensions",
        "$.stac_version",
    ]


def test_stac_search_by_ids_has_only_undocumented_fields() -> None:
    found = _stac()["TestItemSearch.test_ids_results.yaml"]
    assert sorted(found) == [
        ("value", "field_removed", "$.features[0].assets.image['eo:bands']", 1),
        ("value", "field_removed", "$.features[0].assets.rendered_preview.rel", 1),
        ("value", "field_removed", "$.features[0].collection", 1),
    ]


def test_stac_landing_page_is_as_documented() -> None:
    assert _stac()["test_stac_io_in_pystac.yaml"] == []


def test_stac_collection_summary_and_queryables() -> None:
    found = _stac()["TestCollectionClient.test_get_queryables.yaml"]
    above_value = sorted(f for f in found if f[0] != "value")
    assert above_value == [
        ("additive", "field_added", "$.summaries['view:off_nadir'].max", 1),
        ("additive", "field_added", "$.summaries['view:off_nadir'].min", 1),
        ("breaking", "operation_removed", None, 1),
    ]
    undocumented = {f[2] for f in found if f[0] == "value"}
    assert {
        "$.summaries['view:off_nadir'].maximum",
        "$.assets",
        "$.item_assets",
        "$['msft:region']",
    } <= undocumented


def test_stac_findings_name_operation_and_schema_location() -> None:
    checker = checker_for(
        [parse_spec_flag(f"earth-search.aws.element84.com/v1={STAC / 'item-search/openapi.yaml'}")]
    )
    report = command.run(
        (DATA / "stac" / "cassettes" / "test_fields.yaml",), Config(), checker, fail_on=Severity.BREAKING
    )
    change = next(c for c in report.changes() if c.path == "$.features[*].geometry")
    assert change.operation == "postItemSearch"
    # the rule lives in another file than the operation: the $refs were followed across files
    assert change.schema is not None and change.schema.endswith(
        "core/commons.yaml#/components/schemas/item/required"
    )


def test_openai_responses_against_the_31_document() -> None:
    found = _findings(DATA / "openai" / "cassettes", [f"api.openai.com={DATA / 'openai' / 'openapi.json'}"])
    per_answer = Counter(
        {
            ("breaking", "type_changed", "$.user", 1): 1,
            ("additive", "deprecation_announced", "$.user", 1): 1,
            ("additive", "deprecation_announced", "$.prompt_cache_retention", 1): 1,
            ("additive", "field_added", "$.usage.input_tokens_details.cache_write_tokens", 1): 1,
            ("value", "field_removed", "$.billing", 1): 1,
            ("value", "field_removed", "$.frequency_penalty", 1): 1,
            ("value", "field_removed", "$.presence_penalty", 1): 1,
            ("value", "field_removed", "$.store", 1): 1,
        }
    )
    assert Counter(found["test_responses_basic_non_streaming.yaml"]) == per_answer
    assert Counter(found["test_responses_tool_use.yaml"]) == per_answer + per_answer
    assert found["test_tool_use_basic.yaml"] == []


def test_openai_deprecation_carries_the_documents_text() -> None:
    checker = checker_for([parse_spec_flag(f"api.openai.com={DATA / 'openai' / 'openapi.json'}")])
    folder = DATA / "openai" / "cassettes" / "test_responses_basic_non_streaming.yaml"
    report = command.run((folder,), Config(), checker, fail_on=Severity.BREAKING)
    user = next(c for c in report.changes() if c.kind.value == "deprecation_announced" and c.path == "$.user")
    assert user.detail is not None and "safety_identifier" in user.detail
    assert user.operation == "createResponse"


@pytest.mark.parametrize("fmt", ["json"])
def test_spec_check_cli_json(run: Callable[..., Result], fmt: str) -> None:
    flags = [a for host in STAC_HOSTS for doc in STAC_DOCS for a in ("--spec", f"{host}={STAC / doc}")]
    result = run("spec-check", str(DATA / "stac" / "cassettes"), *flags, "--format", fmt)
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    wheres = {c["where"] for cas in data["cassettes"] for i in cas["interactions"] for c in i["changes"]}
    assert wheres == {"spec"}
    removed = [
        c
        for cas in data["cassettes"]
        for i in cas["interactions"]
        for c in i["changes"]
        if c["kind"] == "operation_removed"
    ]
    assert len(removed) == 1 and data["verdict"] == "fail"
