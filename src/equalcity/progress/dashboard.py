"""The status dashboard: progress per language × module, the weekly trend, release blockers.

``collect`` gathers the numbers (``status``, ``history``, ``editions``); ``bars`` and
``trend_chart`` turn them into geometry; ``render_html`` writes one self-contained page (inline
CSS and SVG, no script, no external address), which ``equalcity serve`` also shows as its home
page.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from equalcity.content.uitext import DASHBOARD, Labels, fill, load_labels
from equalcity.errors import EqualcityError
from equalcity.progress.history import Trend, weekly
from equalcity.progress.status import STATES, Row, compute
from equalcity.release.editions import CONFIG as RELEASE_CONFIG
from equalcity.release.gate import Blocker, blockers, release_inputs
from equalcity.repository.gitrepo import head_of
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot

if TYPE_CHECKING:
    from equalcity.web.i18n import Texts

STATE_LABELS = {
    "untranslated": "untranslated",
    "fuzzy": "fuzzy (needs work)",
    "translated": "translated, waiting for review",
    "unverified": "approvals that do not count (unsigned or not proven)",
    "changes-requested": "changes requested",
    "approved": "approved",
}


# The page's own text: source/ui/dashboard.md through locales/<lang>/ui/dashboard.po, like the
# release's page furniture. ENGLISH is what a repository without the catalogue gets, and the list
# of keys the template may use.
CATALOGUE = DASHBOARD
ENGLISH: dict[str, str] = {
    "title": "Translation status",
    "generated": "Generated {time} at commit {commit}.",
    "generated_nocommit": "Generated {time}.",
    "counts_note": (
        "Counts are source words; a string's words count in the state of its translation."
    ),
    "ui_note": (
        "The text of this page in this language: {approved} of {total} labels approved by the "
        "panel; the others are translations waiting for review, or English where there is none "
        "yet."
    ),
    "problems": "Files that could not be read",
    "no_history_problem": "no history: {error}",
    "footer_inline": "Made by {command}: one self-contained file, no script, no external resource.",
    "progress": "Progress by language and module",
    "no_translations": "No translations yet: create a language with {command}.",
    "bars_note": (
        "Each bar shows the share of the module's source words in each state. The figure after "
        "it is the share approved by the panel (rounded down: it shows 100% when every word is "
        "approved, and not before)."
    ),
    "legend": "Legend",
    "state_untranslated": "untranslated",
    "state_fuzzy": "fuzzy (needs work)",
    "state_translated": "translated, waiting for review",
    "state_unverified": "approvals that do not count (unsigned or not proven)",
    "state_changes_requested": "changes requested",
    "state_approved": "approved",
    "language_caption": (
        "{language} — {approved} approved, {translated} translated of {words} words"
    ),
    "bars_title": (
        "{language}: share of source words in each state, by module; the figure is the share "
        "approved"
    ),
    "segment_title": "{module} · {state}: {words} words ({share})",
    "bar_value": "{share} approved",
    "numbers": "The numbers",
    "status_caption": "Source words per state (strings in brackets)",
    "col_language": "language",
    "col_module": "module",
    "col_words": "words",
    "col_done": "translated or approved",
    "col_review": "review",
    "blocked_one": "1 string blocked by roster",
    "blocked": "{count} strings blocked by roster",
    "waiting": "{count} waiting",
    "waiting_for_you": "{count} waiting for you",
    "review": "Review",
    "roster": "What the roster cannot approve",
    "roster_note": (
        "These risk tiers need more reviewers or subject experts than {file} lists for the "
        "language and module: their strings can never be approved until someone is added."
    ),
    "roster_gap": (
        "{language} {module}: {strings} of tier {tier} can never be approved: the tier needs "
        "{needs}; the roster lists {listed} ({file})"
    ),
    "gap_strings_one": "1 translated string",
    "gap_strings": "{count} translated strings",
    "gap_approvals_one": "1 approval",
    "gap_approvals": "{count} approvals",
    "gap_experts_one": "{approvals}, 1 of them by a subject expert",
    "gap_experts": "{approvals}, {count} of them by a subject expert",
    "gap_reviewers_zero": "no reviewers",
    "gap_reviewers_one": "1 reviewer",
    "gap_reviewers": "{count} reviewers",
    "gap_listed_experts_zero": "{reviewers} and no subject experts",
    "gap_listed_experts_one": "{reviewers} and 1 subject expert",
    "gap_listed_experts": "{reviewers} and {count} subject experts",
    "trend": "Approved words per week",
    "no_history": "No git history yet.",
    "one_week": "The history covers one week so far: one point per language.",
    "trend_note": (
        "At the end of each week (UTC, weeks starting on Monday), from the last commit of that "
        "week: the words whose translation the panel had approved."
    ),
    "trend_title": "Approved source words at the end of each week, per language",
    "point_title": "{language}: {words} approved words",
    "trend_caption": "Approved source words (of all source words) at the end of each week",
    "col_week": "week of",
    "col_commit": "commit",
    "releases": "What blocks each edition's release",
    "no_editions": "No editions configured ({file} does not exist).",
    "no_editions_in": "No editions configured in {file}.",
    "editions_unreadable": "The editions cannot be read: {error}",
    "preview_only": "preview only",
    "could_not_check": "Could not check: {error}",
    "ready": "Nothing blocks an official release.",
    "blockers_one": "1 blocker:",
    "blockers": "{count} blockers:",
    "blockers_causes_one": "{blockers} blockers with 1 cause:",
    "blockers_causes": "{blockers} blockers with {count} causes:",
    "list_separator": ",",
    "details": "Details",
    "col_gate": "gate",
    "col_where": "where",
    "col_what": "what",
    "gate_check": "check",
    "gate_coverage": "coverage",
    "gate_contact": "contact",
    "gate_tree": "tree",
    "places_files": "{count} files: {places}",
    "places_contacts": "{count} contacts: {places}",
    "places_other": "{count} places: {places}",
    "blocker_contact": "{contact}: {cause}",
    "blocker_undefined": "not defined in any contacts file",
    "blocker_example": "an example, not a real service",
    "blocker_never_verified": "never verified",
    "blocker_old": "verified {date}, older than {days} days",
    "blocker_check": "{check}: {message}",
    "blocker_more_errors": "{count} more errors; run {command}",
    "blocker_coverage": "{share} of strings approved ({approved}/{strings}), needs {needed}",
    "blocker_short": "{coverage}; short: {documents}",
    "blocker_tree": "uncommitted change; commit it first",
}


def labels(snapshot: Snapshot, language: str = "en") -> Labels:
    """The dashboard's text in ``language``. A translation waiting for review is shown (the page
    is the translation team's, never part of a bundle) and the page says how many are approved."""
    return load_labels(snapshot, CATALOGUE, ENGLISH, language, unapproved=True)


