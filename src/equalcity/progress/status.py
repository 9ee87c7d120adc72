"""Progress per language and module: strings and source words by state."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from equalcity.po.catalog import Message
from equalcity.repository.project import Document
from equalcity.repository.snapshot import Snapshot
from equalcity.review.panel import RosterGap, roster_gaps
from equalcity.review.state import STATES

__all__ = ["STATES", "Row", "compute", "empty_row", "tally", "words"]
_WORD = re.compile(r"\w+(?:['’-]\w+)*")


def words(text: str) -> int:
    """Words of a source string, markup and link targets excluded.

    >>> words("Call **[the helpline](https://example.org/a-b)** at any time.")
    6
    """
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return len(_WORD.findall(text))


def state(message: Message) -> str:
    if message.translated:
        return "translated"
    if message.fuzzy and message.has_translation:
        return "fuzzy"
    return "untranslated"


@dataclass
class Row:
    locale: str
    module: str
    strings: dict[str, int]
    words: dict[str, int]
    # Tiers the roster cannot satisfy here, and per tier how many of the strings counted as
    # "translated" (waiting for review) are of that tier: they can never be approved.
    roster_gaps: list[RosterGap] = field(default_factory=list)
    blocked: dict[str, int] = field(default_factory=dict)

    @property
    def blocked_strings(self) -> int:
        return sum(self.blocked.values())

    @property
    def total_strings(self) -> int:
        return sum(self.strings.values())

    @property
    def total_words(self) -> int:
        return sum(self.words.values())

    def share(self, name: str) -> float:
        """Share of words in state ``name`` (0–1)."""
        return self.words[name] / self.total_words if self.total_words else 0.0

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        del data["blocked"]  # per gap below
        data["roster_gaps"] = [
            {**gap.as_dict(), "blocked": self.blocked.get(gap.tier.name, 0)}
            for gap in self.roster_gaps
        ]
        return data

    def roster_notes(self) -> list[str]:
        """One sentence per tier the roster cannot satisfy, with the strings it blocks."""
        notes = []
        for gap in self.roster_gaps:
            count = self.blocked.get(gap.tier.name, 0)
            notes.append(
                f"{self.locale} {self.module}: {count} translated "
                f"string{'' if count == 1 else 's'} of tier {gap.tier.name} can never be "
                f"approved: the tier needs {gap.needs}; the roster lists {gap.listed} "
                "(workflows/panel.toml)"
            )
        return notes


def compute(snapshot: Snapshot, locales: list[str] | None = None) -> list[Row]:
    """One row per language × module, in order (review states from the snapshot's review
    index: a decision that does not count is tallied as "unverified", never as approved)."""
    rows: list[Row] = []
    for locale in locales or snapshot.locales():
        by_module: dict[str, Row] = {}
        for doc in snapshot.po_documents(locale):
            row = by_module.setdefault(doc.module, empty_row(locale, doc.module))
            tally(row, snapshot, locale, doc)
        rows.extend(by_module[module] for module in sorted(by_module))
    return rows


def empty_row(locale: str, module: str) -> Row:
    return Row(locale, module, dict.fromkeys(STATES, 0), dict.fromkeys(STATES, 0))


def tally(row: Row, snapshot: Snapshot, locale: str, doc: Document) -> None:
    """Add the entries of one document's catalog to ``row``, each counted in its state."""
    panel, ledger = snapshot.panel, snapshot.ledger(locale)
    judge = snapshot.reviewer(locale, doc)
    gaps = {gap.tier.name: gap for gap in roster_gaps(panel, row.locale, row.module)}
    present = {gap.tier.name for gap in row.roster_gaps}
    for message in snapshot.catalog(locale, doc, keep=False).active:
        if not message.msgid:
            continue
        name = state(message)
        review = None
        if name == "translated" or (name == "fuzzy" and ledger.decisions):
            review = judge(message)
            name = review.state
        if gaps and name != "approved":
            tier = (review or judge(message)).tier.name
            if tier in gaps:
                present.add(tier)
                if name == "translated":
                    row.blocked[tier] = row.blocked.get(tier, 0) + 1
        row.strings[name] += 1
        row.words[name] += words(message.msgid)
    # Only tiers that strings of this language and module fall in (and are not approved in).
    row.roster_gaps = [gap for tier, gap in gaps.items() if tier in present]
