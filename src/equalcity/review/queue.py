"""What waits for a panel member, and one entry shown with its context (``equalcity review list``,
``review show``, the review page).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from equalcity.glossary.matching import hints
from equalcity.glossary.matching import matcher as glossary_matcher
from equalcity.po.catalog import Message
from equalcity.repository.project import Document
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import (
    Decision,
    key_hash,
    text_hash,
)
from equalcity.review.panel import Reviewer
from equalcity.review.state import EntryReview

if TYPE_CHECKING:
    from equalcity.review.sourcechanges import SourceChange

    pass  # only the type: git operations stay in gitrepo.py


@dataclass(frozen=True)
class Item:
    doc: Document
    message: Message
    review: EntryReview

    @property
    def id(self) -> str:
        return key_hash(self.message.msgctxt, self.message.msgid)[:8]

    @property
    def changed_since_approval(self) -> bool:
        current = text_hash(self.message)
        return any(d.decision == "approve" and d.text != current for d in self.review.history)

    def as_dict(self, locale: str) -> dict[str, object]:
        """The entry as ``review list --format json`` shows it (stable keys, for scripts)."""
        return {
            "locale": locale,
            "doc": self.doc.id,
            "line": self.message.line,
            "id": self.id,
            "state": self.review.state,
            "tier": self.review.tier.name,
            "approvals": list(self.review.approvals),
            "approvals_required": self.review.tier.approvals,
            "changes_requested": [d.comment for d in self.review.requests],
            "changed_since_approval": self.changed_since_approval,
            "msgctxt": self.message.msgctxt,
            "msgid": self.message.msgid,
            "msgstr": self.message.strings,
            "fuzzy": self.message.fuzzy,
        }


def items(snapshot: Snapshot, locale: str, module: str | None = None) -> list[Item]:
    """Every entry of the language (or one module) with its review state."""
    locale = snapshot.language(locale)
    out = []
    for doc in snapshot.po_documents(locale):
        if module and doc.module != module:
            continue
        judge = snapshot.reviewer(locale, doc)
        for message in snapshot.catalog(locale, doc).active:
            if message.msgid:
                out.append(Item(doc, message, judge(message)))
    return out


def pending(items_: Iterable[Item], reviewer: Reviewer | None) -> list[Item]:
    """Translated entries that still need approvals (with or without approvals that do not
    count), leaving out those this reviewer's counted approval covers."""
    out = []
    for item in items_:
        if item.review.state not in ("translated", "unverified"):
            continue
        if reviewer is not None and reviewer.id in item.review.approvals:
            continue
        out.append(item)
    return out


def word_diff_ops(old: str, new: str) -> list[tuple[str, str]]:
    """A word diff as ``(op, words)`` pairs, op one of ``equal``, ``delete``, ``insert``.

    >>> word_diff_ops("call the helpline now", "call the national helpline")
    [('equal', 'call the'), ('insert', 'national'), ('equal', 'helpline'), ('delete', 'now')]
    """
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", " ".join(b[j1:j2])))
    return out


def word_diff(old: str, new: str) -> str:
    """A word diff: [-removed-] {+added+}.

    >>> word_diff("call the helpline now", "call the national helpline")
    'call the {+national+} helpline [-now-]'
    """
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return " ".join(marks[op][0] + words + marks[op][1] for op, words in word_diff_ops(old, new))


def _english_change(change: SourceChange | None, current: str, history_missing: bool) -> list[str]:
    if change is not None:
        counted = "" if change.counts else "; that approval did not count"
        return [
            f"English changed since {change.reviewer} approved it on {change.time}{counted}:",
            f"  {word_diff(change.source, current)}",
        ]
    if history_missing:
        return [
            "English may have changed since an approval: this clone has no history "
            "(git fetch --unshallow shows it)"
        ]
    return []


def previous_approval(item: Item) -> Decision | None:
    """The last approval of another translation of the entry, if it recorded that text."""
    current = text_hash(item.message)
    earlier = [d for d in item.review.history if d.decision == "approve" and d.text != current]
    return earlier[-1] if earlier and earlier[-1].translation else None


def describe(
    snapshot: Snapshot,
    locale: str,
    item: Item,
    english: SourceChange | None = None,
    history_missing: bool = False,
) -> list[str]:
    """What ``review show`` prints for one entry; ``english`` is the approved English it had
    before (``sourcechanges``), ``history_missing`` says a shallow clone cannot tell."""
    message = item.message
    lines = [
        f"{item.doc.id} {item.id}  state: {item.review.state}  tier: {item.review.tier.name} "
        f"({len(item.review.approvals)}/{item.review.tier.approvals} approvals"
        + (
            f", {item.review.tier.subject_experts} subject expert"
            if item.review.tier.subject_experts
            else ""
        )
        + ")",
        *[f"  {c}" for c in message.auto_comments if not c.startswith("glossary: ")],
        "source:",
        f"  {message.msgid}",
        *_english_change(english, message.msgid, history_missing),
        "translation:",
        f"  {message.msgstr or '(none)'}",
    ]
    glossary = snapshot.glossary()
    if glossary.concepts:
        terms = hints(glossary, glossary_matcher(glossary, "en"), locale, message.msgid)
        if terms:
            lines.append("glossary:")
            lines += [f"  {t.removeprefix('glossary: ')}" for t in terms]
    previous = previous_approval(item)
    if previous is not None:
        lines += [
            f"previously approved ({previous.reviewer}, {previous.time[:10]}):",
            f"  {previous.translation}",
            "changes since:",
            f"  {word_diff(previous.translation, message.msgstr)}",
        ]
    comments = [d for d in item.review.history if d.comment]
    if comments:
        lines.append("comments:")
        lines += [f"  {d.time[:10]} {d.reviewer} ({d.decision}): {d.comment}" for d in comments]
    if item.review.approvals:
        lines.append("approved by: " + ", ".join(item.review.approvals))
    if item.review.unverified:
        verdicts = snapshot.ledger(locale).verdicts
        lines.append("does not count (see 'equalcity check'):")
        for decision in item.review.unverified:
            verdict = verdicts.get(decision.line)
            why = verdict.reasons[0].message if verdict and verdict.reasons else "not judged"
            lines.append(
                f"  {decision.reviewer} ({decision.decision}, ledger line {decision.line}): {why}"
            )
    return lines
