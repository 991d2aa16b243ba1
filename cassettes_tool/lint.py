"""`lint`: turn cassettes into problems, each with a stable code."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from cassettes_tool import cassette, secrets
from cassettes_tool.cassette import check_serializer, custom_serializer, read, unread, unsearched
from cassettes_tool.config import Config, LintRules, RedactRules
from cassettes_tool.diff import DiffRules
from cassettes_tool.errors import CassetteError, ConfigError, NotACassette
from cassettes_tool.model import Finding, Headers
from cassettes_tool.model.cassette import Cassette, Interaction
from cassettes_tool.model.result import CassetteResult, Problem, Report, Status
from cassettes_tool.secrets import fix
from cassettes_tool.words import human_size

#: Problem kinds and their stable codes: C for the file, S for secrets.
CODES: dict[str, str] = {
    "unparseable": "C001",
    "unreadable": "C002",
    "empty-file": "C003",
    "old-format": "C004",
    "unsafe-tag": "C005",
    "no-interactions": "C006",
    "malformed": "C007",
    "large-body": "C008",
    "duplicate-interaction": "C009",
    "staging-host": "C010",
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

#: Codes a plain `lint` leaves out: real suites call one endpoint twice on purpose (vcrpy
#: plays each recording once), so a repeated interaction is a hint, not a default failure.
OPT_IN = frozenset({"C009"})

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


@dataclass(frozen=True, slots=True)
class Selection:
    """Which problems to report, as ruff chooses rules: by code prefix (`S`, `S105`) or kind name.

    The more specific entry wins between `select` and `ignore`; an empty `select` is all
    but the opt-in codes, which only an entry that names them (`C009`, `C`, `ALL`) turns on.
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, code: str, kind: str) -> bool:
        chosen = _specificity(self.select, code, kind) if self.select else 0
        if chosen is None or (not self.select and code in OPT_IN):
            return False
        dropped = _specificity(self.ignore, code, kind)
        return dropped is None or chosen > dropped


def _specificity(entries: Iterable[str], code: str, kind: str) -> int | None:
    best: int | None = None
    for entry in entries:
        if entry.upper() == "ALL":
            score = 0
        elif entry.lower() == kind:
            score = len(code) + 1  # a kind is narrower than its code
        elif code.startswith(entry.upper()):
            score = len(entry)
        else:
            continue
        best = score if best is None else max(best, score)
    return best


def _known(entry: str) -> bool:
    upper = entry.upper()
    return upper == "ALL" or entry.lower() in CODES or any(code.startswith(upper) for code in CODES.values())


