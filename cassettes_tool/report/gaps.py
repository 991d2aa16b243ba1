"""What a reader must see first: what could not be checked, and the answers that became errors.

Each with the fix, because an INCOMPLETE with no next step is read as noise.
"""

from __future__ import annotations

from collections.abc import Iterator

from cassettes_tool.model.age import AgeSource
from cassettes_tool.model.result import Report
from cassettes_tool.words import display_path, plural

#: at most this many cassettes named per call-out; the rest are counted
_SHOWN = 10

ERRORS_HINT = "usually a wrong --map base URL or token, not drift"

SHALLOW_FIX = (
    "a shallow clone only bounds their age from below: fetch the full history "
    "(`fetch-depth: 0` for actions/checkout, or `git fetch --unshallow`)"
)
NO_GIT_FIX = (
    "no git history to tell it from: install git and run in the repository's clone "
    "(in CI with its full history, `fetch-depth: 0`)"
)


def callout_lines(report: Report) -> Iterator[str]:
    """The lines that go before everything else; none when there is nothing to call out."""
    errors = report.became_errors()
    if errors:
        yield f"  ! {plural(len(errors), 'answer')} became errors ({ERRORS_HINT}):"
        for path, request, was, now in errors[:_SHOWN]:
            yield f"    {display_path(path)}: {request}: {was} -> {now}"
        if report.applied is not None:
            yield "    not written back; --accept-errors writes them on purpose"
        yield from _more(len(errors))
    unknown = [c for c in report.cassettes if report.age_unknown(c)]
    if unknown and report.max_age is not None:
        shallow = any(c.age is not None and c.age.source is AgeSource.SHALLOW for c in unknown)
        fix = SHALLOW_FIX if shallow else NO_GIT_FIX
        yield f"  ! age unknown for {plural(len(unknown), 'cassette')} under --max-age {report.max_age:g}: {fix}:"
        for result in unknown[:_SHOWN]:
            source = result.age.source.value if result.age else "unknown"
            yield f"    {display_path(result.path)} (age source: {source})"
        yield from _more(len(unknown))
    unsent = [c for c in report.cassettes if c.unchecked]
    if unsent:
        yield f"  ! nothing was sent for {plural(len(unsent), 'cassette')} (skip_hosts says which hosts to leave out on purpose):"
        for result in unsent[:_SHOWN]:
            yield f"    {display_path(result.path)}: {result.error or 'skipped'}"
        yield from _more(len(unsent))


def _more(count: int) -> Iterator[str]:
    if count > _SHOWN:
        yield f"    ... and {count - _SHOWN} more"
