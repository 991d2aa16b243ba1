"""Each finding of SPEC.md on a small document, for OpenAPI 3.0, 3.1 and Swagger 2.0; the law
that a response made from an operation's own schema has no finding; `check --spec`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes_tool.model.body import Body
from cassettes_tool.model.cassette import Headers, Interaction, Request, Response
from cassettes_tool.spec import checker_for, parse_spec_flag

PET = {
    "type": "object",
    "required": ["id", "name", "kind"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["cat", "dog"]},
        "born": {"type": "string", "format": "date"},
        "tag": {"type": "string", "nullable": True},
        "legacy": {"type": "string", "deprecated": True, "description": "Use tag."},
    },
}
STRICT = {"type": "object", "additionalProperties": False, "properties": {"code": {"type": "integer"}}}


def _doc30() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "pets", "version": "1"},
        "servers": [{"url": "https://api.pets.test/v1"}],
        "paths": {
            "/pets/{petId}": {
                "get": {
                    "operationId": "getPet",
                    "parameters": [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                        },
                        "4XX": {"description": "err", "content": {"application/json": {"schema": STRICT}}},
                    },
                },
                "delete": {
                    "operationId": "deletePet",
                    "deprecated": True,
                    "description": "Pets are forever.",
                    "responses": {"204": {"description": "gone"}},
                },
            },
            "/pets": {
                "post": {
                    "operationId": "addPet",
                    "parameters": [
                        {"name": "X-Owner", "in": "header", "required": True, "schema": {"type": "string"}}
                    ],
                    "requestBody": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}
                    },
                    "responses": {"201": {"description": "made"}},
                },
            },
            "/shapes/{id}": {
                "get": {
                    "operationId": "getShape",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/Circle"},
                                            {"$ref": "#/components/schemas/Square"},
                                        ],
                                        "discriminator": {
                                            "propertyName": "shape",
                                            "mapping": {
                                                "circle": "#/components/schemas/Circle",
                                                "square": "#/components/schemas/Square",
                                            },
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Pet": PET,
                "Circle": {
                    "type": "object",
                    "required": ["shape", "radius"],
                    "properties": {"shape": {"type": "string"}, "radius": {"type": "number"}},
                },
                "Square": {
                    "type": "object",
                    "required": ["shape", "side"],
                    "properties": {"shape": {"type": "string"}, "side": {"type": "number"}},
                },
            }
        },
    }


def _swagger2() -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "pets", "version": "1"},
        "host": "api.pets.test",
        "basePath": "/v1",
        "paths": {
            "/pets/{petId}": {
                "get": {
                    "operationId": "getPet",
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}},
                }
            }
        },
        "definitions": {"Pet": PET},
    }


def _doc31() -> dict[str, Any]:
    doc = _doc30()
    doc["openapi"] = "3.1.0"
    pet = json.loads(json.dumps(PET))
    pet["properties"]["tag"] = {"type": ["string", "null"]}
    doc["components"]["schemas"]["Pet"] = pet
    return doc


def _interaction(
    method: str,
    uri: str,
    status: int,
    body: Any = None,
    *,
    request_body: Any = None,
    headers: dict[str, str] | None = None,
) -> Interaction:
    def json_body(value: Any) -> Body:
        if value is None:
            return Body(stored=b"", data=b"")
        data = json.dumps(value).encode()
        return Body(stored=data, data=data, media_type="application/json")

    request = Request(method, uri, Headers(tuple((headers or {}).items())), json_body(request_body))
    return Interaction(
        0, request, Response(status, "", Headers((("Content-Type", "application/json"),)), json_body(body))
    )


def _checker(tmp_path: Path, doc: dict[str, Any], name: str = "openapi.yaml") -> Any:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc))
    return checker_for([parse_spec_flag(f"api.pets.test={path}")])


def _found(checker: Any, interaction: Interaction) -> set[tuple[str, str, str | None]]:
    return {(c.severity.value, c.kind.value, c.path) for c in checker.check(interaction) or ()}


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a schema of the kinds these documents use (hypothesis-jsonschema does not run
    with this Hypothesis): types (3.1 lists with null), enum, date formats, objects."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = schema.get("type", "object")
    if isinstance(types, list):
        return st.one_of([from_schema({**schema, "type": t}) for t in types])
    if types == "null":
        return st.none()
    if types == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
    if types == "string" and schema.get("format") == "date":
        return st.dates().map(lambda d: d.isoformat())
    return {
        "string": st.text(),
        "integer": st.integers(),
        "number": st.floats(allow_nan=False, allow_infinity=False),
        "boolean": st.booleans(),
    }[types]


GOOD = {"id": 1, "name": "Rex", "kind": "dog", "born": "2020-01-02", "tag": None}


@pytest.mark.parametrize("make", [_doc30, _doc31, _swagger2], ids=["3.0", "3.1", "2.0"])
def test_response_findings(tmp_path: Path, make: Callable[[], dict[str, Any]]) -> None:
    checker = _checker(tmp_path, make())
    uri = "https://api.pets.test/v1/pets/1"
    assert _found(checker, _interaction("GET", uri, 200, GOOD)) == set()
    bad = {"id": "1", "kind": "bird", "born": "yesterday", "legacy": "x", "extra": 1}
    assert _found(checker, _interaction("GET", uri, 200, bad)) == {
        ("breaking", "type_changed", "$.id"),
        ("breaking", "value_changed", "$.kind"),
        ("breaking", "format_changed", "$.born"),
        ("additive", "field_added", "$.name"),
        ("additive", "deprecation_announced", "$.legacy"),
        ("value", "field_removed", "$.extra"),
    }


def test_operation_and_status_findings(tmp_path: Path) -> None:
    checker = _checker(tmp_path, _doc30())
    assert _found(checker, _interaction("GET", "https://api.pets.test/v1/owners", 200, {})) == {
        ("breaking", "operation_removed", None)
    }
    assert _found(checker, _interaction("PUT", "https://api.pets.test/v1/pets/1", 200, {})) == {
        ("breaking", "operation_removed", None)
    }
    assert _found(checker, _interaction("GET", "https://api.pets.test/v1/pets/1", 500, {})) == {
        ("value", "status_changed", None)
    }
    # 4XX covers 404; the error schema allows no other field
    assert _found(
        checker, _interaction("GET", "https://api.pets.test/v1/pets/1", 404, {"code": 1, "msg": "x"})
    ) == {("breaking", "field_removed", "$.msg")}
    deleted = checker.check(_interaction("DELETE", "https://api.pets.test/v1/pets/1", 204))
    assert [(c.kind.value, c.detail, c.operation) for c in deleted] == [
        ("deprecation_announced", "Pets are forever.", "deletePet")
    ]
    # another host or another base path: not this document's business
    assert checker.check(_interaction("GET", "https://other.test/v1/pets/1", 200, {})) is None
    assert checker.check(_interaction("GET", "https://api.pets.test/v2/pets/1", 200, {})) is None


def test_request_the_document_no_longer_accepts(tmp_path: Path) -> None:
    checker = _checker(tmp_path, _doc30())
    sent = _interaction(
        "POST", "https://api.pets.test/v1/pets", 201, request_body={"id": "x", "name": "a", "kind": "dog"}
    )
    assert _found(checker, sent) == {
        ("breaking", "request_changed", "header:X-Owner"),
        ("breaking", "request_changed", "$.id"),
    }
    query = _interaction("GET", "https://api.pets.test/v1/pets/1?verbose=true&gone=1", 200, GOOD)
    assert _found(checker, query) == {("breaking", "request_changed", "query:gone")}


def test_discriminator_chooses_the_branch(tmp_path: Path) -> None:
    checker = _checker(tmp_path, _doc30())
    uri = "https://api.pets.test/v1/shapes/1"
    assert _found(checker, _interaction("GET", uri, 200, {"shape": "circle", "radius": 2})) == set()
    assert _found(checker, _interaction("GET", uri, 200, {"shape": "square", "side": "2"})) == {
        ("breaking", "type_changed", "$.side")
    }


def test_refs_across_files(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "pet.yaml").write_text(yaml.safe_dump({"Pet": PET}))
    doc = _doc30()
    doc["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "schemas/pet.yaml#/Pet"
    }
    checker = _checker(tmp_path, doc)
    changes = checker.check(_interaction("GET", "https://api.pets.test/v1/pets/1", 200, {**GOOD, "id": "1"}))
    assert [
        (c.kind.value, c.schema.endswith("schemas/pet.yaml#/Pet/properties/id/type")) for c in changes
    ] == [("type_changed", True)]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_law_a_response_made_from_the_schema_has_no_finding(tmp_path: Path, data: st.DataObject) -> None:
    checker = _checker(tmp_path, _doc31())
    schema = json.loads(json.dumps(_doc31()["components"]["schemas"]["Pet"]))
    schema["properties"].pop("legacy")  # deprecated fields are findings by design
    schema["additionalProperties"] = False  # what the schema documents, nothing else
    body = data.draw(from_schema(schema))
    changes = checker.check(_interaction("GET", "https://api.pets.test/v1/pets/7", 200, body))
    assert [c for c in changes if c.severity.value != "volatile"] == []


def test_check_with_spec_fails_offline(tmp_path: Path, run: Callable[..., Result]) -> None:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(_doc30()))
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    body = json.dumps({"id": "1", "name": "Rex", "kind": "dog"})
    (cassettes / "pet.yaml").write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "interactions": [
                    {
                        "request": {
                            "method": "GET",
                            "uri": "https://api.pets.test/v1/pets/1",
                            "body": None,
                            "headers": {},
                        },
                        "response": {
                            "status": {"code": 200, "message": "OK"},
                            "headers": {"Content-Type": ["application/json"]},
                            "body": {"string": body},
                        },
                    }
                ],
            }
        )
    )
    result = run(
        "check",
        "cassettes",
        "--offline",
        "--spec",
        "api.pets.test=openapi.yaml",
        "--format",
        "json",
        cwd=tmp_path,
    )
    data = json.loads(result.output)
    assert result.exit_code == 1, result.output
    changes = data["cassettes"][0]["interactions"][0]["changes"]
    assert [(c["where"], c["kind"], c["path"], c["operation"]) for c in changes] == [
        ("spec", "type_changed", "$.id", "getPet")
    ]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes]\nspecs = { "api.pets.test" = "openapi.yaml" }\n'
    )
    assert run("check", "cassettes", "--offline", cwd=tmp_path).exit_code == 1
    assert (
        run("check", "cassettes", "--offline", "--spec", "api.pets.test=missing.yaml", cwd=tmp_path).exit_code
        == 2
    )
