"""The text of the tool's own pages (a release's page furniture, the status dashboard) as UI
catalogues that go through the same PO files and review as the toolbox itself.

A catalogue is ``source/ui/<name>.md``: each label a paragraph after a ``<!-- ui: KEY -->``
marker. ``extract`` and ``update`` give every language ``locales/<lang>/ui/<name>.po``, the panel
reviews it like any document, and a page takes each label from it: approved (or, where the caller
allows it, translated and waiting for review), else the English text. A label may name values in
braces (``{count}``), filled in by the page; a translation that does not name the same values is
not used. Plurals without gettext's plural entries: ``KEY_one`` is the label for 1, ``KEY_zero``
for 0, ``KEY`` for every other number (translators whose language needs more forms phrase ``KEY``
to fit any number).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from equalcity.content.markdown import extract
from equalcity.po.catalog import Message
from equalcity.po.locales import is_rtl, parse_name
from equalcity.repository.project import Document

if TYPE_CHECKING:
    from equalcity.repository.snapshot import Snapshot

# The status dashboard's catalogue: the team's page, in no release bundle (and so in no gate).
DASHBOARD = Document("ui", "dashboard")
# The labels of the release's own pages: the one UI catalogue that is part of every bundle.
PAGE_FURNITURE = Document("ui", "page-furniture")


def in_bundles(doc: Document) -> bool:
    """Whether ``doc``'s text is in the release bundles (and so in their coverage gate): every
    document of the toolbox and the page furniture, not the catalogues of the team's own pages
    (the dashboard, the review page)."""
    return doc.module != PAGE_FURNITURE.module or doc == PAGE_FURNITURE


_KEY = re.compile(r"<!--\s*ui:\s*([a-z0-9_]+)\s*-->")
FIELD = re.compile(r"\{([a-z_]+)\}")


def parse_catalogue(text: str) -> dict[str, str]:
    """KEY → English label, from the catalogue's Markdown.

    >>> parse_catalogue("# UI\\n\\n<!-- ui: home -->\\nHome\\n")
    {'home': 'Home'}
    """
    keys: dict[int, str] = {}
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        match = _KEY.fullmatch(line.strip())
        if match:
            keys[number + 1] = match.group(1)  # the label is the next line's paragraph
    return {keys[s.line]: s.msgid for s in extract(text) if s.line in keys}


@dataclass(frozen=True)
class Labels:
    """One catalogue's labels in one language, and how many of them the panel approved."""

    language: str  # the folder's name ("en": the source)
    text: Mapping[str, str]  # KEY → the label shown
    english: Mapping[str, str]
    approved: int = 0
    total: int = 0

    @property
    def lang(self) -> str:
        """The BCP 47 tag for HTML ``lang``."""
        return parse_name(self.language).bcp47 if self.language != "en" else "en"

    @property
    def dir(self) -> str:
        return "rtl" if self.language != "en" and is_rtl(self.language) else "ltr"

    def isolate(self, value: str) -> str:
        """``value`` (paths, ids, lists of them) kept left to right inside a right-to-left
        sentence with Unicode's isolates, so "01-introduction/module 0/96" is not reordered.

        >>> Labels("ar", {}, {}).isolate("locales/fr/"), Labels("fr", {}, {}).isolate("a")
        ('\u2066locales/fr/\u2069', 'a')
        """
        return f"\u2066{value}\u2069" if self.dir == "rtl" and value else value

    def key(self, key: str, count: int | None = None) -> str:
        """The key whose label fits ``count``: ``KEY_zero``, ``KEY_one`` or ``KEY``."""
        for suffix, number in (("_zero", 0), ("_one", 1)):
            if count == number and key + suffix in self.text:
                return key + suffix
        return key

    def is_english(self, key: str) -> bool:
        """The label shown is the English one in a page of another language."""
        return self.language != "en" and self.text[key] == self.english[key]

    def __call__(self, key: str, count: int | None = None, /, **values: object) -> str:
        """The label of ``key`` (for ``count``) with its values filled in.

        >>> Labels("en", {"n": "{count} files", "n_one": "1 file"}, {})("n", 2)
        '2 files'
        """
        if count is not None:
            values.setdefault("count", count)
        return fill(self.text[self.key(key, count)], values)


def fill(label: str, values: Mapping[str, object]) -> str:
    """Each ``{name}`` replaced by its value; braces that name nothing given stay as written.

    >>> fill("{count} of {total} {x}", {"count": 2, "total": 3})
    '2 of 3 {x}'
    """
    return FIELD.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], label)


def fields(label: str) -> Counter[str]:
    """The values a label names, with how often."""
    return Counter(FIELD.findall(label))


def load_labels(
    snapshot: Snapshot,
    doc: Document,
    defaults: Mapping[str, str],
    language: str,
    *,
    unapproved: bool,
) -> Labels:
    """The labels of catalogue ``doc`` in ``language``: an approved translation (with
    ``unapproved``, any translation that is not fuzzy), otherwise English. ``defaults`` is what a
    repository without the catalogue gets, and the list of keys pages may use."""
    english = dict(defaults)
    if doc in snapshot.documents():
        english.update(parse_catalogue(snapshot.source(doc)))
    if language == "en":
        return Labels(language, english, english)
    catalog = snapshot.catalog_if_any(language, doc)
    if catalog is None:
        return Labels(language, english, english, total=len(english))
    entries: dict[str, Message] = {
        m.msgid: m for m in catalog.active if m.msgid and m.msgctxt is None
    }
    out, approved = {}, 0
    for key, msgid in english.items():
        message = entries.get(msgid)
        text = msgid
        if message is not None and message.translated and fields(message.msgstr) == fields(msgid):
            state = snapshot.review(language, doc, message).state
            if state == "approved":
                approved += 1
            if state == "approved" or unapproved:
                text = message.msgstr
        out[key] = text
    return Labels(language, out, english, approved, len(english))
