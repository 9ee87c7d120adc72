"""Release editions (``workflows/release.toml``), their contacts, and the gates of a release.

An edition is a language plus the contacts of a country, e.g. ``fr-LU``: French text, with
Luxembourg's helplines. ``{{contact:ID}}`` resolves from, in order:

1. ``locales/<lang>/contacts-<COUNTRY>.toml`` (the edition's own services),
2. ``locales/<lang>/contacts.toml`` (EU-wide numbers with names in the language),
3. ``source/contacts.toml`` (the English register and fallback).

The first file that defines an ID gives the whole contact (fields are never mixed across files,
so a verified date always belongs to the number it verifies).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from equalcity.errors import EqualcityError
from equalcity.fs import parse_toml
from equalcity.project import Project
from equalcity.uitext import in_bundles

if TYPE_CHECKING:
    from equalcity.snapshot import Snapshot

CONFIG = "workflows/release.toml"
SOURCE_CONTACTS = "source/contacts.toml"
PLACEHOLDER = re.compile(r"\{\{\s*contact:([A-Za-z0-9_.-]+)\s*\}\}")
_EDITION_ID = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]+)*$")
_SETTINGS = {
    "language",
    "country",
    "preview",
    "min_coverage",
    "max_contact_age_days",
    "fallback",
    "title",
}


@dataclass(frozen=True)
class Edition:
    """One bundle: a language, the contacts of a country, and the gate it must pass."""

    id: str
    language: str
    country: str = ""
    preview: bool = False  # always built as a preview (not yet for official release)
    min_coverage: float = 1.0  # share of strings approved, 0–1
    max_contact_age_days: int = 365
    fallback: str = "en"  # a language code whose approved text fills gaps; "en" = source
    title: str = ""

    def contact_files(self) -> list[str]:
        files = [f"locales/{self.language}/contacts.toml", SOURCE_CONTACTS]
        if self.country:
            files.insert(0, f"locales/{self.language}/contacts-{self.country}.toml")
        return files


@dataclass(frozen=True)
class Release:
    """The settings of ``workflows/release.toml``."""

    version: str
    title: str
    editions: tuple[Edition, ...]

    def edition(self, edition_id: str) -> Edition:
        for edition in self.editions:
            if edition.id.casefold() == edition_id.casefold():
                return edition
        known = ", ".join(e.id for e in self.editions) or "none"
        raise EqualcityError(f"no edition {edition_id!r} (editions: {known})", path=CONFIG)


def _table_line(text: str, *names: str) -> int | None:
    """The line of ``[names...]`` (a table header) in a TOML text."""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip().replace('"', "").replace(" ", "")
        if stripped == "[" + ".".join(names) + "]":
            return number
    return None


def load_release(project: Project) -> Release:
    """Read ``workflows/release.toml`` (no file: no editions)."""
    from equalcity.snapshot import Snapshot

    return Snapshot.of(project).release()


def parse_release(locales: list[str], text: str | None) -> Release:
    """The text of ``workflows/release.toml`` (None: no file, no editions); ``locales``: the
    language folders an edition may use."""
    if text is None:
        return Release("0.0.0", "", ())
    data = parse_toml(text, CONFIG)
    meta = data.get("release", {})
    defaults = data.get("defaults", {})
    editions_table = data.get("edition", {})
    if not isinstance(meta, dict) or not isinstance(defaults, dict):
        raise EqualcityError("[release] and [defaults] must be tables", path=CONFIG)
    if not isinstance(editions_table, dict):
        raise EqualcityError("[edition.ID] must be tables", path=CONFIG)
    editions = []
    for edition_id, settings in editions_table.items():
        line = _table_line(text, "edition", edition_id)
        if not isinstance(settings, dict):
            raise EqualcityError(f"edition {edition_id!r} must be a table", path=CONFIG, line=line)
        editions.append(_edition(locales, edition_id, {**defaults, **settings}, line))
    return Release(str(meta.get("version", "0.0.0")), str(meta.get("title", "")), tuple(editions))


def _edition(
    locales: list[str], edition_id: str, settings: dict[str, Any], line: int | None
) -> Edition:
    def fail(message: str) -> EqualcityError:
        return EqualcityError(f"edition {edition_id}: {message}", path=CONFIG, line=line)

    if not _EDITION_ID.match(edition_id):
        raise fail("ids look like 'fr-LU' or 'de' (language, then country)")
    unknown = sorted(set(settings) - _SETTINGS)
    if unknown:
        raise fail(f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(_SETTINGS))})")
    for name in ("language", "country", "fallback", "title"):
        if name in settings and not isinstance(settings[name], str):
            raise fail(f"{name} must be text in quotes, not {settings[name]!r}")
    language = str(settings.get("language", edition_id.split("-")[0]))
    if language not in locales:
        raise fail(f"no language folder locales/{language}/; run 'equalcity init {language}'")
    coverage = settings.get("min_coverage", 1.0)
    if not isinstance(coverage, int | float) or not 0 <= coverage <= 1:
        raise fail("min_coverage is a share between 0 and 1, e.g. 0.95")
    age = settings.get("max_contact_age_days", 365)
    if not isinstance(age, int) or isinstance(age, bool) or age < 1:
        raise fail("max_contact_age_days is a whole number of days, e.g. 180")
    preview = settings.get("preview", False)
    if not isinstance(preview, bool):
        raise fail("preview is true or false")
    country = str(settings.get("country", ""))
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise fail("country is a two-letter ISO code in capitals, e.g. 'LU'")
    return Edition(
        edition_id,
        language,
        country,
        preview,
        float(coverage),
        age,
        str(settings.get("fallback", "en")),
        str(settings.get("title", "")),
    )


# -- contacts ----------------------------------------------------------------------------------


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
    lines = text.split("\n")
    for number in range(table_line, len(lines)):
        stripped = lines[number].strip()
        if stripped.startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number + 1
    return table_line


def _contact(contact_id: str, fields: dict[str, Any], display: str, text: str) -> Contact:
    line = _table_line(text, contact_id)

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
                line=_table_line(text, contact_id),
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


# -- gates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """One reason an edition cannot be released officially."""

    gate: str  # "check" | "coverage" | "contact" | "tree"
    where: str
    detail: str
    # The same in parts, for pages in other languages: a key of the dashboard's UI catalogue
    # (source/ui/dashboard.md) and the values it names; JSON gives lists, hence the tuples.
    reason: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple((k, v) for k, v in self.values))


@dataclass
class Coverage:
    strings: int = 0
    approved: int = 0
    per_document: dict[str, tuple[int, int]] = field(default_factory=dict)  # doc → (approved, all)

    @property
    def share(self) -> float:
        return self.approved / self.strings if self.strings else 1.0


def coverage(snapshot: Snapshot, language: str) -> Coverage:
    """Approved strings over all strings of the language's documents."""
    result = Coverage()
    for doc in snapshot.documents():
        if not in_bundles(doc):  # a page of the team's own (dashboard, review page): no gate
            continue
        catalog = snapshot.catalog_if_any(language, doc)
        total = approved = 0
        if catalog is not None:
            for message in catalog.active:
                if not message.msgid:
                    continue
                total += 1
                if message.translated and snapshot.review(language, doc, message).state == (
                    "approved"
                ):
                    approved += 1
        result.per_document[doc.id] = (approved, total)
        result.strings += total
        result.approved += approved
    return result


