"""The expert panel's roster (``workflows/panel.toml``): reviewers, roles, tiers and signers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from equalcity.content.markdown import FLAG_COMMENTS, flags_of
from equalcity.errors import EqualcityError
from equalcity.fs import decode_utf8, line_of, parse_toml
from equalcity.po.catalog import Message
from equalcity.po.locales import language_of
from equalcity.review.signatures import parse_key
from equalcity.schema import Field, check_fields, table_line

PANEL = "workflows/panel.toml"
# Reviewers decide on translations; translators upload PO files and contact verifiers record
# checks of helplines through the shared service. Only the first two ever approve anything.
REVIEW_ROLES = ("language", "subject-expert")
ROLES = (*REVIEW_ROLES, "translator", "contact-verifier")


@dataclass(frozen=True)
class Reviewer:
    id: str
    email: str
    languages: tuple[str, ...]
    modules: tuple[str, ...]
    role: str
    keys: tuple[str, ...] = ()  # public SSH keys ("TYPE BASE64"), each signs only for them
    countries: tuple[str, ...] = ()  # a contact verifier's countries (ISO codes, or "*")

    def speaks(self, locale: str) -> bool:
        """Listed for the language folder ``locale`` (by its name or its language: ``pt``
        covers ``pt_BR``)."""
        languages = self.languages
        return "*" in languages or locale in languages or language_of(locale) in languages

    def covers(self, locale: str, module: str) -> bool:
        """May review ``locale`` in ``module`` (translators and verifiers never review)."""
        return self.role in REVIEW_ROLES and self._listed(locale, module)

    def translates(self, locale: str, module: str) -> bool:
        """May upload translations of ``locale`` in ``module`` (the translator role)."""
        return self.role == "translator" and self._listed(locale, module)

    def verifies(self, country: str) -> bool:
        """May record contact checks for editions of ``country`` (the contact-verifier role)."""
        return self.role == "contact-verifier" and (
            "*" in self.countries or (bool(country) and country in self.countries)
        )

    def _listed(self, locale: str, module: str) -> bool:
        return self.speaks(locale) and ("*" in self.modules or module in self.modules)


@dataclass(frozen=True)
class Tier:
    name: str
    approvals: int
    subject_experts: int = 0
    sections: tuple[str, ...] = ()  # case-insensitive parts of the section path
    flags: tuple[str, ...] = ()  # source markers, e.g. "risk-high"


@dataclass(frozen=True)
class Signer:
    """A maintainer (may change the roster) or a service (signs for people who signed in to
    it, naming them in a ``Reviewer:`` trailer, for the roles in ``may_sign_for``)."""

    id: str
    keys: tuple[str, ...]
    may_sign_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Panel:
    reviewers: tuple[Reviewer, ...] = ()
    tiers: tuple[Tier, ...] = (Tier("normal", 1),)
    maintainers: tuple[Signer, ...] = ()
    services: tuple[Signer, ...] = ()
    revoked: tuple[str, ...] = ()  # keys that count for nothing, whenever they signed

    def maintainer_keys(self) -> frozenset[str]:
        return frozenset(k for m in self.maintainers for k in m.keys)

    def key_owner(self, key: str) -> Reviewer | Signer | None:
        """The reviewer or service a signing key belongs to (keys are unique among them)."""
        owners: tuple[Reviewer | Signer, ...] = (*self.reviewers, *self.services)
        for owner in owners:
            if key in owner.keys:
                return owner
        return None

    def by_email(self, email: str) -> Reviewer | None:
        for reviewer in self.reviewers:
            if reviewer.email.casefold() == email.casefold():
                return reviewer
        return None

    def by_id(self, reviewer_id: str) -> Reviewer | None:
        for reviewer in self.reviewers:
            if reviewer.id == reviewer_id:
                return reviewer
        return None

    def tier_of(self, message: Message) -> Tier:
        """The strictest tier whose sections or flags match the entry (default: the last)."""
        section = " ".join(c for c in message.auto_comments if c.startswith("section: ")).lower()
        flags = flags_of(message.auto_comments)
        for tier in self.tiers:
            if any(s.lower() in section for s in tier.sections) or flags & set(tier.flags):
                return tier
        return self.tiers[-1]


@dataclass(frozen=True)
class RosterGap:
    """A tier the roster cannot satisfy for one language and module: strings of that tier can
    never be approved there, whatever the panel does, until reviewers are added."""

    locale: str
    module: str
    tier: Tier
    reviewers: int  # listed for this language and module
    experts: int  # of them, subject experts

    @property
    def needs(self) -> str:
        """What the tier asks for, e.g. "2 approvals, 1 of them by a subject expert"."""
        needs = _count(self.tier.approvals, "approval")
        if self.tier.subject_experts:
            needs += f", {self.tier.subject_experts} of them by a subject expert"
        return needs

    @property
    def listed(self) -> str:
        """Who the roster has for it, e.g. "1 reviewer and no subject experts"."""
        listed = _count(self.reviewers, "reviewer")
        if self.tier.subject_experts:
            listed += f" and {_count(self.experts, 'subject expert')}"
        return listed

    def describe(self) -> str:
        return (
            f"tier {self.tier.name} needs {self.needs}; the roster lists {self.listed} "
            f"for {self.locale} in {self.module}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "tier": self.tier.name,
            "approvals": self.tier.approvals,
            "subject_experts": self.tier.subject_experts,
            "reviewers_listed": self.reviewers,
            "subject_experts_listed": self.experts,
        }


def _count(number: int, noun: str) -> str:
    return f"{number or 'no'} {noun}{'' if number == 1 else 's'}"


def roster_gaps(panel: Panel, locale: str, module: str) -> list[RosterGap]:
    """The tiers that the reviewers listed for ``locale`` and ``module`` cannot satisfy (too few
    reviewers, or too few subject experts). A panel without reviewers (translators and contact
    verifiers never review) has no review workflow yet and no gaps."""
    if not any(r.role in REVIEW_ROLES for r in panel.reviewers):
        return []
    listed = [r for r in panel.reviewers if r.covers(locale, module)]
    experts = sum(1 for r in listed if r.role == "subject-expert")
    return [
        RosterGap(locale, module, tier, len(listed), experts)
        for tier in panel.tiers
        if len(listed) < tier.approvals or experts < tier.subject_experts
    ]


_REVIEWER_FIELDS = {
    "id": Field(str, required=True),
    "email": Field(str, required=True),
    "languages": Field("list[str]"),
    "modules": Field("list[str]"),
    "role": Field(str, required=True),
    "keys": Field("list[str]"),
    "countries": Field("list[str]"),
}
_TIER_FIELDS = {
    "approvals": Field(int),
    "subject_experts": Field(int),
    "sections": Field("list[str]"),
    "flags": Field("list[str]"),
}


def load_panel(root: Path) -> Panel:
    """Read and validate ``workflows/panel.toml`` (an empty panel when there is none)."""
    path = root / PANEL
    if not path.exists():
        return Panel()
    return parse_panel(decode_utf8(path.read_bytes(), PANEL))


@lru_cache(maxsize=32)
def parse_panel(text: str) -> Panel:
    """Validate the text of ``workflows/panel.toml`` (e.g. as it was at an earlier commit).

    Kept for the last texts read (a frozen value): the shared service reads the roster on
    every request and the review index reads each roster of the history, and parsing one
    (its SSH keys) took 16 ms."""
    data = parse_toml(text, PANEL)
    reviewers = []
    seen: dict[str, str] = {}
    check_fields(
        data,
        {
            "reviewer": Field("any"),
            "tiers": Field("table"),
            "maintainer": Field("any"),
            "service": Field("any"),
            "revoked": Field("list[str]"),
        },
        text=text,
        display=PANEL,
        what="the roster",
        extra=True,  # later roster sections (keys, maintainers) have readers of their own
    )
    if not isinstance(data.get("reviewer", []), list):
        raise EqualcityError("reviewers are [[reviewer]] tables", path=PANEL)
    for index, entry in enumerate(data.get("reviewer", [])):
        start = table_line(text, "reviewer", index) or 0
        check_fields(
            entry,
            _REVIEWER_FIELDS,
            text=text,
            display=PANEL,
            what=f"[[reviewer]] number {index + 1}",
            start=start,
            extra=True,
        )
        rid = str(entry.get("id", ""))
        line = line_of(text, f'"{rid}"') if rid else None
        where: dict[str, Any] = {"path": PANEL, "line": line}
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", rid):
            raise EqualcityError(
                "each [[reviewer]] needs an id of lower-case letters, digits and hyphens "
                "(a pseudonym: no real names in the repository)",
                **where,
            )
        email = str(entry.get("email", ""))
        if "@" not in email:
            raise EqualcityError(f"reviewer {rid}: email must be their git user.email", **where)
        role = entry.get("role", "")
        if role not in ROLES:
            raise EqualcityError(
                f"reviewer {rid}: role must be one of {', '.join(ROLES)}, not {role!r}", **where
            )
        languages = tuple(entry.get("languages", []))
        countries = tuple(entry.get("countries", []))
        if role == "contact-verifier":
            if not countries or any(not re.fullmatch(r"[A-Z]{2}|\*", c) for c in countries):
                raise EqualcityError(
                    f"{rid}: a contact verifier lists the countries whose contacts they check, "
                    'as two-letter ISO codes in capitals: countries = ["LU"]',
                    **where,
                )
        elif countries:
            raise EqualcityError(
                f"{rid}: only a contact verifier has countries (role {role!r})", **where
            )
        elif not languages:
            raise EqualcityError(
                f"reviewer {rid}: list the languages they "
                f"{'translate' if role == 'translator' else 'review'}",
                **where,
            )
        for key in (rid, email.casefold()):
            if key in seen:
                raise EqualcityError(f"reviewer {rid}: {key} appears twice", **where)
            seen[key] = rid
        modules = tuple(entry.get("modules", ["*"]))
        keys = _keys(entry, f"reviewer {rid}", text, where)
        reviewers.append(Reviewer(rid, email, languages, modules, role, keys, countries))
    tiers = []
    for name, entry in (data.get("tiers") or {}).items():
        line = line_of(text, f"[tiers.{name}]")
        if not isinstance(entry, dict):
            raise EqualcityError(f"tier {name} must be a table [tiers.{name}]", path=PANEL)
        check_fields(
            entry,
            _TIER_FIELDS,
            text=text,
            display=PANEL,
            what=f"tier {name}",
            start=line or 0,
        )
        approvals = entry.get("approvals", 1)
        experts = entry.get("subject_experts", 0)
        if not isinstance(approvals, int) or approvals < 1 or not isinstance(experts, int):
            raise EqualcityError(
                f"tier {name}: approvals must be a whole number ≥ 1", path=PANEL, line=line
            )
        if experts > approvals:
            raise EqualcityError(
                f"tier {name}: more subject experts than approvals", path=PANEL, line=line
            )
        flags = tuple(entry.get("flags", []))
        unknown = sorted(set(flags) - set(FLAG_COMMENTS))
        if unknown:
            raise EqualcityError(
                f"tier {name}: unknown flag {unknown[0]!r}; flags are the source markers "
                + ", ".join(repr(f) for f in FLAG_COMMENTS),
                path=PANEL,
                line=line_of(text, "flags") or line,
            )
        tiers.append(Tier(name, approvals, experts, tuple(entry.get("sections", [])), flags))
    maintainers = tuple(_signers(data, "maintainer", text))
    services = tuple(_signers(data, "service", text))
    owners: dict[str, str] = {}
    everyone: tuple[Reviewer | Signer, ...] = (*reviewers, *services)
    for owner in everyone:
        for key in owner.keys:
            if key in owners:
                raise EqualcityError(
                    f"{owner.id}: this key is also {owners[key]}'s; a key signs for one person "
                    "or service only (each panel member makes their own key)",
                    path=PANEL,
                    line=line_of(text, key.split()[1]),
                )
            owners[key] = owner.id
    revoked = _keys(data, "revoked", text, {"path": PANEL, "line": line_of(text, "revoked")})
    return Panel(
        tuple(reviewers), tuple(tiers) or (Tier("normal", 1),), maintainers, services, revoked
    )


def _keys(entry: dict[str, Any], who: str, text: str, where: dict[str, Any]) -> tuple[str, ...]:
    """The validated public keys of a roster entry (``keys`` or top-level ``revoked``)."""
    field_name = "revoked" if who == "revoked" else "keys"
    raw = entry.get(field_name, [])
    if not isinstance(raw, list) or not all(isinstance(k, str) for k in raw):
        raise EqualcityError(f"{who}: {field_name} is a list of public key lines", **where)
    out = []
    for line in raw:
        found = line_of(text, line.split()[1]) if len(line.split()) > 1 else None
        try:
            out.append(parse_key(line))
        except ValueError as exc:
            raise EqualcityError(
                f"{who}: {exc}", path=PANEL, line=found or where.get("line")
            ) from None
    return tuple(out)


def _signers(data: dict[str, Any], kind: str, text: str) -> list[Signer]:
    """The validated ``[[maintainer]]`` or ``[[service]]`` tables."""
    fields = {"id": Field(str, required=True), "keys": Field("list[str]", required=True)}
    if kind == "service":
        fields["may_sign_for"] = Field("list[str]", required=True)
    entries = data.get(kind, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise EqualcityError(f"{kind}s are [[{kind}]] tables", path=PANEL, line=line_of(text, kind))
    out = []
    for index, entry in enumerate(entries):
        check_fields(
            entry,
            fields,
            text=text,
            display=PANEL,
            what=f"[[{kind}]] number {index + 1}",
            start=table_line(text, kind, index) or 0,
        )
        sid = str(entry.get("id", ""))
        where: dict[str, Any] = {"path": PANEL, "line": line_of(text, f'"{sid}"') if sid else None}
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", sid):
            raise EqualcityError(
                f"each [[{kind}]] needs an id of lower-case letters, digits and hyphens", **where
            )
        keys = _keys(entry, f"{kind} {sid}", text, where)
        if not keys:
            raise EqualcityError(f"{kind} {sid}: list their public key(s) in keys", **where)
        roles = tuple(entry.get("may_sign_for", []))
        if kind == "service" and (not roles or any(r not in ROLES for r in roles)):
            raise EqualcityError(
                f"service {sid}: may_sign_for lists roles among {', '.join(ROLES)}", **where
            )
        out.append(Signer(sid, keys, roles))
    return out
