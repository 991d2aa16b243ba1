"""Each cassette's scan summary and lint findings, kept between runs in `<scratch>/cache/`,
so that a re-scan of an unchanged tree parses no cassette again.

The cache is data, trusted no further than it can be checked. It is JSON lines, never
pickle (the folder could be committed or planted). An entry serves a file only while its
size, mtime, inode and ctime are those it was read with, and only under the tool's version
and the settings that change the answer; a file modified within two seconds of the cache
being written is not trusted (racily clean, as git says). A corrupt, truncated, foreign or
hostile cache is ignored and rebuilt; one that cannot be written costs a note. Only
commands that read use it: `lint --fix` and everything that writes read the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import cassettes_tool
from cassettes_tool.cassette.parallel import imap_files, imap_items
from cassettes_tool.cassette.scratch_area import CACHE, check_scratch, make_scratch
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError, ConfigError
from cassettes_tool.model.result import CassetteResult, InteractionSummary, Problem, Status

SCHEMA = "cassettes-cache/1"
#: a file whose mtime is this close to the moment the cache was written may change again
#: within the clock's granularity without its stamp changing: it is read again next time
RACY_NS = 2_000_000_000
#: bounds on what is read back: a cache file, and one line of it (one cassette)
MAX_BYTES = 1 << 30
MAX_LINE = 64 << 20

#: (size, mtime_ns, inode, ctime_ns) of the file an entry was read from
Stamp = tuple[int, int, int, int]


def stamp_of(path: Path) -> Stamp | None:
    """The stamp of a regular file; None for anything else (never cached)."""
    try:
        facts = os.stat(path)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(facts.st_mode):
        return None
    return (facts.st_size, facts.st_mtime_ns, facts.st_ino, facts.st_ctime_ns)


def cache_key(name: str, root: Path, *settings: object) -> str:
    """What an answer depends on besides the file: the tool's version and the settings."""
    facts = [SCHEMA, cassettes_tool.__version__, name, os.path.abspath(root), *settings]
    return hashlib.sha256(json.dumps(facts, default=repr).encode("utf-8")).hexdigest()


class ResultCache:
    """One command's cache file: `get` a result by file and stamp, `put` fresh ones, `save`."""

    def __init__(self, folder: Path, name: str, key: str, root: Path) -> None:
        self.folder = folder
        self.file = folder / f"{name}.jsonl"
        self.key = key
        self.root = os.path.abspath(root)
        self.entries: dict[str, tuple[Stamp, CassetteResult]] = {}
        #: why the cache is neither read nor written, when it is not
        self.refused: str | None = None
        self._changed = False

    def relative(self, path: Path) -> str | None:
        """The entry's name: the file's path under the project; None outside it (never cached)."""
        absolute = os.path.abspath(path)
        prefix = self.root if self.root.endswith(os.sep) else self.root + os.sep
        if not absolute.startswith(prefix):
            return None
        return absolute[len(prefix) :].replace(os.sep, "/")

    def get(self, path: Path, stamp: Stamp | None) -> CassetteResult | None:
        name = self.relative(path) if stamp is not None else None
        entry = self.entries.get(name) if name is not None else None
        if entry is None or entry[0] != stamp:
            return None
        return replace(entry[1], path=path)

    def put(self, path: Path, stamp: Stamp | None, result: CassetteResult, *, clean: bool) -> None:
        """Remember a fresh result whose line the masker leaves as it is (`clean`, told by the
        worker that read it): no credential is ever copied into the cache."""
        name = self.relative(path)
        if name is None or self.refused:
            return
        if stamp is not None and cacheable(result) and clean:
            self.entries[name] = (stamp, result)
            self._changed = True
        elif self.entries.pop(name, None) is not None:
            self._changed = True

    def load(self) -> None:
        """The entries of the file on disk that pass every check; the rest are dropped."""
        found = _read_lines(self.file)
        header = _header(next(found, None))
        if header is None or header.get("key") != self.key:
            self._changed = True
            return
        written = _written(header, self.file)
        for line in found:
            entry = decode_entry(line) if line is not None else None
            if entry is None or entry[1][1] > written - RACY_NS:
                self._changed = True
                if line is None:  # too long to be ours: trust nothing after it
                    return
                continue
            self.entries[entry[0]] = (entry[1], entry[2])

    def save(self) -> str | None:
        """Write the cache when it changed; the note to give when it cannot be written."""
        if self.refused:
            return self.refused
        if not self._changed:
            return None
        written = time.time_ns()
        kept = [(name, entry) for name, entry in self.entries.items() if self._keeps(name, entry, written)]
        if not kept and not self.file.exists():
            return None  # nothing to remember yet: no scratch folder made for it
        try:
            make_scratch(self.folder.parent)
            if self.folder.is_symlink():
                return f"cache not written: {self.folder} is a symlink"
            self.folder.mkdir(exist_ok=True)
            from cassettes_tool.cassette.write import write_atomic_lines  # PyYAML: only to write

            write_atomic_lines(self.file, self._lines(kept, written))
        except CassetteError as exc:
            return f"cache not written: {exc.reason}"
        except OSError as exc:
            return f"cache not written: {exc.strerror or exc}"
        return None

    def _keeps(self, name: str, entry: tuple[Stamp, CassetteResult], written: int) -> bool:
        """Not racily clean, and its file still there."""
        return entry[0][1] <= written - RACY_NS and os.path.lexists(os.path.join(self.root, name))

    def _lines(self, kept: list[tuple[str, tuple[Stamp, CassetteResult]]], written: int) -> Iterator[str]:
        yield json.dumps({"schema": SCHEMA, "key": self.key, "written_ns": written}) + "\n"
        for name, (stamp, result) in kept:
            yield json.dumps(encode_entry(name, stamp, result), ensure_ascii=False) + "\n"


