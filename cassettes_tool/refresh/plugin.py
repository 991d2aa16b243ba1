"""Inside the user's pytest: record every vcrpy cassette into a scratch run, never over the original.

pytest loads this module in every session through the `pytest11` entry point
(`cassettes`); it does nothing unless `cassettes refresh --via pytest` started the
session, which sets `CASSETTES_SCRATCH_RUN` to the run's folder and writes the plan there.
It imports nothing heavy until then.

The seam is `vcr.cassette.Cassette.__init__`: every route to a cassette ends there
(`vcr.use_cassette`, a `VCR(...).use_cassette`, pytest-recording's `vcr` mark,
pytest-vcr, `VCRTestCase`), after vcrpy has resolved the path (library folder, path
transformer, serializer suffix). Each new cassette is pointed at the same relative path
in the run folder, set to record mode `all`, and given a persister that loads only from
the run folder (nothing, the first time) and saves through redaction and masking,
atomically. vcrpy never opens the original.

Requests the tests send to a staging base URL are written under the host the originals
recorded (the target's map in reverse) before the project's own `before_record_request`
filters see them, as they saw them when the originals were recorded. pytest-recording's
network blocking stays on where the project asked for it, with only the target's staging
hosts allowed (a test reaching for production fails, and its cassettes are errors), and
its record mode `rewrite`, which deletes the cassette before recording it, is turned into `all`.

`cassettes unused` starts a session with a plan in the `unused` mode instead: each cassette
keeps its original path, is forced to record mode `none` and given a persister that can
load but never save, and the plugin logs, per test, the files vcrpy loaded and the
interactions it played (by their index in the file), so that what no test used shows.
pytest-recording's network blocking stays as the run asked for it.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from cassettes_tool.model.secret import Masked
    from cassettes_tool.refresh.suite_log import Plan

#: Set on a recorded request the tests sent to no staging base URL of the target.
_UNMAPPED = "_cassettes_unmapped"


class _Session:
    """The run this pytest session records into, and how to undo what was patched for it."""

    def __init__(self, plan: Plan, rootpath: Path):
        self.plan = plan
        self.rootpath = rootpath
        #: the node id of the test running now, for the cassettes it opens
        self.test: str | None = None
        self.undo: list[Callable[[], None]] = []
        #: unused mode: (cassette path, interaction index) played since the last flush
        self.played: dict[tuple[str, int], None] = {}

    @property
    def unused_mode(self) -> bool:
        from cassettes_tool.refresh.suite_log import UNUSED_MODE

        return self.plan.mode == UNUSED_MODE

    def event(self, **fields: Any) -> None:
        from cassettes_tool.refresh.suite_log import append_event

        append_event(self.plan.folder, fields)

    def adopt(self, cassette: Any) -> None:
        """Point a cassette vcrpy just made at the run folder, recording everything afresh."""
        from vcr.record_mode import RecordMode

        if self.unused_mode:
            self.watch(cassette)
            return
        original = Path(os.path.abspath(os.fspath(cassette._path)))
        relative, copy_path = self.plan.copy_of(original)
        cassette._path = str(copy_path)
        cassette.record_mode = RecordMode.ALL
        cassette._persister = _ScratchPersister(self, relative)
        if self.plan.bases:
            cassette._before_record_request = _recorded_first(
                cassette._before_record_request, self.plan.bases
            )
        if relative is not None:
            self.event(event="opened", path=relative, test=self.test)

    def watch(self, cassette: Any) -> None:
        """Unused mode: replay only, the original read and never written, each play logged."""
        from vcr.record_mode import RecordMode

        cassette.record_mode = RecordMode.NONE
        cassette.drop_unused_requests = False  # it would rewrite the original with what was played
        cassette._persister = _ReadOnlyPersister(self, cassette._persister)
        play_response = cassette.play_response

        def counted(request: Any) -> Any:
            before = dict(cassette.play_counts)
            response = play_response(request)
            for index, count in cassette.play_counts.items():
                if count != before.get(index, 0):
                    origin = getattr(cassette.data[index][0], _ORIGIN, None)
                    if origin is not None:
                        self.played[origin] = None
            return response

        cassette.play_response = counted

    def flush(self) -> None:
        """Log what was played since the last flush, under the test running now."""
        if self.played:
            self.event(event="played", test=self.test, interactions=[list(o) for o in self.played])
            self.played = {}

    def where(self, nodeid: str, location: tuple[str, int | None, str]) -> str:
        """The node id with its file relative to the run's root, as the manifest names paths."""
        file = Path(os.path.relpath(self.rootpath / location[0], self.plan.root)).as_posix()
        _, sep, name = nodeid.partition("::")
        return f"{file}{sep}{name}"


