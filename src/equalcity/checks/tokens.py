"""Protected tokens: what must reach the reader exactly, whatever the language."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

import phonenumbers

from equalcity.checks import FileContext, compare_counts, entry_check, translations
from equalcity.po.catalog import Message
from equalcity.release.contacts import PLACEHOLDER

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"'`]+[^\s<>()\[\]\"'`.,;:!?]")
# Digit runs shaped like phone numbers: 3+ groups or a + prefix, 6+ digits in all.
PHONE_LIKE = re.compile(r"(?<![\w/.-])\+?\d[\d ()./-]{4,}\d(?![\w/])")
SHORT_NUMBER = re.compile(r"(?<![\d/.,])1(?:12|16 ?\d{3})(?!\d|[/.,]\d)")
LEGAL = re.compile(
    r"\b(?:Articles?|Art\.|Directive|Regulation|Decision|Recommendation|Protocol|CETS|ETS|"
    r"No\.|§|paragraphs?|para\.)\s*(?:\(EU\)\s*)?(?P<ref>\d+[\d/()a-z.,–\- ]*)",
    re.IGNORECASE,
)


_MAYBE_PHONE = re.compile(r"\d[\d ()./-]{4,}\d|11[26]")


def _counter(pattern: re.Pattern[str], text: str, group: int = 0) -> Counter[str]:
    return Counter(m.group(group) for m in pattern.finditer(text))


@entry_check(
    "placeholder",
    "error",
    "Keep every {{contact:…}} placeholder byte for byte: the release puts the helpline there.",
)
def placeholders(context: FileContext, message: Message) -> Iterator[str]:
    source = _counter(PLACEHOLDER, message.msgid)
    for text in translations(message):
        if not source and "{{" not in text:
            continue
        yield from compare_counts("contact placeholder", source, _counter(PLACEHOLDER, text))
        for contact in _counter(PLACEHOLDER, text, 1):
            if context.contacts and contact not in context.contacts:
                yield f"{{{{contact:{contact}}}}} is not in source/contacts.toml"


# A label field of the UI catalogues ({count}, {who}): not part of a {{contact:…}} placeholder.
UI_FIELD = re.compile(r"(?<!\{)\{[a-z_]+\}(?!\})")


@entry_check(
    "ui-field",
    "error",
    "Keep every {word} of a page label (such as {count}) exactly as it is: the page fills it in, "
    "and a label that lost one is shown in English.",
)
def ui_fields(context: FileContext, message: Message) -> Iterator[str]:
    source = _counter(UI_FIELD, message.msgid) if "{" in message.msgid else Counter()
    for text in translations(message):
        if not source and "{" not in text:
            continue
        yield from compare_counts("field", source, _counter(UI_FIELD, text))


@lru_cache(maxsize=65536)
def phone_digits(text: str) -> Counter[str]:
    """Phone numbers in ``text`` as digit strings (international ones validated).

    >>> sorted(phone_digits("Call +44 20 7946 0958 or 112, not 2011/36/EU."))
    ['112', '442079460958']
    """
    found: Counter[str] = Counter()
    for match in PHONE_LIKE.finditer(text):
        raw = match.group()
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 6 or re.fullmatch(r"\d{4}/\d+(?:/\w+)?", raw.strip()):
            continue
        if raw.startswith("+"):
            try:
                number = phonenumbers.parse(raw, None)
            except phonenumbers.NumberParseException:
                found[digits] += 1
                continue
            found[f"{number.country_code}{number.national_number}"] += 1
        else:
            found[digits] += 1
    for match in SHORT_NUMBER.finditer(text):
        found[re.sub(r"\D", "", match.group())] += 1
    return found


@entry_check(
    "phone-number",
    "error",
    "Phone numbers must be copied digit for digit: a swapped digit sends someone in danger to "
    "the wrong line.",
)
def phones(context: FileContext, message: Message) -> Iterator[str]:
    source = phone_digits(message.msgid)
    for text in translations(message):
        if not source and not _MAYBE_PHONE.search(text):
            continue
        yield from compare_counts("phone number", source, phone_digits(text))


@entry_check("email", "error", "E-mail addresses must be copied exactly.")
def emails(context: FileContext, message: Message) -> Iterator[str]:
    source = _counter(EMAIL, message.msgid) if "@" in message.msgid else Counter()
    for text in translations(message):
        if not source and "@" not in text:
            continue
        yield from compare_counts("e-mail address", source, _counter(EMAIL, text))


_LINK_TARGET = re.compile(r"\]\([^)]*\)")


@lru_cache(maxsize=65536)
def bare_urls(text: str) -> Counter[str]:
    """Web addresses written out in the text (link targets are markup-links' business)."""
    return _counter(URL, _LINK_TARGET.sub("]", text))


@entry_check("url", "error", "Web addresses must be copied exactly (translate the link text only).")
def urls(context: FileContext, message: Message) -> Iterator[str]:
    source = bare_urls(message.msgid)
    for text in translations(message):
        if not source and "http" not in text and "www." not in text:
            continue
        yield from compare_counts("web address", source, bare_urls(text))


@lru_cache(maxsize=65536)
def legal_numbers(text: str) -> Counter[str]:
    """The numbers of legal references in ``text`` (article, directive, CETS numbers…).

    >>> sorted(legal_numbers("Article 59 and Directive 2011/36/EU (CETS No. 210)"))
    ['2011', '210', '36', '59']
    """
    found: Counter[str] = Counter()
    for match in LEGAL.finditer(text):
        found.update(re.findall(r"\d+", match.group("ref")))
    return found


@entry_check(
    "legal-number",
    "error",
    "Numbers of articles, directives and conventions must stay exactly as in the source.",
)
def legal(context: FileContext, message: Message) -> Iterator[str]:
    source = legal_numbers(message.msgid)
    if not source:
        return
    for text in translations(message):
        present = Counter(re.findall(r"\d+", text))
        missing = source - present
        if missing:
            yield "legal reference number(s) missing or changed: " + ", ".join(sorted(missing))
