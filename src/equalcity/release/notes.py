"""``equalcity release notes --since TAG``: what changed per edition, from git history.

The notes compare two snapshots of the repository — the commit ``TAG`` names and HEAD — read
through the one read model (``Snapshot.at``): a file that does not parse at either commit is a
line in the notes saying so, never silently left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from equalcity.errors import EqualcityError
from equalcity.fs import parse_toml
from equalcity.glossary.termbase import Concept, Glossary, LanguageTerms
from equalcity.release.editions import Edition
from equalcity.release.verification import describe, trusted
from equalcity.repository.gitrepo import open_repo, require_history, resolve_commit
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot

STATUSES = ("preferred", "admitted", "forbidden")


def _describe_terms(terms: LanguageTerms | None) -> str:
    parts = [
        f"{status}: {', '.join(terms.by_status(status))}"
        for status in STATUSES
        if terms is not None and terms.by_status(status)
    ]
    return "; ".join(parts) or "no terms"


def _terms(concept: Concept | None, language: str) -> tuple[tuple[str, ...], ...] | None:
    """What a reader sees of a concept's terms in ``language`` (not where they are written)."""
    found = concept.terms.get(language) if concept is not None else None
    if found is None:
        return None
    return (found.preferred, found.admitted, found.forbidden, found.variants)


def _changed_documents(old: Snapshot, new: Snapshot, folder: str, suffix: str) -> set[str]:
    paths = set(old.files.listing(folder)) | set(new.files.listing(folder))
    return {
        path.removeprefix(folder + "/").removesuffix(suffix)
        for path in paths
        if path.endswith(suffix) and old.files.version(path) != new.files.version(path)
    }


def _documents(old: Snapshot, new: Snapshot, language: str) -> list[str]:
    source = _changed_documents(old, new, "source", ".md")
    translation = _changed_documents(old, new, f"locales/{language}", ".po")
    lines = ["### Documents"]
    for doc in sorted(source | translation):
        what = [w for w, s in (("source text", source), ("translation", translation)) if doc in s]
        lines.append(f"- {doc}: {' and '.join(what)} changed")
    return lines if len(lines) > 1 else [*lines, "- no change"]


def _approvals(old: Snapshot, new: Snapshot, language: str) -> list[str]:
    before = old.raw_ledger(language).decisions
    known = {d.as_json() for d in before}
    approved_before = {(d.doc, d.key, d.text) for d in before if d.decision == "approve"}
    judged = new.ledger(language)
    approved: dict[str, set[str]] = {}
    reviewers: dict[str, set[str]] = {}
    requests: dict[str, int] = {}
    uncounted: dict[str, int] = {}
    for decision in judged.decisions:
        if decision.as_json() in known:
            continue
        doc = decision.doc
        if not judged.counts(decision):
            uncounted[doc] = uncounted.get(doc, 0) + 1  # the review index does not count it
        elif decision.decision == "approve":
            if (decision.doc, decision.key, decision.text) in approved_before:
                continue  # the same text approved again: nothing new for readers
            approved.setdefault(doc, set()).add(decision.key)
            reviewers.setdefault(doc, set()).add(decision.reviewer)
        elif decision.decision == "request-changes":
            requests[doc] = requests.get(doc, 0) + 1
    lines = ["### Approvals"]
    for doc in sorted(set(approved) | set(requests) | set(uncounted)):
        parts = []
        if doc in approved:
            parts.append(
                f"{len(approved[doc])} new or changed strings approved by "
                f"{', '.join(sorted(reviewers[doc]))}"
            )
        if doc in requests:
            parts.append(f"{requests[doc]} change requests")
        if doc in uncounted:
            parts.append(
                f"{uncounted[doc]} decisions that do not count (unverified; 'equalcity check' "
                "says why)"
            )
        lines.append(f"- {doc}: {'; '.join(parts)}")
    return lines if len(lines) > 1 else [*lines, "- no review decisions"]