class _ScratchPersister:
    """vcrpy's persister interface, confined to the run folder.

    Saving redacts and masks the interactions (SPEC.md, safety rules) and replaces the
    file atomically; a cassette that cannot be made safe is not written, and the log says
    so. It never raises into the test: the test's outcome stays the test's own.
    """

    def __init__(self, session: _Session, relative: str | None):
        self.session = session
        self.relative = relative

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        from vcr.persisters.filesystem import FilesystemPersister

        return FilesystemPersister.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: str, cassette_dict: Mapping[str, Any], serializer: Any) -> None:
        from cassettes_tool.cassette import write_atomic
        from cassettes_tool.refresh.mapping import map_back_recorded, origin_of
        from cassettes_tool.refresh.scratch import is_under

        session = self.session
        path = Path(cassette_path)
        if not is_under(path, session.plan.folder):
            self._failed(f"refused to write {path}: outside the run folder")
            return
        try:
            cassette_dict, mapped_back = map_back_recorded(cassette_dict, session.plan.bases)
            text, masked = _scrubbed(path, cassette_dict, serializer, session.plan)
            write_atomic(path, text)
        except Exception as exc:  # a test's cassette must not fail the test: it is the cassette's entry
            self._failed(f"its recording could not be made safe to keep ({type(exc).__name__}): not written")
            return
        if self.relative is not None:
            unmapped = sorted(
                {origin_of(r.uri) for r in cassette_dict["requests"] if getattr(r, _UNMAPPED, False)}
            )
            session.event(
                event="saved",
                path=self.relative,
                test=session.test,
                masked=[{"kind": m.kind, "interaction": m.interaction, "where": m.where} for m in masked],
                unmapped=unmapped,
                mapped_back=[[index, count] for index, count in mapped_back.items() if count],
            )

    def _failed(self, reason: str) -> None:
        if self.relative is not None:
            self.session.event(event="failed", path=self.relative, test=self.session.test, reason=reason)


#: Set on each request an unused-mode cassette loads: (file, index in the file). vcrpy's
#: request filters copy requests with `copy`, which keeps it.
_ORIGIN = "_cassettes_origin"


class _ReadOnlyPersister:
    """Unused mode: loads through the cassette's own persister, tags each request with the
    file and index it came from, logs the file as opened, and never saves."""

    def __init__(self, session: _Session, inner: Any):
        self.session = session
        self.inner = inner

    def load_cassette(self, cassette_path: str, serializer: Any) -> Any:
        from vcr.persisters.filesystem import FilesystemPersister

        extra = list(getattr(self.inner, "extra_paths", None) or ())  # pytest-recording's `vcr("a.yaml")`
        if not extra:
            loaded = self.inner.load_cassette(cassette_path, serializer=serializer)
            self._opened(cassette_path, loaded[0])
            return loaded
        from vcr.persisters.filesystem import CassetteNotFoundError

        requests: list[Any] = []
        responses: list[Any] = []
        for path in dict.fromkeys([cassette_path, *extra]):
            try:
                more, answers, *_ = FilesystemPersister.load_cassette(path, serializer=serializer)
            except CassetteNotFoundError:
                continue
            self._opened(path, more)
            requests += more
            responses += answers
        if not requests:
            raise CassetteNotFoundError("No cassettes found.")
        return requests, responses

    def save_cassette(self, cassette_path: str, cassette_dict: Mapping[str, Any], serializer: Any) -> None:
        """Replay must not write: record mode `none` never asks, and if it does, nothing is written."""

    def _opened(self, cassette_path: str, requests: Sequence[Any]) -> None:
        path = os.path.realpath(cassette_path)
        for index, request in enumerate(requests):
            setattr(request, _ORIGIN, (path, index))
        self.session.event(event="opened", path=path, test=self.session.test)


def _scrubbed(
    path: Path, cassette_dict: Mapping[str, Any], serializer: Any, plan: Plan
) -> tuple[str, tuple[Masked, ...]]:
    """The cassette's text after redaction and masking, and what was masked."""
    from vcr import serialize as vcr_serialize
    from vcr.serializers import jsonserializer, yamlserializer

    from cassettes_tool import cassette
    from cassettes_tool.refresh.scrub import scrub

    custom = None
    if serializer not in (yamlserializer, jsonserializer):
        spec = plan.serializer or str(getattr(serializer, "__name__", type(serializer).__name__))
        custom = cassette.CustomSerializer(spec, serializer)
    raw = vcr_serialize.serialize(cassette_dict, serializer)
    loaded = cassette.loads(raw.encode("utf-8"), path, custom)
    pairs = list(zip(cassette_dict["requests"], cassette_dict["responses"], strict=True))
    return scrub(
        loaded,
        serializer,
        plan.redact,
        recorded=pairs if len(pairs) == len(loaded.interactions) else None,
        metadata=cassette_dict.get("metadata"),
    )


