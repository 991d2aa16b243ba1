"""`--format html`: the report as one self-contained page, for a scheduled job to keep.

The page is read later, offline, as a CI artifact: so it carries its own CSS, needs no
script, and draws the age chart as inline SVG; nothing is fetched. Every value from a
cassette (paths, URIs, bodies) is escaped: a report must not run what it reports on.
Deciding stays in the stages and counting in `report.py`; this module only lays out.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator, Sequence

from cassettes_tool import __version__
from cassettes_tool.model.change import Change, Severity
from cassettes_tool.model.result import InteractionSummary, Report, Status
from cassettes_tool.model.summary import Summary
from cassettes_tool.report.common import (
    VERDICT_WORDS,
    describe,
    describe_age,
    describe_drifting,
    drift_order,
    located,
    verdict_line,
    visible,
)
from cassettes_tool.report.html_chart import ages_section, timeline
from cassettes_tool.report.json import SCHEMA
from cassettes_tool.report.tables import unused_summary
from cassettes_tool.words import display_path, human_size, plural

#: Above this many cassettes the full table starts folded.
_TABLE_OPEN_MAX = 60
_SEVERITIES = sorted(Severity, key=lambda s: -s.rank)

_CSS = """
:root { --ink: #1d2939; --muted: #667085; --line: #e4e7ec; --bg: #f9fafb; --card: #fff;
  --breaking: #b42318; --additive: #b54708; --value: #175cd3; --volatile: #667085;
  --pass: #067647; --fail: #b42318; --incomplete: #b54708; --bar: #5b7bd5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 8px; display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
h4 { font-size: 12px; margin: 12px 0 4px; text-transform: uppercase; letter-spacing: .04em; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { margin: 4px 0 0; white-space: pre-wrap; word-break: break-word; color: var(--muted); }
.meta { color: var(--muted); margin: 0; }
.summary { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--muted);
  border-radius: 8px; padding: 16px 20px; margin-top: 18px; }
.summary.pass { border-left-color: var(--pass); }
.summary.fail { border-left-color: var(--fail); }
.summary.incomplete { border-left-color: var(--incomplete); }
.verdict { font-size: 15px; font-weight: 600; margin: 0 0 12px; }
.badge { display: inline-block; border-radius: 4px; padding: 1px 8px; margin-right: 8px; color: #fff;
  font-size: 12px; letter-spacing: .05em; vertical-align: 1px; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); }
.badge.incomplete { background: var(--incomplete); }
.counts { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; }
.counts div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 96px; }
.counts dt { color: var(--muted); font-size: 12px; }
.counts dd { margin: 0; font-size: 18px; font-weight: 600; }
.lines { margin: 12px 0 0; padding: 0; list-style: none; color: var(--muted); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
  margin-bottom: 12px; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; white-space: nowrap; }
