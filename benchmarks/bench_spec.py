"""Benchmark `spec-check`: 2,000 recorded interactions against a 10 MB OpenAPI document.

    python benchmarks/bench_spec.py [--interactions 2000] [--doc-mb 10] [--seed 7]

The document (OpenAPI 3.0, JSON) has as many operations as it takes to weigh `--doc-mb`,
each answering with its own component schema (20 typed properties, a nested array of
items by `$ref`, an enum, a date-time, a nullable field). The interactions call 50 of them
with ~3 KB JSON bodies, one answer in ten carrying a type violation and an undocumented
field. Timed apart: loading the document (parse, registry, operation index).

Ours: `SpecChecker.check` per interaction (validators compiled once per operation and
status, cached). Baseline: the same library used naively, a fresh
`OAS30ReadValidator(schema, registry=...)` built for every interaction and asked for its
errors, which is what a per-interaction call of `openapi_schema_validator.validate` does.
With openapi-core installed, also `openapi_core.OpenAPI(...).validate_response` per
interaction on a 1/20 sample (it rebuilds its own unmarshallers per call).
Target: ours under 5 s for the whole run, load included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cassettes_tool.model.body import Body
from cassettes_tool.model.cassette import Headers, Interaction, Request, Response
from cassettes_tool.spec import checker_for, parse_spec_flag

HOST = "api.bench.test"


def _schema(i: int) -> dict[str, Any]:
    props: dict[str, Any] = {f"f{k}": {"type": "string", "description": "x" * 40} for k in range(14)}
    props.update(
        {
            "id": {"type": "integer"},
            "state": {"type": "string", "enum": ["on", "off", "gone"]},
            "at": {"type": "string", "format": "date-time"},
            "note": {"type": "string", "nullable": True},
            "score": {"type": "number"},
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/Item{i}"}},
        }
    )
    return {"type": "object", "required": ["id", "state"], "properties": props}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _item(i: int) -> dict[str, Any]:
    return {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}


def build_document(mb: float) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "bench", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    i = 0
    while i % 200 or len(json.dumps(doc)) < mb * 1_000_000:
        paths[f"/things{i}/{{id}}"] = {
            "get": {
                "operationId": f"getThing{i}",
                "parameters": [_ID],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/Thing{i}"}}
                        },
                    },
                    "404": {"description": "none"},
                },
            }
        }
        schemas[f"Thing{i}"] = _schema(i)
        schemas[f"Item{i}"] = _item(i)
        i += 1
    return doc


def _body(rng: random.Random, bad: bool) -> dict[str, Any]:
    body: dict[str, Any] = {f"f{k}": "v" * rng.randint(5, 60) for k in range(14)}
    body.update(
        {
            "id": rng.randint(1, 10**6),
            "state": rng.choice(["on", "off"]),
            "at": "2026-01-02T03:04:05Z",
            "note": None,
            "score": rng.random(),
            "items": [{"sku": f"s{j}", "qty": j} for j in range(20)],
        }
    )
    if bad:
        body["id"] = str(body["id"])
        body["surprise"] = True
    return body


def interactions(n: int, seed: int) -> list[Interaction]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        op = rng.randrange(50) * 7
        data = json.dumps(_body(rng, k % 10 == 0)).encode()
        request = Request("GET", f"https://{HOST}/things{op}/{k}", Headers(), Body(stored=b"", data=b""))
        response = Response(
            200,
            "OK",
            Headers((("Content-Type", "application/json"),)),
            Body(stored=data, data=data, media_type="application/json"),
        )
        out.append(Interaction(k, request, response))
    return out


def naive(document_path: Path, recorded: list[Interaction]) -> float:
    from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

    from cassettes_tool.spec import load

    document = load(str(document_path))
    start = time.perf_counter()
    for interaction in recorded:
        op = interaction.request.path.split("/")[1].removeprefix("things")
        schema = {"$ref": f"{document.uri}#/components/schemas/Thing{op}"}
        validator = OAS30ReadValidator(
            schema, registry=document.registry, format_checker=oas30_format_checker
        )
        list(validator.iter_errors(interaction.response.body.value))
    return time.perf_counter() - start


def openapi_core_sample(doc: dict[str, Any], recorded: list[Interaction]) -> float | None:
    try:
        from openapi_core import OpenAPI
        from openapi_core.testing import MockRequest, MockResponse
    except ImportError:
        return None
    doc = {**doc, "servers": [{"url": f"https://{HOST}"}]}
    api = OpenAPI.from_dict(doc)
    start = time.perf_counter()
    for interaction in recorded:
        request = MockRequest(f"https://{HOST}", "get", interaction.request.path)
        response = MockResponse(
            interaction.response.body.data, status_code=200, content_type="application/json"
        )
        with contextlib.suppress(Exception):  # a finding, as ours counts them
            api.validate_response(request, response)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interactions", type=int, default=2000)
    parser.add_argument("--doc-mb", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    doc = build_document(args.doc_mb)
    recorded = interactions(args.interactions, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "openapi.json"
        path.write_text(json.dumps(doc))
        size = path.stat().st_size / 1e6
        t0 = time.perf_counter()
        checker = checker_for([parse_spec_flag(f"{HOST}={path}")])
        load_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        findings = [checker.check(i) for i in recorded]
        ours = time.perf_counter() - t1
        base = naive(path, recorded)
    flagged = sum(1 for f in findings if f and any(c.severity.value == "breaking" for c in f))
    n = len(recorded)
    print(f"document: {size:.1f} MB, {len(doc['paths'])} operations; load {load_s:.2f} s")
    print(
        f"ours:     {ours:.2f} s for {n} interactions, {ours / n * 1e3:.2f} ms each; total with load "
        f"{ours + load_s:.2f} s (target < 5 s); {flagged} answers with a breaking finding"
    )
    print(
        f"baseline: {base:.2f} s naive (a validator built per interaction), {base / n * 1e3:.2f} ms each; "
        f"ratio {base / ours:.1f}x"
    )
    sample = recorded[:: max(1, n // 100)]
    core = openapi_core_sample(doc, sample)
    if core is not None:
        per = core / len(sample)
        print(
            f"openapi-core validate_response: {per * 1e3:.2f} ms each on {len(sample)} "
            f"(x{n} = {per * n:.1f} s; ratio {per * n / ours:.1f}x)"
        )
    return 0 if ours + load_s < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
