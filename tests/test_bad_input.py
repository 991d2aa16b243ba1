"""Bad input, as a user meets it: one clear line per broken file, the rest still read, nothing touched.

Every test puts one bad file next to real cassettes recorded by vcrpy, runs `scan` and `lint` in
text and JSON, and checks what a user would notice: the one line that names the file (and the line
in it, where the format has one) and says what is wrong, the good cassettes read exactly once, the
exit code (scan: 3 when a file could not be read, 0 when one was only skipped; lint: 1 for a broken
file), and every byte under the folder unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import CORPUS, SYSTEM_TMP, cassettes_executable, file_hashes

from cassettes_tool.cli import cli

FOLDER = "cassettes"  # record_cassette's folder under tmp_path; the CLI runs from tmp_path
# beside every bad file: one `users` interaction each, lint-clean, so that lint's exit is the bad file's
GOOD = ("good.yaml", "good.json")
VARIANTS = (("scan", "text"), ("scan", "json"), ("lint", "text"), ("lint", "json"))
NOBODY = 65534
BOMB_SECONDS = 20
BOMB_MEMORY = 512 << 20  # address space of each bomb run: refusing a bomb takes a few dozen MB
MIGRATION = CORPUS / "vcrpy" / "tests" / "fixtures" / "migration"


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str = ""


Outcomes = dict[tuple[str, str], Outcome]


@dataclass(frozen=True)
class Bad:
    """What a user must be told about one bad file."""

    name: str  # relative to the folder
    status: str  # its scan status: "error" (could not be read) or "skipped" (not a cassette)
    code: str | None  # its lint code; None: lint must not count it
    says: tuple[str, ...]  # what the message must say (case ignored)
    line: int | None = None  # the line the message must name


# ---------------------------------------------------------------------------- running


def run_all(run: Callable[..., Any], cwd: Path, *targets: str) -> Outcomes:
    """The four variants in-process (CliRunner)."""
    outcomes = {}
    for command, fmt in VARIANTS:
        result = run(command, "--format", fmt, *targets, cwd=cwd)
        outcomes[command, fmt] = Outcome(result.exit_code, result.stdout, result.stderr)
    return outcomes


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (BOMB_MEMORY, BOMB_MEMORY))


def run_installed_all(cwd: Path, *targets: str, timeout: float, limit_memory: bool = False) -> Outcomes:
    """The four variants as real subprocesses of the installed command, side by side, all within `timeout`."""
    procs = {
        variant: subprocess.Popen(
            [*cassettes_executable(), variant[0], "--format", variant[1], *targets],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_limit_memory if limit_memory else None,
        )
        for variant in VARIANTS
    }
    deadline = time.monotonic() + timeout
    outcomes = {}
    try:
        for variant, proc in procs.items():
            try:
                out, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise AssertionError(
                    f"`cassettes {' '.join(variant)}` still running after {timeout} s"
                ) from None
            outcomes[variant] = Outcome(proc.returncode, out, err)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return outcomes


def snapshot(root: Path) -> tuple[dict[str, bytes], list[str]]:
    """Every file's bytes and every name (folders and links too) under root, but for the
    scratch folder where scan and lint keep their cache."""
    hashes = {name: data for name, data in file_hashes(root).items() if not name.startswith(".cassettes")}
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    return hashes, [name for name in names if not name.startswith(".cassettes")]


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail, rather than hang the test run, when an in-process run does not return in time."""

    def expire(signum: int, frame: Any) -> None:
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def untouched(root: Path) -> Iterator[None]:
    before = snapshot(root)
    yield
    assert snapshot(root) == before, "a read-only command changed files"


# ---------------------------------------------------------------------------- checking


def _says(text: str | None, bad: Bad) -> None:
    assert text, f"no message for {bad.name}"
    for words in bad.says:
        assert words.lower() in text.lower(), f"{words!r} not in {text!r}"


