"""The steps of the drift-watch GitHub Action (`action.yml`), as a script tests can run.

    python drift_watch.py check     run `cassettes check` with a history; write report.json,
                                    report.html and report.md, the job summary, the step outputs
    python drift_watch.py comment   open or update the one issue, or the one PR comment, that
                                    carries the drift (GitHub CLI, token in GH_TOKEN)
    python drift_watch.py finish    exit with the check's exit code (the action's last step)

Inputs arrive as the action passes them, `INPUT_<NAME>` environment variables; GitHub's own
files (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`, `GITHUB_EVENT_PATH`) are written and read as
the runner provides them. Standard library only, plus the installed cassettes-tool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: the hidden line that finds the action's own issue or comment again
MARKER = "<!-- cassettes-drift-watch -->"
ISSUE_TITLE = "cassettes: mock drift found by the scheduled check"


def _input(name: str, default: str = "") -> str:
    return os.environ.get(f"INPUT_{name.upper().replace('-', '_')}", default).strip()


def _lines(name: str) -> list[str]:
    """A multi-line input: one item per line (or separated by spaces for `paths`)."""
    return [line.strip() for line in _input(name).splitlines() if line.strip()]


def check_arguments(out: Path) -> tuple[list[str], dict[str, str]]:
    """`cassettes check` as the inputs ask for it, and the environment it needs: header values
    travel in variables (`NAME=env:VAR`), never on a command line a process list shows."""
    args = ["check", *[p for line in _lines("paths") for p in line.split()]]
    env: dict[str, str] = {}
    if _input("target"):
        args += ["--target", _input("target")]
    for mapping in _lines("maps"):
        args += ["--map", mapping]
    for number, header in enumerate(_lines("headers")):
        name, sep, value = header.partition("=")
        if not sep:
            raise SystemExit(f"drift-watch: headers: expected NAME=VALUE, got {name!r}")
        variable = f"CASSETTES_ACTION_HEADER_{number}"
        env[variable] = value.strip()
        args += ["--header", f"{name.strip()}=env:{variable}"]
    for flag in ("fail-on", "max-age", "shard", "fail-on-drifting", "history-keep"):
        if _input(flag):
            args += [f"--{flag}", _input(flag)]
    args += ["--history", _input("history", ".cassettes/history.jsonl")]
    args += ["--format", "json", "--output", str(out / "report.json")]
    args += _input("args").split()
    return args, env


def _cassettes(args: list[str], env: dict[str, str] | None = None) -> int:
    command = [sys.executable, "-m", "cassettes_tool", *args]
    return subprocess.run(command, env={**os.environ, **(env or {})}, check=False).returncode


def _render(report_json: Path, out: Path) -> tuple[str, str]:
    """report.html and report.md from the JSON report (one run, no second check); the verdict
    word and the markdown."""
    from cassettes_tool.report import render
    from cassettes_tool.report.common import VERDICT_WORDS, Format
    from cassettes_tool.report.json import read_report
    from cassettes_tool.report.text import render_check_text

    report = read_report(report_json)
    (out / "report.html").write_text(render(report, Format.HTML, render_check_text), encoding="utf-8")
    markdown = render(report, Format.MARKDOWN, render_check_text)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    return VERDICT_WORDS.get(report.verdict, "incomplete"), markdown


def _append(variable: str, text: str) -> None:
    """Append to one of the runner's files (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`); outside
    Actions, where it is not set, print it."""
    target = os.environ.get(variable)
    if not target:
        print(text)
        return
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(text)


def check() -> int:
    out = Path(_input("report-dir", "cassettes-report"))
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("report.json", "report.html", "report.md"):
        (out / stale).unlink(missing_ok=True)
    args, env = check_arguments(out)
    for value in env.values():
        print(f"::add-mask::{value}")  # the runner masks it in every later log line
    code = _cassettes(args, env)
    shard = f" (shard {_input('shard')})" if _input("shard") else ""
    if (out / "report.json").is_file():
        verdict, markdown = _render(out / "report.json", out)
        _append("GITHUB_STEP_SUMMARY", f"{markdown.rstrip()}\n\n")
    else:
        verdict = "error"
        _append(
            "GITHUB_STEP_SUMMARY",
            f"### cassettes check{shard}: error\n\n`cassettes check` exited {code} without a report: "
            "see the step's log.\n\n",
        )
    outputs = {
        "exit-code": str(code),
        "verdict": verdict,
        "report-dir": str(out),
        "report-json": str(out / "report.json"),
        "report-html": str(out / "report.html"),
        "report-markdown": str(out / "report.md"),
        "history": _input("history", ".cassettes/history.jsonl"),
    }
    _append("GITHUB_OUTPUT", "".join(f"{name}={value}\n" for name, value in outputs.items()))
    print(f"drift-watch: cassettes check exited {code} ({verdict})")
    return 0  # the action's last step fails the job, after the reports are kept


def _gh(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["gh", *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"drift-watch: gh {args[0]} {args[1] if len(args) > 1 else ''} failed: {done.stderr.strip()}"
        )
    return done.stdout


def _pull_request() -> int | None:
    event = os.environ.get("GITHUB_EVENT_PATH")
    if not event or not Path(event).is_file():
        return None
    data = json.loads(Path(event).read_text(encoding="utf-8"))
    number = (data.get("pull_request") or {}).get("number")
    return int(number) if number else None


def comment() -> int:
    """`comment: issue`: one open issue, found by its marker, created or edited (closed when the
    drift is gone); `comment: pr`: one comment on the pull request, created or edited."""
    mode = _input("comment", "none")
    if mode == "none":
        return 0
    markdown_file = Path(_input("report-dir", "cassettes-report")) / "report.md"
    if not markdown_file.is_file():
        print("drift-watch: no markdown report to post")
        return 0
    body = f"{MARKER}\n{markdown_file.read_text(encoding='utf-8')}"
    verdict = _input("verdict")
    repo = os.environ["GITHUB_REPOSITORY"]
    if mode == "issue":
        return _issue(repo, body, drifted=verdict != "pass")
    if mode == "pr":
        number = _pull_request()
        if number is None:
            print("drift-watch: comment: pr, but this run is not for a pull request: nothing posted")
            return 0
        return _pr_comment(repo, number, body)
    raise SystemExit(f"drift-watch: comment must be none, issue or pr (got {mode!r})")


def _issue(repo: str, body: str, *, drifted: bool) -> int:
    found = json.loads(
        _gh(
            "issue",
            "list",
            "--repo",
            repo,
            "--state",
            "open",
            "--search",
            f"{ISSUE_TITLE} in:title",
            "--json",
            "number,body",
        )
    )
    mine = [i for i in found if MARKER in (i.get("body") or "")]
    if mine:
        number = str(mine[0]["number"])
        if drifted:
            _gh("issue", "edit", number, "--repo", repo, "--body-file", "-", stdin=body)
            print(f"drift-watch: updated issue #{number}")
        else:
            _gh("issue", "close", number, "--repo", repo, "--comment", "The scheduled check passes again.")
            print(f"drift-watch: closed issue #{number}")
    elif drifted:
        _gh("issue", "create", "--repo", repo, "--title", ISSUE_TITLE, "--body-file", "-", stdin=body)
        print("drift-watch: opened an issue")
    return 0


def _pr_comment(repo: str, number: int, body: str) -> int:
    comments = json.loads(_gh("api", f"repos/{repo}/issues/{number}/comments", "--paginate"))
    mine = [c for c in comments if MARKER in (c.get("body") or "")]
    payload = json.dumps({"body": body})
    if mine:
        _gh(
            "api",
            "--method",
            "PATCH",
            f"repos/{repo}/issues/comments/{mine[0]['id']}",
            "--input",
            "-",
            stdin=payload,
        )
        print(f"drift-watch: updated the comment on #{number}")
    else:
        _gh(
            "api", "--method", "POST", f"repos/{repo}/issues/{number}/comments", "--input", "-", stdin=payload
        )
        print(f"drift-watch: commented on #{number}")
    return 0


def finish() -> int:
    code = _input("exit-code", "3")
    return int(code) if code.isdigit() else 3


def main(argv: list[str]) -> int:
    steps = {"check": check, "comment": comment, "finish": finish}
    if len(argv) != 2 or argv[1] not in steps:
        print(f"usage: {Path(argv[0]).name} {{{'|'.join(steps)}}}", file=sys.stderr)
        return 2
    return steps[argv[1]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
