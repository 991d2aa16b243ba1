"""Cassette formats: vcrpy's own serializers (YAML, JSON), the layouts real suites give
them (`parsed_body`, requests/responses lists), gzip-compressed files, and a project's own one.

Each module here knows one way a cassette file is written; `serializer_for` gives the
one to write a cassette back with, as it was read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from cassettes_tool.errors import ConfigError

if TYPE_CHECKING:
    from cassettes_tool.cassette.formats.custom import CustomSerializer


class Serializer(Protocol):
    """vcrpy's serializer interface: `deserialize(str) -> dict`, `serialize(dict) -> str`."""

    def deserialize(self, cassette_string: str) -> Any: ...

    def serialize(self, cassette_dict: Any) -> str: ...


def serializer_for(name: str, custom: CustomSerializer | None = None) -> Serializer:
    """The serializer a cassette was read with (`Cassette.serializer`), to write it back the same way."""
    if custom is not None and name == custom.spec:
        return custom.serializer
    from cassettes_tool.cassette.formats.layouts import LayoutSerializer, split_name
    from cassettes_tool.cassette.formats.vcr import vcr_serializers

    builtin = vcr_serializers()
    base, layout = split_name(name)
    if base not in builtin:
        raise ConfigError(f"serializer {name!r} is not configured: cannot write a cassette with it")
    if layout is None:
        return builtin[base]
    return LayoutSerializer(layout, builtin[base], base)
