"""Find cassette files and read them through vcrpy's own serializers.

What we read must be what vcrpy replays: YAML goes through vcrpy's restricted safe
loader (libyaml's CSafeLoader underneath when present), JSON through its JSON
serializer, and the interaction dicts are turned into records the way
`vcr.serialize.deserialize` does, but tolerantly, so that a file that keeps vcrpy's
interaction structure in another layout is still listed.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import yaml

from cassettes_tool.body import as_bytes, decode
from cassettes_tool.errors import CassetteError, ConfigError
from cassettes_tool.model.body import Body
from cassettes_tool.model.cassette import Cassette, Headers, Interaction, Message, Request, Response

CASSETTE_SUFFIXES = (".yaml", ".yml", ".json")
#: Folders never searched: VCS data, our own scratch area, virtual environments.
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", ".cassettes", ".venv", "venv", "node_modules", "__pycache__", ".tox"}
)
#: A YAML alias graph that expands past this many nodes and characters is refused (billion laughs).
MAX_EXPANDED_SIZE = 64 * 1024 * 1024
_NODE_COST = 64  # a node counts as much as a 64-character string, so the walk stays under a second


class Serializer(Protocol):
    """vcrpy's serializer interface: `deserialize(str) -> dict`, `serialize(dict) -> str`."""

    def deserialize(self, cassette_string: str) -> Any: ...

    def serialize(self, cassette_dict: Any) -> str: ...


@dataclass(frozen=True, slots=True)
class CustomSerializer:
    """A project's own vcrpy serializer, named `package.module:object` in the config."""

    spec: str
    serializer: Serializer


@functools.cache
def _vcr_serializers() -> dict[str, Serializer]:
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


