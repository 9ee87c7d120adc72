"""Finding the termbase's terms in text, per language (stemmed), and the hints translators see."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

from equalcity.glossary.termbase import STATUSES, Concept, Glossary, terms_in
from equalcity.po.locales import language_of

STEMMERS = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "lt": "lithuanian",
    "nl": "dutch",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "tr": "turkish",
}
# Words, with the combining marks (Arabic harakat, Latin accents) that \w leaves out.
_WORD = re.compile(r"[\w\u0300-\u036f\u0640\u064b-\u065f\u0670]+", re.UNICODE)
_MARKS = re.compile(r"[\u0300-\u036f\u0640\u064b-\u065f\u0670]")
# Placeholders, link targets and code are not prose: blanked (same length) before matching.
_NOT_PROSE = re.compile(r"\{\{[^}]*\}\}|\]\([^)]*\)|`[^`]*`")


@lru_cache(maxsize=64)
def _stemmer(language: str) -> snowballstemmer.Stemmer | None:
    name = STEMMERS.get(language_of(language))
    return snowballstemmer.stemmer(name) if name else None


# Arabic writes "and"/"so" (و, ف) joined to the next word; Snowball's Arabic stemmer removes
# the article and prepositions (ال، بال، كال، لل) but leaves "وال…", so "and the survivor" would
# not match "the survivor". One conjunction before an article-like prefix is dropped first.
_AR_CONJUNCTION = re.compile(r"^[وف](?=(?:ال|لل|بال|كال)..)")


@lru_cache(maxsize=262144)
def _stem(language: str, word: str) -> str:
    stemmer = _stemmer(language)
    word = _MARKS.sub("", word).casefold()
    if language[:2] == "ar":
        word = _AR_CONJUNCTION.sub("", word)
    return stemmer.stemWord(word) if stemmer else word


# Stemmers that only strip suffixes (and fold accents): a stem begins with its word's letter.
SUFFIX_STEMMERS = frozenset({"en", "fr", "de", "pt", "es", "it", "nl"})


# How many letters of a word its stem keeps at the front, case and accents folded. The Snowball
# stemmers of these languages only strip or rewrite endings (inside regions that start after
# the second letter), so two letters hold; English keeps one ("dying" → "die").
_PREFIX_LENGTH = {"fr": 2, "de": 2, "pt": 2, "es": 2, "it": 2, "nl": 2, "en": 1}


def _folded_prefix(word: str, size: int) -> str:
    """The first ``size`` letters of ``word``, case-folded, without accents, and with the
    German stemmer's ae/oe/ue → a/o/u at the start.

    >>> _folded_prefix("Ältere", 2), _folded_prefix("Straße", 2), _folded_prefix("É", 2)
    ('al', 'st', 'e')
    >>> _folded_prefix("Oeffentlichkeit", 2), _folded_prefix("Quelle", 2)
    ('of', 'qu')
    """
    head = word[: size + 3].casefold()
    if not head.isascii():
        head = head.translate(_UNACCENT)
    if len(head) > 1 and head[1] == "e" and head[0] in "aou":
        head = head[0] + head[2:]
    return head[:size]


# Latin letters with accents → without (what NFKD and dropping combining marks give), and
# combining marks → nothing: one C-level str.translate instead of normalising each word.
_UNACCENT: dict[int, str | None] = {
    code: "".join(
        ch for ch in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(ch)
    )
    for code in range(0xC0, 0x250)
    if unicodedata.normalize("NFKD", chr(code)) != chr(code)
}
_UNACCENT.update({code: None for code in range(0x300, 0x370)})


def _exact(word: str) -> str:
    """A word as written, marks removed and case folded (for single-word forbidden terms)."""
    return _MARKS.sub("", word).casefold()


@lru_cache(maxsize=262144)
def _exact_word(word: str) -> str:
    return _exact(word)


def prose(text: str) -> str:
    """``text`` with placeholders, link targets and code spans blanked (offsets kept)."""
    if "{{" not in text and "](" not in text and "`" not in text:
        return text
    return _NOT_PROSE.sub(lambda m: " " * len(m.group()), text)


def tokens(language: str, text: str) -> list[tuple[str, int, int]]:
    """``(stem, start, end)`` of every word of ``text``."""
    return [(_stem(language, m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


@dataclass(frozen=True)
class Match:
    concept: Concept
    status: str  # preferred | admitted | forbidden | variants
    term: str
    start: int
    end: int


_WantedTerms = tuple[dict[str, list[tuple[tuple[str, ...], str]]], frozenset[str]]


@dataclass
class Matcher:
    """Finds the glossary's terms of one language in texts: word boundaries, any case, any
    inflection the language's Snowball stemmer knows, plus listed variants."""

    language: str
    index: dict[str, list[tuple[tuple[str, ...], Concept, str, str]]] = field(default_factory=dict)
    exact: dict[str, list[tuple[Concept, str, str]]] = field(default_factory=dict)
    forbidden_phrases: list[tuple[str, ...]] = field(default_factory=list)
    _wanted_cache: dict[frozenset[str], _WantedTerms] = field(default_factory=dict, repr=False)
    _by_concept: dict[str, tuple[list[tuple[str, tuple[str, ...]]], set[str]]] = field(
        default_factory=dict, repr=False
    )

    @classmethod
    def of(cls, glossary: Glossary, language: str) -> Matcher:
        matcher = cls(language)
        for concept in glossary.concepts:
            terms = terms_in(concept, language)
            if terms is None:
                continue
            for status in (*STATUSES, "variants"):
                for term in terms.by_status(status):
                    words = _WORD.findall(term)
                    if status == "forbidden" and len(words) == 1:
                        # One forbidden word matches as written (any case): its stem would
                        # also catch innocent words ("prostituée" → "prostituer").
                        matcher.exact.setdefault(_exact(words[0]), []).append(
                            (concept, status, term)
                        )
                        continue
                    stems = tuple(s for s, _, _ in tokens(language, term))
                    if stems:
                        matcher.index.setdefault(stems[0], []).append(
                            (stems, concept, status, term)
                        )
                        if status == "forbidden":
                            matcher.forbidden_phrases.append(stems)
        return matcher

    def concepts_in(self, text: str, wanted: set[str]) -> set[str]:
        """Which of the ``wanted`` concepts occur in ``text`` (any status).

        For suffix-stripping stemmers a word's stem begins like the word (case and accents
        folded), so only words that begin like a wanted term's word are stemmed at all.
        """
        if language_of(self.language) not in SUFFIX_STEMMERS:
            return {m.concept.id for m in self.find(text, prune=False)} & wanted
        entries, prefixes = self._wanted(frozenset(wanted))
        size = _PREFIX_LENGTH.get(language_of(self.language), 1)
        text = prose(text)
        words = _WORD.findall(text)
        language = self.language
        stems = [_stem(language, w) if _folded_prefix(w, size) in prefixes else "" for w in words]
        found: set[str] = set()
        for i, stem in enumerate(stems):
            if stem and stem in entries:
                for term_stems, concept_id in entries[stem]:
                    if tuple(stems[i : i + len(term_stems)]) == term_stems:
                        found.add(concept_id)
        if self.exact:
            for word in words:
                for concept, _status, _term in self.exact.get(_exact_word(word), ()):
                    if concept.id in wanted:
                        found.add(concept.id)
        return found

    def _wanted(self, wanted: frozenset[str]) -> _WantedTerms:
        """The terms of the wanted concepts by first stem, and the folded beginnings a word
        must have to be worth stemming (each stem's, and each shorter one's whole)."""
        cached = self._wanted_cache.get(wanted)
        if cached is None:
            if not self._by_concept:
                size = _PREFIX_LENGTH.get(language_of(self.language), 1)
                for first, candidates in self.index.items():
                    for term_stems, concept, _status, _term in candidates:
                        terms, starts = self._by_concept.setdefault(concept.id, ([], set()))
                        terms.append((first, term_stems))
                        starts.update(_folded_prefix(stem, size) for stem in term_stems)
            entries: dict[str, list[tuple[tuple[str, ...], str]]] = {}
            prefixes: set[str] = set()
            for concept_id in wanted:
                terms, starts = self._by_concept.get(concept_id, ([], set()))
                for first, term_stems in terms:
                    entries.setdefault(first, []).append((term_stems, concept_id))
                prefixes |= starts
            cached = (entries, frozenset(prefixes))
            if len(self._wanted_cache) > 4096:
                self._wanted_cache.clear()
            self._wanted_cache[wanted] = cached
        return cached

    @property
    def has_terms(self) -> bool:
        return bool(self.index or self.exact)

    @property
    def has_forbidden(self) -> bool:
        return bool(self.exact or self.forbidden_phrases)

    def may_contain_forbidden(self, text: str) -> bool:
        """A cheap test before ``find``: False only when no forbidden term can be in ``text``
        (a forbidden word as written, or a word beginning like each stem of a forbidden phrase).

        A stem is not always a substring of its word: Snowball rewrites endings (Portuguese
        "emergência" → "emergent") and Arabic letters ("الطارئ" → "طارء"), so the test compares
        folded word beginnings, as ``concepts_in`` does, and has no shortcut for stemmers that
        rewrite inside the word.
        """
        if not self.exact and not self.forbidden_phrases:
            return False
        words = _WORD.findall(_exact(text))
        if self.exact and any(w in self.exact for w in words):
            return True
        if not self.forbidden_phrases:
            return False
        language = language_of(self.language)
        if language not in SUFFIX_STEMMERS:
            return True
        size = _PREFIX_LENGTH.get(language, 1)
        starts = {_folded_prefix(word, size) for word in words}
        return any(
            all(_folded_prefix(stem, size) in starts for stem in phrase)
            for phrase in self.forbidden_phrases
        )

    def find(self, text: str, *, prune: bool = True) -> list[Match]:
        """Every term occurrence in the prose of ``text``; with ``prune``, a term inside a
        longer match is dropped (longest first where they overlap)."""
        text = prose(text)
        words = tokens(self.language, text)
        stems = [w[0] for w in words]
        found: list[Match] = []
        index = self.index
        # Single words matched as written are rare: look them up only if one is in the text.
        exact = bool(self.exact) and not self.exact.keys().isdisjoint(_WORD.findall(_exact(text)))
        for i, stem in enumerate(stems):
            if stem in index:
                for term_stems, concept, status, term in index[stem]:
                    n = len(term_stems)
                    if tuple(stems[i : i + n]) == term_stems:
                        found.append(Match(concept, status, term, words[i][1], words[i + n - 1][2]))
            if exact:
                word = _exact_word(text[words[i][1] : words[i][2]])
                for concept, status, term in self.exact.get(word, ()):
                    found.append(Match(concept, status, term, words[i][1], words[i][2]))
        if not prune:
            return found
        # A term inside a longer match is not reported on its own: "honour killing" inside an
        # allowed "so-called 'honour' killing", "Illegale" inside "illegale Migrantin".
        return [
            m
            for m in found
            if not any(
                o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start)
                for o in found
            )
        ]


