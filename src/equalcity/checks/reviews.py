"""Review rules, read from the review index: why a ledger line does not count; and a roster
that can approve what it is asked to.

Every rule about a decision is decided once, in ``verdicts.judge`` over the index
``reviewindex`` builds; these checks only report its reasons at the ledger's lines, so
``check`` and ``status`` cannot disagree about a decision.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from equalcity.checks import LedgerContext, ledger_check, roster_check
from equalcity.errors import EqualcityError
from equalcity.fs import line_of
from equalcity.repository.project import Document
from equalcity.repository.snapshot import Snapshot
from equalcity.review.index import reasons_by_check
from equalcity.review.panel import PANEL, roster_gaps


@ledger_check(
    "review-malformed",
    "error",
    "A ledger line is not a complete JSON decision; ledger lines are appended by "
    "'equalcity review', never edited by hand.",
)
def malformed(context: LedgerContext) -> Iterator[tuple[int, str]]:
    for problem in Snapshot.of(context.root).reviews().ledger(context.locale).problems:
        yield problem.line or 1, problem.message


@ledger_check(
    "review-roster",
    "error",
    "The reviewer is not on the roster for this language and module (workflows/panel.toml).",
)
def roster(context: LedgerContext) -> Iterator[tuple[int, str]]:
    yield from reasons_by_check(
        Snapshot.of(context.root).reviews(), context.locale, "review-roster"
    )


@ledger_check(
    "review-signature",
    "error",
    "A decision counts only in a commit signed with the SSH key the roster (as it was before "
    "that commit) gives its reviewer, or by the panel service's key with a 'Reviewer:' "
    "trailer naming them; a git author e-mail proves nothing (docs/review.md).",
)
def signature(context: LedgerContext) -> Iterator[tuple[int, str]]:
    yield from reasons_by_check(
        Snapshot.of(context.root).reviews(), context.locale, "review-signature"
    )


@ledger_check(
    "review-self-approval",
    "error",
    "Four eyes: nobody may approve a translation they wrote (the last commit that changed "
    "its msgstr lines).",
)
def self_approval(context: LedgerContext) -> Iterator[tuple[int, str]]:
    yield from reasons_by_check(
        Snapshot.of(context.root).reviews(), context.locale, "review-self-approval"
    )


@ledger_check(
    "review-edited",
    "error",
    "The ledger is append-only: a commit removed or changed existing lines. Restore them; "
    "record a new decision instead.",
)
def edited(context: LedgerContext) -> Iterator[tuple[int, str]]:
    index = Snapshot.of(context.root).reviews()
    for sha, email in index.rewrites.get(context.locale, []):
        yield 1, f"commit {sha[:10]} by {email} removed or changed ledger lines"
    yield from reasons_by_check(index, context.locale, "review-edited")


@roster_check(
    "review-tier-unreachable",
    "warning",
    "The roster lists too few reviewers or subject experts for this language and module to "
    "give a risk tier the approvals it needs, so its strings can never be approved: add "
    "reviewers for the language and module to workflows/panel.toml.",
)
def tier_unreachable(context: LedgerContext) -> Iterator[tuple[int, str]]:
    snapshot = Snapshot.of(context.root)
    panel = snapshot.panel  # the roster in force, as status reads it
    text = snapshot.require_text(PANEL)
    modules: dict[str, list[Document]] = {}
    for doc in snapshot.po_documents(context.locale):
        modules.setdefault(doc.module, []).append(doc)
    for module, docs in sorted(modules.items()):
        gaps = roster_gaps(panel, context.locale, module)
        if not gaps:
            continue
        tiers: Counter[str] = Counter()
        for doc in docs:
            try:
                catalog = snapshot.catalog(context.locale, doc)
            except EqualcityError:
                continue  # po-syntax reports it
            tiers.update(
                snapshot.review(context.locale, doc, m).tier.name for m in catalog.active if m.msgid
            )
        for gap in gaps:
            count = tiers[gap.tier.name]
            if count:
                yield (
                    line_of(text, f"[tiers.{gap.tier.name}]") or 1,
                    f"{context.locale} {module}: tier {gap.tier.name} needs {gap.needs}; the "
                    f"roster lists {gap.listed}, so its {count} "
                    f"string{'' if count == 1 else 's'} here can never be approved",
                )


@roster_check(
    "review-trust",
    "error",
    "A roster change counts only in a commit signed by a maintainer key of the roster before "
    "it; the first roster that names a maintainer (or the commit EQUALCITY_TRUST_ROOT names) is "
    "the trust root (docs/review.md).",
)
def trust(context: LedgerContext) -> Iterator[tuple[int, str]]:
    if context.locale != min(Snapshot.of(context.root).locales(), default=context.locale):
        return  # the roster is checked once per language; its chain once in all
    index = Snapshot.of(context.root).reviews()
    for sha, why in index.roster_problems:
        yield 1, f"commit {sha[:10]} {why}; the change is ignored"
    if index.roster_note:
        yield 1, index.roster_note
