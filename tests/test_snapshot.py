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

from equalcity.catalog import read_po, write_po_files
from equalcity.dashboard import collect
from equalcity.editions import coverage
from equalcity.project import Document, Project
from equalcity.snapshot import Snapshot

from .test_review import DOC, PANEL, RISKY, TESTIMONY, Repo, start


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


def translated(tmp_path: Path, panel: str = PANEL) -> Repo:
    repo = start(tmp_path / "toolbox")
    if panel != PANEL:
        (repo.root / "workflows/panel.toml").write_text(repo.keyed(panel), encoding="utf-8")
    repo.commit_all("Start French")
    repo.as_("translator@example.org")
    catalog = read_po(repo.po)
    for message in catalog.active:
        message.msgstr = "FR " + message.msgid
    write_po_files([(repo.po, catalog, str(repo.po))])
    repo.commit_all("Translate")
    return repo


def approve(repo: Repo, reviewer: str, msgid: str) -> None:
    repo.as_(f"{reviewer}@panel.example.org")
    repo("review", "approve", "--locale", "fr", "--doc", DOC, "--entry", repo.entry_id(msgid))


def test_deleting_the_risk_comment_in_the_po_file_does_not_lower_the_tier(
    tmp_path: Path,
) -> None:
    """A translator removes ``#. risk: high`` from the entry in the PO file: it still needs
    two approvals, one by a subject expert, because its tier follows the English source."""
    repo = translated(tmp_path)
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
    repo = translated(tmp_path, panel)
    approve(repo, "rev-fr-1", TESTIMONY)
    assert repo.state(TESTIMONY) == "translated"
    assert "[voices 1/2]" in repo("review", "list", "--locale", "fr", "--all-states")
    approve(repo, "rev-fr-2", TESTIMONY)
    assert repo.state(TESTIMONY) == "approved"
    assert agree(repo.root)["fr"]["approved"] == 1


def test_a_commit_snapshot_reads_the_files_of_that_commit(tmp_path: Path) -> None:
    repo = translated(tmp_path)
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
    repo = translated(tmp_path)
    repo.po.write_text(repo.po.read_text(encoding="utf-8") + 'msgid "x\n', encoding="utf-8")
    for args in (
        ("status",),
        ("review", "list", "-l", "fr"),
        ("status", "--format", "html", "-o", str(tmp_path / "d.html")),
    ):
        out = repo(*args, code=2)
        assert out.startswith("equalcity: locales/fr/01-test/module.po:"), out
        assert len(out.strip().splitlines()) == 1
