"""Gzip-compressed cassettes (`*.yaml.gz`, `*.json.gz`): read within bounds, written back compressed.

langchain's standard tests (and the pytest-recording setups copied from them) store
each cassette as gzip-compressed YAML through a custom persister. The file's bytes say
whether it is compressed; its name says whether it is written back compressed.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from cassettes_tool.errors import CassetteError
from cassettes_tool.limits import MAX_DECODED_BYTES

COMPRESSED_SUFFIXES = (".yaml.gz", ".yml.gz", ".json.gz")
_MAGIC = b"\x1f\x8b"


def is_compressed(raw: bytes) -> bool:
    return raw[:2] == _MAGIC


def wants_compression(path: Path) -> bool:
    """A file named `*.gz` is written compressed, as the persister that reads it expects."""
    return path.name.lower().endswith(".gz")


def decompress(raw: bytes, path: Path) -> bytes:
    """The cassette inside a gzip file; a bomb past the decoded-size bound is refused."""
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        out = decoder.decompress(raw, MAX_DECODED_BYTES)
    except zlib.error as exc:
        raise CassetteError(path, f"gzip file that does not decompress: {exc}") from None
    if decoder.unconsumed_tail:
        raise CassetteError(path, f"gzip file decompresses to more than {MAX_DECODED_BYTES:,} bytes: refused")
    if not decoder.eof:
        raise CassetteError(path, "gzip file cut short (truncated)")
    return out


def compress(payload: bytes) -> bytes:
    """Deterministic (no timestamp in the header): the same cassette gives the same bytes,
    so "changed since the run" stays a content-hash question."""
    return gzip.compress(payload, mtime=0)
