"""A command's whole report, kept in `<scratch>/cache/` for the next run over an unchanged tree.

A re-scan (or re-lint) of a tree where nothing changed gives the report the last run gave,
byte for byte: the scan cache spares the parsing, and this spares the rest (reading that
cache back, rendering, masking), which was most of a warm run. The report is kept under a
key of everything it was made from: the tool's version, the settings, the options that
shape the output, the user, the current folder, and every file found with its size, mtime,
inode and ctime. Inode and ctime are new in every checkout, so a kept report that was
committed or planted never matches. As for the scan cache, a file modified within two
seconds of the report being kept makes it untrusted (racily clean), and a kept file that
is damaged, foreign, a symlink or oversized is ignored and made again. What is kept was
masked when it was made. It is only ever a whole run's output: a run interrupted, or one
whose report could not be written, keeps nothing.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import cassettes_tool
from cassettes_tool.cache import RACY_NS, cacheable, open_plain, stamp_of
from cassettes_tool.cassette.discover import Discovery
from cassettes_tool.cassette.scratch_area import CACHE, check_scratch, make_scratch
from cassettes_tool.config import Config
from cassettes_tool.errors import ConfigError
from cassettes_tool.model.exit import ExitCode
from cassettes_tool.model.result import CassetteResult, Report, Status

SCHEMA = "cassettes-kept-report/2"
#: the closing line is small: anything longer is not ours
_MAX_TRAILER = 1 << 16
_CHUNK = 1 << 20
#: a kept report's verdict: one of the spec's exit codes, never 130 (an interrupted run keeps nothing)
_EXIT_CODES = {int(code) for code in ExitCode if code is not ExitCode.INTERRUPTED}


@dataclass(frozen=True)
class Kept:
    """A kept report that passed every check: its exit code, its verdict line, and its text,
    read from the file that was checked (held open: a file replaced since is not read)."""

    stream: BinaryIO
    size: int
    exit_code: int
    verdict_line: str

    def text(self) -> Iterator[str]:
        """The report as it was written, a megabyte at a time."""
        decoder = codecs.getincrementaldecoder("utf-8")()
        with self.stream:
            self.stream.seek(0)
            left = self.size
            while left > 0 and (chunk := self.stream.read(min(left, _CHUNK))):
                left -= len(chunk)
                yield decoder.decode(chunk, final=left <= 0)


@dataclass(frozen=True)
class KeptReport:
    """Where one command's report for this tree and these options is kept, under which key.

    The file is the report's text followed by one line of JSON that says what it is: the
    key, when it was written, the exit code and verdict line, and the text's size and
    sha256 (a damaged or truncated file is never replayed)."""

    file: Path
    key: str
    #: the newest mtime of the files the report reads: it must be older than the keeping
    newest_ns: int

    def find(self) -> Kept | None:
        """The report kept under this key, when every check passes; None otherwise."""
        opened = open_plain(self.file)
        if opened is None:
            return None
        stream, facts = opened
        try:
            kept = self._check(stream, facts)
        except OSError:
            kept = None
        if kept is None:
            stream.close()
        return kept

    def _check(self, stream: BinaryIO, facts: os.stat_result) -> Kept | None:
        stream.seek(max(0, facts.st_size - _MAX_TRAILER))
        tail = stream.read()
        start = tail.rfind(b"\n", 0, len(tail) - 1) + 1
        header = _trailer(tail[start:])
        if header is None or header["key"] != self.key:
            return None
        if header["size"] + len(tail) - start != facts.st_size:
            return None
        if self.newest_ns > min(header["written_ns"], facts.st_mtime_ns) - RACY_NS:
            return None
        digest = hashlib.sha256()
        stream.seek(0)
        left = header["size"]
        while left > 0 and (chunk := stream.read(min(left, _CHUNK))):
            left -= len(chunk)
            digest.update(chunk)
        if left or digest.hexdigest() != header["sha256"]:
            return None
        return Kept(stream, header["size"], header["exit_code"], header["verdict_line"])

    def keeping(self, pieces: Iterable[str], exit_code: int, verdict_line: str) -> Iterator[str]:
        """`pieces`, handed on as they come and kept beside; kept only once all have gone by.

        Nothing is kept when a file the report read may still change unseen (racily clean)."""
        written = time.time_ns()
        if self.newest_ns > written - RACY_NS:
            yield from pieces
            return
        with _Spool(self.file) as spool:
            for piece in pieces:
                spool.write(piece)
                yield piece
            header = {
                "schema": SCHEMA,
                "key": self.key,
                "written_ns": written,
                "exit_code": exit_code,
                "verdict_line": verdict_line,
                "size": spool.size,
                "sha256": spool.digest.hexdigest(),
            }
            spool.write(json.dumps(header) + "\n")
            spool.done = True


#: a kept report being written: `.report.XXXX.tmp`, moved over the report when whole
_SPOOL = ".report."
#: a spool older than this was left by a run that was killed: no run writes for so long
_STALE_NS = 3600 * 10**9


def _drop_stale(folder: Path) -> None:
    """Remove the spools of runs killed while keeping (a run that ends removes its own)."""
    now = time.time_ns()
    with os.scandir(folder) as entries:
        for entry in entries:
            if not (entry.name.startswith(_SPOOL) and entry.name.endswith(".tmp")):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime_ns > _STALE_NS:
                    os.unlink(entry.path)


class _Spool:
    """A temporary file beside `target`, moved over it when `done`, removed otherwise.
    Failing to keep a report never fails the run: it is made again next time."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.done = False
        self.stream: BinaryIO | None = None
        self.name = ""
        self.size = 0
        self.digest = hashlib.sha256()

    def __enter__(self) -> _Spool:
        with contextlib.suppress(OSError):
            make_scratch(self.target.parent.parent)
            if not self.target.parent.is_symlink():
                self.target.parent.mkdir(exist_ok=True)
                _drop_stale(self.target.parent)
                handle, self.name = tempfile.mkstemp(dir=self.target.parent, prefix=_SPOOL, suffix=".tmp")
                self.stream = os.fdopen(handle, "wb")
        return self

    def write(self, text: str) -> None:
        if self.stream is None:
            return
        data = text.encode("utf-8")
        self.size += len(data)
        self.digest.update(data)
        try:
            self.stream.write(data)
        except OSError:
            self._drop()

    def __exit__(self, *exc: object) -> None:
        if self.stream is None:
            return
        try:
            self.stream.close()
            if self.done:
                os.replace(self.name, self.target)
        except OSError:
            pass
        finally:
            self._drop()

    def _drop(self) -> None:
        if self.stream is not None:
            with contextlib.suppress(OSError):
                self.stream.close()
        with contextlib.suppress(OSError):
            os.unlink(self.name)
        self.stream = None


