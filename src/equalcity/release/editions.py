"""Release editions (``workflows/release.toml``): a language plus the contacts of a country.

An edition is a language plus the contacts of a country, e.g. ``fr-LU``: French text, with
Luxembourg's helplines (``contacts.py`` resolves them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from equalcity.errors import EqualcityError
from equalcity.fs import parse_toml
from equalcity.repository.project import Project
from equalcity.schema import dotted_table_line

if TYPE_CHECKING:
    pass


CONFIG = "workflows/release.toml"
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


def load_release(project: Project) -> Release:
    """Read ``workflows/release.toml`` (no file: no editions)."""
    from equalcity.repository.snapshot import Snapshot

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
        line = dotted_table_line(text, "edition", edition_id)
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


SOURCE_CONTACTS = "source/contacts.toml"
