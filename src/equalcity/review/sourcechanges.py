"""What changed in the English source of an entry since a translation of it was approved.

The ledger pins an approval to hashes of the source and the translation, not to their text: once
the English changes, the entry has a new key and its approvals stay behind under the old one
(the entry looks brand new). The old English is in git: the commit that added the approval's
ledger line (``reviewindex``) holds the language's PO file with the entry it approved. An entry
is linked to such an earlier approval as ``update`` linked it to its old translation: by the
``#|`` previous msgid while it is fuzzy, otherwise by gettext's similarity measure (at least
60 %, the most similar first) among the approved sources that no current entry of the document
has any more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from equalcity.errors import EqualcityError
from equalcity.po.catalog import Catalog
from equalcity.po.merge import FuzzyIndex
from equalcity.repository.gitrepo import is_shallow, open_repo
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import Decision, Ledger, key_hash
from equalcity.review.queue import Item, word_diff_ops

if TYPE_CHECKING:
    import git


@dataclass(frozen=True)
class SourceChange:
    """The English an earlier approval was given for, and the word diff from it to now."""

    reviewer: str
    time: str  # the day of the approval (YYYY-MM-DD)
    counts: bool  # whether that approval counted (signed as the roster requires)
    source: str  # the English that was approved
    diff: tuple[tuple[str, str], ...]  # word_diff_ops(source, current English)


@dataclass
class SourceChanges:
    """Earlier approved English for the entries of one language and module."""

    changes: dict[tuple[str, str], SourceChange] = field(default_factory=dict)  # (doc, key)
    unavailable: bool = False  # approvals of older English exist, but this clone has no history

    def of(self, item: Item) -> SourceChange | None:
        return self.changes.get((item.doc.id, key_hash(item.message.msgctxt, item.message.msgid)))


def source_changes(snapshot: Snapshot, locale: str, found: Iterable[Item]) -> SourceChanges:
    """For each of ``found`` (the entries of a module) without an approval of its own: the
    last approval of the English it had before, if the ledger has one (see the module)."""
    items = list(found)
    project = snapshot.project
    index = snapshot.reviews()
    ledger = index.ledger(locale)
    current: dict[str, set[str]] = {}
    for item in items:
        current.setdefault(item.doc.id, set()).add(
            key_hash(item.message.msgctxt, item.message.msgid)
        )
    left = [
        d
        for d in ledger.decisions
        if d.decision == "approve" and d.doc in current and d.key not in current[d.doc]
    ]
    if not left:
        return SourceChanges()
    with open_repo(project.root) as repo:
        if is_shallow(repo):
            return SourceChanges(unavailable=True)
        reader = _Reader(repo, project, locale, index.added.get(locale, []))
        earlier = _earlier_sources(left, ledger, reader)
    out = SourceChanges()
    by_doc: dict[str, dict[str, tuple[str, Decision, bool]]] = {}
    for (doc, msgctxt, msgid), (decision, counts) in earlier.items():
        by_doc.setdefault(doc, {})[_with_context(msgctxt, msgid)] = (msgid, decision, counts)
    fuzzy = {doc: FuzzyIndex(list(sources)) for doc, sources in by_doc.items()}
    for item in items:
        message = item.message
        if item.doc.id not in by_doc or any(d.decision == "approve" for d in item.review.history):
            continue
        sources = by_doc[item.doc.id]
        found_source = None
        if message.previous_msgid is not None:  # fuzzy after update: the #| line names it
            found_source = sources.get(
                _with_context(message.previous_msgctxt, message.previous_msgid)
            )
        if found_source is None:
            wanted = _with_context(message.msgctxt, message.msgid)
            best = fuzzy[item.doc.id].candidates(wanted)
            found_source = sources[best[0][0]] if best else None
        if found_source is None:
            continue
        old, decision, counts = found_source
        out.changes[item.doc.id, key_hash(message.msgctxt, message.msgid)] = SourceChange(
            decision.reviewer,
            decision.time[:10],
            counts,
            old,
            tuple(word_diff_ops(old, message.msgid)),
        )
    return out


def _with_context(msgctxt: str | None, msgid: str) -> str:
    # One msgctxt never links to another: a different context is another entry.
    return f"{msgctxt}\x04{msgid}" if msgctxt is not None else msgid


def _earlier_sources(
    decisions: list[Decision], ledger: Ledger, reader: _Reader
) -> dict[tuple[str, str | None, str], tuple[Decision, bool]]:
    """(doc, msgctxt, English) → its last approval, preferring approvals that count."""
    out: dict[tuple[str, str | None, str], tuple[Decision, bool]] = {}
    for decision in decisions:
        found = reader.entry(decision)
        if found is None:
            continue
        place = (decision.doc, *found)
        counts = ledger.counts(decision)
        previous = out.get(place)
        if previous is None or counts or not previous[1]:
            out[place] = (decision, counts)
    return out


class _Reader:
    """The language's PO files at the commits that added ledger lines: a snapshot of each
    commit, all sharing one parse cache (a file is parsed once per version)."""

    def __init__(
        self, repo: git.Repo, project: Project, locale: str, added: list[str | None]
    ) -> None:
        self.repo = repo
        self.project = project
        self.locale = locale
        self.added = added
        self.shared: dict[object, object] = {}

    def entry(self, decision: Decision) -> tuple[str | None, str] | None:
        """(msgctxt, msgid) of the entry ``decision`` approved, from the PO file of its commit."""
        line = decision.line - 1
        sha = self.added[line] if 0 <= line < len(self.added) else None
        if sha is None:
            return None
        catalog = self._catalog(sha, f"locales/{self.locale}/{decision.doc}.po")
        if catalog is None:
            return None
        for message in catalog.active:
            if message.msgid and key_hash(message.msgctxt, message.msgid) == decision.key:
                return message.msgctxt, message.msgid
        return None

    def _catalog(self, sha: str, rel: str) -> Catalog | None:
        snapshot = Snapshot.at(self.project, self.repo, sha, self.shared)
        try:
            return snapshot.catalog_at(rel) if snapshot.exists(rel) else None
        except EqualcityError:
            return None  # a file broken at that commit tells nothing about its entries
