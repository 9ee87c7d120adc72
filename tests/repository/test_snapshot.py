"""The read model: one Snapshot, one review state per entry, whoever asks.

Each scenario ends with the same question put to every reader — ``review list`` (what the
review page lists), ``status``, the dashboard, the release gate's coverage — and they must
agree entry by entry.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import git

from equalcity.progress.dashboard import collect
from equalcity.release.gate import coverage
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import MemoryFiles, Snapshot
from equalcity.review.ledger import Reason
from tests.repos import DOC, PANEL, RISKY, TESTIMONY, Repo, translated


def agree(root: Path) -> dict[str, Counter[str]]:
    """States per language as ``review list`` gives them, after checking that ``status``, the
    dashboard and the release gate count exactly the same."""
    from click.testing import CliRunner

    from equalcity.cli import main

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--root", str(root), *args])
        assert result.exit_code == 0, result.output
        return result.output

    status = json.loads(run("status", "--format", "json"))
    dashboard = collect(Project(root), releases=False).rows
    snapshot = Snapshot.of(root)
    out: dict[str, Counter[str]] = {}
    for locale in snapshot.locales():
        listed = json.loads(run("review", "list", "-l", locale, "--all-states", "--format", "json"))
        by_module: dict[str, Counter[str]] = {}
        for entry in listed:
            module = entry["doc"].split("/")[0]
            by_module.setdefault(module, Counter())[entry["state"]] += 1
        for rows in (
            [r for r in status if r["locale"] == locale],
            [r.as_dict() for r in dashboard if r.locale == locale],
        ):
            for row in rows:
                counted = {k: v for k, v in row["strings"].items() if v}
                listed_here = dict(by_module.get(str(row["module"]), Counter()))
                # review list leaves out nothing but the untranslated (state "untranslated")
                assert counted == listed_here, (locale, row["module"])
        approved = sum(c["approved"] for c in by_module.values())
        assert coverage(snapshot, locale).approved == approved
        out[locale] = sum(by_module.values(), Counter())
    return out


def approve(repo: Repo, reviewer: str, msgid: str) -> None:
    repo.as_(f"{reviewer}@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(msgid))


def test_deleting_the_risk_comment_in_the_po_file_does_not_lower_the_tier(
    tmp_path: Path,
) -> None:
    """A translator removes ``#. risk: high`` from the entry in the PO file: it still needs
    two approvals, one by a subject expert, because its tier follows the English source."""
    repo = translated(tmp_path / "toolbox")
    text = repo.po.read_text(encoding="utf-8")
    assert "#. risk: high; safety-critical, needs two approvals\n" in text
    repo.po.write_text(
        text.replace("#. risk: high; safety-critical, needs two approvals\n", ""),
        encoding="utf-8",
    )
    repo.commit_all("Tidy comments")
    approve(repo, "rev-fr-1", RISKY)
    assert repo.state(RISKY) == "translated"  # the PO entry's own comments would say normal
    snapshot = Snapshot.of(repo.root)
    doc = Document.parse(DOC)
    message = snapshot.catalog("fr", doc).index()[(None, RISKY)]
    review = snapshot.review("fr", doc, message)
    assert (review.state, review.tier.name, review.approvals) == (
        "translated",
        "high",
        ("rev-fr-1",),
    )
    listed = repo("review", "list", "--locale", "fr", "--all-states")
    assert "[high 1/2]" in listed
    states = agree(repo.root)
    assert states["fr"]["approved"] == 0


def test_a_tier_for_testimonies_matches_testimonies(tmp_path: Path) -> None:
    """``flags = ["testimony"]`` in a tier makes survivors' words need two approvals."""
    panel = PANEL.replace(
        "[tiers.normal]",
        '[tiers.voices]\nflags = ["testimony"]\napprovals = 2\n\n[tiers.normal]',
    )
    repo = translated(tmp_path / "toolbox", panel)
    approve(repo, "rev-fr-1", TESTIMONY)
    assert repo.state(TESTIMONY) == "translated"
    assert "[voices 1/2]" in repo("review", "list", "--locale", "fr", "--all-states")
    approve(repo, "rev-fr-2", TESTIMONY)
    assert repo.state(TESTIMONY) == "approved"
    assert agree(repo.root)["fr"]["approved"] == 1


