"""Status over git history: the source words in each review state, week by week.

Each point is exactly what ``equalcity status`` said at the last commit of that week on HEAD's
first-parent line: the PO files, the ledger and the roster are read from that commit (not
reconstructed from ledger timestamps, which would miss approvals made stale by later edits).
It stays fast because everything is cached by git blob id: a document is parsed once per
version and counted again only when its own file, its own ledger lines or the roster change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from equalcity.errors import EqualcityError
from equalcity.progress.status import STATES, Row, empty_row, tally
from equalcity.repository.gitrepo import first_parent_history, open_repo, require_history
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import Decision
from equalcity.review.panel import PANEL, Panel

if TYPE_CHECKING:
    import git  # only the type: git operations stay in gitrepo.py


@dataclass(frozen=True)
class Point:
    week: dt.date  # the Monday (UTC) that starts the week
    commit: str  # the last commit of the week on HEAD's first-parent line
    words: dict[str, dict[str, int]]  # language → state → source words

    def approved(self, locale: str) -> int:
        return self.words.get(locale, {}).get("approved", 0)

    def total(self, locale: str) -> int:
        return sum(self.words.get(locale, {}).values())


@dataclass
class Trend:
    points: list[Point] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files unreadable at some commit

    @property
    def locales(self) -> list[str]:
        return sorted({locale for point in self.points for locale in point.words})


def monday(moment: dt.datetime) -> dt.date:
    """The Monday starting ``moment``'s week (UTC).

    >>> monday(dt.datetime(2026, 11, 26, 23, 0, tzinfo=dt.UTC))
    datetime.date(2026, 11, 23)
    """
    day = moment.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday())


def week_ends(history: list[tuple[str, int]], weeks: int) -> list[tuple[dt.date, str]]:
    """``(week, commit)`` for the last ``weeks`` weeks up to HEAD's: the newest commit of the
    first-parent line committed before the week ended (weeks before the first commit left out).

    >>> t = lambda d: int(dt.datetime(2026, 11, d, 12, tzinfo=dt.UTC).timestamp())
    >>> week_ends([("c3", t(25)), ("c2", t(12)), ("c1", t(10))], 3)
    [(datetime.date(2026, 11, 9), 'c2'), (datetime.date(2026, 11, 16), 'c2'), \
(datetime.date(2026, 11, 23), 'c3')]
    """
    if not history:
        return []
    times = [dt.datetime.fromtimestamp(stamp, dt.UTC) for _, stamp in history]
    last = monday(times[0])
    first = max(monday(min(times)), last - dt.timedelta(weeks=weeks - 1))
    out = []
    week = first
    while week <= last:
        end = dt.datetime.combine(week + dt.timedelta(days=7), dt.time(), dt.UTC)
        newest = next((sha for (sha, _), t in zip(history, times, strict=True) if t < end), None)
        if newest is not None:
            out.append((week, newest))
        week += dt.timedelta(days=7)
    return out


class _Reader:
    """The repository at any commit as a ``Snapshot`` sharing one parse cache, so a file is
    parsed once per version and a document counted again only when its own catalog, source,
    ledger lines or the roster change."""

    def __init__(self, project: Project, repo: git.Repo) -> None:
        self.project = project
        self.repo = repo
        self.shared: dict[object, object] = {}
        self.counts: dict[tuple[object, ...], Row] = {}
        self.problems: dict[object, str] = {}

    def words(self, commit: str, only: set[str] | None) -> dict[str, dict[str, int]]:
        """Source words per language and state at ``commit``."""
        snapshot = Snapshot.at(self.project, self.repo, commit, self.shared)
        roster = snapshot.files.version(PANEL)
        try:
            snapshot.roster()
        except EqualcityError as exc:
            # an unreadable roster then: nobody could approve (check reported it at the time)
            self.shared[("roster", PANEL, roster)] = Panel()
            self.problems.setdefault(roster, f"{exc} (at commit {commit[:10]})")
        out: dict[str, dict[str, int]] = {}
        for locale in snapshot.locales():
            if only is not None and locale not in only:
                continue
            by_doc: dict[str, list[Decision]] = {}
            for decision in snapshot.raw_ledger(locale).decisions:
                by_doc.setdefault(decision.doc, []).append(decision)
            totals = out.setdefault(locale, dict.fromkeys(STATES, 0))
            for doc in snapshot.po_documents(locale):
                for state, count in self._row(snapshot, locale, doc, by_doc, roster).items():
                    totals[state] += count
        return out

    def _row(
        self,
        snapshot: Snapshot,
        locale: str,
        doc: Document,
        by_doc: dict[str, list[Decision]],
        roster: object,
    ) -> dict[str, int]:
        rel = f"locales/{locale}/{doc.id}.po"
        version = snapshot.files.version(rel)
        key = (
            version,
            snapshot.files.version(f"source/{doc.id}.md"),
            roster,
            locale,
            tuple(by_doc.get(doc.id, ())),
        )
        row = self.counts.get(key)
        if row is None:
            row = empty_row(locale, doc.module)
            try:
                tally(row, snapshot, locale, doc)
            except EqualcityError as exc:
                row = empty_row(locale, doc.module)
                where = (snapshot.commit or "")[:10]
                self.problems.setdefault(version, f"{exc} (at commit {where})")
            self.counts[key] = row
        return row.words


def weekly(project: Project, weeks: int = 26, locales: list[str] | None = None) -> Trend:
    """The status at the end of each of the last ``weeks`` weeks of HEAD's history."""
    only = set(locales) if locales else None
    trend = Trend()
    with open_repo(project.root) as repo:
        require_history(repo, "the weekly trend")
        reader = _Reader(project, repo)
        done: dict[str, dict[str, dict[str, int]]] = {}
        for week, commit in week_ends(first_parent_history(repo), weeks):
            if commit not in done:
                done[commit] = reader.words(commit, only)
            trend.points.append(Point(week, commit, done[commit]))
        trend.problems = sorted(set(reader.problems.values()))
    return trend
