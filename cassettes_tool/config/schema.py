"""The declared schema of `[tool.cassettes]`: every key, its check, and the message that names it.

Unknown keys are mistakes: a misspelt `[tool.cassettes.redcat]` must not silently leave
secrets in cassettes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cassettes_tool.errors import ConfigError
from cassettes_tool.jsonpath import parse_path

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - exercised on 3.10 only
    pass


# ---------------------------------------------------------------------------- schema

Check = Callable[[Any], str | None]


def _is_str(value: Any) -> str | None:
    return None if isinstance(value, str) else f"expected a string, got {_type_name(value)}"


def _is_int(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else f"expected an integer, got {_type_name(value)}"


def _is_positive_int(value: Any) -> str | None:
    return _is_int(value) or (None if value > 0 else f"expected a positive integer, got {value}")


def _is_number(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        return f"expected a number, got {_type_name(value)}"
    return None if value >= 0 else f"expected a number >= 0, got {value}"


def _is_str_list(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected a list of strings, got {_type_name(value)}"
    for i, item in enumerate(value):
        if not isinstance(item, str):
            return f"item {i}: expected a string, got {_type_name(item)}"
    return None


def _is_json_path_list(value: Any) -> str | None:
    """A list of JSONPaths, each read by the one parser the rules use."""
    problem = _is_str_list(value)
    if problem:
        return problem
    for i, item in enumerate(value):
        try:
            parse_path(item)
        except ValueError as exc:
            return f"item {i}: {exc}"
    return None


def _is_glob_list(value: Any) -> str | None:
    """A list of gitignore-style globs, each read by the matcher discovery uses."""
    problem = _is_str_list(value)
    if problem:
        return problem
    import pathspec  # only a config with `exclude` pays for it

    for index, pattern in enumerate(value):
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except (ValueError, TypeError) as exc:
            return f"item {index}: not a gitignore-style glob: {exc}"
    return None


def _is_per_file_ignores(value: Any) -> str | None:
    """ruff's shape: `{"tests/cassettes/legacy/**" = ["S102", "C009"]}`; the codes are checked
    against the code table where the rules are chosen (`lint_rules`)."""
    if not isinstance(value, dict):
        return f'expected a table of GLOB = ["CODE", ...], got {_type_name(value)}'
    for glob, codes in value.items():
        problem = _is_glob_list([glob])
        if problem:
            return f"{glob!r}: {problem.removeprefix('item 0: ')}"
        problem = _is_str_list(codes)
        if problem:
            return f"{glob!r}: {problem}"
    return None


def _is_str_table(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a table of strings, got {_type_name(value)}"
    for key, item in value.items():
        if not isinstance(item, str):
            return f"{key}: expected a string, got {_type_name(item)}"
    return None


def _is_spec_table(value: Any) -> str | None:
    if not isinstance(value, dict):
        return f"expected a table of HOST = FILE or URL, got {_type_name(value)}"
    for key, item in value.items():
        items = item if isinstance(item, list) else [item]
        if not items or not all(isinstance(i, str) for i in items):
            return f"{key}: expected a file, an URL or a list of them, got {_type_name(item)}"
    return None


def _is_verify(value: Any) -> str | None:
    ok = isinstance(value, bool | str)
    return None if ok else f"expected true, false or a CA bundle path, got {_type_name(value)}"


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        if value in choices:
            return None
        return f"expected one of {', '.join(choices)}, got {value!r}"

    return check


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


TARGET_SCHEMA: dict[str, Check] = {
    "hosts": _is_str_table,
    "headers": _is_str_table,
    "verify": _is_verify,
    "timeout": _is_number,
    "concurrency": _is_positive_int,
    "methods": _is_str_list,
    "skip_hosts": _is_str_list,
}
SECTION_SCHEMAS: dict[str, dict[str, Check]] = {
    "ignore": {"body": _is_json_path_list, "headers": _is_str_list},
    "redact": {"headers": _is_str_list, "query": _is_str_list, "body": _is_json_path_list},
    "lint": {
        "select": _is_str_list,
        "ignore": _is_str_list,
        "max_body_bytes": _is_positive_int,
        "per-file-ignores": _is_per_file_ignores,
    },
}
TOP_SCHEMA: dict[str, Check] = {
    "paths": _is_str_list,
    "scratch": _is_str,
    "keep_runs": _is_positive_int,
    "serializer": _is_str,
    "exclude": _is_glob_list,
    "fail_on": _one_of("breaking", "additive", "value"),
    "max_age": _is_number,
    "history": _is_str,
    "history_keep": _is_number,
    "fail_on_drifting": _is_number,
    "ordered": _is_json_path_list,
    "unordered": _is_json_path_list,
    "specs": _is_spec_table,
}


def _check_table(table: Any, schema: Mapping[str, Check], source: Path, prefix: str) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"expected a table, got {_type_name(table)}", source=source, key=prefix)
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        check = schema.get(key)
        if check is None:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"unknown key (known keys: {known})", source=source, key=name)
        problem = check(value)
        if problem:
            raise ConfigError(problem, source=source, key=name)


def validate(settings: Any, source: Path) -> None:
    """Raise ConfigError on the first unknown key or wrong type, naming it."""
    known = {**TOP_SCHEMA, **dict.fromkeys(SECTION_SCHEMAS), "targets": None}
    if not isinstance(settings, dict):
        raise ConfigError("expected a table", source=source, key="tool.cassettes")
    for key, value in settings.items():
        if key not in known:
            raise ConfigError(f"unknown key (known keys: {', '.join(sorted(known))})", source=source, key=key)
        if key in SECTION_SCHEMAS:
            _check_table(value, SECTION_SCHEMAS[key], source, key)
        elif key == "targets":
            if not isinstance(value, dict):
                raise ConfigError(f"expected a table, got {_type_name(value)}", source=source, key=key)
            for name, target in value.items():
                _check_table(target, TARGET_SCHEMA, source, f"targets.{name}")
        else:
            problem = TOP_SCHEMA[key](value)
            if problem:
                raise ConfigError(problem, source=source, key=key)
