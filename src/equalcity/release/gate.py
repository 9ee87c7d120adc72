"""The gates of a release: coverage, contacts, check, uncommitted inputs (``equalcity release``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from equalcity.content.uitext import in_bundles
from equalcity.release.contacts import used_contacts
from equalcity.release.editions import Edition
from equalcity.repository.project import Project

if TYPE_CHECKING:
    from equalcity.repository.snapshot import Snapshot


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
    from equalcity.release.verification import trusted

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
