"""A project's own vcrpy serializer, named in the config and imported from the project."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cassettes_tool.cassette.formats import Serializer
from cassettes_tool.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CustomSerializer:
    """A project's own vcrpy serializer, named `package.module:object` or `package.module` in the config."""

    spec: str
    serializer: Serializer


def import_serializer(spec: str, *, source: Path | None = None, root: Path | None = None) -> CustomSerializer:
    """Import the project's serializer; the project folder is importable, as under pytest.

    `package.module` names a module with `serialize`/`deserialize` functions, as
    `vcr.register_serializer(name, module)` takes it (pydantic-ai's `json_body_serializer`).
    """
    folder = str((root or Path.cwd()).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name, sep, attr = spec.partition(":")
    if not module_name or (sep and not attr):
        raise ConfigError(
            f"{spec!r} is not of the form 'package.module' or 'package.module:object'",
            source=source,
            key="serializer",
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot import {spec!r}: {exc}", source=source, key="serializer") from exc
    if not (callable(getattr(obj, "deserialize", None)) and callable(getattr(obj, "serialize", None))):
        raise ConfigError(
            f"{spec!r} has no deserialize()/serialize(): not a vcrpy serializer",
            source=source,
            key="serializer",
        )
    return CustomSerializer(spec, obj)


@lru_cache(maxsize=4)
def custom_serializer(spec: str | None) -> CustomSerializer | None:
    """Imported once per process (workers re-import it: the object may not pickle)."""
    return import_serializer(spec) if spec else None