def _names_line(text: str, line: int | None, reported: int | None = None) -> None:
    if line is not None:
        named = reported == line or re.search(rf"\bline {line}\b", text)
        assert named, f"line {line} not named in {text!r}"


def _report(outcome: Outcome) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(outcome.stdout)
    paths = [c["path"] for c in report["cassettes"]]
    assert len(paths) == len(set(paths)), f"a file is reported twice: {paths}"
    return report


def check(outcomes: Outcomes, bad: Bad, folder: str = FOLDER, good: tuple[str, ...] = GOOD) -> None:
    """What a user sees of one bad file beside good cassettes, in all four variants."""
    bad_path = f"{folder}/{bad.name}"
    good_paths = [f"{folder}/{name}" for name in good]
    for outcome in outcomes.values():
        assert "Traceback" not in outcome.stdout + outcome.stderr, outcome

    scan = outcomes["scan", "text"]
    assert scan.exit_code == (3 if bad.status == "error" else 0), scan
    lines = scan.stdout.splitlines()
    naming = [line for line in lines if bad_path in line]
    assert len(naming) == 1, scan.stdout
    assert naming[0].split()[0] == bad.status, naming[0]
    _says(naming[0], bad)
    _names_line(naming[0], bad.line, _line_after(naming[0], bad_path))
    for path in good_paths:
        headers = [line for line in lines if line.startswith(f"{path}  [")]
        assert len(headers) == 1 and "1 interaction" in headers[0], scan.stdout

    scan_json = outcomes["scan", "json"]
    assert scan_json.exit_code == scan.exit_code, scan_json
    report = _report(scan_json)
    by_path = {c["path"]: c for c in report["cassettes"]}
    entry = by_path[bad_path]
    assert entry["status"] == bad.status, entry
    _says(entry["error"], bad)
    _names_line(entry["error"], bad.line, entry.get("line"))
    for path in good_paths:
        assert by_path[path]["status"] == "ok" and len(by_path[path]["interactions"]) == 1, by_path[path]
    assert set(by_path) == {bad_path, *good_paths}
    assert report["summary"][bad.status] == 1

    lint = outcomes["lint", "text"]
    assert lint.exit_code == (1 if bad.code else 0), lint
    naming = [line for line in lint.stdout.splitlines() if bad_path in line]
    assert not any(path in lint.stdout for path in good_paths), lint.stdout
    if bad.code:
        assert len(naming) == 1, lint.stdout
        match = re.match(rf"{re.escape(bad_path)}(?::(\d+))?: (\w+) ", naming[0])
        assert match and match.group(2) == bad.code, naming[0]
        _says(naming[0], bad)
        _names_line(naming[0], bad.line, int(match.group(1)) if match.group(1) else None)
    else:
        assert naming == [], lint.stdout
        assert "clean" in lint.stdout

    lint_json = outcomes["lint", "json"]
    assert lint_json.exit_code == lint.exit_code, lint_json
    report = _report(lint_json)
    by_path = {c["path"]: c for c in report["cassettes"]}
    for path in good_paths:
        assert by_path[path]["status"] == "ok" and by_path[path]["problems"] == [], by_path[path]
    problems = by_path[bad_path]["problems"]
    if bad.code:
        assert len(problems) == 1 and problems[0]["code"] == bad.code, problems
        _says(problems[0]["message"], bad)
        _names_line(problems[0]["message"], bad.line, problems[0]["line"])
        assert report["summary"]["problems"] == 1
    else:
        assert problems == [] and by_path[bad_path]["status"] == "skipped", by_path[bad_path]
        assert report["summary"]["problems"] == 0


def _line_after(text: str, path: str) -> int | None:
    """`path:12:` names line 12."""
    match = re.search(rf"{re.escape(path)}:(\d+):", text)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture
def folder(record_cassette: Any, tmp_path: Path) -> Path:
    """Real cassettes, both serializers and both clients, for the bad file to sit beside."""
    record_cassette("good.yaml", "users")
    record_cassette("good.json", "users", client="httpx")
    return tmp_path / FOLDER


