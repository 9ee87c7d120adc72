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

import git

from .catalog import Catalog, read_po_text
from .errors import EqualcityError
from .fs import decode_utf8
from .gitrepo import blob, first_parent_history, open_repo, require_history, tree_files
from .project import TEMPLATES, Project
from .review import LEDGER, PANEL, Decision, Ledger, Panel, parse_ledger, parse_panel
from .reviewindex import ReviewIndex, review_index
from .status import STATES, Row, empty_row, tally


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
    """Files of one repository at any commit, parsed once per blob."""

    def __init__(self, repo: git.Repo, index: ReviewIndex) -> None:
        self.repo = repo
        self.index = index  # decisions count in the past only as they count now
        self.catalogs: dict[str, Catalog | None] = {}
        self.ledgers: dict[str, Ledger] = {}
        self.panels: dict[str, Panel] = {}
        self.counts: dict[tuple[str, str, str, tuple[Decision, ...]], Row] = {}
        self.problems: dict[str, str] = {}

    def _text(self, blob_id: str, path: str) -> str:
        return decode_utf8(blob(self.repo, blob_id), path)

    def catalog(self, blob_id: str, path: str, commit: str) -> Catalog | None:
        if blob_id not in self.catalogs:
            try:
                self.catalogs[blob_id] = read_po_text(self._text(blob_id, path), path)
            except EqualcityError as exc:
                self.catalogs[blob_id] = None
                self.problems.setdefault(blob_id, f"{exc} (at commit {commit[:10]})")
        return self.catalogs[blob_id]

    def ledger(self, blob_id: str, path: str) -> Ledger:
        if blob_id not in self.ledgers:
            # Malformed lines are skipped here as in status; 'check' reports them.
            self.ledgers[blob_id] = parse_ledger(self._text(blob_id, path), path)
        return self.ledgers[blob_id]

    def panel(self, blob_id: str | None, commit: str) -> Panel:
        if blob_id is None:
            return Panel()
        if blob_id not in self.panels:
            try:
                self.panels[blob_id] = parse_panel(self._text(blob_id, PANEL))
            except EqualcityError as exc:
                self.panels[blob_id] = Panel()
                self.problems.setdefault(blob_id, f"{exc} (at commit {commit[:10]})")
        return self.panels[blob_id]

    def words(self, commit: str, only: set[str] | None) -> dict[str, dict[str, int]]:
        """Source words per language and state at ``commit``."""
        files = tree_files(self.repo, commit, ["locales", PANEL])
        panel_blob = files.get(PANEL)
        panel = self.panel(panel_blob, commit)
        out: dict[str, dict[str, int]] = {}
        by_doc: dict[tuple[str, str], list[Decision]] = {}
        ledgers: dict[str, tuple[str, Ledger]] = {}
        for path, blob_id in files.items():
            parts = path.split("/")
            if len(parts) == 3 and parts[2] == LEDGER:
                ledger = self.ledger(blob_id, path)
                ledgers[parts[1]] = (blob_id, ledger)
                for decision in ledger.decisions:
                    by_doc.setdefault((parts[1], decision.doc), []).append(decision)
        for path, blob_id in sorted(files.items()):
            parts = path.split("/")
            if len(parts) != 4 or parts[1] == TEMPLATES or not parts[3].endswith(".po"):
                continue
            locale, doc = parts[1], f"{parts[2]}/{parts[3].removesuffix('.po')}"
            if only is not None and locale not in only:
                continue
            decisions = tuple(by_doc.get((locale, doc), ()))
            key = (blob_id, panel_blob or "", locale, decisions)
            row = self.counts.get(key)
            if row is None:
                row = empty_row(locale, parts[2])
                catalog = self.catalog(blob_id, path, commit)
                if catalog is not None:
                    tally(row, catalog, doc, self.index.judged(locale, decisions), panel)
                self.counts[key] = row
            totals = out.setdefault(locale, dict.fromkeys(STATES, 0))
            for state, count in row.words.items():
                totals[state] += count
        return out


def weekly(project: Project, weeks: int = 26, locales: list[str] | None = None) -> Trend:
    """The status at the end of each of the last ``weeks`` weeks of HEAD's history."""
    only = set(locales) if locales else None
    trend = Trend()
    with open_repo(project.root) as repo:
        require_history(repo, "the weekly trend")
        reader = _Reader(repo, review_index(project.root))
        done: dict[str, dict[str, dict[str, int]]] = {}
        for week, commit in week_ends(first_parent_history(repo), weeks):
            if commit not in done:
                done[commit] = reader.words(commit, only)
            trend.points.append(Point(week, commit, done[commit]))
        trend.problems = sorted(set(reader.problems.values()))
    return trend
