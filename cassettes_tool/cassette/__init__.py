"""Cassette files: find them, read them through vcrpy's serializers, write them back atomically.

The only package that knows vcrpy's file formats; everything after it works on the
records of `cassettes_tool.model`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cassettes_tool.cassette.codecs import as_bytes, decode
from cassettes_tool.cassette.discover import CASSETTE_SUFFIXES, SKIPPED_DIRS, Discovery, discover
from cassettes_tool.cassette.formats import Serializer, serializer_for
from cassettes_tool.cassette.formats.custom import CustomSerializer, custom_serializer, import_serializer
from cassettes_tool.cassette.lines import interaction_lines, line_of
from cassettes_tool.cassette.read import load, loads

if TYPE_CHECKING:
    from pathlib import Path

    from cassettes_tool.cassette.exclude import Exclude, excluder
    from cassettes_tool.cassette.parallel import map_files
    from cassettes_tool.cassette.recording import cassette_files, looks_like_a_cassette
    from cassettes_tool.cassette.summary import (
        check_serializer,
        file_size,
        find,
        interaction_summary,
        summarize,
        unread,
        unsearched,
    )
    from cassettes_tool.cassette.write import (
        dumps,
        recorded_pairs,
        vcr_request,
        vcr_response,
        with_body,
        write_atomic,
    )
    from cassettes_tool.errors import CassetteError
    from cassettes_tool.model.cassette import Cassette

#: loaded on first use (PEP 562): `show --textconv` reads one file, writes none, matches no
#: exclude glob (pathspec), lists no folder and makes no report records, and git starts it
#: once per file side. Names that are also submodules (`read`, `discover`) are not looked up
#: here: importing the submodule would bind its name to the module.
_LAZY = {
    "map_files": "cassettes_tool.cassette.parallel",
    "Exclude": "cassettes_tool.cassette.exclude",
    "excluder": "cassettes_tool.cassette.exclude",
    "cassette_files": "cassettes_tool.cassette.recording",
    "looks_like_a_cassette": "cassettes_tool.cassette.recording",
    **{
        name: "cassettes_tool.cassette.summary"
        for name in (
            "check_serializer",
            "file_size",
            "find",
            "interaction_summary",
            "summarize",
            "unread",
            "unsearched",
        )
    },
    **{
        name: "cassettes_tool.cassette.write"
        for name in ("dumps", "recorded_pairs", "vcr_request", "vcr_response", "with_body", "write_atomic")
    },
}

__all__ = [
    "CASSETTE_SUFFIXES",
    "SKIPPED_DIRS",
    "CustomSerializer",
    "Discovery",
    "Exclude",
    "Serializer",
    "as_bytes",
    "cassette_files",
    "check_serializer",
    "custom_serializer",
    "decode",
    "discover",
    "dumps",
    "excluder",
    "file_size",
    "find",
    "import_serializer",
    "interaction_lines",
    "interaction_summary",
    "line_of",
    "load",
    "loads",
    "looks_like_a_cassette",
    "map_files",
    "read",
    "recorded_pairs",
    "serializer_for",
    "summarize",
    "unread",
    "unsearched",
    "vcr_request",
    "vcr_response",
    "with_body",
    "write_atomic",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def read(path: Path, serializer: str | None) -> Cassette | CassetteError:
    """`summary.read`: the cassette, or the error that says why not (imported on first use)."""
    from cassettes_tool.cassette.summary import read as read_one

    return read_one(path, serializer)
