"""Each interaction's age: the newest change in its file's history that recorded its answer anew.

Walking a file's changes newest first, a change recorded an answer when the answer
carries a volatile value (a `Date`, an id, a timestamp) that the file before the
change did not hold anywhere; an answer without volatile values, when that exact
answer was not in the file before. Masking, editing the request, reformatting and
moving bring no new value, so the walk goes on past them. The common case costs one
look at the newest change's lines: when each answer has a new value on a changed
line, all were recorded there. The change that added the file dated them, unless
their `Date` headers are much older (the file was copied in): then those are the
witness.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cassettes_tool.cassette.formats.custom import CustomSerializer
from cassettes_tool.cassette.recording import (
    TextAnswer,
    Version,
    answer_dates,
    read_version,
    recorded_anew,
    text_answers,
    tokens_in,
)
from cassettes_tool.git.log import Lineage, Step
from cassettes_tool.git.runner import Repo
from cassettes_tool.model.age import Age, AgeSource, days_between

#: a `Date` this much older than the commit that added its file: the file was copied in.
#: On pystac-client, tweepy and pydantic-ai recordings reach their commit within 16 days.
COPIED_IN_AFTER = timedelta(days=30)
#: a server's clock may run this much ahead of the committer's
_CLOCK_SKEW = timedelta(days=1)

Blobs = Callable[[list[bytes]], Mapping[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Told:
    """The ages of one file's interactions, or that older history must be read first."""

    ages: tuple[Age, ...] | None
    needs_more: bool = False


def unknown(source: AgeSource) -> Age:
    return Age(None, None, None, None, None, source)


def fresh(source: AgeSource) -> Age:
    """Content git has not recorded yet and that is being recorded now: 0 days."""
    return Age(0.0, None, None, None, None, source)


def witnessed(date: datetime | None, now: datetime, otherwise: Age) -> Age:
    """An answer dated by its own `Date` header, when it has one a server could have sent."""
    if date is None:
        return otherwise
    return Age(days_between(date, now), date, None, None, None, AgeSource.RECORDED)


def dates_of(data: bytes, path: Path, custom: CustomSerializer | None) -> tuple[datetime | None, ...] | None:
    """Each answer's `Date`, from the text when laid out as vcrpy does, else by parsing."""
    dates = answer_dates(data) if custom is None else None
    if dates is None:
        version = read_version(data, path, custom)
        dates = None if version is None else tuple(a.date for a in version.answers)
    return dates