def _recorded_first(before: Callable[[Any], Any], bases: Sequence[tuple[str, str]]) -> Callable[[Any], Any]:
    """A cassette's request filter that first writes a staging request under its recorded host."""
    from cassettes_tool.refresh.mapping import recorded_uri

    def before_record_request(request: Any) -> Any:
        request = copy.deepcopy(request)  # the client's own request is not ours to change
        uri = recorded_uri(request.uri, bases)
        if uri is None:
            setattr(request, _UNMAPPED, True)
        else:
            request.uri = uri
            if "host" in request.headers:
                request.headers["host"] = urlsplit(uri).netloc
        return before(request)

    return before_record_request


# ---------------------------------------------------------------------------- patches


def _patch_cassettes(session: _Session) -> None:
    from vcr.cassette import Cassette

    original = Cassette.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        session.adopt(self)

    Cassette.__init__ = __init__

    def undo() -> None:
        Cassette.__init__ = original

    session.undo.append(undo)


def _patch_pytest_recording(session: _Session) -> None:
    """Keep pytest-recording's network blocking (`--block-network`, the `block_network` mark)
    with only the target's staging hosts allowed, and record in mode `all` whatever its
    options say: its `rewrite` deletes the original."""
    try:
        from pytest_recording import _vcr, network
    except ImportError:
        return
    use_cassette = _vcr.use_cassette
    blocking_context = network.blocking_context
    signature = inspect.signature(use_cassette)
    if not {"record_mode", "markers", "config"} <= signature.parameters.keys():
        raise pytest.UsageError(
            "cassettes: this pytest-recording version is not supported by `refresh --via pytest`: "
            "its record mode could not be set, and `rewrite` deletes the original cassettes"
        )

    mode = "none" if session.unused_mode else "all"

    @functools.wraps(use_cassette)
    def recording_all(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.arguments["record_mode"] = mode
        bound.arguments["config"] = _without_record_mode(bound.arguments["config"])
        bound.arguments["markers"] = [_without_record_mode_mark(m) for m in bound.arguments["markers"]]
        return use_cassette(*bound.args, **bound.kwargs)

    staging = sorted({host for base, _ in session.plan.bases if (host := urlsplit(base).hostname)})

    @contextlib.contextmanager
    def staging_only(*args: Any, **kwargs: Any) -> Iterator[None]:
        with blocking_context(allowed_hosts=staging):
            yield

    _vcr.use_cassette = recording_all
    if not session.unused_mode:
        network.blocking_context = staging_only

    def undo() -> None:
        _vcr.use_cassette = use_cassette
        network.blocking_context = blocking_context

    session.undo.append(undo)


def _without_record_mode(options: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key != "record_mode"}


def _without_record_mode_mark(mark: Any) -> Any:
    """A `vcr` mark without its `record_mode` (made through pytest's public mark API)."""
    if not isinstance(mark, pytest.Mark) or "record_mode" not in mark.kwargs:
        return mark
    return getattr(pytest.mark, mark.name).with_args(*mark.args, **_without_record_mode(mark.kwargs)).mark


# ---------------------------------------------------------------------------- hooks

_active: _Session | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _active
    folder = os.environ.get("CASSETTES_SCRATCH_RUN")
    if not folder:
        return
    from cassettes_tool.refresh.suite_log import RUN_ENV, read_plan

    try:
        plan = read_plan(Path(folder))
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"cassettes: {RUN_ENV}={folder}: no plan to record by ({exc})") from None
    session = _Session(plan, config.rootpath)
    _patch_pytest_recording(session)
    _patch_cassettes(session)
    _active = session
    session.event(event="configured", pid=os.getpid())


def pytest_unconfigure(config: pytest.Config) -> None:
    global _active
    if _active is not None:
        _active.flush()  # plays outside any test (a session fixture's teardown)
        for undo in reversed(_active.undo):
            undo()
        _active = None


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _active is not None:
        _active.test = nodeid


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _active is not None:
        _active.flush()
        _active.test = None


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    """Counted for `unused`: a deselected test's cassettes are never opened."""
    if _active is not None and items:
        _active.event(event="deselected", count=len(items))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Each test's outcome, for the cassettes it opened: a failure is never hidden."""
    if _active is None:
        return
    if report.failed:
        outcome = "failed"
    elif report.skipped:
        outcome = "skipped"
    elif report.when == "call":
        outcome = "passed"
    else:
        return
    _active.event(
        event="test",
        test=report.nodeid,
        where=_active.where(report.nodeid, report.location),
        outcome=outcome,
        when=report.when,
    )