@pytest.fixture
def scratch(record_cassette: Any, tmp_path: Path) -> Callable[[str], str]:
    """The text of a fresh recording (under tmp_path/src), to damage before it goes in the folder."""

    def text(scenario: str, serializer: str = "yaml") -> str:
        suffix = "json" if serializer == "json" else "yaml"
        return record_cassette(f"{scenario}.{suffix}", scenario, root=tmp_path / "src").read_text()

    return text


def _line_index(lines: list[str], pattern: str) -> int:
    found = [n for n, line in enumerate(lines) if re.match(pattern, line)]
    assert found, f"no line matches {pattern!r}"
    return found[-1]


# ---------------------------------------------------------------------------- 1. broken YAML


def _bad_indent(lines: list[str]) -> int:
    n = _line_index(lines, r"    uri: ")
    lines[n] = lines[n][1:]  # three spaces: neither the request's keys nor a new one
    return n


def _tab_indent(lines: list[str]) -> int:
    n = _line_index(lines, r"    method: ")
    lines[n] = "\t" + lines[n].lstrip()
    return n


def _unclosed_quote(lines: list[str]) -> int:
    n = _line_index(lines, r"\s+- [\w]")  # the last plain header value; no quote follows it
    assert not any("'" in line or '"' in line for line in lines[n:])
    lines[n] = lines[n].replace("- ", "- '", 1)
    return n


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_bad_indent, id="bad-indentation"),
        pytest.param(_tab_indent, id="tab-indentation"),
        pytest.param(
            _unclosed_quote,
            id="unclosed-quote",
        ),
    ],
)
def test_broken_yaml_is_one_error_naming_its_line(
    damage: Callable[[list[str]], int], folder: Path, scratch: Any, run: Any, tmp_path: Path
) -> None:
    lines = scratch("users").splitlines()
    line = damage(lines) + 1
    (folder / "broken.yaml").write_text("\n".join(lines) + "\n")
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    check(outcomes, Bad("broken.yaml", "error", "C001", ("invalid YAML",), line))


# ---------------------------------------------------------------------------- 2. truncated JSON


def test_truncated_json_is_one_error_naming_its_line(
    folder: Path, scratch: Any, run: Any, tmp_path: Path
) -> None:
    text = scratch("payments", "json")
    cut = text[: len(text) // 2]
    (folder / "cut.json").write_text(cut)
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    check(outcomes, Bad("cut.json", "error", "C001", ("invalid JSON",), cut.count("\n") + 1))


# ---------------------------------------------------------------------------- 3. binary


@pytest.mark.parametrize(
    ("content", "says", "line"),
    [
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(2048),
            "binary",
            None,
            id="png",
        ),
        pytest.param(b"\x00\x01" + random.Random(2).randbytes(4096), "binary", None, id="random-bytes"),
        pytest.param("version: 1\n# caf\xe9\ninteractions: []\n".encode("latin-1"), "UTF-8", 2, id="latin-1"),
    ],
)
def test_binary_file_named_yaml_is_one_error(
    content: bytes, says: str, line: int | None, folder: Path, run: Any, tmp_path: Path
) -> None:
    (folder / "image.yaml").write_bytes(content)
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    check(outcomes, Bad("image.yaml", "error", "C001", (says,), line))


# ---------------------------------------------------------------------------- 4. empty


@pytest.mark.parametrize("name", ["empty.yaml", "empty.json"])
def test_empty_file_is_one_error(name: str, folder: Path, run: Any, tmp_path: Path) -> None:
    (folder / name).touch()
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    check(outcomes, Bad(name, "error", "C003", ("empty",)))


# ---------------------------------------------------------------------------- 5. symlink loop