def lint_rules(config: Config, select: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> LintRules:
    """`[tool.cassettes.lint]` with `--select` / `--ignore` in place of the file's lists when given.

    Raises ConfigError (exit 2) naming an entry that is no code, code prefix or kind.
    """
    for entries, flag, key in ((select, "--select", "select"), (ignore, "--ignore", "ignore")):
        given = entries is not None
        listed: tuple[str, ...] = entries if entries is not None else getattr(config.lint, key)
        for entry in listed:
            if not _known(entry):
                message = (
                    f"unknown lint code {entry!r} (codes are C001-C010 and S101-S108, or a kind: jwt...)"
                )
                if given:
                    raise ConfigError(message, key=flag)
                raise ConfigError(message, source=config.source, key=f"lint.{key}")
    return replace(
        config.lint,
        select=config.lint.select if select is None else select,
        ignore=config.lint.ignore if ignore is None else ignore,
    )


def check_file(
    path: Path,
    serializer: str | None = None,
    headers: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    rules: LintRules | None = None,
    redact: RedactRules | None = None,
    fix_it: bool = False,
) -> CassetteResult:
    """One file's problems; with `rules`, the hygiene checks too and only the selected codes.

    With `fix_it`, the credentials found (and the values `redact` covers) are masked in the
    file first, and what is left is reported.
    """
    chosen = Selection(rules.select, rules.ignore) if rules else Selection()
    loaded = read(path, serializer)
    if isinstance(loaded, CassetteError):
        result = failed(loaded)
        if fix_it:
            said = tuple(replace(p, message=f"{p.message}; nothing masked") for p in result.problems)
            result = replace(result, problems=said)
        return _selected(result, chosen)
    if fix_it:
        return _fix_file(loaded, serializer, headers, fields, rules, redact, chosen)
    return _selected(
        CassetteResult(
            path=path,
            status=Status.OK,
            serializer=loaded.serializer,
            problems=tuple(problems(loaded, headers=headers, fields=fields, rules=rules)),
        ),
        chosen,
    )


def _selected(result: CassetteResult, chosen: Selection) -> CassetteResult:
    return replace(result, problems=tuple(p for p in result.problems if chosen.wants(p.code, p.kind)))


def _fix_file(
    loaded: Cassette,
    serializer: str | None,
    headers: tuple[str, ...],
    fields: tuple[str, ...],
    rules: LintRules | None,
    redact: RedactRules | None,
    chosen: Selection,
) -> CassetteResult:
    findings: list[Finding] = []
    for interaction in loaded.interactions:
        findings += secrets.scan_interaction(interaction, headers=headers, fields=fields)
        if redact is not None:
            try:
                findings += secrets.covered_values(interaction, redact)
            except ValueError as exc:
                raise ConfigError(str(exc), key="redact.body") from None
    findings = [f for f in findings if chosen.wants(CODES[f.kind], f.kind)]
    unique = list({(f.interaction, f.where, f.value): f for f in reversed(findings)}.values())[::-1]
    note = None
    if unique:
        try:
            fixed = fix.fix(loaded, unique, custom_serializer(serializer))
        except CassetteError as exc:
            note = f"nothing masked: {exc.reason}"
        else:
            cassette.write_atomic(loaded.path, fixed.text)
            masked = tuple(
                Problem(
                    CODES[f.kind],
                    f.kind,
                    f"{f.placeholder} in {f.where}",
                    _line_of(loaded, f, loaded.interactions[f.interaction].line),
                )
                for f in unique
            )
            if fixed.reserialised:
                note = f"written again through vcrpy's serializer: {fixed.reserialised}"
            left = problems(fixed.cassette, headers=headers, fields=fields, rules=rules)
            result = CassetteResult(
                path=loaded.path,
                status=Status.OK,
                serializer=loaded.serializer,
                problems=tuple(left),
                note=note,
                fixed=masked,
            )
            return _selected(result, chosen)
    result = CassetteResult(
        path=loaded.path,
        status=Status.OK,
        serializer=loaded.serializer,
        problems=tuple(problems(loaded, headers=headers, fields=fields, rules=rules)),
        note=note,
    )
    return _selected(result, chosen)


def failed(exc: CassetteError) -> CassetteResult:
    """A file that could not be read is a problem; one that is not a cassette is not."""
    result = unread(exc)
    if isinstance(exc, NotACassette):
        return result
    problem = Problem(CODES.get(exc.kind, "C001"), exc.kind, exc.reason, exc.line)
    return replace(result, problems=(problem,))


def problems(
    loaded: Cassette,
    *,
    headers: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    rules: LintRules | None = None,
) -> list[Problem]:
    """Credentials and an empty cassette; with `rules`, the hygiene checks too.

    Without `rules` this is the guard `refresh --apply` runs on a copy before writing it
    back: a large body or a repeated interaction must not stop that.
    """
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
    if rules is not None:
        found += hygiene(loaded, rules.max_body_bytes)
    return found


def hygiene(loaded: Cassette, max_body_bytes: int) -> list[Problem]:
    """What makes a cassette heavy or misleading without being wrong: large bodies,
    interactions recorded twice, requests that still name a staging or loopback host."""
    found: list[Problem] = []
    first: dict[object, int] = {}
    hosts: set[str] = set()
    for interaction in loaded.interactions:
        index, line = interaction.index, interaction.line
        for side in ("request", "response"):
            size = getattr(interaction, side).body.size
            if size > max_body_bytes:
                found.append(
                    Problem(
                        CODES["large-body"],
                        "large-body",
                        f"{side} body of interaction {index} is {human_size(size)} "
                        f"(max_body_bytes {human_size(max_body_bytes)})",
                        line,
                    )
                )
        earlier = first.setdefault(_identity(interaction), index)
        if earlier != index:
            found.append(
                Problem(
                    CODES["duplicate-interaction"],
                    "duplicate-interaction",
                    f"interaction {index} repeats interaction {earlier}: same request and response",
                    line,
                )
            )
        host = interaction.request.host
        reason = staging_host(host)
        if reason and host not in hosts:
            hosts.add(host)
            found.append(
                Problem(
                    CODES["staging-host"],
                    "staging-host",
                    f"interaction {index} calls {host} ({reason}): a refresh applied without mapping back?",
                    line,
                )
            )
    return found


def _identity(interaction: Interaction) -> object:
    """What makes two recordings the same exchange; headers that change on every call aside."""
    request, response = interaction.request, interaction.response

    def steady(headers: Headers) -> tuple[tuple[str, str], ...]:
        return tuple((n.lower(), v) for n, v in headers if not _STEADY.header_is_volatile(n.lower()))

    return (
        request.method,
        request.uri,
        steady(request.headers),
        request.body.stored,
        response.status,
        steady(response.headers),
        response.body.stored,
    )


#: the diff's own volatile-header rules: a `Date` a second apart does not make two recordings differ
_STEADY = DiffRules()
_STAGING = re.compile(r"staging|(?<![a-z])stage(?![a-z])")


def staging_host(host: str) -> str | None:
    """Why a recorded host is not one the code under test calls in production, if it is not."""
    host = host.lower().strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if address.is_loopback:
            return "loopback"
        return "unspecified address" if address.is_unspecified else None
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    if host.endswith(".local"):
        return "a .local host"
    return "a staging host" if _STAGING.search(host) else None


def _line_of(loaded: Cassette, finding: Finding, start: int | None) -> int | None:
    """The line that holds the value; YAML folds long scalars, so try its head too."""
    for needle in (finding.value, finding.value[:24], finding.value[:12]):
        if len(needle) >= 8:
            line = cassette.line_of(loaded.text, needle, start)
            if line is not None:
                return line
    return start


def lint(
    paths: tuple[Path, ...],
    config: Config,
    *,
    select: tuple[str, ...] | None = None,
    ignore: tuple[str, ...] | None = None,
    fix_it: bool = False,
) -> Report:
    """`select` / `ignore` replace the config's lists when given; `fix_it` masks in place."""
    rules = lint_rules(config, select, ignore)
    check_serializer(config)
    found = cassette.discover(paths)
    check = partial(
        check_file,
        serializer=config.serializer,
        headers=config.redact.headers,
        fields=tuple(config.redact.query),
        rules=rules,
        redact=config.redact if fix_it else None,
        fix_it=fix_it,
    )
    results = cassette.map_files(check, found.files)
    results += [failed(exc) for exc in unsearched(found)]
    notes = found.notes + tuple((r.path, r.note) for r in results if fix_it and r.note)
    return Report(command="lint", cassettes=tuple(results), notes=notes)
