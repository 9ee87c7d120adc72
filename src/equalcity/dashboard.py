"""The status dashboard: progress per language × module, the weekly trend, release blockers.

``collect`` gathers the numbers (``status``, ``history``, ``editions``); ``bars`` and
``trend_chart`` turn them into geometry; ``render_html`` writes one self-contained page (inline
CSS and SVG, no script, no external address), which ``equalcity serve`` also shows as its home
page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .editions import CONFIG as RELEASE_CONFIG
from .editions import Blocker, blockers, release_inputs
from .errors import EqualcityError
from .gitrepo import head_of
from .history import Trend, weekly
from .project import Project
from .snapshot import Snapshot
from .status import STATES, Row, compute

STATE_LABELS = {
    "untranslated": "untranslated",
    "fuzzy": "fuzzy (needs work)",
    "translated": "translated, waiting for review",
    "unverified": "approvals that do not count (unsigned or not proven)",
    "changes-requested": "changes requested",
    "approved": "approved",
}


# -- what the page shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class EditionView:
    id: str
    language: str
    preview: bool
    blockers: tuple[Blocker, ...] = ()
    error: str = ""  # the blockers could not be computed (one line)


@dataclass(frozen=True)
class Releases:
    editions: tuple[EditionView, ...] = ()
    note: str = ""  # why there is nothing to show, e.g. no workflows/release.toml


@dataclass
class Dashboard:
    generated: str  # ISO time, UTC
    commit: str  # HEAD ("" outside git)
    rows: list[Row]
    trend: Trend
    releases: Releases
    problems: list[str] = field(default_factory=list)


def collect(
    project: Project,
    *,
    weeks: int = 26,
    locales: list[str] | None = None,
    clock: dt.datetime | None = None,
    releases: bool = True,
    as_of: dt.date | None = None,
    snapshot: Snapshot | None = None,
) -> Dashboard:
    """Everything the dashboard shows, computed from the working tree and git history;
    release blockers are judged as of ``as_of`` (default: the clock's day)."""
    moment = clock or dt.datetime.now(dt.UTC)
    snapshot = snapshot or Snapshot.of(project)
    rows = compute(snapshot, locales)
    problems: list[str] = []
    try:
        commit = head_of(project.root) or ""
        trend = weekly(project, weeks, locales)
    except EqualcityError as exc:
        commit, trend = "", Trend()
        problems.append(f"no history: {exc}")
    problems += trend.problems
    return Dashboard(
        moment.strftime("%Y-%m-%d %H:%M UTC"),
        commit,
        rows,
        trend,
        release_blockers(snapshot, as_of or moment.date()) if releases else Releases(),
        problems,
    )


def release_blockers(snapshot: Snapshot, today: dt.date) -> Releases:
    """What stops each edition of ``workflows/release.toml`` from an official release: the
    gates of ``equalcity release``, uncommitted inputs included."""
    from .release.bundle import commit_info  # the release machinery, only when asked

    project = snapshot.project
    if not snapshot.exists(RELEASE_CONFIG):
        return Releases(note=f"No editions configured ({RELEASE_CONFIG} does not exist).")
    try:
        configured = snapshot.release().editions
    except EqualcityError as exc:
        return Releases(note=f"The editions cannot be read: {exc}")
    if not configured:
        return Releases(note=f"No editions configured in {RELEASE_CONFIG}.")
    views = []
    for edition in configured:
        try:
            inputs = release_inputs(project, edition, existing=True)
            found = blockers(
                snapshot, edition, today=today, dirty=commit_info(project, inputs).dirty
            )
            views.append(
                EditionView(
                    edition.id,
                    edition.language,
                    edition.preview,
                    tuple(found),
                )
            )
        except EqualcityError as exc:
            views.append(EditionView(edition.id, edition.language, edition.preview, error=str(exc)))
    return Releases(tuple(views))


def percent(value: float) -> str:
    """A share as a whole percentage rounded down, so that 99.6 % approved never reads as done.

    >>> percent(0.996), percent(1.0), percent(0.004), percent(0.29)
    ('99%', '100%', '0%', '29%')
    """
    return f"{math.floor(round(value * 100, 6))}%"


@dataclass(frozen=True)
class BlockerGroup:
    """Blockers with one cause, e.g. twelve uncommitted files: one line on the page."""

    gate: str
    detail: str
    where: tuple[str, ...]

    @property
    def places(self) -> str:
        if len(self.where) == 1:
            return self.where[0]
        noun = {"tree": "files", "contact": "contacts"}.get(self.gate, "places")
        return f"{len(self.where)} {noun}: {', '.join(self.where)}"


def group_blockers(found: Iterable[Blocker]) -> list[BlockerGroup]:
    """One group per gate and cause, in first-seen order; a contact's id moves from the cause
    to the list of places, so five unverified contacts are one line.

    >>> [g.places for g in group_blockers([Blocker("tree", "a.po", "uncommitted"),
    ...                                    Blocker("tree", "b.po", "uncommitted")])]
    ['2 files: a.po, b.po']
    """
    items = list(found)
    groups: dict[tuple[str, str], list[tuple[str, Blocker]]] = {}
    for blocker in items:
        detail, place = blocker.detail, blocker.where
        if blocker.gate == "contact" and ": " in detail:
            contact, detail = detail.split(": ", 1)
            place = f"{contact} ({blocker.where})"
        groups.setdefault((blocker.gate, detail), []).append((place, blocker))
    out = []
    for (gate, detail), members in groups.items():
        if len(members) == 1:  # alone: exactly as the release gate words it
            out.append(BlockerGroup(gate, members[0][1].detail, (members[0][1].where,)))
        else:
            out.append(BlockerGroup(gate, detail, tuple(place for place, _ in members)))
    return out


# -- geometry --------------------------------------------------------------------------------

BAR_X, BAR_WIDTH, ROW_HEIGHT, BAR_HEIGHT = 230, 440, 34, 22


@dataclass(frozen=True)
class Segment:
    state: str
    x: float
    width: float
    words: int
    share: float


@dataclass(frozen=True)
class Bar:
    locale: str
    module: str
    y: float
    words: int
    done: float  # share of words translated (approved, unverified or waiting)
    approved: float
    segments: tuple[Segment, ...]


def bars(rows: list[Row]) -> list[Bar]:
    """One stacked bar per row (language × module), segments in ``STATES`` order, widths
    proportional to source words and summing to ``BAR_WIDTH``."""
    out = []
    for index, row in enumerate(rows):
        x = float(BAR_X)
        segments = []
        for state in STATES:
            share = row.share(state)
            width = BAR_WIDTH * share
            if row.words[state]:
                segments.append(
                    Segment(state, round(x, 2), round(width, 2), row.words[state], share)
                )
            x += width
        out.append(
            Bar(
                row.locale,
                row.module,
                index * ROW_HEIGHT,
                row.total_words,
                row.share("translated") + row.share("unverified") + row.share("approved"),
                row.share("approved"),
                tuple(segments),
            )
        )
    return out


PLOT = {"left": 64.0, "right": 620.0, "top": 16.0, "bottom": 216.0}
LABEL_GAP = 15.0
LINE_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
# Lines differ by dash pattern as well as colour (colour blindness, greyscale printing).
LINE_DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "1 5", "12 6")


