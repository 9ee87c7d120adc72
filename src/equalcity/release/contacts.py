"""Contacts: the helplines and services a release prints, and where an edition takes them from.

``{{contact:ID}}`` resolves from, in order:

1. ``locales/<lang>/contacts-<COUNTRY>.toml`` (the edition's own services),
2. ``locales/<lang>/contacts.toml`` (EU-wide numbers with names in the language),
3. ``source/contacts.toml`` (the English register and fallback).

The first file that defines an ID gives the whole contact (fields are never mixed across files,
so a verified date always belongs to the number it verifies).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from equalcity.errors import EqualcityError
from equalcity.fs import parse_toml
from equalcity.release.editions import Edition
from equalcity.schema import dotted_table_line, toml_lines

if TYPE_CHECKING:
    from equalcity.repository.snapshot import Snapshot


PLACEHOLDER = re.compile(r"\{\{\s*contact:([A-Za-z0-9_.-]+)\s*\}\}")


@dataclass(frozen=True)
class Number:
    """One telephone number of a contact and what it is for (e.g. "ambulance")."""

    number: str
    purpose: str = ""  # text in the file's language; "" = the contact's main line

    @property
    def tel(self) -> str:
        """The ``tel:`` form: digits and a leading plus.

        >>> Number("+352 47 58 21-627").tel
        '+352475821627'
        """
        return "".join(ch for ch in self.number if ch.isdigit() or ch == "+")


@dataclass(frozen=True)
class Contact:
    """A service the text refers to; the card fields after ``line`` are optional (unknown
    stays empty and is shown as unknown, never guessed)."""

    id: str
    name: str
    phone: str
    url: str
    email: str
    hours: str
    example: bool
    verified: dt.date | None
    origin: str  # file that defined it
    line: int | None
    numbers: tuple[Number, ...] = ()  # every number with its purpose; () = just ``phone``
    languages: tuple[str, ...] = ()  # language codes the service works in, e.g. ("fr", "en")
    remit: str = ""  # what the service does (and does not do)
    audience: str = ""  # who it is for: adults only, women only, free, anonymous…
    address: str = ""
    category: str = ""  # "emergency" puts it first on the referral card
    # The recorded check behind ``verified`` (``verification.py``): who, how, what, where.
    verified_by: str = ""
    verified_method: str = ""
    verified_what: tuple[str, ...] = ()
    verified_url: str = ""

    @property
    def all_numbers(self) -> tuple[Number, ...]:
        if self.numbers:
            return self.numbers
        return (Number(self.phone),) if self.phone else ()

    def as_manifest(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "phone": self.phone,
            "url": self.url,
            "email": self.email,
            "example": self.example,
            "verified": self.verified.isoformat() if self.verified else None,
            "from": self.origin,
        }


# Every field a contact may have; `source` and `notes` are for the people who verify.
CONTACT_FIELDS = {
    "name", "phone", "url", "email", "hours", "example", "verified", "source", "notes",
    "numbers", "languages", "remit", "audience", "address", "category",
    "verified_by", "verified_method", "verified_what", "verified_url",
}  # fmt: skip
# How a contact verifier confirmed a contact, and what they could confirm (docs/release.md).
METHODS = ("phone call", "e-mail reply", "official web page")
CONFIRMABLE = ("number", "hours", "languages", "remit", "address")
CATEGORIES = {"emergency", "helpline", "specialist"}
_PHONE = re.compile(r"^\+?[0-9][0-9 ./-]*[0-9]$|^[0-9]$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]+)*$")


def _field_line(text: str, table_line: int | None, key: str) -> int | None:
    """The line of ``key = …`` inside the table that starts at ``table_line``."""
    if table_line is None:
        return None
    lines = toml_lines(text)
    table = lines[table_line - 1].table
    found = (x.number for x in lines[table_line:] if x.table == table and x.key == key)
    return next(found, table_line)


def _contact(contact_id: str, fields: dict[str, Any], display: str, text: str) -> Contact:
    line = dotted_table_line(text, contact_id)

    def fail(key: str, message: str) -> EqualcityError:
        return EqualcityError(
            f"contact {contact_id}: {message}", path=display, line=_field_line(text, line, key)
        )

    unknown = sorted(set(fields) - CONTACT_FIELDS)
    if unknown:
        raise fail(
            unknown[0], f"unknown field {unknown[0]!r} (known: {', '.join(sorted(CONTACT_FIELDS))})"
        )
    for key in ("name", "phone", "url", "email", "hours", "remit", "audience", "address",
                "category", "source", "notes", "verified_by", "verified_method",
                "verified_url"):  # fmt: skip
        if key in fields and not isinstance(fields[key], str):
            raise fail(key, f"{key} is text in quotes")
    if not str(fields.get("name", "")).strip():
        raise fail("name", "a contact needs a name")
    if "example" in fields and not isinstance(fields["example"], bool):
        raise fail("example", "example is true or false")
    verified_raw = fields.get("verified", "")
    verified: dt.date | None = None
    if isinstance(verified_raw, dt.date):
        verified = verified_raw
    elif verified_raw:
        try:
            verified = dt.date.fromisoformat(str(verified_raw))
        except ValueError:
            raise fail("verified", "verified must be a date YYYY-MM-DD or empty") from None
    phone = str(fields.get("phone", ""))
    if phone and not _PHONE.match(phone):
        raise fail("phone", f"phone {phone!r} is digits, spaces and a leading +; put hours "
                   "or notes in their own fields")  # fmt: skip
    numbers = []
    raw_numbers = fields.get("numbers", [])
    if not isinstance(raw_numbers, list):
        raise fail("numbers", 'numbers is a list: [{ number = "112", purpose = "ambulance" }]')
    for item in raw_numbers:
        if not isinstance(item, dict) or set(item) - {"number", "purpose"}:
            raise fail("numbers", 'each number is { number = "112", purpose = "ambulance" }')
        number, purpose = item.get("number", ""), item.get("purpose", "")
        if not isinstance(number, str) or not _PHONE.match(number):
            raise fail("numbers", f"number {number!r} is digits, spaces and a leading +")
        if not isinstance(purpose, str) or not purpose.strip():
            raise fail("numbers", f'number {number}: say what it is for (purpose = "…")')
        numbers.append(Number(number, purpose))
    if numbers and phone and phone not in {n.number for n in numbers}:
        raise fail("phone", f"phone {phone} is not among its numbers; list it there too")
    languages = fields.get("languages", [])
    if not isinstance(languages, list) or not all(
        isinstance(code, str) and _LANGUAGE.match(code) for code in languages
    ):
        raise fail("languages", 'languages is a list of language codes, e.g. ["fr", "de", "en"]')
    category = str(fields.get("category", ""))
    if category and category not in CATEGORIES:
        raise fail("category", f"category is one of {', '.join(sorted(CATEGORIES))}")
    method = str(fields.get("verified_method", ""))
    if method and method not in METHODS:
        raise fail("verified_method", f"verified_method is one of {', '.join(METHODS)}")
    what = fields.get("verified_what", [])
    if not isinstance(what, list) or not all(w in CONFIRMABLE for w in what):
        raise fail("verified_what", f"verified_what lists some of {', '.join(CONFIRMABLE)}")
    return Contact(
        contact_id,
        str(fields.get("name", "")),
        phone,
        str(fields.get("url", "")),
        str(fields.get("email", "")),
        str(fields.get("hours", "")),
        bool(fields.get("example", False)),
        verified,
        display,
        line,
        tuple(numbers),
        tuple(languages),
        str(fields.get("remit", "")),
        str(fields.get("audience", "")),
        str(fields.get("address", "")),
        category,
        str(fields.get("verified_by", "")),
        method,
        tuple(what),
        str(fields.get("verified_url", "")),
    )


def parse_contacts(text: str, display: str) -> dict[str, Contact]:
    """The contacts of one file, every field checked (errors name the field's line)."""
    data = parse_toml(text, display)
    contacts = {}
    for contact_id, fields in data.items():
        if not isinstance(fields, dict):
            raise EqualcityError(
                f"contact {contact_id!r} must be a table [{contact_id}]",
                path=display,
                line=dotted_table_line(text, contact_id),
            )
        contacts[contact_id] = _contact(contact_id, fields, display, text)
    return contacts


def contacts_for(snapshot: Snapshot, edition: Edition) -> dict[str, Contact]:
    """Every contact the edition can use, the first file in the resolution order winning."""
    resolved: dict[str, Contact] = {}
    for display in reversed(edition.contact_files()):
        resolved.update(snapshot.contacts(display))
    return resolved


def placeholders(text: str) -> list[tuple[str, int]]:
    """``(contact id, line)`` for every ``{{contact:ID}}`` in a text."""
    return [(m.group(1), text.count("\n", 0, m.start()) + 1) for m in PLACEHOLDER.finditer(text)]


def used_contacts(snapshot: Snapshot) -> dict[str, tuple[str, int]]:
    """Contact ids the source text uses → first place (file, line)."""
    used: dict[str, tuple[str, int]] = {}
    for doc in snapshot.documents():
        display = f"source/{doc.id}.md"
        for contact_id, line in placeholders(snapshot.source(doc)):
            used.setdefault(contact_id, (display, line))
    return used
