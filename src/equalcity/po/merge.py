"""Merging a new template into a translation: msgmerge's semantics, with one guarantee.

For each template entry, in order of preference:

1. the same (msgctxt, msgid) in the PO file, active or obsolete: kept as it is (an obsolete
   entry is restored);
2. the same key, translated and not fuzzy, in another document of the same language (the
   *compendium*): copied as a translation;
3. the same msgid under another msgctxt, in this file or the compendium: copied, fuzzy;
4. the most similar translated msgid of this file, if similar enough (gettext's measure: twice the
   longest common subsequence over the total length, at least 0.6; ties broken as msgmerge
   breaks them): copied, fuzzy, with the old msgid kept as ``#|`` previous msgid;
5. otherwise untranslated.

The ``#|`` previous msgid is msgmerge's (``--previous``), byte for byte: a match from a translated
entry records that entry's msgid; a match from a fuzzy entry passes on the fuzzy entry's own
``#|`` — and nothing when it had none, because its translation never matched a msgid anyone can
name; an exact match whose ``msgid_plural`` changed becomes fuzzy; a result that is not fuzzy or
whose (first) msgstr is empty has no ``#|``.

Entries of the old file that no template entry used become obsolete (``#~``) if they carry a
translation, and are dropped otherwise. **Invariant: every non-empty msgstr of the old file is
in the new file** — kept, copied into a fuzzy entry, or obsolete.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from equalcity.po.catalog import Catalog, Key, Message

FUZZY_THRESHOLD = 60.0  # gettext's FUZZY_THRESHOLD (0.6), on rapidfuzz's 0–100 scale
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


@dataclass
class MergeStats:
    """What a merge did, entry by entry."""

    kept: int = 0
    restored: int = 0
    compendium: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsoleted: int = 0
    dropped: int = 0

    def add(self, other: MergeStats) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Compendium:
    """The translated, non-fuzzy entries of every document of one language."""

    by_key: dict[Key, Message] = field(default_factory=dict)
    by_msgid: dict[str, Message] = field(default_factory=dict)

    @classmethod
    def of(cls, catalogs: Iterable[Catalog]) -> Compendium:
        compendium = cls()
        for catalog in catalogs:
            for message in catalog.messages:
                if message.translated:
                    compendium.by_key.setdefault(message.key, message)
                    compendium.by_msgid.setdefault(message.msgid, message)
        return compendium


@dataclass
class FuzzyIndex:
    """Similar-msgid lookups, shared by every language of one document.

    Languages of a document mostly hold the same msgids, so the candidates of a query are scored
    once against the union of their msgids; each language then takes the best of them it has a
    translation for.
    """

    choices: Sequence[str]
    _cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    def candidates(self, query: str) -> list[tuple[str, float]]:
        """Msgids at least 60 % similar to ``query``, best first (ties: alphabetical, so the
        result does not depend on which languages share the index)."""
        found = self._cache.get(query)
        if found is None:
            matches = process.extract(
                query,
                self.choices,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_THRESHOLD,
                limit=None,
            )
            found = [
                (choice, score)
                for choice, score, _ in sorted(matches, key=lambda m: (-m[1], m[0]))
                if choice != query
            ]
            self._cache[query] = found
        return found


def merge(
    template: Catalog,
    old: Catalog,
    *,
    compendium: Compendium | None = None,
    fuzzy: FuzzyIndex | None = None,
    header: Message | None = None,
) -> tuple[Catalog, MergeStats]:
    """Merge ``template`` into ``old``; returns the new catalog and what happened."""
    compendium = compendium or Compendium()
    stats = MergeStats()
    by_key: dict[Key, Message] = {}
    for message in old.messages:
        # An active entry wins over an obsolete one with the same key.
        if message.key not in by_key or by_key[message.key].obsolete:
            by_key[message.key] = message
    by_msgid: dict[str, Message] = {}
    for message in old.messages:
        if message.has_translation:
            by_msgid.setdefault(message.msgid, message)
    if fuzzy is None:
        fuzzy = FuzzyIndex([m.msgid for m in old.messages if m.has_translation])

    forms = _plural_count(header or old.header)
    used: set[int] = set()
    merged: list[Message] = []
    for entry in template.messages:
        if entry.obsolete:
            continue
        result = _match(entry, by_key, by_msgid, compendium, fuzzy, used, stats, forms)
        merged.append(result)

    leftovers: list[Message] = []
    for message in old.messages:
        if id(message) in used:
            continue
        if message.has_translation:
            if not message.obsolete:
                stats.obsoleted += 1
            leftover = copy.copy(message)
            leftover.obsolete = True
            leftover.auto_comments = []
            leftover.locations = []
            leftovers.append(leftover)
        else:
            stats.dropped += 0 if message.obsolete else 1
    new_header = header or old.header or template.header
    return Catalog(header=copy.deepcopy(new_header), messages=merged + leftovers), stats


def _match(
    entry: Message,
    by_key: Mapping[Key, Message],
    by_msgid: Mapping[str, Message],
    compendium: Compendium,
    fuzzy: FuzzyIndex,
    used: set[int],
    stats: MergeStats,
    forms: int,
) -> Message:
    exact = by_key.get(entry.key)
    if exact is not None and (exact.has_translation or entry.key not in compendium.by_key):
        used.add(id(exact))
        if exact.obsolete:
            stats.restored += 1
        else:
            stats.kept += 1
        kept = _carry(entry, exact, keep_previous=True, forms=forms)
        if entry.msgid_plural != exact.msgid_plural:
            # The plural source changed under the same msgid: msgmerge asks for a look.
            kept.fuzzy = True
        return _settle_previous(kept)
    if exact is not None:
        used.add(id(exact))
    shared = compendium.by_key.get(entry.key)
    if shared is not None:
        stats.compendium += 1
        result = _carry(entry, shared, keep_previous=False, forms=forms)
        result.comments = list(exact.comments) if exact is not None else []
        return result
    same_text = by_msgid.get(entry.msgid)
    if same_text is not None:
        used.add(id(same_text))
    else:
        same_text = compendium.by_msgid.get(entry.msgid)
    if same_text is not None:
        stats.fuzzy += 1
        return _settle_previous(_fuzzy_from(entry, same_text, forms))
    source = _most_similar(entry.msgid, fuzzy.candidates(entry.msgid), by_msgid)
    if source is not None:
        used.add(id(source))
        stats.fuzzy += 1
        return _settle_previous(_fuzzy_from(entry, source, forms))
    stats.untranslated += 1
    return _fresh(entry)


def _most_similar(
    query: str, candidates: list[tuple[str, float]], by_msgid: Mapping[str, Message]
) -> Message | None:
    """The translated entry of this file most similar to ``query``, as msgmerge picks it.

    Among equally similar msgids msgmerge (its fuzzy index, ``msgl-fsearch.c``) takes the one
    sharing the most 4-grams of characters with ``query``, then the first in the file; strings
    under 4 characters are compared shortest first. Only ties need this (rare, but a corpus of
    288,000 entries has a few).
    """
    tied: list[str] = []
    best: float | None = None
    for candidate, score in candidates:
        if candidate not in by_msgid:
            continue
        if best is not None and score < best:
            break
        best = score
        tied.append(candidate)
    if not tied:
        return None
    if len(tied) > 1:
        order = {msgid: index for index, msgid in enumerate(by_msgid)}
        tied.sort(key=lambda msgid: (*_search_rank(query, msgid), order[msgid]))
    return by_msgid[tied[0]]


def _search_rank(query: str, msgid: str) -> tuple[int]:
    """The order msgmerge's fuzzy index tries ``msgid`` in before file order: most shared
    4-grams of characters first (counted over ``query``'s 4-grams, with repeats), or for a
    query under 4 characters, shortest first."""
    if len(query) < 4:
        return (len(msgid),)
    grams = {msgid[i : i + 4] for i in range(len(msgid) - 3)}
    return (-sum(query[i : i + 4] in grams for i in range(len(query) - 3)),)


def _fresh(entry: Message) -> Message:
    result = copy.deepcopy(entry)
    result.line = result.msgstr_line = 0
    return result


def _carry(entry: Message, old: Message, *, keep_previous: bool, forms: int = 1) -> Message:
    """The template entry with the translation, flags and translator comments of ``old``."""
    result = _fresh(entry)
    result.msgstr = old.msgstr
    result.msgstr_plural = list(old.msgstr_plural)
    if entry.msgid_plural is not None and old.msgid_plural is None:
        # As msgmerge: every plural form starts as the old singular, so the file keeps the
        # number of forms its Plural-Forms header asks for.
        result.msgstr_plural = [old.msgstr] * forms
    elif entry.msgid_plural is None and old.msgid_plural is not None:
        # As msgmerge: the singular keeps the first plural form (and is fuzzy, since its
        # msgid_plural changed); Markdown templates have no plurals, so this is for PO files
        # from elsewhere.
        result.msgstr = old.msgstr_plural[0] if old.msgstr_plural else ""
    result.flags = _merge_flags(entry.flags, old.flags)
    result.comments = list(old.comments)
    if keep_previous:
        (
            result.previous_msgctxt,
            result.previous_msgid,
            result.previous_msgid_plural,
        ) = previous_from(old)
    return result


def previous_from(source: Message) -> tuple[str | None, str | None, str | None]:
    """The ``#|`` (msgctxt, msgid, msgid_plural) msgmerge records for a match from ``source``.

    A translated entry's translation was made for its own msgid. A fuzzy entry's translation was
    made for its ``#|`` msgid, if it names one; a fuzzy entry without ``#|`` (marked by hand, or
    written by a tool run without ``--previous``) names none, so none is passed on.
    """
    if source.fuzzy:
        return source.previous_msgctxt, source.previous_msgid, source.previous_msgid_plural
    return source.msgctxt, source.msgid, source.msgid_plural


def _settle_previous(result: Message) -> Message:
    """Drop ``#|`` where msgmerge does: on entries that are not fuzzy or not translated."""
    strings = result.strings
    if not result.fuzzy or not strings or not strings[0]:
        result.previous_msgctxt = result.previous_msgid = result.previous_msgid_plural = None
    return result


