"""The checks of one cassette file: what cannot be read, credentials left in it, and hygiene."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from pathlib import Path

from cassettes_tool import cassette, secrets
from cassettes_tool.cassette import custom_serializer, read, unread
from cassettes_tool.config import LintRules, RedactRules
from cassettes_tool.diff import DiffRules
from cassettes_tool.errors import CassetteError, ConfigError, NotACassette
from cassettes_tool.lint.codes import CODES, SECRET_NAMES, Selection, selection
from cassettes_tool.model import Headers
from cassettes_tool.model.body import BodyKind
from cassettes_tool.model.cassette import Cassette, Interaction, Response
from cassettes_tool.model.result import CassetteResult, Problem, Status
from cassettes_tool.model.secret import Finding
from cassettes_tool.secrets import fix
from cassettes_tool.secrets.text import find_in_cassette
from cassettes_tool.words import human_size


def check_file(
    path: Path,
    serializer: str | None = None,
    headers: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    rules: LintRules | None = None,
    redact: RedactRules | None = None,
    fix_it: bool = False,
    root: Path | None = None,
) -> CassetteResult:
    """One file's problems; with `rules`, the hygiene checks too and only the selected codes.

    With `fix_it`, the credentials found (and the values `redact` covers) are masked in the
    file first, and what is left is reported.
    """
    chosen = selection(rules, path, root)
    loaded = read(path, serializer)
    if isinstance(loaded, CassetteError):
        result = failed(loaded)
        if fix_it:
            said = tuple(replace(p, message=f"{p.message}; nothing masked") for p in result.problems)
            result = replace(result, problems=said)
        return _selected(result, chosen)
    if fix_it:
        return _fix_file(loaded, serializer, headers, fields, rules, redact, chosen, root)
    return _selected(
        CassetteResult(
            path=path,
            status=Status.OK,
            serializer=loaded.serializer,
            size=len(loaded.text.encode("utf-8")),  # as scan says it: check's JSON is an inventory too
            interactions=tuple(cassette.interaction_summary(i) for i in loaded.interactions),
            problems=tuple(problems(loaded, headers=headers, fields=fields, rules=rules, chosen=chosen)),
        ),
        chosen,
    )


def _selected(result: CassetteResult, chosen: Selection) -> CassetteResult:
    """The chosen problems, in the file's order (by line, as every format lists them)."""
    kept = [p for p in result.problems if chosen.wants(p.code, p.kind)]
    kept.sort(key=lambda p: p.line or 0)
    return replace(result, problems=tuple(kept))


def _fix_file(
    loaded: Cassette,
    serializer: str | None,
    headers: tuple[str, ...],
    fields: tuple[str, ...],
    rules: LintRules | None,
    redact: RedactRules | None,
    chosen: Selection,
    root: Path | None = None,
) -> CassetteResult:
    located = find_in_cassette(loaded, headers=headers, fields=fields)
    findings = [item.finding for item in located]
    lines = {id(item.finding): item.line for item in located}
    for interaction in loaded.interactions:
        if redact is not None:
            try:
                findings += secrets.covered_values(interaction, redact)
            except ValueError as exc:
                raise ConfigError(str(exc), key="redact.body") from None
    findings = [f for f in findings if f.kind != "lookalike" and chosen.wants(CODES[f.kind], f.kind)]
    unique = list({(f.interaction, f.where, f.value): f for f in reversed(findings)}.values())[::-1]
    note = None
    if unique:
        try:
            fixed = fix.fix(loaded, unique, custom_serializer(serializer))
            cassette.write_atomic(loaded.path, fixed.text, inside=root)
        except CassetteError as exc:
            note = f"nothing masked: {exc.reason}"
        else:
            masked = _masked(
                unique, {id(f): lines.get(id(f), loaded.interactions[f.interaction].line) for f in unique}
            )
            if fixed.reserialised:
                note = f"written again through vcrpy's serializer: {fixed.reserialised}"
            left = [
                replace(p, message=f"not masked: {p.message}") if p.code.startswith("S") else p
                for p in problems(fixed.cassette, headers=headers, fields=fields, rules=rules, chosen=chosen)
            ]
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
        problems=tuple(problems(loaded, headers=headers, fields=fields, rules=rules, chosen=chosen)),
        note=note,
    )
    return _selected(result, chosen)