def open_cache(config: Config, name: str, *settings: object) -> ResultCache:
    """The command's cache in the configured scratch folder, read; refused (with the reason)
    where the scratch folder is not ours alone or the cache folder is a symlink."""
    folder = config.scratch / CACHE
    cache = ResultCache(folder, name, cache_key(name, config.root, *settings), config.root)
    try:
        check_scratch(config.scratch)
    except ConfigError as exc:
        cache.refused = f"no cache: {exc}"
        return cache
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        cache.refused = f"no cache: {folder} is not a folder of its own"
        return cache
    cache.load()
    return cache


def map_cached(
    fn: Callable[[Path], CassetteResult], files: Iterable[Path], cache: ResultCache | None
) -> Iterator[CassetteResult]:
    """`fn` of every file, in order: from the cache where its entry still holds, else read
    (on all cores) and remembered. Each worker also vets the cache line of what it read,
    so that the masker's pass over the lines is not left to one core at the end."""
    files = list(files)
    if cache is None:
        yield from imap_files(fn, files)
        return
    stamps = [stamp_of(path) for path in files]
    hits = [cache.get(path, stamp) for path, stamp in zip(files, stamps, strict=True)]
    jobs = [
        (fn, path, cache.relative(path), stamp)
        for path, stamp, hit in zip(files, stamps, hits, strict=True)
        if hit is None
    ]
    fresh = imap_items(_read_and_vet, jobs, [job[1] for job in jobs])
    for path, stamp, hit in zip(files, stamps, hits, strict=True):
        if hit is not None:
            yield hit
            continue
        result, clean = next(fresh)
        cache.put(path, stamp, result, clean=clean)
        yield result


def _read_and_vet(
    job: tuple[Callable[[Path], CassetteResult], Path, str | None, Stamp | None],
) -> tuple[CassetteResult, bool]:
    """A fresh result, and whether its cache line is one the masker leaves as it is."""
    from cassettes_tool.secrets.masker import mask_text

    fn, path, name, stamp = job
    result = fn(path)
    if name is None or stamp is None or not cacheable(result):
        return result, False
    line = json.dumps(encode_entry(name, stamp, result), ensure_ascii=False)
    return result, mask_text(line) == line  # the very line `save` writes


def cacheable(result: CassetteResult) -> bool:
    """Only a plain read of a file: errors may be the machine's (permissions), not the file's."""
    return (
        result.status is Status.OK
        and result.error is None
        and result.line is None
        and result.age is None
        and not result.fixed
        and not result.unchecked
        and not result.timeline
    )


