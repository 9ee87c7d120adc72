"""``equalcity release notes --since TAG``: what changed per edition, from git history."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Sequence
from typing import Any

import git
import yaml

from ..editions import Edition, load_release
from ..errors import EqualcityError
from ..gitrepo import open_repo, require_history
from ..project import Project
from ..reviewindex import review_index
from ..verification import describe, trusted


def _show(repo: git.Repo, rev: str, path: str) -> str | None:
    try:
        return str(repo.git.show(f"{rev}:{path}"))
    except git.GitCommandError:
        return None


def _changed(repo: git.Repo, since: str, path: str) -> list[str]:
    out = repo.git.diff("--name-only", since, "HEAD", "--", path)
    return [line for line in str(out).splitlines() if line]


def _glossary(repo: git.Repo, rev: str) -> dict[str, dict[str, Any]]:
    """Concept id → terms, from the glossary files at ``rev``."""
    concepts: dict[str, dict[str, Any]] = {}
    names = [
        p
        for p in repo.git.ls_tree("-r", "--name-only", rev, "glossary").splitlines()
        if p.endswith(".yaml")
    ]
    texts = [_show(repo, rev, name) or "" for name in names]
    for text in texts:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        for concept in data if isinstance(data, list) else []:
            if isinstance(concept, dict) and "id" in concept:
                concepts[str(concept["id"])] = concept.get("terms") or {}
    return concepts


def _contacts(text: str | None) -> dict[str, dict[str, Any]]:
    if not text:
        return {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def _describe_terms(terms: dict[str, Any]) -> str:
    parts = []
    for status in ("preferred", "admitted", "forbidden"):
        if terms.get(status):
            parts.append(f"{status}: {', '.join(map(str, terms[status]))}")
    return "; ".join(parts) or "no terms"


def edition_notes(repo: git.Repo, project: Project, edition: Edition, since: str) -> list[str]:
    lang = edition.language
    lines = [f"## {edition.id}" + (" (preview)" if edition.preview else ""), ""]
    source_changed = {
        p.removeprefix("source/").removesuffix(".md")
        for p in _changed(repo, since, "source")
        if p.endswith(".md")
    }
    po_changed = {
        p.removeprefix(f"locales/{lang}/").removesuffix(".po")
        for p in _changed(repo, since, f"locales/{lang}")
        if p.endswith(".po")
    }
    docs = sorted(source_changed | po_changed)
    lines.append("### Documents")
    if not docs:
        lines.append("- no change")
    for doc in docs:
        what = [
            w for w, s in (("source text", source_changed), ("translation", po_changed)) if doc in s
        ]
        lines.append(f"- {doc}: {' and '.join(what)} changed")
    lines += ["", "### Approvals"]
    ledger = f"locales/{lang}/reviews.jsonl"
    old = set((_show(repo, since, ledger) or "").splitlines())
    approved_before = set()
    for line in old:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("decision") == "approve":
            approved_before.add((record.get("doc"), record.get("key"), record.get("text")))
    judged = review_index(project.root).ledger(lang)
    counted = {
        d.line: (d.doc, d.key, d.text, d.reviewer, d.decision)
        for d in judged.decisions
        if judged.counts(d)
    }
    new_lines = [
        (number, line)
        for number, line in enumerate((_show(repo, "HEAD", ledger) or "").split("\n"), start=1)
        if line.strip() and line not in old
    ]
    approved: dict[str, set[str]] = {}
    reviewers: dict[str, set[str]] = {}
    requests: dict[str, int] = {}
    uncounted: dict[str, int] = {}
    for number, line in new_lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        doc = str(record.get("doc", "?"))
        pinned = ("doc", "key", "text", "reviewer", "decision")
        if counted.get(number) != tuple(record.get(f) for f in pinned):
            uncounted[doc] = uncounted.get(doc, 0) + 1  # the review index does not count it
            continue
        if record.get("decision") == "approve":
            if (record.get("doc"), record.get("key"), record.get("text")) in approved_before:
                continue  # the same text approved again: nothing new for readers
            approved.setdefault(doc, set()).add(str(record.get("key", "")))
            reviewers.setdefault(doc, set()).add(str(record.get("reviewer", "")))
        elif record.get("decision") == "request-changes":
            requests[doc] = requests.get(doc, 0) + 1
    if not approved and not requests and not uncounted:
        lines.append("- no review decisions")
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
    lines += ["", "### Glossary"]
    before, after = _glossary(repo, since), _glossary(repo, "HEAD")
    glossary_lines = []
    for concept in sorted(set(before) | set(after)):
        old_terms = (before.get(concept) or {}).get(lang) or {}
        new_terms = (after.get(concept) or {}).get(lang) or {}
        english_changed = (before.get(concept) or {}).get("en") != (after.get(concept) or {}).get(
            "en"
        )
        if concept not in before:
            glossary_lines.append(f"- {concept}: new concept ({_describe_terms(new_terms)})")
        elif concept not in after:
            glossary_lines.append(f"- {concept}: removed")
        elif old_terms != new_terms or english_changed:
            glossary_lines.append(
                f"- {concept}: {_describe_terms(new_terms)} (was {_describe_terms(old_terms)})"
            )
    lines += glossary_lines or ["- no change"]
    lines += ["", "### Contacts"]
    contact_lines = []
    checked = trusted(project, edition, dt.date.today())
    for path in edition.contact_files():
        old_contacts = _contacts(_show(repo, since, path))
        new_contacts = _contacts(_show(repo, "HEAD", path))
        for contact in sorted(set(old_contacts) | set(new_contacts)):
            a, b = old_contacts.get(contact), new_contacts.get(contact)
            if a == b:
                continue
            if a is None:
                contact_lines.append(f"- {contact} ({path}): added")
            elif b is None:
                contact_lines.append(f"- {contact} ({path}): removed")
            else:
                fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                changes = ", ".join(f"{k} {a.get(k, '')!s} → {b.get(k, '')!s}" for k in fields)
                contact_lines.append(f"- {contact} ({path}): {changes}")
            found = checked.get(contact)
            if b is not None and "verified" in b and found and found[0].origin == path:
                status = f"does not count: {found[1]}" if found[1] else "counts for the gate"
                contact_lines.append(f"  - {describe(found[0])}; {status}")
    lines += contact_lines or ["- no change"]
    return [*lines, ""]


def release_notes(project: Project, since: str, edition_ids: Sequence[str] = ()) -> str:
    release = load_release(project)
    editions = [release.edition(e) for e in edition_ids] if edition_ids else list(release.editions)
    repo = open_repo(project.root)
    try:
        require_history(repo, "writing release notes")
        try:
            repo.git.rev_parse("--verify", f"{since}^{{commit}}")
        except git.GitCommandError:
            raise EqualcityError(
                f"no tag or commit {since!r} in this repository; 'git tag' lists the tags"
            ) from None
        head = repo.head.commit.hexsha[:12]
        lines = [f"# Release notes: {since} → {head}", ""]
        for edition in editions:
            lines += edition_notes(repo, project, edition, since)
        return "\n".join(lines)
    finally:
        repo.close()
