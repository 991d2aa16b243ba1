"""The html page's charts: the age chart (inline SVG, a bar per aged cassette, oldest first,
with the `--max-age` line) and each cassette's timeline of runs (`--history`); nothing is
fetched and every label is escaped."""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Sequence

from cassettes_tool.model.result import CassetteResult, Report
from cassettes_tool.words import display_path, plural

#: Bars drawn in the age chart; the rest are counted under it (a page, not a data dump).
CHART_MAX_BARS = 150


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def ages_section(report: Report) -> Iterator[str]:
    """Bars per cassette, oldest first, with the `--max-age` line: what a scheduled job watches."""
    dated = [(c, c.age.days) for c in report.cassettes if c.age is not None and c.age.days is not None]
    unknown = sum(1 for c in report.cassettes if c.age is not None and c.age.days is None)
    if not dated and not unknown:
        return
    dated.sort(key=lambda pair: (-pair[1], display_path(pair[0].path)))
    yield '<section id="ages"><h2>Cassette ages</h2><div class="chart">'
    if dated:
        yield _chart(
            report, [(display_path(c.path), days, report.stale(c)) for c, days in dated[:CHART_MAX_BARS]]
        )
    notes = []
    if len(dated) > CHART_MAX_BARS:
        notes.append(f"the {CHART_MAX_BARS} oldest of {len(dated)} dated cassettes are drawn")
    if unknown:
        notes.append(f"{plural(unknown, 'cassette')} of unknown age (not committed, or no git)")
    if notes:
        yield f'<p class="meta">{esc("; ".join(notes))}</p>'
    yield "</div></section>"


def _chart(report: Report, bars: Sequence[tuple[str, float, bool]]) -> str:
    width, label_width, right, top, row, bar = 1000, 330, 56, 26, 24, 15
    plot = width - label_width - right
    limit = max([days for _, days, _ in bars] + [report.max_age or 0.0, 1.0])
    step = _tick_step(limit)
    scale_max = math.ceil(limit / step) * step
    height = top + row * len(bars) + 30

    def x(days: float) -> float:
        return label_width + plot * days / scale_max

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Cassette ages in days, oldest first">'
    ]
    out.append('<g class="axis">')
    ticks = round(scale_max / step)
    for n in range(ticks + 1):
        tx = x(n * step)
        out.append(f'<line class="tick" x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 24}"/>')
        out.append(f'<text x="{tx:.1f}" y="{height - 8}" text-anchor="middle">{esc(f"{n * step:g}")}</text>')
    out.append(f'<text x="{label_width - 8}" y="{height - 8}" text-anchor="end">days frozen</text></g>')
    for n, (path, days, stale) in enumerate(bars):
        y = top + n * row
        shown = path if len(path) <= 46 else "…" + path[-45:]
        out.append(
            f'<text x="{label_width - 8}" y="{y + bar - 3}" text-anchor="end"><title>{esc(path)}</title>'
            f"{esc(shown)}</text>"
        )
        out.append(
            f'<rect class="bar{" stale" if stale else ""}" x="{label_width}" y="{y}" '
            f'width="{max(x(days) - label_width, 1.5):.1f}" height="{bar}" rx="2">'
            f"<title>{esc(path)}: {esc(f'{days:.0f}')} days</title></rect>"
        )
        out.append(f'<text x="{x(days) + 6:.1f}" y="{y + bar - 3}">{esc(f"{days:.0f}")}</text>')
    if report.max_age is not None:
        mx = x(report.max_age)
        out.append(f'<line class="max-age" x1="{mx:.1f}" y1="{top - 10}" x2="{mx:.1f}" y2="{height - 24}"/>')
        out.append(
            f'<text class="max-age-label" x="{mx:.1f}" y="{top - 12}" text-anchor="middle">'
            f"max age {esc(f'{report.max_age:g}')} days</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _tick_step(limit: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving four to eight ticks."""
    raw = limit / 5
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover


_MARK_WORDS = {"drift": "drift seen", "aligned": "no drift", "error": "not checked"}


def timeline(result: CassetteResult) -> Iterator[str]:
    """A square per run that checked the cassette, oldest first: drift seen, none, or not checked."""
    if not result.timeline:
        return
    squares = "".join(
        f'<i class="{esc(mark)}" title="{esc(at.date().isoformat())}: {esc(_MARK_WORDS.get(mark, mark))}"></i>'
        for at, mark in result.timeline
    )
    first, last = result.timeline[0][0].date(), result.timeline[-1][0].date()
    label = f"last {plural(len(result.timeline), 'run')} ({first.isoformat()} to {last.isoformat()})"
    yield f'<p class="timeline" aria-label="{esc(label)}"><span>{esc(label)}</span>{squares}</p>'