def english() -> Labels:
    return Labels("en", ENGLISH, ENGLISH)


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
    reason: str = ""  # the note's key in the UI catalogue
    value: str = ""  # the file or the error the note names


@dataclass
class Dashboard:
    generated: str  # ISO time, UTC
    commit: str  # HEAD ("" outside git)
    rows: list[Row]
    trend: Trend
    releases: Releases
    problems: list[str] = field(default_factory=list)
    no_history: str = ""  # why there is no trend (the git error), shown among the problems


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
    no_history = ""
    try:
        commit = head_of(project.root) or ""
        trend = weekly(project, weeks, locales)
    except EqualcityError as exc:
        commit, trend = "", Trend()
        no_history = str(exc)
    return Dashboard(
        moment.strftime("%Y-%m-%d %H:%M UTC"),
        commit,
        rows,
        trend,
        release_blockers(snapshot, as_of or moment.date()) if releases else Releases(),
        list(trend.problems),
        no_history,
    )


def release_blockers(snapshot: Snapshot, today: dt.date) -> Releases:
    """What stops each edition of ``workflows/release.toml`` from an official release: the
    gates of ``equalcity release``, uncommitted inputs included."""
    from equalcity.release.bundle import commit_info  # the release machinery, only when asked

    project = snapshot.project
    if not snapshot.exists(RELEASE_CONFIG):
        return Releases(
            note=f"No editions configured ({RELEASE_CONFIG} does not exist).",
            reason="no_editions",
            value=RELEASE_CONFIG,
        )
    try:
        configured = snapshot.release().editions
    except EqualcityError as exc:
        return Releases(
            note=f"The editions cannot be read: {exc}",
            reason="editions_unreadable",
            value=str(exc),
        )
    if not configured:
        return Releases(
            note=f"No editions configured in {RELEASE_CONFIG}.",
            reason="no_editions_in",
            value=RELEASE_CONFIG,
        )
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
    places: str  # the places as the page says them: "12 files: a.po, b.po, …"
    lang: str = ""  # "en": the detail is the tool's own English message in another language


PLACES = {"tree": "places_files", "contact": "places_contacts"}


def cause(blocker: Blocker, text: Labels) -> tuple[str, str]:
    """The contact a blocker names ("" for none) and its cause in the page's language; a
    blocker without parts (from an older cache) keeps the release gate's English words."""
    values = {name: text.isolate(value) for name, value in blocker.values}
    contact = values.pop("contact", "") if blocker.gate == "contact" else ""
    if blocker.reason in text.text:
        said = text(blocker.reason, **values)
        if blocker.reason == "blocker_coverage" and values.get("documents"):
            said = text("blocker_short", coverage=said, documents=values["documents"])
        return contact, said
    if blocker.gate == "contact" and ": " in blocker.detail:
        contact, detail = blocker.detail.split(": ", 1)
        return contact, detail
    return "", blocker.detail