def _masked(findings: list[Finding], lines: dict[int, int | None]) -> tuple[Problem, ...]:
    """One entry per value masked, at its first place, naming every place it stood: a token
    in a login answer and in the next request's header is one secret, counted once."""
    places: dict[str, list[Finding]] = {}
    for finding in findings:
        places.setdefault(finding.secret or finding.value, []).append(finding)
    masked = []
    for found in places.values():
        found.sort(key=lambda f: lines[id(f)] or 0)
        first = found[0]
        where = [f"{first.placeholder} in {first.where}"]
        where += [f"{f.placeholder} in {f.where}{_at(lines[id(f)])}" for f in found[1:]]
        masked.append(Problem(CODES[first.kind], first.kind, "; ".join(where), lines[id(first)]))
    return tuple(sorted(masked, key=lambda p: p.line or 0))


def _at(line: int | None) -> str:
    return f" (line {line})" if line else ""


#: files that could not be checked, through no fault of their content's form: errors that make
#: the run incomplete (an unpulled Git LFS pointer, a bomb, nesting past the bound), not problems
UNCHECKED_KINDS = frozenset({"lfs-pointer", "too-large"})


def failed(exc: CassetteError) -> CassetteResult:
    """A file that could not be read is a problem; one that is not a cassette is not."""
    result = unread(exc)
    if isinstance(exc, NotACassette) or exc.kind in UNCHECKED_KINDS:
        return result
    problem = Problem(CODES.get(exc.kind, "C001"), exc.kind, exc.reason, exc.line)
    return replace(result, problems=(problem,))


def problems(
    loaded: Cassette,
    *,
    headers: tuple[str, ...] = (),
    fields: tuple[str, ...] = (),
    rules: LintRules | None = None,
    chosen: Selection | None = None,
) -> list[Problem]:
    """Credentials and an empty cassette; with `rules`, the hygiene checks too; lookalikes
    (S201) only when `chosen` selects them.

    Without `rules` this is the guard `refresh --apply` runs on a copy before writing it
    back: a large body or a repeated interaction must not stop that.
    """
    found: list[Problem] = []
    if not loaded.interactions:
        found.append(
            Problem(CODES["no-interactions"], "no-interactions", "cassette has no interactions", None)
        )
    lookalikes = chosen is not None and chosen.wants(CODES["lookalike"], "lookalike")
    for item in find_in_cassette(loaded, headers=headers, fields=fields, lookalikes=lookalikes):
        finding = item.finding
        found.append(
            Problem(
                CODES[finding.kind],
                finding.kind,
                f"{SECRET_NAMES[finding.kind]} in {finding.where} of interaction "
                f"{finding.interaction}: {finding.masked}",
                item.line,
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
        for named, where in _answer_hosts(interaction.response):
            reason = staging_host(named)
            if reason and named not in hosts:
                hosts.add(named)
                found.append(
                    Problem(
                        CODES["staging-host"],
                        "staging-host",
                        f"the answer of interaction {index} names {named} ({reason}) in its {where}: "
                        "the client would follow it; a refresh applied without mapping back?",
                        line,
                    )
                )
    return found


_URL_HOST = re.compile(r"https?:\\?/\\?/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)")
_URL_HEADERS = ("location", "link", "content-location")


def _answer_hosts(response: Response) -> list[tuple[str, str]]:
    """Hosts of the URLs an answer hands the client: in the headers it follows and its body."""
    named = [
        (m.group(1), name)
        for name in _URL_HEADERS
        for v in response.headers.get_all(name)
        for m in _URL_HOST.finditer(v)
    ]
    if response.body.kind in (BodyKind.JSON, BodyKind.TEXT) and response.body.text:
        named.extend((m.group(1), "body") for m in _URL_HOST.finditer(response.body.text))
    return named


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