def encode_entry(name: str, stamp: Stamp, result: CassetteResult) -> list[Any]:
    interactions = [
        [
            i.index,
            i.method,
            i.uri,
            i.host,
            i.path,
            i.status_code,
            i.media_type,
            i.body_size,
            i.body_kind,
            i.line,
        ]
        for i in result.interactions
    ]
    problems = [[p.code, p.kind, p.message, p.line] for p in result.problems]
    return [name, *stamp, result.serializer, result.note, result.size, interactions, problems]


def decode_entry(line: bytes) -> tuple[str, Stamp, CassetteResult] | None:
    """An entry read back, every field checked; None for anything that is not one."""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(item, list) or len(item) != 10:
        return None
    name, size, mtime, inode, ctime, serializer, note, length, interactions, problems = item
    if not (_name(name) and all(_int(n) for n in (size, mtime, inode, ctime, length))):
        return None
    if not (_str_or_none(serializer) and _str_or_none(note)):
        return None
    if not (isinstance(interactions, list) and isinstance(problems, list)):
        return None
    summaries = [_interaction(i) for i in interactions]
    found = [_problem(p) for p in problems]
    if any(s is None for s in summaries) or any(p is None for p in found):
        return None
    result = CassetteResult(
        path=Path(name),
        status=Status.OK,
        serializer=sys.intern(serializer) if serializer else serializer,
        note=note,
        size=length,
        interactions=tuple(s for s in summaries if s is not None),
        problems=tuple(p for p in found if p is not None),
    )
    return name, (size, mtime, inode, ctime), result


def _interaction(item: object) -> InteractionSummary | None:
    if not isinstance(item, list) or len(item) != 10:
        return None
    index, method, uri, host, path, status_code, media_type, body_size, body_kind, line = item
    texts = (method, uri, host, path, body_kind)
    if not (all(isinstance(t, str) for t in texts) and _int(index) and _int(body_size)):
        return None
    if not (_int_or_none(status_code) and _str_or_none(media_type) and _int_or_none(line)):
        return None
    return InteractionSummary(
        index=index,
        method=sys.intern(method),
        uri=uri,
        host=sys.intern(host),
        path=path,
        status_code=status_code,
        media_type=sys.intern(media_type) if media_type else media_type,
        body_size=body_size,
        body_kind=sys.intern(body_kind),
        line=line,
    )


def _problem(item: object) -> Problem | None:
    if not isinstance(item, list) or len(item) != 4:
        return None
    code, kind, message, line = item
    if not (isinstance(code, str) and isinstance(kind, str) and isinstance(message, str)):
        return None
    return Problem(sys.intern(code), sys.intern(kind), message, line) if _int_or_none(line) else None


def _int(value: object) -> bool:
    return type(value) is int and value >= 0


def _int_or_none(value: object) -> bool:
    return value is None or _int(value)


def _str_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _name(value: object) -> bool:
    """A path inside the project, as this module writes them: relative, never climbing out."""
    if not isinstance(value, str) or not value or "\0" in value or "\\" in value:
        return False
    path = PurePosixPath(value)
    return not path.is_absolute() and ".." not in path.parts


def open_plain(file: Path) -> tuple[BinaryIO, os.stat_result] | None:
    """A file of the scratch folder opened for reading, with what fstat says of it; None for one
    that is not a plain file of a sane size (a symlink, a FIFO, a device) or cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        handle = os.open(file, flags)
    except (OSError, ValueError):
        return None
    stream = os.fdopen(handle, "rb")
    try:
        facts = os.fstat(stream.fileno())
    except OSError:
        facts = None
    if facts is None or not stat.S_ISREG(facts.st_mode) or facts.st_size > MAX_BYTES:
        stream.close()
        return None
    return stream, facts


def _read_lines(file: Path) -> Iterator[bytes | None]:
    """The file's lines (None for one too long to be ours); nothing for a file `open_plain`
    refuses."""
    opened = open_plain(file)
    if opened is None:
        return
    with opened[0] as stream:
        try:
            while line := stream.readline(MAX_LINE + 1):
                yield None if len(line) > MAX_LINE else line
        except OSError:
            return


def _header(line: bytes | None) -> dict[str, Any] | None:
    try:
        data = json.loads(line) if line else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not _int(data.get("written_ns")):
        return None
    return data


def _written(header: dict[str, Any], file: Path) -> int:
    """When the cache was written: the earlier of what it says and its file's mtime."""
    try:
        return min(int(header["written_ns"]), os.stat(file).st_mtime_ns)
    except OSError:
        return 0
