"""Source hygiene: no personal data in the English text, every contact placeholder defined."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..markdown import Segment, extract
from . import SourceContext, source_check
from .tokens import EMAIL, PLACEHOLDER, phone_digits

_ATTRIBUTION = re.compile(r"^[—–-]\s*\*?(?P<name>[^\W\d_][\w'’-]*)\s*,")
_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][a-z]{2,})\b")


@lru_cache(maxsize=32)
def segments(text: str) -> tuple[Segment, ...]:
    """The document's segments, parsed once for every source check."""
    return tuple(extract(text))


def _register_digits(context: SourceContext) -> set[str]:
    digits: set[str] = set()
    for contact in context.contacts.values():
        digits.update(phone_digits(str(contact.get("phone", ""))))
    return digits


@source_check(
    "source-phone",
    "error",
    "A phone number in the source text must come from source/contacts.toml: write "
    "{{contact:ID}} instead, so every edition shows its own verified number.",
)
def phones(context: SourceContext) -> Iterator[tuple[int, str]]:
    known = _register_digits(context)
    for number, line in enumerate(context.text.split("\n"), start=1):
        for digits in phone_digits(PLACEHOLDER.sub("", line)):
            if digits not in known:
                yield number, f"phone number {digits} is not in the contacts register"


@source_check(
    "source-email",
    "error",
    "An e-mail address in the source must be a contact from source/contacts.toml "
    "({{contact:ID}}), never a person's address.",
)
def emails(context: SourceContext) -> Iterator[tuple[int, str]]:
    known = {str(c.get("email", "")) for c in context.contacts.values()}
    for number, line in enumerate(context.text.split("\n"), start=1):
        for match in EMAIL.finditer(line):
            if match.group() not in known:
                yield number, f"e-mail address {match.group()} is not in the contacts register"


@source_check(
    "contact-undefined",
    "error",
    "Every {{contact:ID}} must be defined in source/contacts.toml.",
)
def contacts(context: SourceContext) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(context.text.split("\n"), start=1):
        for match in PLACEHOLDER.finditer(line):
            if match.group(1) not in context.contacts:
                yield number, f"{{{{contact:{match.group(1)}}}}} is not in source/contacts.toml"


@source_check(
    "testimony-name",
    "warning",
    "Testimonies are fictional composites: a name in one must be on the allow-list of "
    "fictional names (workflows/fictional-names.txt), so no real person is identified.",
)
def testimony_names(context: SourceContext) -> Iterator[tuple[int, str]]:
    for segment in segments(context.text):
        if "testimony" not in segment.flags:
            continue
        text = segment.msgid.strip("*_ ")
        names = set()
        attribution = _ATTRIBUTION.match(text)
        if attribution:
            names.add(attribution.group("name"))
        else:
            names.update(_CAPITALISED.findall(text))
        for name in sorted(names - context.allowed_names):
            yield segment.line, f"{name!r} looks like a personal name and is not on the allow-list"


@source_check(
    "source-syntax",
    "error",
    "The source document cannot be segmented (not UTF-8, broken front matter): fix the line named.",
)
def syntax(context: SourceContext) -> Iterator[tuple[int, str]]:
    # Reported by the runner when the document cannot be read; listed here for --list.
    return iter(())
