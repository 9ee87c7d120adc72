"""Progress per language and module: strings and source words by state."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .catalog import Catalog, Message, read_po
from .project import Project
from .review import Ledger, Panel, load_panel, read_ledger, review_state

STATES = ("untranslated", "fuzzy", "translated", "changes-requested", "approved")
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
        return asdict(self)


def compute(project: Project, locales: list[str] | None = None) -> list[Row]:
    """One row per language × module, in order (review states from the ledger and roster)."""
    rows: list[Row] = []
    panel = load_panel(project.root)
    for locale in locales or project.locales():
        ledger = read_ledger(project.root, locale)
        by_module: dict[str, Row] = {}
        for doc in project.po_documents(locale):
            path = project.po_path(locale, doc)
            row = by_module.setdefault(doc.module, empty_row(locale, doc.module))
            tally(row, read_po(path, project.rel(path)), doc.id, ledger, panel)
        rows.extend(by_module[module] for module in sorted(by_module))
    return rows


def empty_row(locale: str, module: str) -> Row:
    return Row(locale, module, dict.fromkeys(STATES, 0), dict.fromkeys(STATES, 0))


def tally(row: Row, catalog: Catalog, doc: str, ledger: Ledger, panel: Panel) -> None:
    """Add the entries of one document's catalog to ``row``, each counted in its state."""
    for message in catalog.active:
        if not message.msgid:
            continue
        name = state(message)
        if name == "translated" or (name == "fuzzy" and ledger.decisions):
            name = review_state(message, doc, row.locale, ledger, panel).state
        row.strings[name] += 1
        row.words[name] += words(message.msgid)