@pytest.mark.parametrize(
    ("link", "points_to", "extra_target"),
    [
        pytest.param("loop", ".", None, id="folder-links-to-itself"),
        pytest.param("sub/up", "..", None, id="subfolder-links-to-parent"),
        pytest.param(
            "loop",
            ".",
            "loop",
            id="folder-and-its-loop-both-given",
        ),
    ],
)
def test_symlink_loop_is_named_once_and_cassettes_read_once(
    link: str,
    points_to: str,
    extra_target: str | None,
    folder: Path,
    record_cassette: Any,
    run: Any,
    tmp_path: Path,
) -> None:
    record_cassette("sub/nested.yaml", "users")
    link_path = folder / link
    os.symlink((link_path.parent / points_to).resolve(), link_path, target_is_directory=True)
    targets = [FOLDER] + ([f"{FOLDER}/{extra_target}"] if extra_target else [])
    with untouched(tmp_path), deadline(20):  # a walk that follows the loop fails, not hangs
        outcomes = run_all(run, tmp_path, *targets)

    expected = {f"{FOLDER}/{name}" for name in (*GOOD, "sub/nested.yaml")}
    loop = f"{FOLDER}/{link}"
    for (command, fmt), outcome in outcomes.items():
        assert outcome.exit_code == 0, outcome  # nothing was lost: every cassette was read, once
        assert "Traceback" not in outcome.stdout + outcome.stderr, outcome
        if fmt == "json":
            report = _report(outcome)
            assert {c["path"] for c in report["cassettes"]} == expected, report["cassettes"]
            assert all(c["status"] == "ok" for c in report["cassettes"])
            if not extra_target:
                (note,) = report["notes"]
                assert note["path"] == loop and "loop" in note["note"], report["notes"]
        else:
            lines = outcome.stdout.splitlines()
            if not extra_target:
                (named,) = [line for line in lines if loop in line]
                assert named.startswith("note") and "symlink loop" in named, outcome.stdout
            if command == "scan":
                for path in expected:
                    assert sum(line.startswith(f"{path}  [") for line in lines) == 1, outcome.stdout


def test_a_folder_tree_deeper_than_the_recursion_limit_is_searched(
    folder: Path, record_cassette: Any, run: Any, tmp_path: Path
) -> None:
    """1,200 levels of one-letter folders (a generated fixture tree, a bind-mount loop copied
    flat): every cassette is found; before, the walk died with an internal error (exit 3)."""
    deep = "/".join(["d"] * 1200)
    levels = [folder]
    for _ in range(1200):  # one level at a time: makedirs recurses, and so does rmtree
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    try:
        record_cassette(f"{deep}/bottom.yaml", "users")
        outcome = run("scan", FOLDER, "--format", "json")
        assert outcome.exit_code == 0, outcome
        paths = {c["path"] for c in _report(outcome)["cassettes"]}
        assert f"{FOLDER}/{deep}/bottom.yaml" in paths, sorted(p.count("/") for p in paths)
        assert {f"{FOLDER}/{name}" for name in GOOD} <= paths
    finally:
        (levels[-1] / "bottom.yaml").unlink(missing_ok=True)
        for level in reversed(levels[1:]):
            level.rmdir()


# ---------------------------------------------------------------------------- 6. no read permission


