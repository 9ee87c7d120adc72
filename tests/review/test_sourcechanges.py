"""An entry whose English changed after an approval: the review page shows the word diff of the
English since the approved version and who approved it (from git history: a real repository),
and says the history is missing in a shallow clone."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from equalcity.repository.snapshot import Snapshot
from equalcity.review.queue import items
from equalcity.review.sourcechanges import source_changes
from tests.browser import chromium, console_errors, screenshot
from tests.repos import Repo, fill
from tests.sites import DOC, LISTEN, SURVIVOR, build, po
from tests.web.test_web import app_for, client, open_page, serving

NEW = "A survivor decides what happens next, and when."
NEW_FR = "Une survivante décide de la suite, et du moment."


@pytest.fixture
def site(tmp_path: Path) -> Repo:
    """rev-1 approves an entry (signed: it counts), then the English of that entry changes,
    ``update`` marks it fuzzy and the translator revises it."""
    repo = build(tmp_path / "toolbox")
    repo.as_("rev-1@panel.example.org")
    repo("review", "approve", "-l", "fr", "--doc", DOC, "--entry", repo.entry_id(SURVIVOR))
    assert repo.state(SURVIVOR) == "approved"
    source = repo.root / "source/01-test/module.md"
    source.write_text(source.read_text("utf-8").replace(SURVIVOR, NEW), encoding="utf-8")
    repo.as_("maintainer@example.org")
    repo("extract")
    repo("update")
    repo.commit_all("The English says who decides when")
    return repo


def test_a_fuzzy_entry_links_to_its_approved_english_by_its_previous_msgid(site: Repo) -> None:
    found = items(Snapshot.of(site.root), "fr", "01-test")
    [entry] = [i for i in found if i.message.msgid == NEW]
    assert entry.message.fuzzy and entry.message.previous_msgid == SURVIVOR
    change = source_changes(Snapshot.of(site.root), "fr", found).of(entry)
    assert change is not None
    assert (change.reviewer, change.counts, change.source) == ("rev-1", True, SURVIVOR)
    assert change.diff == (
        ("equal", "A survivor decides what happens"),
        ("delete", "next."),
        ("insert", "next, and when."),
    )
    # Entries whose English did not change, or that were never approved, have nothing.
    others = [i for i in found if i.message.msgid != NEW]
    assert all(source_changes(Snapshot.of(site.root), "fr", found).of(i) is None for i in others)


def test_the_page_shows_the_english_diff_and_who_approved_it(site: Repo) -> None:
    # The translator revises the entry: no fuzzy flag, no #| line any more; the page still
    # finds the approved English (gettext's similarity, as update found it).
    site.as_("translator@example.org")
    fill(po(site, "fr"), {NEW: NEW_FR})
    site.commit_all("Translator follows the English")
    with serving(app_for(site, "rev-2")) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = console_errors(page)
        page.goto(f"{base}/review/fr/01-test?show=all")
        change = page.locator(f"#entry-{site.entry_id(NEW)} .source-change")
        heading = change.get_by_role("heading").inner_text()
        assert "rev-1" in heading and "English text changed" in heading
        assert change.locator("del").inner_text() == "next."
        assert change.locator("ins").inner_text() == "next, and when."
        assert change.locator(".diff").get_attribute("lang") == "en"
        change.get_by_text("English text that was approved").click()
        assert change.get_by_text(SURVIVOR, exact=True).is_visible()
        screenshot(page, "review-source-change")
        assert errors == []
    # Only that entry: the others' English never changed. "Changed since last approval" finds it.
    with client(site) as http:
        assert open_page(http).count('class="previous source-change"') == 1
        changed = open_page(http, "/review/fr/01-test?show=all&changed=1")
        assert f'id="entry-{site.entry_id(NEW)}"' in changed
        assert f'id="entry-{site.entry_id(LISTEN)}"' not in changed


def test_a_shallow_clone_says_the_history_is_missing(site: Repo, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git.Repo.clone_from(f"file://{site.root}", str(shallow), depth=1)
    clone = Repo(shallow)
    with client(clone) as http:
        page = open_page(http)
    assert "This copy of the repository has no history (a shallow clone)" in page
    assert "source-change" not in page


def test_review_show_prints_the_english_diff_and_who_approved_it(
    site: Repo, tmp_path: Path
) -> None:
    args = ("review", "show", "-l", "fr", "--doc", DOC)
    shown = site(*args, "--entry", site.entry_id(NEW))
    lines = shown.splitlines()
    at = lines.index("English changed since rev-1 approved it on " + _day(site) + ":")
    assert lines[at - 1] == f"  {NEW}" and lines[at - 2] == "source:"
    assert lines[at + 1] == "  A survivor decides what happens [-next.-] {+next, and when.+}"
    # An entry whose English never changed says nothing of the kind.
    assert "English changed" not in site(*args, "--entry", site.entry_id(LISTEN))
    # A shallow clone cannot tell, and says so instead of staying silent.
    shallow = tmp_path / "shallow"
    git.Repo.clone_from(f"file://{site.root}", str(shallow), depth=1)
    clone = Repo(shallow)
    shown = clone(*args, "--entry", clone.entry_id(NEW))
    assert "English changed since" not in shown
    assert "this clone has no history (git fetch --unshallow shows it)" in shown


def _day(repo: Repo) -> str:
    ledger = (repo.root / "locales/fr/reviews.jsonl").read_text("utf-8").splitlines()
    return str(json.loads(ledger[-1])["time"])[:10]
