"""The scan cache: a re-scan of an unchanged tree reads no cassette, and every change a user
makes (an edit, a setting, an upgrade, a damaged cache) gives the answer a fresh read gives.

Files are back-dated with os.utime rather than waited for: one modified within two seconds
of the cache being written is never trusted (racily clean).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import back_date

import cassettes_tool

CACHE = Path(".cassettes/scratch/cache")
HOUR_NS = 3600 * 10**9


Run = Callable[..., Any]


def scan(run: Run, *args: str) -> Any:
    """A scan from the entries: the whole report kept beside them (tests/test_kept_report.py)
    would answer for an unchanged tree before any entry is read, so it is dropped first."""
    (Path.cwd() / CACHE / "scan-report").unlink(missing_ok=True)
    return run("scan", "cassettes", *args)


def scan_json(run: Run, *args: str) -> dict[str, Any]:
    result = scan(run, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_a_warm_scan_reads_no_cassette_and_says_the_same(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    cold = scan_json(run)
    assert len(reads) == 3 and (tmp_path / CACHE / "scan.jsonl").is_file()
    reads.clear()
    assert scan_json(run) == cold
    assert reads == []
    assert scan_json(run, "--no-cache") == cold and len(reads) == 3
    assert (tmp_path / ".cassettes/scratch/.gitignore").read_text().endswith("*\n")


def test_no_cache_neither_reads_nor_writes_it(run: Run, scan_tree: list[Path], tmp_path: Path) -> None:
    scan_json(run, "--no-cache")
    result = run("lint", "cassettes", "--no-cache")
    assert result.exit_code in (0, 1), result.output
    assert not (tmp_path / ".cassettes").exists()


def test_an_edited_cassette_is_read_again(
    run: Run, scan_tree: list[Path], reads: list[Path], record_cassette: Any
) -> None:
    scan_json(run)
    login = scan_tree[0]
    login.unlink()
    record_cassette("auth/login.yaml", "users")  # re-recorded: other requests
    back_date(login)
    reads.clear()
    listed = {c["path"]: c for c in scan_json(run)["cassettes"]}
    assert reads == [login]
    assert [i["path"] for i in listed["cassettes/auth/login.yaml"]["interactions"]] == ["/users"]


def test_same_size_and_mtime_in_a_new_file_is_read_again(
    run: Run, scan_tree: list[Path], reads: list[Path]
) -> None:
    """An editor's atomic save keeping the size, then the old mtime put back: a new inode."""
    scan_json(run)
    users = scan_tree[1]
    before = users.stat()
    text = users.read_text()
    edited = text.replace('"GET"', '"PUT"', 1)
    assert edited != text and len(edited) == len(text)
    replacement = users.with_name("list.json.new")
    replacement.write_text(edited)
    os.replace(replacement, users)
    back_date(users, ns=before.st_mtime_ns)
    assert (users.stat().st_size, users.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    reads.clear()
    listed = {c["path"]: c for c in scan_json(run)["cassettes"]}
    assert reads == [users]
    assert listed["cassettes/users/list.json"]["interactions"][0]["method"] == "PUT"


def test_a_touched_cassette_is_read_again(run: Run, scan_tree: list[Path], reads: list[Path]) -> None:
    scan_json(run)
    back_date(scan_tree[2], ns=time.time_ns() - HOUR_NS // 2)
    reads.clear()
    scan_json(run)
    assert reads == [scan_tree[2]]


def test_a_racily_clean_cassette_is_never_trusted(
    run: Run, scan_tree: list[Path], reads: list[Path], record_cassette: Any
) -> None:
    """Written in the same moment as the cache: it could change again unseen."""
    fresh = record_cassette("users/new.yaml", "users")
    scan_json(run)
    reads.clear()
    scan_json(run)
    assert reads == [fresh]


def test_another_serializer_setting_reads_everything_again(
    run: Run, scan_tree: list[Path], reads: list[Path], tmp_path: Path
) -> None:
    scan_json(run)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cassettes]\nserializer = "vcr.serializers.yamlserializer"\n'
    )
    reads.clear()
    result = scan(run, "--format", "json")
    assert len(reads) == 3, result.output