def import_serializer(spec: str, *, source: Path | None = None, root: Path | None = None) -> CustomSerializer:
    """Import the project's serializer; the project folder is importable, as under pytest."""
    folder = str((root or Path.cwd()).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"{spec!r} is not of the form 'package.module:object'", source=source, key="serializer"
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
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


# ---------------------------------------------------------------------------- records


class NotACassette(CassetteError):
    """A YAML or JSON file that does not hold vcrpy interactions: skipped with a note."""

    def __init__(self, path: Path, message: str):
        super().__init__(path, message, kind="not-a-cassette")


# ---------------------------------------------------------------------------- discovery


@dataclass(frozen=True, slots=True)
class Discovery:
    files: tuple[Path, ...]
    #: things a user should hear about that are not cassettes: symlinks met twice, missing paths
    notes: tuple[tuple[Path, str], ...] = ()
    #: folders that could not be searched: what they hold was not checked (the run is incomplete)
    unreadable: tuple[tuple[Path, str], ...] = ()


def discover(paths: Iterable[Path]) -> Discovery:
    """Every `*.yaml`, `*.yml`, `*.json` under the given paths (a file given by name is taken as is).

    A file or folder reached twice (overlapping PATHs, symlinks, a symlink loop) is read once.
    """
    walk = _Walk()
    for root in paths:
        if not root.exists():
            walk.notes.append((root, "no such file or folder"))
        else:
            walk.root(root)
    return Discovery(tuple(sorted(walk.found.values())), tuple(walk.notes), tuple(walk.unreadable))


class _Walk:
    def __init__(self) -> None:
        self.found: dict[str, Path] = {}  # where the file really is -> the path it was first reached by
        self.notes: list[tuple[Path, str]] = []
        self.unreadable: list[tuple[Path, str]] = []
        self.seen: set[tuple[int, int]] = set()

    def root(self, path: Path) -> None:
        via_link = os.path.realpath(path) != os.path.abspath(path)
        if path.is_dir():
            self.folder(path, via_link)
        else:
            self.file(path, via_link)

    def file(self, path: Path, via_link: bool) -> None:
        # realpath costs a syscall per path component: only a symlink on the way needs it
        key = os.path.realpath(path) if via_link else os.path.abspath(path)
        self.found.setdefault(key, path)

    def folder(self, folder: Path, via_link: bool = False) -> None:
        try:
            stat = folder.stat()
        except OSError as exc:
            self.unreadable.append((folder, f"cannot read folder: {exc.strerror or exc}"))
            return
        key = (stat.st_dev, stat.st_ino)
        if key in self.seen:
            real, parent = os.path.realpath(folder), os.path.realpath(folder.parent)
            loop = parent == real or parent.startswith(real.rstrip(os.sep) + os.sep)
            reason = "symlink loop" if loop else "reached again through another path (symlink)"
            self.notes.append((folder, f"{reason}: folder already searched, skipped"))
            return
        self.seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            self.unreadable.append((folder, f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = Path(entry.path)
            linked = via_link or entry.is_symlink()
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if entry.name not in SKIPPED_DIRS:
                    self.folder(path, linked)
            elif entry.name.lower().endswith(CASSETTE_SUFFIXES):
                self.file(path, linked)


# ---------------------------------------------------------------------------- reading

_NODE_START = " \t\n[{,:-"  # what may stand before a YAML anchor (&a) or alias (*a)
#: tags of cassettes written by vcrpy before 1.0 (Request objects, frozenset headers)
_OLD_FORMAT_TAGS = ("vcr.request.Request", "frozenset", "requests.structures.CaseInsensitiveDict")


def load(path: Path, custom: CustomSerializer | None = None) -> Cassette:
    """Read one cassette. Raises CassetteError (or NotACassette) naming the file and line."""
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise CassetteError(path, "permission denied: cannot read the file", kind="unreadable") from None
    except OSError as exc:
        raise CassetteError(path, f"cannot read: {exc.strerror or exc}", kind="unreadable") from None
    return loads(raw, path, custom)


def loads(raw: bytes, path: Path, custom: CustomSerializer | None = None) -> Cassette:
    """Read a cassette from bytes (a file, or a blob at a git revision)."""
    if not raw.strip():
        raise CassetteError(
            path,
            "empty file: vcrpy treats it as a missing cassette and records it again",
            kind="empty-file",
        )
    text = _text_of(raw, path)
    data: Any
    if custom is not None:
        try:
            data = custom.serializer.deserialize(text)
            serializer = custom.spec
        except Exception as exc:
            # Files the project wrote before its custom serializer may still be plain vcrpy.
            try:
                data, serializer = _parse_builtin(text, path)
            except CassetteError:
                raise CassetteError(path, f"{custom.spec} could not read it: {exc}") from None
    else:
        data, serializer = _parse_builtin(text, path)
    return _build(data, text, path, serializer)


def _text_of(raw: bytes, path: Path) -> str:
    head = raw[:8192]
    if b"\x00" in head:
        raise CassetteError(path, "binary content (NUL bytes): not a YAML or JSON cassette")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CassetteError(
            path,
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}): vcrpy cannot read it either",
            line=line,
        ) from None


def _looks_like_a_cassette(text: str) -> bool:
    """For a file that does not parse: does it even try to be a cassette?"""
    return "interactions" in text or "request" in text


def _parse_builtin(text: str, path: Path) -> tuple[Any, str]:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return _vcr_serializers()["json"].deserialize(text), "json"
        except ValueError as exc:
            if stripped[:1] == "{" or path.suffix.lower() == ".json":
                msg = getattr(exc, "msg", str(exc))
                if not _looks_like_a_cassette(text):
                    raise NotACassette(path, f"not a vcrpy cassette (not JSON: {msg})") from None
                raise CassetteError(path, f"invalid JSON: {msg}", line=getattr(exc, "lineno", None)) from None
    return _parse_yaml(text, path), "yaml"


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        data = _vcr_serializers()["yaml"].deserialize(text)
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = _tag_of(exc)
        if any(old in tag for old in _OLD_FORMAT_TAGS):
            raise _old_format(path, line) from None
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
    if _has_node_mark(text, "&") and _has_node_mark(text, "*"):
        _check_expansion(data, path, len(text))
    return data


def _has_node_mark(text: str, mark: str) -> bool:
    """Whether the text has an anchor or alias mark where YAML allows one (`&a`, `*a`).

    str.find over the text, not a regex: this runs on every YAML cassette, and a
    pattern with no fixed first character scans each one character by character.
    """
    at = text.find(mark)
    while at >= 0:
        before = text[at - 1] if at else "\n"
        after = text[at + 1 : at + 2]
        if before in _NODE_START and after and after not in " \t\n,[]{}":
            return True
        at = text.find(mark, at + 1)
    return False


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


def _old_format(path: Path, line: int | None = None) -> CassetteError:
    return CassetteError(
        path,
        f"pre-1.0 vcrpy cassette format: migrate it with `python -m vcr.migration {path}`",
        line=line,
        kind="old-format",
    )


def _build(data: Any, text: str, path: Path, serializer: str) -> Cassette:
    if isinstance(data, list) and data and isinstance(data[0], dict) and "request" in data[0]:
        raise _old_format(path)
    if not isinstance(data, dict) or "interactions" not in data:
        what = type(data).__name__ if not isinstance(data, dict) else "a mapping without `interactions`"
        raise NotACassette(path, f"not a vcrpy cassette ({what})")
    raw_interactions = data["interactions"]
    if raw_interactions is None:
        raw_interactions = []
    if not isinstance(raw_interactions, list):
        raise CassetteError(path, "`interactions` is not a list", kind="malformed")
    lines = interaction_lines(text, serializer, len(raw_interactions))
    notes: set[str] = set()
    interactions = []
    for index, item in enumerate(raw_interactions):
        line = lines[index] if lines else None
        interactions.append(_interaction(item, index, line, path, notes))
    version = data.get("version")
    if version is not None and version != 1:
        notes.add(f"version {version!r}")
    return Cassette(
        path=path,
        serializer=serializer,
        interactions=tuple(interactions),
        text=text,
        layout_note="; ".join(sorted(notes)) or None,
    )


def _interaction(item: Any, index: int, line: int | None, path: Path, notes: set[str]) -> Interaction:
    if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
        raise CassetteError(path, f"interaction {index}: no `request` mapping", line=line, kind="malformed")
    req = item["request"]
    for key in ("method", "uri"):
        if not req.get(key):
            raise CassetteError(
                path, f"interaction {index}: request has no `{key}`", line=line, kind="malformed"
            )
    resp = item.get("response")
    if not isinstance(resp, dict):
        raise CassetteError(path, f"interaction {index}: no `response` mapping", line=line, kind="malformed")

    req_headers = Headers.from_recorded(req.get("headers"))
    request = Request(
        method=str(req["method"]).upper(),
        uri=str(req["uri"]),
        headers=req_headers,
        body=_body(req.get("body"), req_headers, notes),
    )
    resp_headers = Headers.from_recorded(resp.get("headers"))
    status, reason = _status(resp, notes)
    if "body" in resp:
        stored = resp["body"]
    else:
        stored = resp.get("content")
        notes.add("response `content` instead of `body` (httpx stubs before vcrpy 6)")
    response = Response(
        status=status,
        reason=reason,
        headers=resp_headers,
        body=_body(stored, resp_headers, notes),
    )
    return Interaction(index=index, request=request, response=response, line=line)


def _body(stored: Any, headers: Headers, notes: set[str]) -> Body:
    if isinstance(stored, dict):
        if "string" in stored:
            stored = stored["string"]
        elif stored:
            notes.add("body stored parsed, not as `string`")  # aiohttp stubs: JSON request bodies
        else:
            stored = None
    return decode(as_bytes(stored), headers.get("content-type"), headers.get("content-encoding"))


def _status(resp: dict[str, Any], notes: set[str]) -> tuple[int | None, str]:
    status = resp.get("status")
    if isinstance(status, dict):
        return _int_or_none(status.get("code")), str(status.get("message") or "")
    if status is None and "status_code" in resp:
        return _int_or_none(resp.get("status_code")), ""
    if status is not None:
        notes.add("status stored as a bare value")
        return _int_or_none(status), ""
    return None, ""


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Patterns with a fixed first character: the regex engine skips to candidates fast.
_YAML_ITEM = re.compile(r"- +(?:request|response)\s*:")
_JSON_ITEM = re.compile(r'"(?:request|response)"\s*:')


def _indent_before(text: str, start: int) -> str | None:
    """The whitespace from the line's start to `start`, or None when other text stands there."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start]
    return indent if not indent.strip(" \t") else None


def interaction_lines(text: str, serializer: str, count: int) -> tuple[int, ...]:
    """1-based start line of each interaction, found in the text without a second parse.

    Only items at the indentation of the first one count, so a body that quotes a
    cassette does not shift the numbering. Empty when the layout is not recognised.
    """
    if count == 0:
        return ()
    if serializer == "json":
        return _json_lines(text, count)
    starts: list[int] = []
    indent: str | None = None
    for match in _YAML_ITEM.finditer(text):
        here = _indent_before(text, match.start())
        if here is None:
            continue
        if indent is None:
            indent = here
        elif here != indent:
            continue
        starts.append(match.start())
    if len(starts) != count:
        return ()
    return _to_lines(text, starts)


def _json_lines(text: str, count: int) -> tuple[int, ...]:
    # Every interaction object holds both keys at one indentation: take the first of each pair.
    starts: list[int] = []
    indent: str | None = None
    for match in _JSON_ITEM.finditer(text):
        here = _indent_before(text, match.start())
        if here is None:
            continue
        if indent is None:
            indent = here
        if here == indent:
            starts.append(match.start())
    if len(starts) != 2 * count:
        return ()
    return _to_lines(text, [text.rfind("{", 0, s) for s in starts[::2]])


def _to_lines(text: str, offsets: list[int]) -> tuple[int, ...]:
    lines = []
    line = 1
    pos = 0
    for offset in offsets:
        line += text.count("\n", pos, offset)
        pos = offset
        lines.append(line)
    return tuple(lines)


def line_of(text: str, needle: str, start_line: int | None = None) -> int | None:
    """The 1-based line of the first occurrence of `needle` at or after `start_line`."""
    if not needle:
        return None
    start = 0
    if start_line and start_line > 1:
        start = _offset_of_line(text, start_line)
    found = text.find(needle, start)
    if found < 0:
        return None
    return text.count("\n", 0, found) + 1


def _offset_of_line(text: str, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return pos
        pos = nxt + 1
    return pos


# ---------------------------------------------------------------------------- many files

T = Any


def map_files(fn: Callable[[Path], T], files: Iterable[Path], *, workers: int | None = None) -> list[T]:
    """Apply `fn` to every file, on all cores when the tree is large enough to pay for it.

    `fn` must be a module-level function returning picklable records; the results come
    back in the order of `files`.
    """
    files = list(files)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or len(files) < _PARALLEL_MIN_FILES or _total_size(files) < _PARALLEL_MIN_BYTES:
        return [fn(path) for path in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    ctx = multiprocessing.get_context(method)
    chunksize = max(1, len(files) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(fn, files, chunksize=chunksize))


_PARALLEL_MIN_FILES = 16
_PARALLEL_MIN_BYTES = 2 * 1024 * 1024


def _total_size(files: list[Path]) -> int:
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
        if total >= _PARALLEL_MIN_BYTES:
            break
    return total


# ---------------------------------------------------------------------------- writing


def serializer_for(name: str, custom: CustomSerializer | None = None) -> Serializer:
    """The serializer a cassette was read with (`Cassette.serializer`), to write it back the same way."""
    if custom is not None and name == custom.spec:
        return custom.serializer
    builtin = _vcr_serializers()
    if name not in builtin:
        raise ConfigError(f"serializer {name!r} is not configured: cannot write a cassette with it")
    return builtin[name]


def recorded_pairs(loaded: Cassette, custom: CustomSerializer | None = None) -> list[tuple[Any, Any]] | None:
    """vcrpy's own reading of the file: `(vcr.request.Request, response dict)` per interaction.

    Writing these back keeps what our records normalise (a `null` body against `''`)
    exactly as recorded. None when vcrpy cannot read this layout.
    """
    try:
        serializer = serializer_for(loaded.serializer, custom)
        from vcr import serialize as vcr_serialize

        requests, responses, *_ = vcr_serialize.deserialize(loaded.text, serializer)
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError):
        return None
    if len(requests) != len(loaded.interactions):
        return None
    return list(zip(requests, responses, strict=True))


def vcr_request(request: Request, like: Any = None) -> Any:
    """A `vcr.request.Request` for a record; an empty body stays `None` when it was in `like`."""
    body: bytes | None = request.body.stored
    if not body and (like is None or like.body is None):
        body = None
    headers: dict[str, str] = {}
    for name, value in request.headers:
        headers.setdefault(name, value)  # vcrpy keeps one value per request header
    from vcr.request import Request as VcrRequest

    return VcrRequest(request.method, request.uri, body, headers)


def vcr_response(response: Response) -> dict[str, Any]:
    """The response dict vcrpy's stubs record: `{status, headers: {name: [values]}, body: {string}}`."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers:
        headers.setdefault(name, []).append(value)
    return {
        "status": {"code": response.status, "message": response.reason},
        "headers": headers,
        "body": {"string": response.body.stored},
    }


def dumps(
    pairs: Iterable[tuple[Any, Any]], serializer: Serializer, *, metadata: Mapping[str, Any] | None = None
) -> str:
    """A cassette's text from `(vcr Request, response dict)` pairs, through `vcr.serialize.serialize`.

    `metadata` is what a test stored with vcrpy's `get_metadata`: replay needs it back.
    """
    requests, responses = [], []
    for request, response in pairs:
        requests.append(request)
        responses.append(response)
    from vcr import serialize as vcr_serialize

    data: dict[str, Any] = {"requests": requests, "responses": responses}
    if metadata:
        data["metadata"] = dict(metadata)
    text: str = vcr_serialize.serialize(data, serializer)
    return text


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file beside it and `os.replace`.

    A reader, or a run stopped half-way, sees the old file or the new one, never a
    part. The temporary name ends in `.tmp`, so discovery never takes it for a cassette.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as handle:
        temporary = Path(handle.name)
        try:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def with_body(message: Message, data: bytes) -> Message:
    """`message` with `data` stored as its body the way a client saw it: decoded.

    As vcrpy's `decode_compressed_response` does: `Content-Encoding` goes, and a
    `Content-Length` header is set to the stored length, so replay hands out exactly it.
    """
    headers = Headers(
        tuple(
            (name, str(len(data)) if name.lower() == "content-length" else value)
            for name, value in message.headers
            if name.lower() != "content-encoding"
        )
    )
    return replace(message, headers=headers, body=decode(data, headers.get("content-type"), None))
