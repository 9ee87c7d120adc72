"""The status dashboard: the weekly trend from git history, and the self-contained HTML page."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from equalcity.po.catalog import read_po, write_po_files
from equalcity.progress.dashboard import (
    BAR_WIDTH,
    collect,
    group_blockers,
    labels,
    nice_ceiling,
    percent,
    render_html,
    trend_chart,
)
from equalcity.progress.history import Point, Trend, weekly
from equalcity.progress.status import STATES, compute, words
from equalcity.release.gate import Blocker
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from tests.repos import RISKY, TESTIMONY, Repo, append_decision, start
from tests.sites import DOC as SITE_DOC
from tests.sites import SURVIVOR, build


def commit_at(repo: Repo, message: str, when: str) -> None:
    repo.git.git.add(A=True)
    repo.git.git.commit("-m", message, env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})


def approve(repo: Repo, reviewer: str, when: str, *msgids: str) -> None:
    """Ledger lines appended by hand and committed, signed, by the reviewer."""
    for msgid in msgids:
        append_decision(repo, reviewer, msgid)
    repo.as_(f"{reviewer}@panel.example.org")
    commit_at(repo, f"Review by {reviewer}", when)


@pytest.fixture
def dated(tmp_path: Path) -> Repo:
    """Four weeks of history: translated, two approvals, a quiet week, an edit that makes one
    approval stale plus a high-risk entry approved twice."""
    repo = start(tmp_path / "toolbox")
    commit_at(repo, "Start French", "2026-11-02T10:00:00+00:00")
    catalog = read_po(repo.po)
    for message in catalog.active:
        message.msgstr = "FR " + message.msgid
    write_po_files([(repo.po, catalog, str(repo.po))])
    commit_at(repo, "Translate", "2026-11-04T10:00:00+00:00")
    approve(repo, "rev-fr-1", "2026-11-10T10:00:00+00:00", TESTIMONY, "Contacts")
    repo.as_("translator@example.org")
    catalog = read_po(repo.po)
    catalog.index()[(None, TESTIMONY)].msgstr = "Je ne savais pas que l'on pouvait m'aider."
    write_po_files([(repo.po, catalog, str(repo.po))])
    commit_at(repo, "Edit", "2026-11-24T09:00:00+00:00")
    approve(repo, "rev-fr-1", "2026-11-24T10:00:00+00:00", RISKY)
    approve(repo, "rev-fr-2", "2026-11-24T11:00:00+00:00", RISKY)
    return repo


def test_weekly_trend_is_the_status_at_each_weeks_last_commit(dated: Repo, tmp_path: Path) -> None:
    trend = weekly(Project(dated.root), weeks=52)
    assert [p.week for p in trend.points] == [
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 23),
    ]
    assert trend.points[1].commit == trend.points[2].commit  # a quiet week repeats the last
    assert [p.approved("fr") for p in trend.points] == [
        0,
        words(TESTIMONY) + words("Contacts"),
        words(TESTIMONY) + words("Contacts"),
        words("Contacts") + words(RISKY),  # the edit made the testimony's approval stale
    ]
    # Each point is exactly what 'status' says in a checkout of that commit.
    for n, point in enumerate(trend.points):
        checkout = tmp_path / f"week-{n}"
        dated.git.git.worktree("add", "--detach", str(checkout), point.commit)
        [row] = compute(Snapshot.of(checkout))
        assert point.words["fr"] == row.words
    assert [p.week for p in weekly(Project(dated.root), weeks=2).points] == [
        dt.date(2026, 11, 16),
        dt.date(2026, 11, 23),
    ]
    assert trend.problems == []


def test_an_unreadable_file_in_history_is_named_not_fatal(dated: Repo) -> None:
    dated.po.write_text(dated.po.read_text(encoding="utf-8") + 'msgid "broken\n', encoding="utf-8")
    commit_at(dated, "Break the file", "2026-11-25T10:00:00+00:00")
    trend = weekly(Project(dated.root), weeks=1)
    [point] = trend.points
    assert point.words == {"fr": dict.fromkeys(STATES, 0)}
    [problem] = trend.problems
    assert problem.startswith("locales/fr/01-test/module.po:")
    assert f"(at commit {point.commit[:10]})" in problem


def test_trend_chart_scales_and_keeps_labels_apart() -> None:
    monday = dt.date(2026, 11, 2)
    points = [
        Point(
            monday + dt.timedelta(weeks=n), f"c{n}", {"ar": {"approved": 0}, "fr": {"approved": a}}
        )
        for n, a in enumerate([0, 30, 70])
    ]
    chart = trend_chart(Trend(points))
    fr = next(s for s in chart.series if s.locale == "fr")
    ar = next(s for s in chart.series if s.locale == "ar")
    assert {y for _, y, _ in ar.points} == {fr.points[0][1]}  # no words: on the baseline
    assert [v for _, _, v in fr.points] == [0, 30, 70]
    assert [t.value for t in chart.y_ticks] == [0, 20, 40, 60, 80, 100]
    assert fr.points[0][0] < fr.points[1][0] < fr.points[2][0]
    assert fr.points[2][1] < fr.points[1][1] < fr.points[0][1]  # more words: higher up
    labels = sorted(s.label_y for s in chart.series if s.label)
    assert all(b - a >= 15 for a, b in itertools.pairwise(labels))
    # three languages at 0 are one label naming all three, not three names on top of each other
    # (and their lines differ by dash pattern, not by colour alone)
    three = trend_chart(
        Trend([Point(monday, "c", {"ar": {}, "de": {}, "fr": {}, "pt": {"approved": 50}})])
    )
    assert sorted(s.label for s in three.series if s.label) == ["ar, de, fr", "pt"]
    assert len({s.dash for s in three.series}) == 4
    labels = sorted(s.label_y for s in three.series if s.label)
    assert all(b - a >= 15 for a, b in itertools.pairwise(labels))
    assert nice_ceiling(101) == 200


def test_shares_are_rounded_down_and_blockers_grouped() -> None:
    assert [percent(v) for v in (0.996, 0.9999, 1.0, 0.0, 0.5)] == [
        "99%",
        "99%",
        "100%",
        "0%",
        "50%",
    ]
    twelve = [Blocker("tree", f"locales/fr/m/{n}.po", "uncommitted change") for n in range(12)]
    contacts = [Blocker("contact", f"c.toml:{n}", f"id{n}: never verified") for n in range(3)]
    alone = Blocker("coverage", "locales/fr/", "99.6% approved")
    groups = group_blockers([*twelve, *contacts, alone])
    assert [(g.gate, g.detail) for g in groups] == [
        ("tree", "uncommitted change"),
        ("contact", "never verified"),
        ("coverage", "99.6% approved"),
    ]
    assert groups[0].places.startswith("12 files: locales/fr/m/0.po, locales/fr/m/1.po")
    assert groups[1].places == "3 contacts: id0 (c.toml:0), id1 (c.toml:1), id2 (c.toml:2)"
    assert groups[2].places == "locales/fr/"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the stack of enclosing tags."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str], list[dict[str, str]]]] = []
        self.stack: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.found.append((tag, values, [a for _, a in self.stack]))
        if tag not in ("meta", "link", "input", "br", "img", "hr"):
            self.stack.append((tag, values))

    def handle_endtag(self, tag: str) -> None:
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


def test_status_html_is_self_contained_and_its_numbers_are_the_status(tmp_path: Path) -> None:
    repo = build(tmp_path / "toolbox")
    repo.as_("rev-1@panel.example.org")
    repo("review", "approve", "-l", "fr", "--doc", SITE_DOC, "--entry", repo.entry_id(SURVIVOR))
    out = tmp_path / "out/status.html"
    assert repo("status", "--format", "html", "--out", str(out)) == f"wrote {out}\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert "://" not in page  # no CDN, no external stylesheet, font, image or script
    # the figure after each bar is the approved share, and says so
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', page)
    assert values and all(re.fullmatch(r"\d+% approved", v) for v in values), values
    html = parse(page)
    tags = {tag for tag, _, _ in html.found}
    assert "svg" in tags and "script" not in tags and "style" in tags
    assert not [a for t, a, _ in html.found if t == "link" and a.get("rel") != "icon"]
    assert not [a for _, a, _ in html.found if a.get("src") or a.get("style")]

    rows = compute(Snapshot.of(repo.root))
    assert [(r.locale, r.module) for r in rows] == [("ar", "01-test"), ("fr", "01-test")]
    for row in rows:
        segments = [
            a
            for t, a, outer in html.found
            if t == "rect"
            and "data-state" in a
            and any(o.get("data-locale") == row.locale for o in outer)
            and any(o.get("data-module") == row.module for o in outer)
        ]
        assert {s["data-state"]: int(s["data-words"]) for s in segments} == {
            state: n for state, n in row.words.items() if n
        }
        assert sum(float(s["width"]) for s in segments) == pytest.approx(BAR_WIDTH, abs=0.05)
        [table_row] = re.findall(
            f'<tr data-locale="{row.locale}" data-module="{row.module}">(.*?)</tr>', page, re.S
        )
        cells = re.findall(
            r'data-state="([^"]+)">([\d\u202f]+) <span class="strings">\((\d+)\)', table_row
        )
        assert {state: (int(n.replace("\u202f", "")), int(k)) for state, n, k in cells} == {
            state: (row.words[state], row.strings[state]) for state in STATES
        }
    assert words(SURVIVOR) == 6
    [fr_point] = [
        a
        for t, a, outer in html.found
        if t == "circle" and any(o.get("data-locale") == "fr" for o in outer)
    ]
    assert int(fr_point["data-words"]) == 6
    assert "No editions configured (workflows/release.toml does not exist)." in page
    # The same page on standard output; table and JSON unchanged.
    assert repo("status", "--format", "html").startswith("<!doctype html>")
    assert json.loads(repo("status", "--format", "json"))[1]["words"]["approved"] == 6
    plain = tmp_path / "plain.txt"
    plain.write_text("a file as any program writes it", encoding="utf-8")
    assert out.stat().st_mode == plain.stat().st_mode  # not mkstemp's private 0600


RELEASE = """
[release]
title = "Test toolbox"
version = "0.1.0"

