"""Source hygiene: no personal data in the English text, every contact placeholder defined."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from equalcity.checks import SourceContext, source_check
from equalcity.checks.tokens import EMAIL, phone_digits
from equalcity.content.markdown import Segment, extract
from equalcity.release.contacts import PLACEHOLDER

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
    "Testimonies and cases are fictional composites: a name in a testimony must be on the "
    "allow-list (workflows/fictional-names.txt), so no real person is identified, and one name "
    "is one person: a name pinned there as 'Name: age, module' is not used for anyone else.",
)
def testimony_names(context: SourceContext) -> Iterator[tuple[int, str]]:
    module = _module_of(context.path)
    for segment in segments(context.text):
        yield from _same_person(context, segment, module)
        if "testimony" not in segment.flags:
            continue
        text = segment.msgid.strip("*_ ")
        names = set()
        attribution = _ATTRIBUTION.match(text)
        if attribution:
            name = attribution.group("name")
            names.add(name)
            if context.people and name in context.allowed_names and name not in context.people:
                yield (
                    segment.line,
                    (
                        f"{name!r} tells a testimony but nobody says who she is: add "
                        f"'{name}: age, {module or 'module'}' to workflows/fictional-names.txt"
                    ),
                )
        else:
            names.update(_CAPITALISED.findall(text))
        for name in sorted(names - context.allowed_names):
            yield segment.line, f"{name!r} looks like a personal name and is not on the allow-list"


def _module_of(path: str) -> str | None:
    """The module a source document belongs to (``source/<module>/<doc>.md``), if known."""
    parts = path.replace("\\", "/").split("/")
    return parts[-2] if len(parts) >= 3 and parts[-3] == "source" else None


@lru_cache(maxsize=256)
def _mention(name: str) -> re.Pattern[str]:
    # "Rosa, 41", "Ana is 27", "Samira is 27 years old": the age said next to the name.
    return re.compile(rf"\b{re.escape(name)}\b(?:(?:,\s*|\s+is\s+|\s+was\s+)(?P<age>\d{{1,3}})\b)?")


def _same_person(
    context: SourceContext, segment: Segment, module: str | None
) -> Iterator[tuple[int, str]]:
    """A pinned name that names someone else here: another module's story, or another age."""
    for name, person in context.people.items():
        where = f"workflows/fictional-names.txt:{person.line}"
        for match in _mention(name).finditer(segment.msgid):
            if person.module and module and person.module != module:
                yield (
                    segment.line,
                    (
                        f"{name!r} is the fictional person of {person.module} ({where}); one name, "
                        "one person: give this one another name and pin it there"
                    ),
                )
                break
            age = match.group("age")
            if age and person.age is not None and int(age) != person.age:
                yield (
                    segment.line,
                    (
                        f"{name!r} is {person.age} in {where}, here {age}; one name, one person: "
                        "give this one another name and pin it there"
                    ),
                )
                break


@source_check(
    "source-syntax",
    "error",
    "The source document cannot be segmented (not UTF-8, broken front matter): fix the line named.",
)
def syntax(context: SourceContext) -> Iterator[tuple[int, str]]:
    # Reported by the runner when the document cannot be read; listed here for --list.
    return iter(())