def _as_nobody(cwd: Path, target: str, probe: Path) -> dict[str, Any]:
    """In the forked child: drop root, make sure the probe is really unreadable, run the variants."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(20)  # a hung child dies; the parent then reads nothing and fails
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError as exc:
        return {"cannot_drop": str(exc)}
    payload: dict[str, Any] = {}
    try:
        os.chdir(cwd)
        try:
            probe.read_bytes()
            payload["probe_readable"] = True
        except PermissionError:
            payload["probe_readable"] = False
        for command, fmt in VARIANTS:
            result = CliRunner().invoke(cli, [command, "--format", fmt, target])
            error = result.exception
            trace = (
                ""
                if error is None or isinstance(error, SystemExit)
                else "".join(traceback.format_exception(error))
            )
            payload[f"{command} {fmt}"] = [result.exit_code, result.stdout, result.stderr + trace]
    except BaseException:
        return {"crashed": traceback.format_exc()}
    return payload


def run_unprivileged(cwd: Path, target: str, probe: Path, warm: Path) -> Outcomes:
    """The four variants in a forked child that dropped root to nobody: root reads a 0o000 file anyway.

    (The installed command cannot run as nobody here: the interpreter lives under /root, mode 0700.)
    """
    for variant in VARIANTS:  # import everything lazily imported while root can still read the venv
        CliRunner().invoke(cli, [variant[0], "--format", variant[1], str(warm)])
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with the demo server's thread alive
        pid = os.fork()
    if pid == 0:  # the child: leaves through os._exit whatever happens
        try:
            os.close(read_end)
            payload = _as_nobody(cwd, target, probe)
            with os.fdopen(write_end, "w") as pipe:
                json.dump(payload, pipe)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    payload = json.loads(data or '{"crashed": "the child died without a word (timeout?)"}')
    if "cannot_drop" in payload:
        pytest.skip(f"cannot drop root privileges to test file modes: {payload['cannot_drop']}")
    assert "crashed" not in payload, payload.get("crashed")
    assert payload["probe_readable"] is False, "the file is readable after all: the test would prove nothing"
    return {(command, fmt): Outcome(*payload[f"{command} {fmt}"]) for command, fmt in VARIANTS}


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder that an unprivileged user can reach (pytest's tmp_path parents are 0o700)."""
    path = Path(tempfile.mkdtemp(prefix="cassettes-perm-", dir=SYSTEM_TMP))
    path.chmod(0o755)
    yield path
    for sub, dirs, _files in os.walk(path):
        for name in dirs:
            (Path(sub) / name).chmod(0o755)
    shutil.rmtree(path)


def _run_without_permission(run: Any, folder: Path, probe: Path) -> Outcomes:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if not hasattr(os, "fork"):
            pytest.skip("running as root without os.fork: cannot drop privileges to test file modes")
        return run_unprivileged(folder.parent, folder.name, probe, warm=folder / "good.yaml")
    if os.access(probe, os.R_OK):
        pytest.skip("file modes are not enforced for this user: a 0o000 file is still readable")
    return run_all(run, folder.parent, folder.name)


def test_unreadable_file_is_one_error(open_folder: Path, record_cassette: Any, run: Any) -> None:
    record_cassette("good.yaml", "users", root=open_folder)
    record_cassette("good.json", "users", client="httpx", root=open_folder)
    locked = record_cassette("locked.yaml", "users", root=open_folder)
    locked.chmod(0o000)
    with untouched(open_folder):
        outcomes = _run_without_permission(run, open_folder, locked)
    check(outcomes, Bad("locked.yaml", "error", "C002", ("permission denied",)), folder=open_folder.name)


def test_unreadable_folder_makes_the_run_incomplete(
    open_folder: Path, record_cassette: Any, run: Any
) -> None:
    record_cassette("good.yaml", "users", root=open_folder)
    record_cassette("good.json", "users", client="httpx", root=open_folder)
    hidden = record_cassette("locked/hidden.yaml", "users", root=open_folder)
    hidden.parent.chmod(0o000)
    with untouched(open_folder):
        outcomes = _run_without_permission(run, open_folder, hidden)
    locked = f"{open_folder.name}/locked"
    for (command, fmt), outcome in outcomes.items():
        if fmt == "json":
            entries = [c for c in _report(outcome)["cassettes"] if c["path"] == locked]
            assert len(entries) == 1 and entries[0]["status"] == "error", outcome
            assert "permission denied" in entries[0]["error"].lower(), outcome
        else:
            (named,) = [line for line in outcome.stdout.splitlines() if locked in line]
            assert "permission denied" in named.lower(), outcome.stdout
            assert "clean" not in outcome.stdout, outcome.stdout
        if command == "scan":
            assert outcome.exit_code == 3, outcome
        else:
            assert outcome.exit_code in (1, 3), outcome


# ---------------------------------------------------------------------------- 7. YAML bombs


