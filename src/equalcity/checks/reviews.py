"""Review rules: approvals that cannot be forged, four eyes, an append-only ledger, and a
roster that can approve what it is asked to."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..catalog import read_po
from ..errors import EqualcityError
from ..fs import decode_utf8, line_of
from ..gitrepo import edited_lines, line_authors, open_repo
from ..project import Document, Project
from ..review import (
    PANEL,
    Ledger,
    Panel,
    key_hash,
    load_panel,
    read_ledger,
    roster_gaps,
    text_hash,
)
from ..reviewflow import msgstr_lines
from . import LedgerContext, ledger_check, roster_check


def _loaded(root: Path, locale: str) -> tuple[Ledger, Panel]:
    # Read afresh for every check: the files change between runs in one process (tests, serve).
    return read_ledger(root, locale), load_panel(root)


@ledger_check(
    "review-malformed",
    "error",
    "A ledger line is not a complete JSON decision; ledger lines are appended by "
    "'equalcity review', never edited by hand.",
)
def malformed(context: LedgerContext) -> Iterator[tuple[int, str]]:
    ledger, _ = _loaded(context.root, context.locale)
    for problem in ledger.problems:
        yield problem.line or 1, problem.message


@ledger_check(
    "review-roster",
    "error",
    "The reviewer is not on the roster for this language and module (workflows/panel.toml).",
)
def roster(context: LedgerContext) -> Iterator[tuple[int, str]]:
    ledger, panel = _loaded(context.root, context.locale)
    for decision in ledger.decisions:
        reviewer = panel.by_id(decision.reviewer)
        module = decision.doc.split("/")[0]
        if reviewer is None:
            yield decision.line, f"{decision.reviewer} is not on the panel"
        elif not reviewer.covers(context.locale, module):
            yield decision.line, f"{decision.reviewer} does not review {context.locale}/{module}"


@ledger_check(
    "review-author",
    "error",
    "A ledger line must be committed by the reviewer it names (git author e-mail = roster "
    "e-mail): nobody can record a decision in someone else's name.",
)
def author(context: LedgerContext) -> Iterator[tuple[int, str]]:
    ledger, panel = _loaded(context.root, context.locale)
    repo = open_repo(context.root)
    authors = line_authors(repo, context.root / context.path)
    for decision in ledger.decisions:
        reviewer = panel.by_id(decision.reviewer)
        if reviewer is None or decision.line > len(authors):
            continue  # off the roster (review-roster says so) or not committed yet
        email = authors[decision.line - 1]
        if email is not None and email.casefold() != reviewer.email.casefold():
            yield decision.line, f"committed by {email}, not by {decision.reviewer}"


@ledger_check(
    "review-self-approval",
    "error",
    "Four eyes: nobody may approve a translation they wrote (the last commit that changed "
    "its msgstr lines).",
)
def self_approval(context: LedgerContext) -> Iterator[tuple[int, str]]:
    ledger, panel = _loaded(context.root, context.locale)
    repo = open_repo(context.root)
    project = Project(context.root)
    by_doc: dict[str, list[int]] = {}
    for index, decision in enumerate(ledger.decisions):
        if decision.decision == "approve":
            by_doc.setdefault(decision.doc, []).append(index)
    for doc_id, indexes in sorted(by_doc.items()):
        try:
            po = project.po_path(context.locale, Document.parse(doc_id))
            catalog = read_po(po, project.rel(po))
        except EqualcityError:
            continue  # a broken or missing file is reported by other checks
        authors = line_authors(repo, po)
        lines = po.read_text(encoding="utf-8").split("\n")
        entries = {key_hash(m.msgctxt, m.msgid): m for m in catalog.active}
        for index in indexes:
            decision = ledger.decisions[index]
            message = entries.get(decision.key)
            reviewer = panel.by_id(decision.reviewer)
            if message is None or reviewer is None or text_hash(message) != decision.text:
                continue
            writers = {
                (authors[n - 1] or "").casefold()
                for n in msgstr_lines(lines, message.msgstr_line)
                if 0 < n <= len(authors)
            }
            if reviewer.email.casefold() in writers:
                yield (
                    decision.line,
                    (
                        f"{decision.reviewer} approved a translation they wrote "
                        f"({doc_id}:{message.msgstr_line})"
                    ),
                )


@ledger_check(
    "review-edited",
    "error",
    "The ledger is append-only: a commit removed or changed existing lines. Restore them; "
    "record a new decision instead.",
)
def edited(context: LedgerContext) -> Iterator[tuple[int, str]]:
    repo = open_repo(context.root)
    for sha, email in edited_lines(repo, context.root / context.path):
        yield 1, f"commit {sha} by {email} removed or changed ledger lines"


@roster_check(
    "review-tier-unreachable",
    "warning",
    "The roster lists too few reviewers or subject experts for this language and module to "
    "give a risk tier the approvals it needs, so its strings can never be approved: add "
    "reviewers for the language and module to workflows/panel.toml.",
)
def tier_unreachable(context: LedgerContext) -> Iterator[tuple[int, str]]:
    panel = load_panel(context.root)
    text = decode_utf8((context.root / PANEL).read_bytes(), PANEL)
    project = Project(context.root)
    modules: dict[str, list[Document]] = {}
    for doc in project.po_documents(context.locale):
        modules.setdefault(doc.module, []).append(doc)
    for module, docs in sorted(modules.items()):
        gaps = roster_gaps(panel, context.locale, module)
        if not gaps:
            continue
        tiers: Counter[str] = Counter()
        for doc in docs:
            po = project.po_path(context.locale, doc)
            try:
                catalog = read_po(po, project.rel(po))
            except EqualcityError:
                continue  # po-syntax reports it
            tiers.update(panel.tier_of(m).name for m in catalog.active if m.msgid)
        for gap in gaps:
            count = tiers[gap.tier.name]
            if count:
                yield (
                    line_of(text, f"[tiers.{gap.tier.name}]") or 1,
                    f"{context.locale} {module}: tier {gap.tier.name} needs {gap.needs}; the "
                    f"roster lists {gap.listed}, so its {count} "
                    f"string{'' if count == 1 else 's'} here can never be approved",
                )
