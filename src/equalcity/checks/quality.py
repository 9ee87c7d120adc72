"""Translation quality: what a reviewer would otherwise have to spot by eye."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from translate.filters import checks as tt

from equalcity.checks import FileContext, entry_check, kind_of
from equalcity.po.catalog import Message
from equalcity.po.locales import language_of

_LETTERS = re.compile(r"[^\W\d_]{3,}")
_NON_WORDS = re.compile(r"\{\{[^}]*\}\}|https?://\S+|`[^`]*`|\]\([^)]*\)")
_WORDS = re.compile(r"\w+")


def _ending(text: str) -> str:
    """The closing punctuation (and trailing spaces) of ``text``.

    >>> _ending("Is she safe? ")
    '? '
    """
    stripped = text.rstrip()
    start = len(stripped)
    while start and not stripped[start - 1].isalnum() and not stripped[start - 1].isspace():
        start -= 1
    return text[start:]


_DOUBLED = re.compile(r"\b(\w{2,})\s+\1\b", re.IGNORECASE | re.UNICODE)

# translate-toolkit's checks that fit prose (pofilter runs these and many more): called through
# its own API so that their language-aware rules (e.g. French spacing, Arabic punctuation) hold.
# Left out: startcaps (French and Portuguese list items after a colon start in lower case),
# newlines (line breaks inside a paragraph are the translator's), escapes and tabs (PO escapes
# are decoded by the reader; our whitespace check covers the ends of strings).
TRANSLATE_TOOLKIT_CHECKS = ("endpunc", "doublespacing")

# Repetitions that are grammatical: French reflexives ("vous vous"), German relative pronouns
# after articles ("die die") and polite "Sie", Portuguese/Spanish/Italian clitics.
GRAMMATICAL_REPEATS = {
    "fr": {"nous", "vous"},
    "de": {"die", "der", "das", "den", "dem", "sie"},
    "nl": {"die", "dat"},
    "pt": {"se", "que"},
    "es": {"se", "que"},
    "it": {"che", "si"},
}


@entry_check(
    "untranslated",
    "warning",
    "In a language that is released, every string needs a translation.",
)
def untranslated(context: FileContext, message: Message) -> Iterator[str]:
    if context.in_release_scope and not message.has_translation:
        yield "not translated yet"


@entry_check(
    "fuzzy",
    "warning",
    "The source changed since this was translated: check it, then remove the fuzzy mark.",
)
def fuzzy(context: FileContext, message: Message) -> Iterator[str]:
    if context.in_release_scope and message.fuzzy and message.has_translation:
        yield "fuzzy: the English changed; compare with the previous text (#|) and confirm"


@entry_check(
    "identical",
    "warning",
    "The translation is the English text: translate it, or mark it as intended with "
    "'# equalcity-ignore: identical'.",
)
def identical(context: FileContext, message: Message) -> Iterator[str]:
    if message.msgstr != message.msgid or language_of(context.locale) == "en":
        return
    if kind_of(message) == "image alt":
        return
    if len(_LETTERS.findall(_NON_WORDS.sub(" ", message.msgid))) >= 2:
        yield "the translation is identical to the source"


@entry_check(
    "whitespace",
    "warning",
    "Leading and trailing spaces must match the source (they change the layout).",
)
def whitespace(context: FileContext, message: Message) -> Iterator[str]:
    lead = message.msgid[: len(message.msgid) - len(message.msgid.lstrip())]
    trail = message.msgid[len(message.msgid.rstrip()) :]
    for text in (s for s in message.strings if s):
        if text[: len(text) - len(text.lstrip())] != lead:
            yield "leading whitespace differs from the source"
        if text[len(text.rstrip()) :] != trail:
            yield "trailing whitespace differs from the source"


@entry_check("doubled-word", "warning", 'A word is repeated ("the the"); usually a typo.')
def doubled(context: FileContext, message: Message) -> Iterator[str]:
    allowed = GRAMMATICAL_REPEATS.get(language_of(context.locale), set())
    for text in (s for s in message.strings if s):
        words = _WORDS.findall(text.casefold())
        if not any(a == b for a, b in itertools.pairwise(words)):
            continue  # no word repeated (the precise pattern below also ignores markup)
        for match in _DOUBLED.finditer(_NON_WORDS.sub(" ¶ ", text)):
            word = match.group(1)
            if word.lower() not in allowed and not _DOUBLED.search(message.msgid):
                yield f"doubled word {word!r}"


@lru_cache(maxsize=64)
def _checker(language: str) -> tt.StandardChecker:
    return tt.StandardChecker(checkerconfig=tt.CheckerConfig(targetlanguage=language))


def _run_tt(language: str, name: str, source: str, target: str) -> str | None:
    check: Callable[[str, str], bool] = getattr(_checker(language), name)
    try:
        result = check(source, target)
    except tt.FilterFailure as failure:
        return "; ".join(str(m) for m in failure.messages) if failure.messages else name
    return None if result else name


@entry_check(
    "translate-toolkit",
    "warning",
    "translate-toolkit's prose checks (" + ", ".join(TRANSLATE_TOOLKIT_CHECKS) + "): "
    "end punctuation and doubled spaces that differ from the source.",
)
def translate_toolkit(context: FileContext, message: Message) -> Iterator[str]:
    if kind_of(message) in ("table cell", "table header", "image alt"):
        return
    language = language_of(context.locale)
    ending = _ending(message.msgid)
    for text in (s for s in message.strings if s):
        # Same closing punctuation and as many double spaces as the source: both checks pass,
        # so translate-toolkit need not be asked (it is the costliest part of this check).
        if _ending(text) == ending and text.count("  ") == message.msgid.count("  "):
            continue
        for name in TRANSLATE_TOOLKIT_CHECKS:
            problem = _run_tt(language, name, message.msgid, text)
            if problem:
                yield f"{name}: {problem}"