def test_a_commit_snapshot_reads_the_files_of_that_commit(tmp_path: Path) -> None:
    repo = translated(tmp_path / "toolbox")
    first = str(repo.git.head.commit.hexsha)
    approve(repo, "rev-fr-1", TESTIMONY)
    with git.Repo(repo.root) as handle:
        then = Snapshot.at(Project(repo.root), handle, first)
        now = Snapshot.at(Project(repo.root), handle, str(handle.head.commit.hexsha))
        assert then.raw_ledger("fr").decisions == []
        [decision] = now.raw_ledger("fr").decisions
        assert now.ledger("fr").counts(decision)
        assert then.documents() == now.documents() == Snapshot.of(repo.root).documents()


def test_a_broken_file_is_one_located_error_for_every_reader(tmp_path: Path) -> None:
    repo = translated(tmp_path / "toolbox")
    repo.po.write_text(repo.po.read_text(encoding="utf-8") + 'msgid "x\n', encoding="utf-8")
    for args in (
        ("status",),
        ("review", "list", "-l", "fr"),
        ("status", "--format", "html", "-o", str(tmp_path / "d.html")),
    ):
        out = repo(*args, code=2)
        assert out.startswith("equalcity: locales/fr/01-test/module.po:"), out
        assert len(out.strip().splitlines()) == 1


# -- the pure core: a snapshot in memory, no disk, no git, no clock ---------------------------

SOURCE = """# Safety

<!-- equalcity: risk-high -->
Call {{contact:emergency}} if she is in danger now.

<!-- equalcity: testimony -->
I did not know anyone could help me.

Listen first.
"""


def memory_snapshot(approvals: dict[str, list[str]], counted: bool) -> Snapshot:
    """One French document, every entry translated; ``approvals``: msgid → reviewers whose
    approval is in the ledger, counted or not as ``counted`` says."""
    from equalcity.content.templates import build_template
    from equalcity.po.catalog import format_po
    from equalcity.review.index import ReviewIndex
    from equalcity.review.ledger import Decision, Ledger, Verdict, key_hash, text_hash
    from equalcity.review.panel import parse_panel

    catalog = build_template(SOURCE, "source/01-test/module.md")
    for message in catalog.active:
        message.msgstr = "FR " + message.msgid
    by_msgid = {m.msgid: m for m in catalog.active}
    decisions = [
        Decision(
            "01-test/module",
            None,
            key_hash(None, msgid),
            text_hash(by_msgid[msgid]),
            reviewer,
            "approve",
            "",
            "2026-12-01T10:00:00Z",
            by_msgid[msgid].msgstr,
            line=number,
        )
        for number, (msgid, reviewer) in enumerate(
            ((m, r) for m, rs in approvals.items() for r in rs), start=1
        )
    ]
    ledger = Ledger(decisions)
    ledger.verdicts = {
        d.line: Verdict(d.line, () if counted else (Reason("review-signature", "unsigned"),))
        for d in decisions
    }
    panel = parse_panel(PANEL)
    files = {
        "source/01-test/module.md": SOURCE,
        "workflows/panel.toml": PANEL,
        "locales/fr/01-test/module.po": format_po(catalog),
        "locales/fr/reviews.jsonl": "".join(d.as_json() + "\n" for d in decisions),
    }
    return Snapshot.in_memory(files, ReviewIndex(panel, {"fr": ledger}))


def states(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    doc = Document.parse("01-test/module")
    return {
        m.msgid: (snapshot.review("fr", doc, m).state, snapshot.review("fr", doc, m).tier.name)
        for m in snapshot.catalog("fr", doc).active
        if m.msgid
    }


def test_review_states_and_coverage_from_a_snapshot_in_memory() -> None:
    from equalcity.progress.status import compute
    from equalcity.release.gate import coverage

    snapshot = memory_snapshot(
        {RISKY: ["rev-fr-1", "rev-fr-2"], TESTIMONY: ["rev-fr-1"], "Safety": []}, counted=True
    )
    found = states(snapshot)
    assert found[RISKY] == ("approved", "high")
    assert found[TESTIMONY] == ("approved", "normal")
    assert found["Listen first."] == ("translated", "normal")
    assert coverage(snapshot, "fr").approved == 2
    [row] = compute(snapshot)
    assert row.strings["approved"] == 2 and row.strings["translated"] == 2


def test_decisions_that_do_not_count_are_unverified_in_memory_too() -> None:
    snapshot = memory_snapshot({RISKY: ["rev-fr-1", "rev-fr-2"]}, counted=False)
    assert states(snapshot)[RISKY] == ("unverified", "high")
    assert isinstance(snapshot.files, MemoryFiles)
    unproven = Snapshot.in_memory(dict(snapshot.files.data))
    assert states(unproven)[RISKY] == ("unverified", "high")
    assert "no commit proves" in unproven.reviews().roster_note