@dataclass(frozen=True)
class Series:
    locale: str
    colour: str
    points: tuple[tuple[float, float, int], ...]  # x, y, approved words
    label_y: float = 0.0  # where the language's name goes, clear of the other names
    label: str = ""  # the names at the line's end: "de, pt, ar" when lines end together
    dash: str = ""

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


@dataclass(frozen=True)
class Axis:
    value: int
    position: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    series: tuple[Series, ...]
    y_ticks: tuple[Axis, ...]
    x_ticks: tuple[Axis, ...]


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ at or above ``value``.

    >>> [nice_ceiling(v) for v in (0, 7, 19995, 21000)]
    [1, 10, 20000, 50000]
    """
    power = 1
    while power * 10 < value:
        power *= 10
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def trend_chart(trend: Trend) -> TrendChart:
    """Approved words per language at the end of each week, as lines on a shared scale."""
    points = trend.points
    if not points:
        return TrendChart((), (), ())
    most = max(p.approved(locale) for p in points for locale in trend.locales)
    top = nice_ceiling(max(most, 10))
    left, right, upper, lower = PLOT["left"], PLOT["right"], PLOT["top"], PLOT["bottom"]

    def x_of(index: int) -> float:
        if len(points) == 1:
            return (left + right) / 2
        return left + (right - left) * index / (len(points) - 1)

    def y_of(value: int) -> float:
        return lower - (lower - upper) * value / top

    lines = [
        Series(
            locale,
            LINE_COLOURS[i % len(LINE_COLOURS)],
            tuple(
                (x_of(n), y_of(p.approved(locale)), p.approved(locale))
                for n, p in enumerate(points)
            ),
        )
        for i, locale in enumerate(trend.locales)
    ]
    # Names at the end of each line, moved apart where lines end close together; lines that
    # end at the same value (three languages at 0) share one label naming them all.
    placed: dict[str, tuple[float, str]] = {}
    ceiling = math.inf
    ends: dict[int, list[Series]] = {}
    for line in lines:
        ends.setdefault(line.points[-1][2], []).append(line)
    for value in sorted(ends, reverse=True):
        together = ends[value]
        ceiling = min(together[0].points[-1][1] + 4, ceiling - LABEL_GAP)
        for n, line in enumerate(together):
            placed[line.locale] = (ceiling, ", ".join(s.locale for s in together) if n == 0 else "")
    series = tuple(
        Series(
            line.locale,
            line.colour,
            line.points,
            *placed[line.locale],
            LINE_DASHES[i % len(LINE_DASHES)],
        )
        for i, line in enumerate(lines)
    )
    step = nice_ceiling(top // 5)
    y_ticks = tuple(Axis(v, y_of(v), f"{v:,}") for v in range(0, top + 1, step))
    every = max(1, math.ceil(len(points) / 8))
    x_ticks = tuple(
        Axis(n, x_of(n), p.week.strftime("%d %b"))
        for n, p in enumerate(points)
        if n % every == 0 or n == len(points) - 1
    )
    return TrendChart(series, y_ticks, x_ticks)


# -- the page --------------------------------------------------------------------------------


def render_html(
    dashboard: Dashboard,
    *,
    inline: bool = True,
    review_links: Mapping[tuple[str, str], str] | None = None,
    waiting: Mapping[tuple[str, str], int] | None = None,
    who: str = "",
) -> str:
    """The dashboard page. ``inline``: one self-contained file (CSS in the page); otherwise
    the stylesheet is linked from the review server. ``review_links`` and ``waiting`` add the
    server's review page per language × module and how many entries wait there; ``who`` names
    the reviewer the server runs for."""
    from .web.templating import render

    by_locale: dict[str, list[Row]] = {}
    for row in dashboard.rows:
        by_locale.setdefault(row.locale, []).append(row)
    totals = {
        locale: {state: sum(r.words[state] for r in rows) for state in STATES}
        for locale, rows in by_locale.items()
    }
    return render(
        "dashboard.html",
        inline=inline,
        dashboard=dashboard,
        states=STATES,
        state_labels=STATE_LABELS,
        languages={locale: bars(rows) for locale, rows in by_locale.items()},
        totals=totals,
        chart=trend_chart(dashboard.trend),
        plot=PLOT,
        bar_geometry={
            "x": BAR_X,
            "width": BAR_WIDTH,
            "row": ROW_HEIGHT,
            "height": BAR_HEIGHT,
        },
        review_links=review_links or {},
        waiting=waiting or {},
        who=who,
        roster_notes=[note for row in dashboard.rows for note in row.roster_notes()],
        group_blockers=group_blockers,
    )