def contact_blockers(
    snapshot: Snapshot, edition: Edition, today: dt.date, used: dict[str, tuple[str, int]]
) -> list[Blocker]:
    """A blocker for each contact the text uses that is not defined, an example, or without a
    recorded check the gate trusts (``verification.py``) within the edition's age limit."""
    from equalcity.verification import trusted  # it reads git history; imported when a gate runs

    judged = trusted(snapshot, edition, today)
    out = []
    for contact_id in sorted(used):
        if contact_id not in judged:
            where = "{}:{}".format(*used[contact_id])
            out.append(
                Blocker(
                    "contact",
                    where,
                    f"{contact_id}: not defined in any contacts file",
                    "blocker_undefined",
                    (("contact", contact_id),),
                )
            )
            continue
        contact, problem = judged[contact_id]
        if problem:
            where = f"{contact.origin}:{contact.line}" if contact.line else contact.origin
            out.append(Blocker("contact", where, f"{contact_id}: {problem}"))
    return out


def content_blockers(snapshot: Snapshot, edition: Edition) -> list[Blocker]:
    """The blockers that depend only on the edition's files: check errors and coverage (the
    release caches them by the files' content)."""
    from equalcity.checks.runner import run as run_checks  # the gate reuses the CI gate as is

    project = snapshot.project
    findings = run_checks(project, release_inputs(project, edition, existing=True))
    errors = [f for f in findings if f.severity == "error"]
    out = [
        Blocker(
            "check",
            f"{f.path}:{f.line}",
            f"{f.check}: {f.message}",
            "blocker_check",
            (("check", f.check), ("message", f.message)),
        )
        for f in errors[:20]
    ]
    if len(errors) > 20:
        more = str(len(errors) - 20)
        out.append(
            Blocker(
                "check",
                "…",
                f"{more} more errors; run 'equalcity check'",
                "blocker_more_errors",
                (("count", more), ("command", "equalcity check")),
            )
        )
    cover = coverage(snapshot, edition.language)
    if cover.share < edition.min_coverage:
        short = [f"{doc} {a}/{t}" for doc, (a, t) in cover.per_document.items() if a < t]
        documents = f"{', '.join(short[:4])}{', …' if len(short) > 4 else ''}"
        out.append(
            Blocker(
                "coverage",
                f"locales/{edition.language}/",
                f"{cover.share:.1%} of strings approved ({cover.approved}/{cover.strings}), "
                f"needs {edition.min_coverage:.0%}{f'; short: {documents}' if short else ''}",
                "blocker_coverage",
                (
                    ("share", f"{cover.share:.1%}"),
                    ("approved", str(cover.approved)),
                    ("strings", str(cover.strings)),
                    ("needed", f"{edition.min_coverage:.0%}"),
                    ("documents", documents),
                ),
            )
        )
    return out