def _laughs(levels: int = 9, fan: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * fan)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=1 << 30).strip()


def _interaction(text: str) -> dict[str, Any]:
    first: dict[str, Any] = yaml.safe_load(text)["interactions"][0]
    return first


def _nested_cassette_bomb(text: str) -> str:
    """`interactions:` is an alias of an alias ... of a list of recorded interactions: 9**9 of them."""
    one = _flow(_interaction(text))
    lines = ["version: 1", "x-ladder:", f"  - &i0 [{one}, {one}]"]
    lines += [f"  - &i{n} [{', '.join([f'*i{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "\n".join([*lines, "interactions: *i9"]) + "\n"


def _flat_cassette_bomb(text: str) -> str:
    """A flat `interactions:` list of 4,000 aliases of one interaction whose body is 256 KB: 1 GB read."""
    one = _interaction(text)
    one["response"]["body"]["string"] = "lol " * (64 * 1024)
    one["response"]["headers"]["Content-Type"] = ["text/plain"]
    return "\n".join(["version: 1", "interactions:", f"- &big {_flow(one)}", *["- *big"] * 4000]) + "\n"


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda text: _laughs(), id="billion-laughs"),
        pytest.param(_nested_cassette_bomb, id="cassette-nested-aliases"),
        pytest.param(
            _flat_cassette_bomb,
            id="cassette-flat-aliases-of-a-big-body",
        ),
    ],
)
def test_yaml_bomb_is_refused_in_bounded_time(
    build: Callable[[str], str], folder: Path, scratch: Any, tmp_path: Path
) -> None:
    text = build(scratch("users"))
    assert len(text) < 300_000  # small on disk
    (folder / "bomb.yaml").write_text(text)
    with untouched(tmp_path):
        outcomes = run_installed_all(tmp_path, FOLDER, timeout=BOMB_SECONDS, limit_memory=True)
    check(outcomes, Bad("bomb.yaml", "error", "C001", ("alias",)))


# ---------------------------------------------------------------------------- 8. unsafe tags


def _tag_in(pattern: str, tag: str) -> Callable[[list[str]], int]:
    """Put `tag` in place of the value on the last line that matches `pattern`."""

    def inject(lines: list[str]) -> int:
        n = _line_index(lines, pattern)
        head = re.match(r"\s*(?:- |[\w-]+: )", lines[n])
        assert head, lines[n]
        lines[n] = head.group(0) + tag
        return n

    return inject


def _old_layout(lines: list[str]) -> int:
    """The interactions as a top-level list (the pre-1.0 layout), one of them carrying os.system."""
    body = lines[lines.index("interactions:") + 1 : _line_index(lines, r"version:")]
    lines[:] = body
    return _tag_in(r"    method: ", '!!python/object/apply:os.system ["touch PWNED"]')(lines)


@pytest.mark.parametrize(
    ("inject", "tag"),
    [
        pytest.param(
            _tag_in(r"    method: ", '!!python/object/apply:os.system ["touch PWNED"]'),
            "!!python/object/apply:os.system",
            id="apply-os-system",
        ),
        pytest.param(
            _tag_in(r"\s+- keep-alive", "!!python/object/new:subprocess.Popen [[touch, PWNED]]"),
            "!!python/object/new:subprocess.Popen",
            id="new-popen-in-header",
        ),
        pytest.param(
            _tag_in(r"version: ", "!!python/object/apply:subprocess.check_call [[touch, PWNED]]"),
            "!!python/object/apply:subprocess.check_call",
            id="apply-check-call-as-version",
        ),
        pytest.param(
            _old_layout,
            "!!python/object/apply:os.system",
            id="in-a-pre-1.0-layout",
        ),
    ],
)
def test_unsafe_tag_is_reported_and_never_executed(
    inject: Callable[[list[str]], int], tag: str, folder: Path, scratch: Any, run: Any, tmp_path: Path
) -> None:
    lines = scratch("users").splitlines()
    line = inject(lines) + 1
    (folder / "unsafe.yaml").write_text("\n".join(lines) + "\n")
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    assert not list(tmp_path.rglob("PWNED")) and not (Path.cwd() / "PWNED").exists()
    check(outcomes, Bad("unsafe.yaml", "error", "C005", (tag, "refused"), line))