def _fuzzy_from(entry: Message, source: Message, forms: int) -> Message:
    result = _carry(entry, source, keep_previous=True, forms=forms)
    result.flags = [f for f in result.flags if not f.startswith("equalcity-ignore")]
    result.fuzzy = True
    return result


# What a string is comes from the template, as msgmerge takes it from the reference: its format
# flags (``python-brace-format``, ``no-c-format``…), ``range:`` and wrapping.
_FROM_TEMPLATE = re.compile(r"^(?:(?:no-)?[a-z0-9+-]+-format|range:.*|(?:no-)?wrap)$")


def _merge_flags(template_flags: list[str], old_flags: list[str]) -> list[str]:
    """As msgmerge: what the string is from the template, what was said of its translation
    (``fuzzy``) from the old entry. A translation matched from a string with ``{fields}``
    keeps no ``python-brace-format`` the new English lacks.

    >>> _merge_flags([], ["fuzzy", "python-brace-format"])
    ['fuzzy']
    >>> _merge_flags(["python-brace-format"], ["fuzzy"])
    ['fuzzy', 'python-brace-format']
    """
    flags = [f for f in old_flags if not _FROM_TEMPLATE.match(f)]
    return flags + [f for f in template_flags if f not in flags]


def _plural_count(header: Message | None) -> int:
    """``nplurals`` of a header's Plural-Forms; without one, 2 (gettext's default, the
    Germanic rule)."""
    found = _NPLURALS.search(header.msgstr) if header is not None else None
    return max(int(found.group(1)), 1) if found else 2
