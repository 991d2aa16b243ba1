"""Real fixtures: demo services on loopback, cassettes recorded by real vcrpy, real git repos."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from click.testing import CliRunner, Result
from helpers import back_date

from cassettes_tool import cassette
from cassettes_tool.cassette import summary
from cassettes_tool.cli import cli
from cassettes_tool.demo.recording import SCENARIOS, Scenario, record
from cassettes_tool.demo.services import DemoServer
from cassettes_tool.git.runner import clean_env


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden", action="store_true", help="rewrite tests/report/golden/ from the renderers"
    )


#: the projects `refresh --via pytest` and `unused` are tested on: their tests run only inside those tests
collect_ignore = ["sample_project", "unused_project"]

#: the system's temp folder, for the few tests an unprivileged user must reach (they clean up)
SYSTEM_TMP = tempfile.gettempdir()

#: the public corpus lives beside the project (`../shared/corpus`); CASSETTES_CORPUS points elsewhere
CORPUS = Path(os.environ.get("CASSETTES_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's home and global git config."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    # temporary folders (the demo's project, pytest runs of sample projects) stay in pytest's own
    scratch = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("CASSETTES_CONFIG", raising=False)


@pytest.fixture(scope="session")
def v1_server() -> Iterator[DemoServer]:
    with DemoServer("v1") as server:
        yield server


@pytest.fixture(scope="session")
def v2_server() -> Iterator[DemoServer]:
    with DemoServer("v2") as server:
        yield server


@pytest.fixture
def server() -> Iterator[DemoServer]:
    """A v1 server of the test's own, so that routes a test adds stay its own."""
    with DemoServer("v1") as demo:
        yield demo


Recorder = Callable[..., Path]


@pytest.fixture
def record_cassette(tmp_path: Path, v1_server: DemoServer) -> Recorder:
    """`record_cassette("auth/login.yaml", "login", client="httpx", serializer="yaml")`.

    `scenario` is a name from the demo scenarios or a callable `(http, server) -> None`;
    `server` defaults to the session's v1 services; the cassette lands under
    `tmp_path / "cassettes"`.
    """

    def recorder(
        relative: str,
        scenario: str | Scenario,
        *,
        client: str = "requests",
        serializer: str | None = None,
        server: DemoServer | None = None,
        root: Path | None = None,
        **vcr_kwargs: Any,
    ) -> Path:
        path = (root or tmp_path / "cassettes") / relative
        fn = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
        serializer = serializer or ("json" if relative.endswith(".json") else "yaml")
        demo = server or v1_server
        if client == "httpx":
            with httpx.Client() as http:
                return record(path, fn, demo, http, serializer=serializer, **vcr_kwargs)
        with requests.Session() as session:
            return record(path, fn, demo, session, serializer=serializer, **vcr_kwargs)

    return recorder


@pytest.fixture
def cassettes_dir(tmp_path: Path) -> Path:
    return tmp_path / "cassettes"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """Run the CLI in-process with click's CliRunner, from `cwd` (default: tmp_path)."""

    def runner(*args: str, cwd: Path | None = None) -> Result:
        monkeypatch.chdir(cwd or tmp_path)
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return runner


def cassettes_executable() -> list[str]:
    exe = Path(sys.executable).parent / "cassettes"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cassettes_tool"]


@pytest.fixture
def run_installed(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `cassettes` command in a real subprocess."""

    def runner(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cassettes_executable(), *map(str, args)],
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return runner


@pytest.fixture
def sample_cassettes(tmp_path: Path) -> Path:
    """A copy of the bundled sample cassettes, free to damage."""
    source = Path(__file__).resolve().parents[1] / "sample_cassettes"
    target = tmp_path / "samples"
    shutil.copytree(source, target)
    return target


def file_hashes(root: Path) -> dict[str, bytes]:
    """Every file's bytes under root: compare before and after to prove nothing changed."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class GitRepo:
    """A real repository whose commits carry the author and committer dates a test gives them."""

    def __init__(self, root: Path):
        self.root = root

    def git(self, *args: str, date: datetime | None = None) -> str:
        env = clean_env()
        if date is not None:
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date.isoformat()
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout.strip()

    def commit(self, message: str, *, date: datetime, paths: tuple[str, ...] = ()) -> str:
        """Stage `paths` (everything when none), commit them dated `date`, return the short sha."""
        self.git("add", "-A", "--", *paths)
        self.git("commit", "-q", "-m", message, date=date)
        return self.git("rev-parse", "--short", "HEAD")


@pytest.fixture
def git_repo(tmp_path: Path) -> Callable[..., GitRepo]:
    """`git_repo("name")`: a new repository under tmp_path, with a committer configured."""

    def make(name: str = "repo") -> GitRepo:
        repo = GitRepo(tmp_path / name)
        repo.root.mkdir(parents=True, exist_ok=True)
        repo.git("init", "-q", "-b", "main")
        repo.git("config", "user.name", "Ada Lovelace")
        repo.git("config", "user.email", "ada@example.com")
        repo.git("config", "commit.gpgsign", "false")
        return repo

    return make


def splice_recording(old: Path, fresh: Path, start: int = 1) -> None:
    """Re-record only the interactions from `start` on: old text before it, the fresh recording's after."""
    old_start = cassette.load(old).interactions[start].line
    fresh_start = cassette.load(fresh).interactions[start].line
    assert old_start and fresh_start
    head = old.read_text(encoding="utf-8").splitlines(keepends=True)[: old_start - 1]
    tail = fresh.read_text(encoding="utf-8").splitlines(keepends=True)[fresh_start - 1 :]
    old.write_text("".join(head + tail), encoding="utf-8")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every cassette `scan` parses, in this process (a small tree is read without a pool)."""
    parsed: list[Path] = []
    real = summary.load

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed.append(Path(path).absolute())
        return real(path, *args, **kwargs)

    monkeypatch.setattr(summary, "load", counted)
    return parsed


@pytest.fixture
def scan_tree(record_cassette: Recorder) -> list[Path]:
    """Three cassettes recorded an hour ago, as a checkout is: no longer racily clean for the caches."""
    paths = [
        record_cassette("auth/login.yaml", "login"),
        record_cassette("users/list.json", "users", client="httpx"),
        record_cassette("catalog/items.yaml", "catalog"),
    ]
    back_date(*paths)
    return paths
