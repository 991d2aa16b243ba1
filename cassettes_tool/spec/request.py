"""Would the provider still accept the recorded request? The code under test sends it as
recorded, so every refusal is breaking: a required parameter missing, a query parameter the
document no longer has, a body its schema refuses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cassettes_tool.model.body import BodyKind
from cassettes_tool.model.cassette import Request
from cassettes_tool.model.change import Change, ChangeKind, Severity, Where
from cassettes_tool.spec.document import Version
from cassettes_tool.spec.findings import Context, classify
from cassettes_tool.spec.operations import Operation, escape
from cassettes_tool.spec.schemas import Validators, resolve


def request_changes(operation: Operation, request: Request, validators: Validators) -> Iterator[Change]:
    params = _parameters(operation)
    recorded_query = {name for name, _ in request.query}
    documented_query = {name for (where, name) in params if where == "query"}
    for (where, name), (param, location) in params.items():
        if not param.get("required") or where not in ("query", "header"):
            continue
        present = name in recorded_query if where == "query" else name in request.headers
        if not present:
            yield _refused(
                operation, f"{where}:{name}", location, f"required {where} parameter {name!r} not sent"
            )
    for name in sorted(recorded_query - documented_query):
        if any(_explodes_into(param, name) for (where, _), (param, _) in params.items() if where == "query"):
            continue
        yield _refused(
            operation,
            f"query:{name}",
            f"{operation.location}/parameters",
            f"query parameter {name!r} is not (or no longer) documented",
        )
    yield from _body(operation, request, validators, params)


def _parameters(operation: Operation) -> dict[tuple[str, str], tuple[Mapping[str, Any], str]]:
    """Path-item parameters overridden by the operation's, by (in, name), each resolved."""
    document = operation.document
    path_base = operation.location.rsplit("/", 1)[0]
    found: dict[tuple[str, str], tuple[Mapping[str, Any], str]] = {}
    for base, node in ((path_base, operation.path_item), (operation.location, operation.node)):
        for i, raw in enumerate(node.get("parameters") or ()):
            param, where = resolve(document, f"{base}/parameters/{i}", raw)
            if isinstance(param, dict) and "name" in param and "in" in param:
                found[(str(param["in"]), str(param["name"]))] = (param, where)
    return found


def _explodes_into(param: Mapping[str, Any], name: str) -> bool:
    """An exploded object parameter (`style: form`, the default) sends its properties as query
    names; `deepObject` sends `param[key]`."""
    if param.get("style") == "deepObject":
        return name.startswith(f"{param.get('name')}[")
    schema = param.get("schema") or {}
    exploded = bool(param.get("explode", True))
    return (
        exploded
        and isinstance(schema, dict)
        and (schema.get("type") == "object" or "additionalProperties" in schema)
    )


def _body(
    operation: Operation,
    request: Request,
    validators: Validators,
    params: Mapping[tuple[str, str], tuple[Mapping[str, Any], str]],
) -> Iterator[Change]:
    if request.body.kind is not BodyKind.JSON:
        return
    start = _body_schema(operation, params, request.body.media_type)
    if start is None:
        return
    ctx = Context(operation.document, start, operation.name, request=True)
    compiled = validators.get(operation.document, start, request=True)
    for error in compiled.validator.iter_errors(request.body.value):
        yield from classify(error, ctx)


def _body_schema(
    operation: Operation,
    params: Mapping[tuple[str, str], tuple[Mapping[str, Any], str]],
    media_type: str | None,
) -> str | None:
    document = operation.document
    if document.version is Version.SWAGGER2:
        for (where, _), (param, location) in params.items():
            if where == "body" and "schema" in param:
                return f"{location}/schema"
        return None
    raw = operation.node.get("requestBody")
    if raw is None:
        return None
    node, base = resolve(document, f"{operation.location}/requestBody", raw)
    content = node.get("content") or {} if isinstance(node, dict) else {}
    recorded = (media_type or "application/json").split(";")[0].strip().lower()
    for candidate in (recorded, recorded.split("/")[0] + "/*", "*/*"):
        if candidate in content and "schema" in content[candidate]:
            return f"{base}/content/{escape(candidate)}/schema"
    return None


def _refused(operation: Operation, path: str, location: str, detail: str) -> Change:
    return Change(
        severity=Severity.BREAKING,
        kind=ChangeKind.REQUEST_CHANGED,
        where=Where.SPEC,
        path=path,
        detail=detail,
        operation=operation.name,
        schema=location,
    )