def current_blockers(
    snapshot: Snapshot, edition: Edition, today: dt.date, dirty: Iterable[str]
) -> list[Blocker]:
    """The blockers that also depend on the day and the working tree: contacts, commits."""
    out = contact_blockers(snapshot, edition, today, used_contacts(snapshot))
    out += [
        Blocker("tree", p, "uncommitted change; commit it first", "blocker_tree") for p in dirty
    ]
    return out


def blockers(
    snapshot: Snapshot,
    edition: Edition,
    *,
    today: dt.date | None = None,
    dirty: Iterable[str] = (),
) -> list[Blocker]:
    """What stops ``edition`` from an official release today (empty: nothing); ``dirty``: the
    uncommitted paths among its inputs."""
    today = today or dt.date.today()
    return content_blockers(snapshot, edition) + current_blockers(snapshot, edition, today, dirty)


def release_inputs(project: Project, edition: Edition, *, existing: bool = False) -> list[Path]:
    """The files and folders whose content an edition's release depends on."""
    paths = [
        project.source_dir,
        project.locales_dir / edition.language,
        project.root / "glossary",
        project.root / "workflows",
        *(project.root / f for f in edition.contact_files()),
    ]
    if edition.fallback != "en":
        paths.append(project.locales_dir / edition.fallback)
    return [p for p in paths if p.exists()] if existing else paths
