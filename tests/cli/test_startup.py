"""What a command imports is what its user waits for: `cassettes --version`, `--help` and git's
`show --textconv` (run once per file side of a diff) load only the modules they use.

Checked in a fresh interpreter through `sys.modules`, never by timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from cassettes_tool.cli.app import COMMANDS, cli

SAMPLE = Path(__file__).resolve().parents[2] / "sample_cassettes" / "catalog" / "items.yaml"

#: what no command needs to start: third-party libraries and our heavier stages
HEAVY = (
    "yaml",
    "vcr",
    "jsonschema",
    "httpx",
    "requests",
    "pathspec",
    "multiprocessing",
    "cassettes_tool.diff",
    "cassettes_tool.refresh",
    "cassettes_tool.spec",
    "cassettes_tool.git",
    "cassettes_tool.secrets",
    "cassettes_tool.config",
    "cassettes_tool.cassette",
    "cassettes_tool.report",
    "cassettes_tool.commands",
)

_DRIVER = """
import json, sys
from cassettes_tool.cli import main
sys.argv = ["cassettes", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(*args: str, cwd: Path) -> tuple[int, set[str], str]:
    """Run `cassettes ARGS` in a fresh interpreter: its exit code, every module it loaded, its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), done.stdout


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of `names` (packages count with their submodules) were imported."""
    return sorted(m for m in modules if any(m == n or m.startswith(f"{n}.") for n in names))


def test_version_imports_nothing_but_says_what_click_would_say(tmp_path: Path, run: Any) -> None:
    code, modules, out = imported_by("--version", cwd=tmp_path)
    assert code == 0
    assert out == run("--version").output  # click's own version option, in-process
    assert "click" not in modules
    assert sorted(m for m in modules if m.startswith("cassettes_tool")) == [
        "cassettes_tool",
        "cassettes_tool.cli",
    ]


@pytest.mark.parametrize("args", [("--version", "--help"), ("--help",), ("-h",)])
def test_version_and_help_import_click_and_the_group_only(args: tuple[str, ...], tmp_path: Path) -> None:
    code, modules, out = imported_by(*args, cwd=tmp_path)
    assert code == 0
    assert out.startswith(("cassettes, version", "Usage: cassettes"))
    assert loaded(modules, HEAVY) == []
    ours = sorted(m for m in modules if m.startswith("cassettes_tool"))
    assert ours == [
        "cassettes_tool",
        "cassettes_tool.cli",
        "cassettes_tool.cli.app",
        "cassettes_tool.cli.textconv",
    ]


def test_textconv_imports_neither_click_nor_the_other_stages(tmp_path: Path) -> None:
    """git's diff driver reads one cassette and renders it: no click, no HTTP, no git, no
    OpenAPI, no diff engine beyond its volatile rules, no secret scanner, no report formats."""
    code, modules, out = imported_by("show", "--textconv", str(SAMPLE), cwd=tmp_path)
    assert code == 0
    assert out.startswith("[0] GET https://catalog.example.com/items")
    unneeded = (
        "click",
        "vcr",
        "jsonschema",
        "httpx",
        "requests",
        "pathspec",
        "multiprocessing",
        "cassettes_tool.cli.app",
        "cassettes_tool.refresh",
        "cassettes_tool.spec",
        "cassettes_tool.git",
        "cassettes_tool.secrets",
        "cassettes_tool.diff.classify",
        "cassettes_tool.diff.pairing",
        "cassettes_tool.diff.walker",
        "cassettes_tool.report.common",
        "cassettes_tool.report.text",
        "cassettes_tool.cassette.exclude",
        "cassettes_tool.cassette.write",
        "cassettes_tool.model.result",
    )
    assert loaded(modules, unneeded) == []


@pytest.mark.parametrize(
    ("args", "unneeded"),
    [
        (
            ("show", str(SAMPLE)),
            (
                "cassettes_tool.cli.inspect",
                "cassettes_tool.cli.options",
                "cassettes_tool.model.result",
                "httpx",
            ),
        ),
        (
            ("scan", str(SAMPLE)),
            ("cassettes_tool.cli.drift", "cassettes_tool.cli.spec", "httpx", "jsonschema"),
        ),
        (("age", "--help"), ("cassettes_tool.cli.drift", "cassettes_tool.git", "yaml", "vcr")),
    ],
)
def test_a_command_imports_its_own_module_not_the_others(
    args: tuple[str, ...], unneeded: tuple[str, ...], tmp_path: Path
) -> None:
    code, modules, _ = imported_by(*args, cwd=tmp_path)
    assert code == 0
    assert loaded(modules, unneeded) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listing_reads_what_the_command_says_of_itself(name: str) -> None:
    """`--help` lists commands from the group's table without importing them: the table's
    line must be the first paragraph of the command's own help, or the listing would lie."""
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.name == name
    first_paragraph = (command.help or "").partition("\n\n")[0]
    assert COMMANDS[name].help.split() == first_paragraph.split()


def test_the_listing_is_what_click_writes_for_the_loaded_commands() -> None:
    eager = click.Group("cassettes", help=cli.help, params=cli.params, context_settings=cli.context_settings)
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        eager.add_command(command, name)
    lazy = type(cli)("cassettes", help=cli.help, params=cli.params, context_settings=cli.context_settings)
    assert lazy.get_help(click.Context(lazy, info_name="cassettes")) == eager.get_help(
        click.Context(eager, info_name="cassettes")
    )