class Walker:
    """Dates the interactions of one repository's files from their lineages."""

    def __init__(self, repo: Repo, blobs: Blobs, now: datetime, custom: CustomSerializer | None):
        self.repo, self.blobs, self.now, self.custom = repo, blobs, now, custom
        self._ages: dict[bytes, Age] = {}
        #: earlier versions git could not give (a partial or damaged clone), and whose they were
        self.missing: set[bytes] = set()
        self.gapped: set[Path] = set()

    def tell(self, lineages: Mapping[Path, Lineage], working: Mapping[Path, bytes]) -> dict[Path, Told]:
        """The fast look first for every file, then the full walk for those it could not settle.

        `working` holds each file as it is now: the newest version, committed or not.
        """
        told: dict[Path, Told] = {}
        first = {path: lin.steps[0] for path, lin in lineages.items() if lin.steps}
        got = self.blobs([s.old_blob for s in first.values() if s.old_blob])
        slow: list[Path] = []
        for path, step in first.items():
            new = working[path]
            if step.old_blob is None:
                dates = dates_of(new, path, self.custom)
                if dates is not None:
                    told[path] = Told(tuple(self._dated(step, d, added=True) for d in dates))
                    continue
            else:
                old = got.get(step.old_blob)
                count = recorded_anew(new, old) if old is not None and self.custom is None else None
                if count is not None:
                    told[path] = Told(tuple(self._dated(step, None, added=False) for _ in range(count)))
                    continue
            slow.append(path)
        for path, lin in lineages.items():
            if not lin.steps:
                told[path] = Told(None, needs_more=not lin.added)
        more = self.blobs([s.old_blob for p in slow for s in lineages[p].steps if s.old_blob])
        for path in slow:
            told[path] = self._walk(path, lineages[path], working[path], {**got, **more})
        return told

    def _walk(self, path: Path, lineage: Lineage, data: bytes, got: Mapping[bytes, bytes]) -> Told:
        texts = text_answers(data) if self.custom is None else None
        if texts is not None:
            return self._walk_text(path, lineage, texts, got)
        return self._walk_parsed(path, lineage, data, got)

    def _walk_text(
        self, path: Path, lineage: Lineage, answers: tuple[TextAnswer, ...], got: Mapping[bytes, bytes]
    ) -> Told:
        """The walk on the text: a value is new to a change when the version before lacks it verbatim."""
        ages: list[Age | None] = [None] * len(answers)
        gap: Step | None = None
        for step in lineage.steps:
            old = got.get(step.old_blob) if step.old_blob else None
            if step.old_blob and old is None:
                gap = self._gap(path, step, gap)
                continue
            old_tokens = tokens_in(old) if old is not None else frozenset()
            for i, answer in enumerate(answers):
                if ages[i] is None and (old is None or answer.new_to(old, old_tokens)):
                    ages[i] = self._dated(step, answer.date, added=step.old_blob is None, gap=gap)
            gap = None
            if all(a is not None for a in ages):
                return Told(tuple(a for a in ages if a is not None))
        return Told(None, needs_more=not lineage.added)

    def _walk_parsed(self, path: Path, lineage: Lineage, data: bytes, got: Mapping[bytes, bytes]) -> Told:
        """The walk on parsed versions: encoded bodies decoded, any layout a serializer reads."""
        current = read_version(data, path, self.custom)
        if current is None:
            return Told(None)
        ages: list[Age | None] = [None] * len(current.answers)
        tracked = [set(a.tokens) for a in current.answers]
        gap: Step | None = None
        for step in lineage.steps:
            old_data = got.get(step.old_blob) if step.old_blob else None
            if step.old_blob and old_data is None:
                gap = self._gap(path, step, gap)
                continue
            old: Version | None = read_version(old_data, path, self.custom) if old_data is not None else None
            for i, answer in enumerate(current.answers):
                if ages[i] is not None:
                    continue
                if old is None or (
                    not tracked[i] <= old.tokens if tracked[i] else answer.digest not in old.digests
                ):
                    ages[i] = self._dated(step, answer.date, added=step.old_blob is None, gap=gap)
            gap = None
            if all(a is not None for a in ages):
                return Told(tuple(a for a in ages if a is not None))
        if not lineage.added:
            return Told(None, needs_more=True)
        return Told(None)

    def _gap(self, path: Path, step: Step, gap: Step | None) -> Step:
        """A change whose earlier version git could not give (a partial or damaged clone). The
        walk goes on to an older version: an answer new to it was recorded at that older change
        or at one up to the gap, so it is dated there, older than it may be, never younger (the
        younger would pass a --max-age gate it should fail). The newest missing one in a row."""
        assert step.old_blob is not None
        self.missing.add(step.old_blob)
        self.gapped.add(path)
        return gap or step

    def _dated(self, step: Step, date: datetime | None, *, added: bool, gap: Step | None = None) -> Age:
        """The age an answer recorded at `step` has; for an add, its `Date` may tell better, and
        so it may after a `gap`: recorded from `step` up to the change at the gap, a `Date`
        between the two says when (a server cannot answer before it is asked)."""
        if step.commit is None:
            return fresh(AgeSource.UNCOMMITTED)
        by_git = self._commit_age(step)
        committed = by_git.last_recorded
        if gap is not None and date is not None and committed is not None:
            latest = self._commit_age(gap).last_recorded if gap.commit is not None else self.now
            if latest is not None and committed < date <= latest + _CLOCK_SKEW:
                return witnessed(date, self.now, by_git)
        if added and date is not None and committed is not None:
            # at a shallow clone's edge the commit is only a lower bound; a Date after it is no witness
            at_edge = by_git.source is AgeSource.SHALLOW and date <= committed + _CLOCK_SKEW
            if at_edge or date < committed - COPIED_IN_AFTER:
                return witnessed(date, self.now, by_git)
        return by_git

    def _commit_age(self, step: Step) -> Age:
        assert step.commit is not None
        by_git = self._ages.get(step.commit.sha)
        if by_git is None:
            by_git = self._ages[step.commit.sha] = step.commit.age(self.repo, self.now)
        return by_git