def group_blockers(found: Iterable[Blocker], text: Labels | None = None) -> list[BlockerGroup]:
    """One group per gate and cause, in first-seen order; a contact's id moves from the cause
    to the list of places, so five unverified contacts are one line.

    >>> [g.places for g in group_blockers([Blocker("tree", "a.po", "uncommitted"),
    ...                                    Blocker("tree", "b.po", "uncommitted")])]
    ['2 files: a.po, b.po']
    """
    text = text or english()
    groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    english_text = set()
    for blocker in found:
        contact, said = cause(blocker, text)
        groups.setdefault((blocker.gate, said), []).append((contact, blocker.where, said))
        # a check's finding is in English in every language, as 'equalcity check' prints it
        if text.language != "en" and blocker.reason in ("blocker_check", ""):
            english_text.add((blocker.gate, said))
    out = []
    for (gate, said), members in groups.items():
        lang = "en" if (gate, said) in english_text else ""
        if len(members) == 1:  # alone: as the release gate words it
            contact, where, _ = members[0]
            detail = text("blocker_contact", contact=contact, cause=said) if contact else said
            out.append(BlockerGroup(gate, detail, (where,), text.isolate(where), lang))
        else:
            listed = tuple(f"{c} ({w})" if c else w for c, w, _ in members)
            key = PLACES.get(gate, "places_other")
            places = text(key, len(listed), places=text.isolate(", ".join(listed)))
            out.append(BlockerGroup(gate, said, listed, places, lang))
    return out


def roster_sentences(rows: Iterable[Row], text: Labels) -> list[str]:
    """``Row.roster_notes`` in the page's language: one sentence per tier the roster cannot
    satisfy, with the strings it blocks."""
    out = []
    for row in rows:
        for gap in row.roster_gaps:
            needs = text("gap_approvals", gap.tier.approvals)
            listed = text("gap_reviewers", gap.reviewers)
            if gap.tier.subject_experts:
                needs = text("gap_experts", gap.tier.subject_experts, approvals=needs)
                listed = text("gap_listed_experts", gap.experts, reviewers=listed)
            out.append(
                text(
                    "roster_gap",
                    language=text.isolate(row.locale),
                    module=text.isolate(row.module),
                    strings=text("gap_strings", row.blocked.get(gap.tier.name, 0)),
                    tier=text.isolate(gap.tier.name),
                    needs=needs,
                    listed=listed,
                    file=text.isolate("workflows/panel.toml"),
                )
            )
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


def trend_chart(trend: Trend, language: str = "en") -> TrendChart:
    """Approved words per language at the end of each week, as lines on a shared scale; the
    weeks are dated in ``language`` ("02 Nov")."""
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
        Axis(n, x_of(n), day_month(p.week, language))
        for n, p in enumerate(points)
        if n % every == 0 or n == len(points) - 1
    )
    return TrendChart(series, y_ticks, x_ticks)


def day_month(day: dt.date, language: str) -> str:
    """A day and a month's abbreviated name, from CLDR (Babel).

    >>> day_month(dt.date(2026, 11, 2), "en"), day_month(dt.date(2026, 11, 2), "fr")
    ('02 Nov', '02 nov.')
    """
    from babel.dates import format_date

    from equalcity.po.locales import parse_name

    return str(format_date(day, "dd MMM", locale=parse_name(language).babel))


# -- the page --------------------------------------------------------------------------------


def render_html(
    dashboard: Dashboard,
    *,
    inline: bool = True,
    review_links: Mapping[tuple[str, str], str] | None = None,
    waiting: Mapping[tuple[str, str], int] | None = None,
    who: str = "",
    text: Labels | None = None,
    page: Texts | None = None,
) -> str:
    """The dashboard page. ``inline``: one self-contained file (CSS in the page); otherwise
    the stylesheet is linked from the review server. ``review_links`` and ``waiting`` add the
    server's review page per language × module and how many entries wait there; ``who`` names
    the reviewer the server runs for; ``text``: the dashboard's labels (``labels``), English if
    none; ``page``: the words around it (skip link, header; ``web.i18n``), the request's if
    none."""
    from equalcity.web.templating import render

    text = text or english()
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
        languages={locale: bars(rows) for locale, rows in by_locale.items()},
        totals=totals,
        chart=trend_chart(dashboard.trend, text.language),
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
        roster_notes=roster_sentences(dashboard.rows, text),
        group_blockers=lambda found: group_blockers(found, text),
        labels=text,
        d=html_label(text),
        dp=text,
        **({"t": page} if page is not None else {}),
        state_key=lambda state: "state_" + state.replace("-", "_"),
        code=lambda value: Markup("<code>{}</code>").format(value),
        strong=lambda value: Markup("<strong>{}</strong>").format(value),
        # the tool's own messages (git errors, file problems) are English in every page
        english=lambda value: (
            Markup('<span lang="en" dir="ltr">{}</span>').format(value)
            if text.language != "en"
            else value
        ),
    )


def html_label(text: Labels) -> Callable[..., Markup]:
    """``Labels.__call__`` for HTML: the label escaped, values escaped unless they are markup
    already (``<code>``); an English label in a page of another language says so (``lang``),
    so that a screen reader reads it in English."""

    def label(key: str, count: int | None = None, /, **values: object) -> Markup:
        if count is not None:
            values.setdefault("count", count)
        chosen = text.key(key, count)
        escaped = {name: escape(value) for name, value in values.items()}
        html = Markup(fill(str(escape(text.text[chosen])), escaped))
        if text.is_english(chosen):
            return Markup('<span lang="en" dir="ltr">{}</span>').format(html)
        return html

    return label