_MATCHERS: dict[tuple[str, str], Matcher] = {}


def matcher(glossary: Glossary, language: str) -> Matcher:
    """A (cached) matcher for ``language``."""
    key = (glossary.version, language)
    if key not in _MATCHERS:
        _MATCHERS[key] = Matcher.of(glossary, language)
    return _MATCHERS[key]


def source_concepts(matches: Iterable[Match]) -> list[tuple[Concept, str]]:
    """The concepts that matches of English terms name, each once and in order, with its
    preferred English term (a match of a forbidden English term names none)."""
    out: list[tuple[Concept, str]] = []
    seen: set[str] = set()
    for match in matches:
        concept = match.concept
        if concept.id in seen or match.status == "forbidden":
            continue
        seen.add(concept.id)
        english = concept.terms["en"].preferred[0] if "en" in concept.terms else match.term
        out.append((concept, english))
    return out


def hints(glossary: Glossary, source_matcher: Matcher, language: str, msgid: str) -> list[str]:
    """The ``#.`` comments for an entry: each concept in ``msgid`` with this language's terms."""
    lines: list[str] = []
    for concept, english in source_concepts(source_matcher.find(msgid)):
        target = terms_in(concept, language)
        if target is None or not target.preferred:
            continue
        line = f"glossary: {english} → {', '.join(target.preferred)}"
        if target.forbidden:
            line += f" (avoid: {', '.join(target.forbidden)})"
        lines.append(line)
    return lines