# ---------------------------------------------------------------------------- 9. pre-1.0 format


@pytest.mark.parametrize("name", ["old_cassette.yaml", "old_cassette.json"])
def test_pre_1_0_cassette_says_how_to_migrate(name: str, folder: Path, run: Any, tmp_path: Path) -> None:
    source = MIGRATION / name
    if not source.is_file():
        pytest.skip(f"{source} is not in the shared corpus")
    shutil.copy(source, folder / name)
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    check(outcomes, Bad(name, "error", "C004", ("pre-1.0", "python -m vcr.migration")))

    # the advice works: the command the message gives, run on a copy, makes a cassette the tool reads
    by_path = {c["path"]: c for c in _report(outcomes["lint", "json"])["cassettes"]}
    message = by_path[f"{FOLDER}/{name}"]["problems"][0]["message"]
    command = re.search(r"`python (-m vcr\.migration [^`]+)`", message)
    assert command, message
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy / FOLDER)
    done = subprocess.run(
        [sys.executable, *command.group(1).split()], cwd=copy, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "[OK]" in done.stderr, done.stderr
    assert run("lint", f"{FOLDER}/{name}", cwd=copy).exit_code == 0


# ---------------------------------------------------------------------------- 10. not a cassette

NOT_CASSETTES = {
    "docker-compose.yaml": "x-common: &common\n  restart: always\nservices:\n  web:\n    <<: *common\n"
    "    image: nginx\n    ports: ['80:80']\n",
    "package.json": '{\n  "name": "shop",\n  "version": "1.0.0",\n  "scripts": {"test": "jest"}\n}\n',
    "hooks.yaml": "- id: cassettes-lint\n  name: cassettes lint\n  entry: cassettes lint\n",
    "ci.yml": "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    "manifests.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
    "mkdocs.yml": "site_name: Shop\nmarkdown_extensions:\n  - pymdownx.emoji:\n"
    "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n",
    "template.yaml": "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n"
    "      BucketName: !Ref BucketName\n",
}


@pytest.mark.parametrize(
    "name",
    [
        "docker-compose.yaml",
        "package.json",
        "hooks.yaml",
        "ci.yml",
        "manifests.yaml",
        "mkdocs.yml",
        "template.yaml",
    ],
)
def test_file_that_is_not_a_cassette_is_skipped_with_a_note(
    name: str, folder: Path, run: Any, tmp_path: Path
) -> None:
    (folder / name).write_text(NOT_CASSETTES[name])
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
        verbose = run("lint", "--verbose", FOLDER, cwd=tmp_path)
    check(outcomes, Bad(name, "skipped", None, ("not a vcrpy cassette",)))
    assert verbose.exit_code == 0
    (named,) = [line for line in verbose.stdout.splitlines() if f"{FOLDER}/{name}" in line]
    assert named.startswith("skipped") and "not a vcrpy cassette" in named


# ---------------------------------------------------------------------------- 11. request without method


@pytest.mark.parametrize(("scenario", "index"), [("users", 0), ("payments", 1)])
def test_request_without_method_names_the_interaction(
    scenario: str, index: int, folder: Path, scratch: Any, run: Any, tmp_path: Path
) -> None:
    data = yaml.safe_load(scratch(scenario))
    del data["interactions"][index]["request"]["method"]
    text = yaml.safe_dump(data)
    line = [n for n, row in enumerate(text.splitlines(), 1) if row.startswith("- ")][index]
    (folder / "no-method.yaml").write_text(text)
    with untouched(tmp_path):
        outcomes = run_all(run, tmp_path, FOLDER)
    check(outcomes, Bad("no-method.yaml", "error", "C007", (f"interaction {index}", "method"), line))
