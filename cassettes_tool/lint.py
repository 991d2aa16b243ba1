"""`lint`: turn cassettes into problems, each with a stable code."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from cassettes_tool import cassette, secrets
from cassettes_tool.cassette import Cassette, NotACassette
from cassettes_tool.config import Config
from cassettes_tool.errors import CassetteError
from cassettes_tool.inventory import check_serializer, read, unread, unsearched
from cassettes_tool.report import CassetteResult, Problem, Report, Status

#: Problem kinds and their stable codes: C for the file, S for secrets.
CODES: dict[str, str] = {
    "unparseable": "C001",
    "unreadable": "C002",
    "empty-file": "C003",
    "old-format": "C004",
    "unsafe-tag": "C005",
    "no-interactions": "C006",
    "malformed": "C007",
    "credential-header": "S101",
    "bearer-token": "S101",
    "basic-auth": "S101",
    "cookie": "S102",
    "secret-parameter": "S103",
    "url-password": "S103",
    "password": "S103",
    "token-in-body": "S104",
    "jwt": "S105",
    "aws-access-key": "S106",
    "google-api-key": "S106",
    "github-token": "S107",
    "stripe-key": "S107",
    "slack-token": "S107",
    "private-key": "S108",
}

_SECRET_NAMES = {
    "credential-header": "credential",
    "bearer-token": "bearer token",
    "basic-auth": "basic-auth credentials",
    "cookie": "cookie value",
    "secret-parameter": "secret-named parameter",
    "url-password": "password in the URL",
    "password": "password",
    "token-in-body": "token",
    "jwt": "JWT",
    "aws-access-key": "AWS access key id",
    "google-api-key": "Google API key",
    "github-token": "GitHub token",
    "stripe-key": "Stripe live key",
    "slack-token": "Slack token",
    "private-key": "private key block",
}


def check_file(
    path: Path,
    serializer: str | None = None,
    headers: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
) -> CassetteResult:
    loaded = read(path, serializer)
    if isinstance(loaded, CassetteError):
        return failed(loaded)
    return CassetteResult(
        path=path,
        status=Status.OK,
        serializer=loaded.serializer,
        problems=tuple(problems(loaded, headers=headers, fields=fields)),
    )


def failed(exc: CassetteError) -> CassetteResult:
    """A file that could not be read is a problem; one that is not a cassette is not."""
    result = unread(exc)
    if isinstance(exc, NotACassette):
        return result
    problem = Problem(CODES.get(exc.kind, "C001"), exc.kind, exc.reason, exc.line)
    return replace(result, problems=(problem,))


def problems(
    loaded: Cassette, *, headers: tuple[str, ...] = (), fields: tuple[str, ...] = ()
) -> list[Problem]:
    found: list[Problem] = []
    if not loaded.interactions:
        found.append(
            Problem(CODES["no-interactions"], "no-interactions", "cassette has no interactions", None)
        )
    for interaction in loaded.interactions:
        for finding in secrets.scan_interaction(interaction, headers=headers, fields=fields):
            found.append(
                Problem(
                    CODES[finding.kind],
                    finding.kind,
                    f"{_SECRET_NAMES[finding.kind]} in {finding.where}: {finding.masked}",
                    _line_of(loaded, finding, interaction.line),
                )
            )
    return found


def _line_of(loaded: Cassette, finding: secrets.Finding, start: int | None) -> int | None:
    """The line that holds the value; YAML folds long scalars, so try its head too."""
    for needle in (finding.value, finding.value[:24], finding.value[:12]):
        if len(needle) >= 8:
            line = cassette.line_of(loaded.text, needle, start)
            if line is not None:
                return line
    return start


def lint(paths: tuple[Path, ...], config: Config) -> Report:
    check_serializer(config)
    found = cassette.discover(paths)
    check = partial(
        check_file,
        serializer=config.serializer,
        headers=config.redact.headers,
        fields=tuple(config.redact.query),
    )
    results = cassette.map_files(check, found.files)
    results += [failed(exc) for exc in unsearched(found)]
    return Report(command="lint", cassettes=tuple(results), notes=found.notes)