def test_an_upgrade_reads_everything_again(
    run: Run, scan_tree: list[Path], reads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = scan_json(run)
    monkeypatch.setattr(cassettes_tool, "__version__", "99.0.0")
    reads.clear()
    assert scan_json(run) == cold
    assert len(reads) == 3


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "garbage",
        "nested",
        "wrong types",
        "outside the project",
        "not a file",
        "symlink",
        "binary",
    ],
)
def test_a_damaged_or_hostile_cache_gives_the_fresh_answer(
    run: Run, scan_tree: list[Path], tmp_path: Path, damage: str
) -> None:
    cold = scan_json(run, "--no-cache")
    scan_json(run)
    cache = tmp_path / CACHE / "scan.jsonl"
    header, *entries = cache.read_text().splitlines()
    if damage == "truncated":
        cache.write_text(cache.read_text()[: len(header) + 200])
    elif damage == "garbage":
        cache.write_text(header + "\n" + "{not json\n" * 3)
    elif damage == "nested":
        cache.write_text(header + "\n" + "[" * 100_000 + "\n")
    elif damage == "wrong types":
        lies = [json.loads(line) for line in entries]
        for entry in lies:
            entry[9] = [["S101", "jwt", {"not": "text"}, "x"]]
            entry[8][0][0] = -1
        cache.write_text(header + "\n" + "\n".join(json.dumps(e) for e in lies) + "\n")
    elif damage == "outside the project":
        lies = [json.loads(line) for line in entries]
        for entry in lies:
            entry[0] = "../" + entry[0]
        cache.write_text(header + "\n" + "\n".join(json.dumps(e) for e in lies) + "\n")
    elif damage == "not a file":
        cache.unlink()
        os.mkfifo(cache)
    elif damage == "symlink":
        elsewhere = tmp_path / "elsewhere.jsonl"
        cache.rename(elsewhere)
        cache.symlink_to(elsewhere)
    else:
        cache.write_bytes(os.urandom(4096))
    result = scan(run, "--format", "json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    fresh = json.loads(result.stdout)
    if damage == "symlink":  # never followed, never replaced: said in a note
        assert fresh["notes"][0]["note"].startswith("cache not written")
        fresh["notes"] = []
    assert fresh == cold


def test_a_planted_entry_for_another_file_is_not_served(
    run: Run, scan_tree: list[Path], tmp_path: Path, reads: list[Path]
) -> None:
    """An entry answers only for the file whose stamp it carries."""
    scan_json(run)
    cache = tmp_path / CACHE / "scan.jsonl"
    header, *entries = cache.read_text().splitlines()
    lies = [json.loads(line) for line in entries]
    login = next(e for e in lies if e[0].endswith("login.yaml"))
    users = next(e for e in lies if e[0].endswith("list.json"))
    login[1:5] = users[1:5]
    cache.write_text(header + "\n" + "\n".join(json.dumps(e) for e in lies) + "\n")
    reads.clear()
    scan_json(run)
    assert reads == [scan_tree[0]]


@pytest.mark.parametrize("scratch", ["symlink", "foreign"])
def test_a_scratch_folder_not_its_own_costs_a_note(
    run: Run, scan_tree: list[Path], tmp_path: Path, scratch: str
) -> None:
    cold = scan_json(run, "--no-cache")
    folder = tmp_path / ".cassettes/scratch"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder.parent.mkdir()
    if scratch == "symlink":
        folder.symlink_to(elsewhere)
    else:
        folder.mkdir()
        (folder / "notes.txt").write_text("mine")
    result = scan(run, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [n["note"].split(":")[0] for n in data["notes"]] == ["no cache"]
    data["notes"] = []
    assert data == cold
    assert list(elsewhere.iterdir()) == [] and not (folder / "cache").exists()


def test_an_unwritable_cache_costs_a_note(run: Run, scan_tree: list[Path], tmp_path: Path) -> None:
    (tmp_path / ".cassettes").write_text("a file where the scratch folder's parent would be")
    result = scan(run)
    assert result.exit_code == 0, result.output
    assert "cache not written" in result.output


def test_lint_findings_come_from_the_cache_until_the_rules_change(
    run: Run, scan_tree: list[Path], reads: list[Path], record_cassette: Any, tmp_path: Path
) -> None:
    leaky = record_cassette("auth/leaky.yaml", "login", filter_headers=[], before_record_response=None)
    back_date(leaky)
    cold = run("lint", "cassettes")
    assert cold.exit_code == 1, cold.output
    (tmp_path / CACHE / "lint-report").unlink()  # the entries, not the kept report, answer
    reads.clear()
    warm = run("lint", "cassettes")
    assert warm.output == cold.output and reads == []  # the findings quote no credential
    reads.clear()
    assert run("lint", "cassettes", "--select", "C").exit_code == 0
    assert len(reads) == 4


def test_lint_fix_never_trusts_the_cache(
    run: Run, scan_tree: list[Path], reads: list[Path], record_cassette: Any, tmp_path: Path
) -> None:
    """A cache that says `clean` for a file holding a credential does not stop --fix masking it."""
    leaky = record_cassette("auth/leaky.yaml", "login", filter_headers=[], before_record_response=None)
    clean = record_cassette("auth/clean.yaml", "login")
    back_date(leaky, clean)
    assert run("lint", "cassettes").exit_code == 1
    cache = tmp_path / CACHE / "lint.jsonl"
    header, *entries = cache.read_text().splitlines()
    lies = [json.loads(line) for line in entries]
    planted = next(e for e in lies if e[0].endswith("clean.yaml"))
    stamp = leaky.stat()
    planted[0] = "cassettes/auth/leaky.yaml"
    planted[1:5] = [stamp.st_size, stamp.st_mtime_ns, stamp.st_ino, stamp.st_ctime_ns]
    cache.write_text(header + "\n" + "\n".join(json.dumps(e) for e in lies) + "\n")
    fixed = run("lint", "cassettes", "--fix")
    assert fixed.exit_code == 1 and "masked" in fixed.output, fixed.output
    assert "<REDACTED:" in leaky.read_text()


def test_pruning_keeps_the_cache(run: Run, scan_tree: list[Path], tmp_path: Path) -> None:
    scan_json(run)
    pruned = run("scratch", "prune", "--keep", "1")
    assert pruned.exit_code == 0, pruned.output
    assert (tmp_path / CACHE / "scan.jsonl").is_file()


def test_a_credential_is_never_copied_into_the_cache(
    run: Run, scan_tree: list[Path], reads: list[Path], record_cassette: Any, tmp_path: Path
) -> None:
    """A token in a recorded URI stays in the cassette only: that one is read every time."""
    token = "access_token=9f8e7d6c5b4a39281706f5e4d3c2b1a0"

    def leaky(http: Any, server: Any) -> None:
        http.get(server.url(f"https://users.example.com/users?page=1&{token}"))

    path = record_cassette("users/leaky.yaml", leaky)
    back_date(path)
    scan_json(run)
    assert token not in (tmp_path / CACHE / "scan.jsonl").read_text()
    assert run("scan", "cassettes").exit_code == 0 and (tmp_path / CACHE / "scan-report").is_file()
    assert token[-12:] not in (tmp_path / CACHE / "scan-report").read_text()  # kept as printed: masked
    reads.clear()
    scan_json(run)
    assert reads == [path]