def kept_for(found: Discovery, config: Config, command: str, *options: object) -> KeptReport | None:
    """Where `command`'s report over the files `found`, made with these options, is kept;
    None when it cannot be: a tree found with notes or folders it could not search, a
    scratch folder not ours alone, or a file that is not a regular file."""
    if found.notes or found.unreadable:
        return None
    try:
        check_scratch(config.scratch)
    except ConfigError:
        return None
    folder = config.scratch / CACHE
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return None
    digest = hashlib.sha256()
    user = os.geteuid() if hasattr(os, "geteuid") else None  # what it may read: never shared
    facts = [SCHEMA, cassettes_tool.__version__, command, user, os.getcwd(), repr(config), *options]
    digest.update(json.dumps(facts, default=repr).encode("utf-8"))
    newest = 0
    for path in found.files:
        stamp = stamp_of(path)
        if stamp is None:
            return None
        newest = max(newest, stamp[1])
        digest.update(f"\0{path}\0{stamp}".encode("utf-8", "surrogateescape"))
    return KeptReport(folder / f"{command}-report", digest.hexdigest(), newest)


def worth_keeping(report: Report) -> bool:
    """A report whose every line the files decide: no notes, and each cassette read, skipped
    (not a cassette) or refused for what it holds, nothing fixed. A file that cannot be read
    now may be the machine's doing (a permission), and is tried again next time; a
    permission put right changes the file's ctime, and so the key, anyway."""
    return not report.notes and all(_decided_by_file(result) for result in report.cassettes)


def _decided_by_file(result: CassetteResult) -> bool:
    if cacheable(result):
        return True
    if result.status not in (Status.SKIPPED, Status.ERROR) or result.fixed or result.age is not None:
        return False
    return os.access(result.path, os.R_OK)


def _trailer(line: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(line) if line.endswith(b"\n") else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    fields = {
        "key": str,
        "written_ns": int,
        "exit_code": int,
        "verdict_line": str,
        "size": int,
        "sha256": str,
    }
    if not all(type(data.get(name)) is kind for name, kind in fields.items()):
        return None
    if data["exit_code"] not in _EXIT_CODES or not data["verdict_line"].isprintable():
        return None  # said on stderr and exited with as they are: only what emit would
    return data
