"""Expert-panel review in real git repositories with several identities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalcity.checks.runner import load_config, run
from equalcity.po.catalog import Message, read_po, write_po_files
from equalcity.repository.project import Project
from equalcity.review.ledger import Decision, Ledger, Verdict, key_hash, text_hash
from equalcity.review.panel import Panel, Reviewer, Tier, load_panel, roster_gaps
from equalcity.review.state import review_state
from tests.browser import chromium
from tests.conftest import assert_gettext_clean
from tests.repos import DOC, PANEL, RISKY, TESTIMONY, Repo, append_decision, translated


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return translated(tmp_path / "toolbox")


def test_a_reviewer_approves_and_the_commit_is_theirs(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    waiting = repo("review", "list", "--locale", "fr")
    assert repo.entry_id(TESTIMONY) in waiting and "waiting for review" in waiting
    out = repo(
        "review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY)
    )
    assert out.startswith("approve: 1 entry of 01-test/module, commit ")
    assert repo.git.head.commit.author.email == "rev-fr-1@panel.example.org"
    [line] = (repo.root / "locales/fr/reviews.jsonl").read_text().splitlines()
    assert json.loads(line)["reviewer"] == "rev-fr-1"
    assert repo.state(TESTIMONY) == "approved"
    assert repo.entry_id(TESTIMONY) not in repo("review", "list", "--locale", "fr")
    assert "locales/*/reviews.jsonl merge=union" in (repo.root / ".gitattributes").read_text()
    assert repo.findings() == []
    status = json.loads(repo("status", "--format", "json"))
    assert status[0]["strings"]["approved"] == 1


def test_high_risk_needs_two_approvals_one_by_a_subject_expert(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(RISKY))
    assert repo.state(RISKY) == "translated"
    assert "[high 1/2]" in repo("review", "list", "--locale", "fr", "--all-states")
    repo.as_("rev-fr-2@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(RISKY))
    assert repo.state(RISKY) == "approved"


def test_change_request_reaches_the_translator_and_approval_clears_it(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo(
        "review",
        "request-changes",
        "--locale",
        "fr",
        "--doc",
        DOC,
        "--entry",
        repo.entry_id(TESTIMONY),
        "--comment",
        "Keep the first person, simpler.",
    )
    entry = read_po(repo.po).index()[(None, TESTIMONY)]
    assert entry.fuzzy
    assert entry.comments[-1].startswith("review: Keep the first person, simpler. (rev-fr-1, ")
    assert repo.state(TESTIMONY) == "changes-requested"
    assert_gettext_clean(repo.root / "locales")

    repo.as_("translator@example.org")
    catalog = read_po(repo.po)
    fixed = catalog.index()[(None, TESTIMONY)]
    fixed.msgstr, fixed.fuzzy = "Je ne savais pas que quelqu'un pouvait m'aider.", False
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.commit_all("Fix the testimony")
    assert repo.state(TESTIMONY) == "translated"

    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    entry = read_po(repo.po).index()[(None, TESTIMONY)]
    assert not [c for c in entry.comments if c.startswith("review: ")]
    assert repo.state(TESTIMONY) == "approved"
    shown = repo(
        "review", "show", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY)
    )
    assert "rev-fr-1 (request-changes): Keep the first person, simpler." in shown


def test_off_roster_and_self_approval_are_refused(repo: Repo) -> None:
    repo.as_("someone@example.org")
    out = repo("review", "approve", "--locale", "fr", "--doc", DOC, "--all", code=2)
    assert "someone@example.org is not on the review panel" in out
    # rev-fr-1 edits a translation, then tries to approve it
    repo.as_("rev-fr-1@panel.example.org")
    catalog = read_po(repo.po)
    catalog.index()[(None, TESTIMONY)].msgstr = "Je ne connaissais personne pour m'aider."
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.commit_all("Edit as reviewer")
    out = repo(
        "review",
        "approve",
        "--locale",
        "fr",
        "--doc",
        DOC,
        "--entry",
        repo.entry_id(TESTIMONY),
        code=2,
    )
    assert "you last edited the translation" in out


def test_gate_catches_forged_self_approved_edited_and_malformed_lines(repo: Repo) -> None:
    repo.as_("translator@example.org")  # forges rev-fr-1's approval
    append_decision(repo, "rev-fr-1", TESTIMONY)
    repo.commit_all("Forged approval")
    sha = repo.git.head.commit.hexsha[:10]
    assert repo.findings() == [
        f"review-signature: commit {sha} is not signed; only a commit signed with rev-fr-1's "
        "key counts"
    ]
    assert repo.state(TESTIMONY) == "unverified"

    repo.as_("rev-fr-2@panel.example.org")  # writes a translation, then approves it by hand
    catalog = read_po(repo.po)
    catalog.index()[(None, RISKY)].msgstr = "Appelez {{contact:emergency}} si elle est en danger."
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.commit_all("Translate as rev-fr-2")
    append_decision(repo, "rev-fr-2", RISKY)
    repo.commit_all("Self-approval")
    assert any(
        f.startswith("review-self-approval: rev-fr-2 approved a translation they wrote")
        for f in repo.findings()
    )

    ledger = repo.root / "locales/fr/reviews.jsonl"
    ledger.write_text(ledger.read_text().replace('"rev-fr-1"', '"rev-fr-2"', 1))
    ledger.write_text(ledger.read_text() + "{not json\n")
    repo.commit_all("Edit the ledger in place")
    found = repo.findings()
    assert any(f.startswith("review-edited: commit ") for f in found)
    assert any(f.startswith("review-malformed: malformed ledger line") for f in found)
    assert "Traceback" not in "".join(found)


def test_parallel_ledgers_merge_without_conflict(repo: Repo) -> None:
    repo.as_("rev-fr-1@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(TESTIMONY))
    base = repo.git.active_branch.name
    repo.git.git.checkout("-b", "other")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(RISKY))
    repo.git.git.checkout(base)
    repo.as_("rev-fr-2@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(RISKY))
    repo.git.git.merge("other", "-m", "Merge parallel reviews")
    lines = (repo.root / "locales/fr/reviews.jsonl").read_text().splitlines()
    assert len(lines) == 3 and "<<<<<<<" not in "".join(lines)
    assert {json.loads(line)["reviewer"] for line in lines} == {"rev-fr-1", "rev-fr-2"}
    assert repo.state(RISKY) == "approved"


PANEL_OBJ = Panel(
    (Reviewer("a", "a@x.org", ("fr",), ("*",), "language"),),
    (Tier("normal", 1),),
)


@settings(max_examples=100, deadline=None)
@given(
    st.text(min_size=1, max_size=30),
    st.text(min_size=1, max_size=30),
    st.sampled_from(["msgid", "msgstr", "msgctxt"]),
    st.text(min_size=1, max_size=5),
)
def test_editing_an_approved_entry_unapproves_it_and_reverting_restores(
    msgid: str, msgstr: str, part: str, extra: str
) -> None:
    message = Message(msgid, msgstr)
    decision = Decision(
        DOC,
        None,
        key_hash(None, msgid),
        text_hash(message),
        "a",
        "approve",
        "",
        "2026-01-01T00:00:00Z",
    )
    ledger = Ledger([decision], verdicts={decision.line: Verdict(decision.line)})
    assert review_state(message, DOC, "fr", ledger, PANEL_OBJ).state == "approved"
    edited = Message(msgid, msgstr)
    if part == "msgid":
        edited.msgid += extra
    elif part == "msgstr":
        edited.msgstr += extra
    else:
        edited.msgctxt = extra
    assert review_state(edited, DOC, "fr", ledger, PANEL_OBJ).state == "translated"
    assert review_state(Message(msgid, msgstr), DOC, "fr", ledger, PANEL_OBJ).state == "approved"


def test_decision_by_someone_off_the_roster_fails_the_gate(repo: Repo) -> None:
    repo.as_("rev-fr-2@panel.example.org")
    append_decision(
        repo, "rev-fr-2", "Contacts"
    )  # rev-fr-2 reviews module 01-test only: this is fine
    append_decision(repo, "rev-xx-9", TESTIMONY)
    repo.commit_all("Decision by an unknown reviewer")
    assert "review-roster: rev-xx-9 is not on the panel" in repo.findings()


@pytest.mark.parametrize(
    ("panel", "message"),
    [
        (
            '[[reviewer]]\nid = "Jane Doe"\nemail = "j@x.org"\nlanguages = ["fr"]\n'
            'role = "language"\n',
            "needs an id of lower-case letters",
        ),
        (
            '[[reviewer]]\nid = "r1"\nemail = "r1@x.org"\nlanguages = ["fr"]\nrole = "boss"\n',
            "role must be one of language, subject-expert",
        ),
        ("[tiers.high]\napprovals = 0\n", "approvals must be a whole number"),
        ("[[reviewer]\n", "not valid TOML"),
    ],
    ids=["real-name", "role", "tier", "syntax"],
)
def test_a_bad_roster_is_one_located_error(repo: Repo, panel: str, message: str) -> None:
    (repo.root / "workflows/panel.toml").write_text(panel, encoding="utf-8")
    out = repo("review", "list", "--locale", "fr", code=2)
    assert out.startswith("equalcity: workflows/panel.toml:")
    assert message in out and len(out.strip().splitlines()) == 1


def test_a_tier_the_roster_cannot_satisfy_is_warned_about_and_shown_in_status(
    repo: Repo,
) -> None:
    """The subject expert covers another module: high-risk strings of 01-test can never reach
    their tier. check warns per language and module; status says how many strings it blocks."""
    roster = repo.root / "workflows/panel.toml"
    narrowed = repo.keyed(PANEL.replace('modules = ["01-test"]', 'modules = ["02-other"]'))
    roster.write_text(narrowed, "utf-8")
    repo.as_("maint-1@example.org").commit_all("rev-fr-2 moves to module 02")  # signed
    panel = load_panel(repo.root)
    high = sum(panel.tier_of(m).name == "high" for m in read_po(repo.po).active if m.msgid)
    assert high >= 2

    project = Project(repo.root)
    [finding] = [
        f
        for f in run(project, config=load_config(project), jobs=1)
        if f.check.endswith("tier-unreachable")
    ]
    tier_line = narrowed.split("\n").index("[tiers.high]") + 1
    assert (finding.path, finding.line, finding.severity, finding.locale) == (
        "workflows/panel.toml",
        tier_line,
        "warning",
        "fr",
    )
    assert finding.message == (
        "fr 01-test: tier high needs 2 approvals, 1 of them by a subject expert; the roster "
        f"lists 1 reviewer and no subject experts, so its {high} strings here can never be "
        "approved"
    )

    table = repo("status")
    translated = len([m for m in read_po(repo.po).active if m.msgid])
    assert f" {translated} ({high} blocked by roster) " in table.splitlines()[1]
    assert (
        f"fr 01-test: {high} translated strings of tier high can never be approved: the tier "
        "needs 2 approvals, 1 of them by a subject expert; the roster lists 1 reviewer and no "
        "subject experts (workflows/panel.toml)"
    ) in table
    [row] = json.loads(repo("status", "--format", "json"))
    assert row["roster_gaps"] == [
        {
            "tier": "high",
            "approvals": 2,
            "subject_experts": 1,
            "reviewers_listed": 1,
            "subject_experts_listed": 0,
            "blocked": high,
        }
    ]
    dashboard = repo.root.parent / "status.html"
    repo("status", "--format", "html", "--out", str(dashboard))
    note = f"fr 01-test: {high} translated strings of tier high can never be approved"
    with chromium() as browser:
        page = browser.new_page()
        page.goto(dashboard.as_uri())
        assert note in page.locator("section.roster").inner_text()
        page.locator("details.numbers").first.evaluate("details => details.open = true")
        blocked = page.locator('tr[data-locale="fr"] td[data-state="translated"] .blocked')
        assert blocked.is_visible() and blocked.inner_text() == f"{high} strings blocked by roster"

    # The expert covers the module again: nothing to say.
    roster.write_text(repo.keyed(PANEL), "utf-8")
    repo.as_("maint-1@example.org").commit_all("rev-fr-2 back on module 01")
    assert not [f for f in run(project, config=load_config(project), jobs=1) if "tier" in f.check]
    assert "blocked" not in repo("status")
    page = repo("status", "--format", "html")
    assert 'class="blocked"' not in page and 'class="roster"' not in page
    assert json.loads(repo("status", "--format", "json"))[0]["roster_gaps"] == []


def test_roster_gaps_count_reviewers_and_experts_of_the_language_and_module() -> None:
    def panel(*reviewers: Reviewer) -> Panel:
        return Panel(reviewers, (Tier("high", 2, 1), Tier("normal", 1)))

    lang = Reviewer("l", "l@x.org", ("pt",), ("*",), "language")
    expert = Reviewer("e", "e@x.org", ("de",), ("01-introduction",), "subject-expert")
    anyone = Reviewer("a", "a@x.org", ("*",), ("*",), "subject-expert")
    assert roster_gaps(Panel(), "pt", "01-introduction") == []  # no roster, no review workflow
    assert [g.tier.name for g in roster_gaps(panel(lang), "pt_BR", "m")] == ["high"]
    assert [g.tier.name for g in roster_gaps(panel(lang, expert), "pt", "m")] == ["high"]
    assert [
        (g.tier.name, g.reviewers, g.experts) for g in roster_gaps(panel(expert), "de", "m")
    ] == [
        ("high", 0, 0),
        ("normal", 0, 0),
    ]
    assert roster_gaps(panel(lang, anyone), "pt", "m") == []
    assert roster_gaps(panel(lang, expert), "pt", "m")[0].describe() == (
        "tier high needs 2 approvals, 1 of them by a subject expert; the roster lists 1 reviewer "
        "and no subject experts for pt in m"
    )