.path { word-break: break-all; }
.sev { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; font-weight: 600; color: #fff; }
.sev.breaking { background: var(--breaking); } .sev.additive { background: var(--additive); }
.sev.value { background: var(--value); } .sev.volatile { background: var(--volatile); }
h4.breaking { color: var(--breaking); } h4.additive { color: var(--additive); }
h4.value { color: var(--value); } h4.volatile { color: var(--volatile); }
.status { color: var(--muted); font-weight: 400; }
.error { color: var(--fail); }
.outcome.fail { color: var(--fail); font-weight: 600; } .outcome.incomplete { color: var(--incomplete); }
ul.reasons { margin: 0; padding-left: 16px; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .bar { fill: var(--bar); } .chart .bar.stale { fill: var(--fail); }
.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--ink); }
.chart .tick { stroke: var(--line); } .chart .axis text { fill: var(--muted); }
.chart .max-age { stroke: var(--fail); stroke-width: 2; stroke-dasharray: 6 4; }
.chart .max-age-label { fill: var(--fail); font-weight: 600; }
.timeline { display: flex; gap: 3px; align-items: center; margin: 0 0 8px; color: var(--muted); font-size: 12px; }
.timeline i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; border: 1px solid var(--line); }
.timeline i.drift { background: var(--fail); border-color: var(--fail); }
.timeline i.aligned { background: var(--card); border-color: var(--pass); }
.timeline i.error { background: repeating-linear-gradient(45deg, var(--line), var(--line) 2px, var(--card) 2px, var(--card) 4px); }
details summary { cursor: pointer; color: var(--muted); margin-bottom: 8px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_html(report: Report) -> str:
    """The whole page: summary, drift by severity, problems, the age chart, then the rest."""
    verdict = VERDICT_WORDS.get(report.verdict, "incomplete")
    title = f"cassettes {report.command}: {verdict}"
    body = [
        f"<header><h1>cassettes {esc(report.command)}</h1>{_meta(report)}</header>",
        *_summary(report, verdict),
        *_drift(report),
        *_problems(report),
        *ages_section(report),
        *_unchecked(report),
        *_cassettes(report),
        *_run(report),
        *notes_lines(report),
        f"<footer>cassettes-tool {esc(__version__)} · {esc(SCHEMA)} · "
        "the same report as JSON: <code>--format json</code></footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


def _meta(report: Report) -> str:
    parts = []
    if report.target:
        parts.append(f"target <strong>{esc(report.target)}</strong>")
    if report.command in ("check", "diff", "refresh", "demo"):
        parts.append(f"failing on <strong>{esc(report.fail_on.value)}</strong> and above")
    if report.max_age is not None:
        parts.append(f"max age <strong>{esc(f'{report.max_age:g}')}</strong> days")
    return f'<p class="meta">{" · ".join(parts)}</p>' if parts else ""


# ---------------------------------------------------------------------------- summary


def _summary(report: Report, verdict: str) -> Iterator[str]:
    summary = Summary.of(report)
    line = unused_summary(report) if report.command == "unused" else verdict_line(report, summary)
    label, _, text = line.partition(": ")
    if not text or label.upper() != label:
        label, text = verdict.upper(), line
    yield f'<section id="summary" class="summary {verdict}">'
    yield f'<p class="verdict"><span class="badge {verdict}">{esc(label)}</span>{esc(text)}</p>'
    yield '<dl class="counts">'
    for name, value in _counts(report, summary):
        yield f"<div><dt>{esc(name)}</dt><dd>{esc(value)}</dd></div>"
    yield "</dl>"
    extra = list(_summary_lines(report))
    if extra:
        yield '<ul class="lines">' + "".join(f"<li>{esc(text)}</li>" for text in extra) + "</ul>"
    yield "</section>"
    yield from _failing(summary)


def _counts(report: Report, summary: Summary) -> Iterator[tuple[str, int | str]]:
    counts = summary.counts
    yield "cassettes", counts.cassettes
    for outcome, n in counts.outcomes:
        yield outcome.value, n
    yield "interactions", counts.interactions
    for status, n in counts.statuses:
        if n and status not in (Status.SKIPPED,):
            yield status.value, n
    if counts.over_max_age:
        yield "older than max age", counts.over_max_age
    if counts.problems:
        yield "problems", counts.problems
    for severity, n in counts.changes:
        if n and (severity is not Severity.VOLATILE or report.show_volatile):
            yield severity.value, n


def _failing(summary: Summary) -> Iterator[str]:
    """Each cassette that did not pass and why, before the detail below."""
    if not summary.failing:
        return
    yield f'<section id="failing"><h2>Not passing ({len(summary.failing)})</h2>'
    yield "<table><thead><tr><th>cassette</th><th>outcome</th><th>reasons</th></tr></thead><tbody>"
    for failing in summary.failing:
        reasons = "".join(
            f'<li><code class="reason">{esc(r.token)}</code>: {esc(r.detail)}</li>' for r in failing.reasons
        )
        yield (
            f'<tr><td class="mono path">{esc(display_path(failing.path))}</td>'
            f'<td class="outcome {failing.outcome.value}">{esc(failing.outcome.value)}</td>'
            f'<td><ul class="reasons">{reasons}</ul></td></tr>'
        )
    yield "</tbody></table></section>"


def _summary_lines(report: Report) -> Iterator[str]:
    dated = [c for c in report.cassettes if c.age is not None and c.age.days is not None]
    if dated:
        oldest = max(dated, key=lambda c: c.age.days if c.age and c.age.days is not None else 0.0)
        assert oldest.age is not None
        yield f"oldest: {display_path(oldest.path)}, {describe_age(oldest.age)}"
    hidden = sum(1 for c in report.changes() if c.severity is Severity.VOLATILE)
    if hidden and not report.show_volatile:
        yield f"{plural(hidden, 'volatile change')} not shown (--show-volatile)"


# ---------------------------------------------------------------------------- drift


def _drift(report: Report) -> Iterator[str]:
    """Per cassette, longest drifting first (with a history), then most severe; within it, the
    changes grouped by severity, under the cassette's timeline of runs."""
    drifted = [c for c in report.cassettes if visible(report, report.changes(c))]
    if not drifted:
        return
    drifted.sort(key=lambda c: drift_order(report, c))
    yield '<section id="drift"><h2>Drift</h2>'
    for result in drifted:
        changes = visible(report, report.changes(result))
        counts = Counter(ch.severity for ch in changes)
        summary = ", ".join(f"{counts[s]} {s.value}" for s in _SEVERITIES if counts.get(s))
        yield '<article class="card">'
        yield (
            f'<h3><code class="path">{esc(display_path(result.path))}</code>'
            f'<span class="status">{esc(result.status.value)}: {esc(summary)}</span></h3>'
        )
        facts = [describe_age(result.age)] if result.age is not None else []
        facts += [drifting] if (drifting := describe_drifting(changes)) else []
        facts += [result.note] if result.note else []
        if facts:
            yield f'<p class="meta">{esc("; ".join(facts))}</p>'
        yield from timeline(result)
        for severity in _SEVERITIES:
            rows = [
                (i, ch)
                for i in result.interactions
                for ch in visible(report, i.changes)
                if ch.severity is severity
            ]
            if rows:
                yield f'<h4 class="{severity.value}">{esc(severity.value)} ({len(rows)})</h4>'
                yield from _change_table(rows)
        yield "</article>"
    yield "</section>"


def _change_table(rows: Sequence[tuple[InteractionSummary, Change]]) -> Iterator[str]:
    yield "<table><thead><tr><th>interaction</th><th>change</th><th>where</th><th>what</th></tr></thead><tbody>"
    for interaction, change in rows:
        detail = change.detail if change.detail and "\n" in change.detail else None
        what = esc(describe(change)) + (f"<pre>{esc(detail)}</pre>" if detail else "")
        yield (
            f'<tr><td class="mono path">{esc(interaction.method)} {esc(interaction.uri)}</td>'
            f'<td><span class="sev {change.severity.value}">{esc(change.severity.value)}</span> '
            f"<code>{esc(change.kind.value)}</code></td>"
            f"<td><code>{esc(change.path or change.where.value)}</code></td><td>{what}</td></tr>"
        )
    yield "</tbody></table>"


# ---------------------------------------------------------------------------- problems


def _problems(report: Report) -> Iterator[str]:
    rows = [(r, p) for r in report.cassettes for p in r.problems]
    if not rows:
        return
    yield f'<section id="problems"><h2>Problems ({len(rows)})</h2>'
    yield "<table><thead><tr><th>where</th><th>code</th><th>kind</th><th>message</th></tr></thead><tbody>"
    for result, problem in rows:
        where = display_path(result.path) + (f":{problem.line}" if problem.line else "")
        yield (
            f'<tr><td class="mono path">{esc(where)}</td><td><code>{esc(problem.code)}</code></td>'
            f"<td>{esc(problem.kind)}</td><td>{esc(problem.message)}</td></tr>"
        )
    yield "</tbody></table></section>"


# ---------------------------------------------------------------------------- the rest


def _unchecked(report: Report) -> Iterator[str]:
    """Cassettes that could not be read or were skipped, and interactions a run did not check."""
    cassettes = [c for c in report.cassettes if c.status in (Status.ERROR, Status.SKIPPED)]
    interactions = [
        (c, i)
        for c in report.cassettes
        for i in c.interactions
        if i.status in (Status.ERROR, Status.SKIPPED) and not (report.command == "unused" and c.problems)
    ]
    if not cassettes and not interactions:
        return
    yield '<section id="unchecked"><h2>Errors and skipped</h2>'
    yield "<table><thead><tr><th>status</th><th>where</th><th>why</th></tr></thead><tbody>"
    for result in cassettes:
        css = ' class="error"' if result.status is Status.ERROR else ""
        yield (
            f'<tr><td{css}>{esc(result.status.value)}</td><td class="mono path">{esc(located(result))}</td>'
            f"<td>{esc(result.error or '')}</td></tr>"
        )
    for result, i in interactions:
        assert i.status is not None
        css = ' class="error"' if i.status is Status.ERROR else ""
        where = f"{display_path(result.path)} #{i.index} {i.method} {i.uri}"
        yield (
            f'<tr><td{css}>{esc(i.status.value)}</td><td class="mono path">{esc(where)}</td>'
            f"<td>{esc(i.reason or '')}</td></tr>"
        )
    yield "</tbody></table></section>"


def _cassettes(report: Report) -> Iterator[str]:
    listed = [c for c in report.cassettes if c.status not in (Status.ERROR, Status.SKIPPED)]
    if not listed:
        return
    opened = " open" if len(listed) <= _TABLE_OPEN_MAX else ""
    yield f'<section id="cassettes"><h2>Cassettes ({len(listed)})</h2><details{opened}><summary>every cassette</summary>'
    yield (
        '<table><thead><tr><th>cassette</th><th>status</th><th class="num">interactions</th>'
        '<th class="num">size</th><th>age</th><th>note</th></tr></thead><tbody>'
    )
    for result in listed:
        age = describe_age(result.age) if result.age is not None else ""
        yield (
            f'<tr><td class="mono path">{esc(display_path(result.path))}</td><td>{esc(result.status.value)}</td>'
            f'<td class="num">{len(result.interactions)}</td><td class="num">{esc(human_size(result.size))}</td>'
            f"<td>{esc(age)}</td><td>{esc(result.note or '')}</td></tr>"
        )
    yield "</tbody></table></details></section>"


def _run(report: Report) -> Iterator[str]:
    lines: list[str] = []
    if report.run is not None:
        state = "" if report.run.complete else " (incomplete: interrupted)"
        lines.append(f"scratch run {report.run.run_id}{state}: {display_path(report.run.folder)}")
    applied = report.applied
    if applied is not None:
        lines += [f"wrote {display_path(p)}" for p in applied.written]
        lines += [f"kept {display_path(p)}: {why}" for p, why in applied.kept]
        lines += [f"withheld {display_path(p)}: {why}" for p, why in applied.withheld]
        if applied.commit:
            where = f"on new branch {applied.branch}" if applied.branch else "on the current branch"
            lines.append(f"committed {applied.commit[:12]} {where} (not pushed)")
    if lines:
        yield (
            '<section id="run"><h2>Run</h2><ul>'
            + "".join(f"<li>{esc(t)}</li>" for t in lines)
            + "</ul></section>"
        )


def notes_lines(report: Report) -> Iterator[str]:
    if report.notes:
        items = "".join(
            f'<li><code class="path">{esc(display_path(p))}</code>: {esc(n)}</li>' for p, n in report.notes
        )
        yield f'<section id="notes"><h2>Notes</h2><ul>{items}</ul></section>'