def _glossary(old: Snapshot, new: Snapshot, language: str) -> list[str]:
    lines = ["### Glossary"]
    glossaries: list[Glossary] = []
    for snapshot in (old, new):
        try:
            glossaries.append(snapshot.glossary())
        except EqualcityError as exc:
            lines.append(f"- the glossary at {_short(snapshot)} cannot be read: {exc}")
    if len(glossaries) < 2:
        return lines
    before, after = glossaries[0].by_id(), glossaries[1].by_id()
    for concept in sorted(set(before) | set(after)):
        old_concept, new_concept = before.get(concept), after.get(concept)
        new_terms = new_concept.terms.get(language) if new_concept else None
        old_terms = old_concept.terms.get(language) if old_concept else None
        if old_concept is None:
            lines.append(f"- {concept}: new concept ({_describe_terms(new_terms)})")
        elif new_concept is None:
            lines.append(f"- {concept}: removed")
        elif _terms(old_concept, language) != _terms(new_concept, language) or _terms(
            old_concept, "en"
        ) != _terms(new_concept, "en"):
            lines.append(
                f"- {concept}: {_describe_terms(new_terms)} (was {_describe_terms(old_terms)})"
            )
    return lines if len(lines) > 1 else [*lines, "- no change"]


def _contacts(old: Snapshot, new: Snapshot, edition: Edition) -> list[str]:
    lines = ["### Contacts"]
    checked = trusted(Snapshot.of(new.project), edition, dt.date.today())
    for path in edition.contact_files():
        sides: list[dict[str, dict[str, Any]]] = []
        for snapshot in (old, new):
            try:
                sides.append(_tables(snapshot, path))
            except EqualcityError as exc:
                lines.append(f"- {path} at {_short(snapshot)} cannot be read: {exc}")
        if len(sides) < 2:
            continue
        before, after = sides
        for contact in sorted(set(before) | set(after)):
            a, b = before.get(contact), after.get(contact)
            if a == b:
                continue
            if a is None:
                lines.append(f"- {contact} ({path}): added")
            elif b is None:
                lines.append(f"- {contact} ({path}): removed")
            else:
                names = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                changes = ", ".join(f"{k} {a.get(k, '')!s} → {b.get(k, '')!s}" for k in names)
                lines.append(f"- {contact} ({path}): {changes}")
            found = checked.get(contact)
            if b is not None and "verified" in b and found and found[0].origin == path:
                status = f"does not count: {found[1]}" if found[1] else "counts for the gate"
                lines.append(f"  - {describe(found[0])}; {status}")
    return lines if len(lines) > 1 else [*lines, "- no change"]


def _tables(snapshot: Snapshot, path: str) -> dict[str, dict[str, Any]]:
    """The contacts file's tables as written (the notes show what changed in the file)."""
    text = snapshot.text(path)
    data = parse_toml(text, path) if text is not None else {}
    return {key: value for key, value in data.items() if isinstance(value, dict)}


def _short(snapshot: Snapshot) -> str:
    return (snapshot.commit or "the working tree")[:12]


def edition_notes(old: Snapshot, new: Snapshot, edition: Edition) -> list[str]:
    """The notes of one edition: documents, approvals, glossary and contacts that changed."""
    language = edition.language
    return [
        f"## {edition.id}" + (" (preview)" if edition.preview else ""),
        "",
        *_documents(old, new, language),
        "",
        *_approvals(old, new, language),
        "",
        *_glossary(old, new, language),
        "",
        *_contacts(old, new, edition),
        "",
    ]


def release_notes(project: Project, since: str, edition_ids: Sequence[str] = ()) -> str:
    release = Snapshot.of(project).release()
    editions = [release.edition(e) for e in edition_ids] if edition_ids else list(release.editions)
    with open_repo(project.root) as repo:
        require_history(repo, "writing release notes")
        start = resolve_commit(repo, since)
        if start is None:
            raise EqualcityError(
                f"no tag or commit {since!r} in this repository; 'git tag' lists the tags"
            )
        head = resolve_commit(repo, "HEAD") or ""
        shared: dict[object, object] = {}
        old = Snapshot.at(project, repo, start, shared)
        new = Snapshot.at(project, repo, head, shared)
        lines = [f"# Release notes: {since} → {head[:12]}", ""]
        for edition in editions:
            lines += edition_notes(old, new, edition)
        return "\n".join(lines)