[edition.fr-LU]
language = "fr"
country = "LU"

[edition.ar]
language = "ar"
preview = true
"""


def test_the_dashboard_says_what_blocks_each_edition(tmp_path: Path) -> None:
    repo = build(tmp_path / "toolbox")
    project = Project(repo.root)
    assert collect(project).releases.note == (
        "No editions configured (workflows/release.toml does not exist)."
    )
    (repo.root / "workflows/release.toml").write_text(RELEASE, encoding="utf-8")
    repo.commit_all("Editions")
    fr_po = repo.root / "locales/fr/01-test/module.po"
    fr_po.write_text(fr_po.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # uncommitted

    releases = collect(project).releases
    assert [(e.id, e.preview) for e in releases.editions] == [("fr-LU", False), ("ar", True)]
    fr = releases.editions[0]
    assert {b.gate for b in fr.blockers} >= {"coverage", "contact", "tree"}
    assert ("tree", "locales/fr/01-test/module.po") in {(b.gate, b.where) for b in fr.blockers}
    assert any(
        b.gate == "contact" and b.detail == "emergency: not defined in any contacts file"
        for b in fr.blockers
    )
    page = render_html(collect(project))
    assert '<li class="edition" id="edition-fr-LU">' in page
    assert "emergency: not defined in any contacts file" in page

    (repo.root / "workflows/release.toml").write_text("[edition.fr\n", encoding="utf-8")
    assert collect(project).releases.note.startswith(
        "The editions cannot be read: workflows/release.toml:1: "
    )


ROOT = Path(__file__).resolve().parents[2]
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class Text(HTMLParser):
    """The text a reader meets (text nodes, and the attributes a screen reader says), except
    code and what the page marks as English (the tool's own messages)."""

    SAID = ("aria-label", "title", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        skip = tag in ("code", "style", "script") or values.get("lang") == "en"
        if tag not in ("meta", "link", "input", "br", "img", "hr"):
            self.stack.append((tag, skip))
        if not (skip or self.skipping()):
            self.parts += [values[name] for name in self.SAID if name in values]

    def handle_endtag(self, tag: str) -> None:
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.skipping():
            self.parts.append(data)


def test_the_dashboard_speaks_arabic_from_its_ui_catalogue(tmp_path: Path) -> None:
    """``status --format html --ui-locale ar`` with the repository's own catalogues and Arabic
    translations: right to left, and no English left but names and ids."""
    repo = build(tmp_path / "toolbox")
    for name in (
        "source/ui/dashboard.md",
        "locales/ar/ui/dashboard.po",
        "source/ui/review-page.md",  # the words around it: skip link, header
        "locales/ar/ui/review-page.po",
    ):
        (repo.root / name).parent.mkdir(parents=True, exist_ok=True)
        (repo.root / name).write_bytes((ROOT / name).read_bytes())
    repo("extract")
    (repo.root / "workflows/release.toml").write_text(RELEASE, encoding="utf-8")
    repo.commit_all("Dashboard catalogue, editions")
    fr_po = repo.root / "locales/fr/01-test/module.po"
    fr_po.write_text(fr_po.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # uncommitted
    page_file = tmp_path / "ar.html"
    repo("status", "--format", "html", "--ui-locale", "ar", "--out", str(page_file))
    page = page_file.read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    text = Text()
    text.feed(page)
    said = " ".join(text.parts)
    assert "حالة الترجمة" in said and "ما يعيق نشر كل طبعة" in said
    # Names and ids: languages, modules, documents, editions, files, contacts, tiers, the
    # tool's name and the time zone of the generation time.
    ids = {
        "equalcity", "UTC", "ar", "fr", "LU", "test", "module", "locales", "toml", "po",
        "workflows", "panel", "emergency", "high", "ui", "dashboard", "review", "page",
    }  # fmt: skip
    english = sorted(set(LATIN_WORD.findall(said)) - ids)
    assert english == [], english
    # Everything the page has to say was said (the sections a blocker, a roster gap and the
    # trend bring), each time in Arabic.
    arabic = labels(Snapshot.of(ROOT), "ar")
    for key in ("roster", "releases", "trend", "progress", "details", "blocker_tree"):
        assert arabic.text[key] in said and arabic.text[key] != arabic.english[key], key
    # The same page in English is the English page of before.
    english_page = render_html(collect(Project(repo.root)))
    assert '<html lang="en" dir="ltr">' in english_page
    assert "What blocks each edition&#39;s release" in english_page


def test_a_label_that_loses_a_value_stays_english_and_the_dashboard_gates_no_release(
    tmp_path: Path,
) -> None:
    from equalcity.release.gate import coverage
    from tests.sites import fill

    repo = build(tmp_path / "toolbox")
    catalogue = repo.root / "source/ui/dashboard.md"
    catalogue.parent.mkdir()
    catalogue.write_text(
        "# Dashboard\n\n<!-- ui: title -->\nTranslation status\n\n"
        "<!-- ui: bar_value -->\n{share} approved\n",
        encoding="utf-8",
    )
    repo("extract")
    repo("update")
    # "{shar}": a typo the page would print as it is, or in place of nothing
    fill(
        repo.root / "locales/ar/ui/dashboard.po",
        {"Translation status": "حالة الترجمة", "{share} approved": "المعتمَد {shar}"},
    )
    repo.commit_all("Dashboard in Arabic")
    # The label is a Python brace format for gettext too: msgfmt --check names the lost value.
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(repo.root / "locales/ar/ui/dashboard.po")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode != 0 and "shar" in checked.stderr, checked.stderr
    text = labels(Snapshot.of(repo.root), "ar")
    assert text("title") == "حالة الترجمة" and not text.is_english("title")
    assert text("bar_value", share="0%") == "0% approved" and text.is_english("bar_value")
    assert (text.approved, text.total) == (0, len(text.english))
    page = render_html(collect(Project(repo.root), releases=False), text=text)
    # a label this small catalogue lacks is English, and says so to a screen reader
    assert '<span lang="en" dir="ltr">Progress by language and module</span>' in page
    assert ">0% approved</text>" in page
    # The team's page is in no bundle: its strings count for no edition's coverage.
    assert set(coverage(Snapshot.of(repo.root), "ar").per_document) == {SITE_DOC}
