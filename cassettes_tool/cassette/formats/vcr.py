"""vcrpy's own YAML and JSON serializers, and the guards around its YAML loader.

What we read must be what vcrpy replays: YAML goes through vcrpy's restricted safe
loader (libyaml's CSafeLoader underneath when present), JSON through its JSON serializer.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from cassettes_tool.cassette.formats import Serializer, yaml_nodes
from cassettes_tool.errors import CassetteError, NotACassette

#: A YAML alias graph that expands past this many nodes and characters is refused (billion laughs).
MAX_EXPANDED_SIZE = 64 * 1024 * 1024


_NODE_COST = 64  # a node counts as much as a 64-character string, so the walk stays under a second


@functools.cache
def vcr_serializers() -> dict[str, Serializer]:
    """vcrpy's own serializers, imported on first use: importing vcrpy costs ~0.1 s that
    `cassettes age` (which reads no cassette) should not pay."""
    if "vcr" in sys.modules:  # already paid for: take the package's own modules
        from vcr.serializers import jsonserializer, yamlserializer

        return {"yaml": yamlserializer, "json": jsonserializer}
    return {name: _load_vcr_module(f"{name}serializer") for name in ("yaml", "json")}


def _load_vcr_module(name: str) -> Serializer:
    """vcrpy's serializer module, run from vcrpy's own file without `vcr/__init__`, which
    imports every HTTP client it can patch (0.1 s per process, and per scan worker)."""
    import importlib.util

    spec = importlib.util.find_spec("vcr")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        source = Path(folder) / "serializers" / f"{name}.py"
        if source.is_file():
            module_spec = importlib.util.spec_from_file_location(f"cassettes_tool._vcr_{name}", source)
            if module_spec and module_spec.loader:
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
                return module
    serializers = importlib.import_module("vcr.serializers")  # an unusual install: the slow way
    return importlib.import_module(f"{serializers.__name__}.{name}")


#: tags of cassettes written by vcrpy before 1.0 (Request objects, frozenset headers)
_OLD_FORMAT_TAGS = ("vcr.request.Request", "frozenset", "requests.structures.CaseInsensitiveDict")


def _looks_like_a_cassette(text: str) -> bool:
    """For a file that does not parse: does it even try to be a cassette?"""
    return "interactions" in text or "request" in text


def parse_builtin(text: str, path: Path) -> tuple[Any, str]:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return vcr_serializers()["json"].deserialize(text), "json"
        except RecursionError:
            raise CassetteError(path, "invalid JSON: nested too deeply", kind="too-large") from None
        except ValueError as exc:
            if stripped[:1] == "{" or path.suffix.lower() == ".json":
                msg = getattr(exc, "msg", str(exc))
                if not _looks_like_a_cassette(text):
                    raise NotACassette(path, f"not a vcrpy cassette (not JSON: {msg})") from None
                raise CassetteError(path, f"invalid JSON: {msg}", line=getattr(exc, "lineno", None)) from None
    return _parse_yaml(text, path), "yaml"


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        data = deserialize_yaml(text)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = _tag_of(exc)
        if any(old in tag for old in _OLD_FORMAT_TAGS):
            raise old_format(path, line) from None
        if not _looks_like_a_cassette(text):
            raise NotACassette(path, f"not a vcrpy cassette (YAML with the tag {tag})") from None
        raise CassetteError(
            path,
            f"YAML tag {tag} is refused by the safe loader (reported, never executed)",
            line=line,
            kind="unsafe-tag",
        ) from None
    except yaml.MarkedYAMLError as exc:
        message, line = _yaml_problem(exc, text)
        if not _looks_like_a_cassette(text):
            raise NotACassette(path, f"not a vcrpy cassette (YAML it cannot read: {message})") from None
        raise CassetteError(path, f"invalid YAML: {message}", line=line) from None
    except yaml.YAMLError as exc:
        raise CassetteError(path, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise CassetteError(path, "invalid YAML: nested too deeply") from None
    if yaml_nodes.has_node_mark(text, "&") and yaml_nodes.has_node_mark(text, "*"):
        _check_expansion(data, path, len(text))
    return data


def deserialize_yaml(text: str) -> Any:
    """vcrpy's `yamlserializer.deserialize`, with libyaml's node tree converted by `yaml_nodes`
    when vcrpy's safe loader is there to copy; vcrpy's loader itself for anything unusual."""
    serializer = vcr_serializers()["yaml"]
    loader = getattr(serializer, "_CassetteLoader", None)
    if loader is not None:
        data = yaml_nodes.read(text, loader)
        if data is not yaml_nodes.UNREAD:
            return data
    return serializer.deserialize(text)


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, int | None]:
    """libyaml's problem with its context (`while scanning a quoted scalar` ... at line N).

    At the end of the file the problem's own line says nothing: point at where the
    unfinished thing started.
    """
    problem = exc.problem or "syntax error"
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark else None
    context_line = exc.context_mark.line + 1 if exc.context_mark else None
    message = problem
    if exc.context:
        started = f" (line {context_line})" if context_line and context_line != problem_line else ""
        message = f"{problem} {exc.context}{started}"
    at_end = problem_line is not None and problem_line > text.count("\n")
    return message, (context_line if at_end and context_line else problem_line)


def _tag_of(exc: yaml.constructor.ConstructorError) -> str:
    match = re.search(r"tag '([^']+)'", str(exc.problem))
    tag = match.group(1) if match else "?"
    return tag.replace("tag:yaml.org,2002:", "!!")


def _check_expansion(data: Any, path: Path, size: int) -> None:
    """Aliases make a DAG: walking it naively is exponential, and each alias of a large body
    is a copy downstream. Bound the expanded size (nodes and characters) instead."""
    limit = max(MAX_EXPANDED_SIZE, 50 * size)
    budget = limit
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= _NODE_COST
        if isinstance(node, dict):
            stack.extend(node.values())
            stack.extend(node.keys())
        elif isinstance(node, list | tuple):
            stack.extend(node)
        elif isinstance(node, str | bytes):
            budget -= len(node)
        if budget < 0:
            raise CassetteError(
                path,
                f"YAML aliases expand to more than {limit:,} nodes and characters "
                "(a 'billion laughs' bomb?): refused",
            )


def old_format(path: Path, line: int | None = None) -> CassetteError:
    return CassetteError(
        path,
        f"pre-1.0 vcrpy cassette format: migrate it with `python -m vcr.migration {path}`",
        line=line,
        kind="old-format",
    )
