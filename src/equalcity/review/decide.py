"""A panel member's decision: approve or request changes (``equalcity review approve``, the review
page's form).

Decisions go through ``decide`` whatever the front end: one ledger line per entry, the
translator-facing comment in the PO file, and one commit authored by the reviewer, whose
identity is git's ``user.email`` (or a named reviewer id) matched against the roster.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from equalcity.errors import ConflictError, EqualcityError, RefusedError
from equalcity.fs import write_atomic
from equalcity.po.catalog import Catalog, Message, read_po, write_po_files
from equalcity.repository.gitrepo import (
    Identity,
    ServiceSigning,
    commit_as_service,
    commit_signed,
    identity,
    line_authors,
    open_repo,
    refuse_other_changes,
    signing_key,
    write_lock,
)
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.index import panel_in_force
from equalcity.review.ledger import (
    Decision,
    Ledger,
    append_decisions,
    key_hash,
    ledger_path,
    read_ledger,
    text_hash,
)
from equalcity.review.panel import Reviewer
from equalcity.review.signatures import fingerprint, parse_key
from equalcity.review.state import REVIEW_PREFIX, msgstr_lines, now_iso, review_comment

if TYPE_CHECKING:
    pass  # only the type: git operations stay in gitrepo.py


def resolve_reviewer(project: Project, reviewer_id: str | None = None) -> tuple[Reviewer, Identity]:
    """Who is reviewing: the roster entry named ``reviewer_id``, or else the one whose e-mail is
    git's ``user.email``; the commit identity goes with it (the roster's e-mail when named)."""
    panel = panel_in_force(project.root)  # the roster in force, kept while no commit touches it
    if reviewer_id is not None:
        named = panel.by_id(reviewer_id)
        if named is None:
            raise RefusedError(
                f"{reviewer_id!r} is not a reviewer id on the panel (workflows/panel.toml)"
            )
        return named, Identity(named.id, named.email)
    with open_repo(project.root) as repo:
        who = identity(repo)
    reviewer = panel.by_email(who.email)
    if reviewer is None:
        raise RefusedError(
            f"{who.email} is not on the review panel (workflows/panel.toml); "
            "ask a maintainer to add you, or set git's user.email to your panel address"
        )
    return reviewer, who


def current_reviewer(
    project: Project, locale: str, module: str, reviewer_id: str | None = None
) -> tuple[Reviewer, Identity]:
    """The reviewer (see ``resolve_reviewer``), refused unless the roster lets them review
    ``locale`` in ``module``."""
    reviewer, who = resolve_reviewer(project, reviewer_id)
    if not reviewer.covers(locale, module):
        raise RefusedError(
            f"{reviewer.id} does not review {locale} for module {module} "
            "(workflows/panel.toml lists their languages and modules)"
        )
    return reviewer, who


@dataclass(frozen=True)
class Ask:
    """A decision a reviewer sends on entries of one document.

    ``entry_ids`` are ids from ``review list`` (key prefixes); ``every`` takes every
    translated entry instead. ``expected`` maps entry keys (``key_hash``) to the translation
    hash (``text_hash``) the reviewer saw (the review page sends it)."""

    locale: str
    doc: Document
    decision: str  # "approve" | "request-changes"
    entry_ids: tuple[str, ...] = ()
    every: bool = False
    comment: str = ""
    expected: Mapping[str, str] | None = None


def decide(
    project: Project,
    ask: Ask,
    *,
    reviewer_id: str | None = None,
    key: str | None = None,
    service: ServiceSigning | None = None,
    clock: dt.datetime | None = None,
) -> tuple[str, int]:
    """Record ``ask`` (a decision on entries of one document); returns (commit id, entries
    decided).

    The commit is signed with ``key`` (a private key file, or a ``.pub`` file whose private
    half is in ssh-agent; default: git's ``user.signingkey`` with ``gpg.format=ssh``), which
    must be one the roster gives the reviewer: an unsigned decision would not count, so none
    is written. ``reviewer_id`` names the reviewer instead of git's ``user.email``. When an
    entry changed since the reviewer saw it (``ask.expected``), nothing is written. The whole
    read–write–commit runs under the repository's write lock, so concurrent decisions (threads
    or processes) are recorded one after another.

    With ``expected``, a decision this reviewer already recorded on exactly that text is not
    recorded again (a retried request, a second click): when every entry is such a repeat the
    result is ``("", 0)`` and nothing is written. ``service`` commits as the team service
    (signed with its key, a ``Reviewer:`` trailer) instead of as the reviewer with ``key``.
    """
    locale = Snapshot.of(project).language(ask.locale)
    doc, decision, comment, expected = ask.doc, ask.decision, ask.comment, ask.expected
    reviewer, who = current_reviewer(project, locale, doc.module, reviewer_id)
    if decision == "request-changes" and not comment.strip():
        raise EqualcityError("a change request needs --comment saying what to change")
    po = project.po_path(locale, doc)
    if not po.exists():
        raise EqualcityError("no such document in this language", path=project.rel(po))
    signer = None
    if service is None:  # the team service signs with its own key, listed in the roster
        with open_repo(project.root) as repo:
            revoked = panel_in_force(project.root).revoked
            signer = usable_key(reviewer, key or signing_key(repo), revoked)
    with open_repo(project.root) as repo, write_lock(repo):
        refuse_other_changes(repo, [po, ledger_path(project.root, locale)], "review")
        catalog = read_po(po, project.rel(po))
        chosen = _select(catalog, ask.entry_ids, ask.every, decision)
        for message in chosen:
            key = key_hash(message.msgctxt, message.msgid)
            if expected is not None and expected.get(key) != text_hash(message):
                raise ConflictError(
                    f"the translation of entry {key[:8]} changed since you opened it; "
                    "reload and review the new text",
                    path=project.rel(po),
                    line=message.msgstr_line,
                )
        if expected is not None:
            recorded = read_ledger(project.root, locale)
            chosen = [m for m in chosen if not _repeats(recorded, doc, m, reviewer.id, decision)]
            if not chosen:
                return "", 0
        authors = line_authors(repo, po)
        file_lines = po.read_text(encoding="utf-8").split("\n")
        when = now_iso(clock)
        decisions = []
        for message in chosen:
            if decision == "approve":
                lines = msgstr_lines(file_lines, message.msgstr_line)
                mine = who.email.casefold()
                if any(
                    (authors[n - 1] or "").casefold() == mine
                    for n in lines
                    if 0 < n <= len(authors)
                ):
                    raise RefusedError(
                        f"you last edited the translation of entry "
                        f"{key_hash(message.msgctxt, message.msgid)[:8]}; "
                        "someone else must approve it",
                        path=project.rel(po),
                        line=message.msgstr_line,
                    )
                message.comments = [c for c in message.comments if not c.startswith(REVIEW_PREFIX)]
            else:
                message.fuzzy = True
                message.comments.append(review_comment(comment, reviewer.id, when))
            decisions.append(
                Decision(
                    doc.id,
                    message.msgctxt,
                    key_hash(message.msgctxt, message.msgid),
                    text_hash(message),
                    reviewer.id,
                    decision,
                    " ".join(comment.split()),
                    when,
                    message.msgstr,
                )
            )
        write_po_files([(po, catalog, project.rel(po))])
        ledger = append_decisions(project.root, locale, decisions)
        attributes = ensure_union_merge(project.root)
        verb = "approve" if decision == "approve" else "request changes on"
        paths = [po, ledger, *([attributes] if attributes else [])]
        summary = (
            f"review({locale}): {reviewer.id} {verb} {len(decisions)} "
            f"entr{'y' if len(decisions) == 1 else 'ies'} of {doc.id}"
        )
        if service is None:
            assert signer is not None
            sha = commit_signed(repo, paths, summary, who, signer)
        else:
            sha = commit_as_service(repo, paths, summary, who, service, f"Reviewer: {reviewer.id}")
    return sha, len(decisions)


SETUP = (
    "decisions are signed with your SSH key: pass --key ~/.ssh/id_ed25519, or run "
    "'git config gpg.format ssh' and 'git config user.signingkey ~/.ssh/id_ed25519.pub' "
    "(docs/review.md, 'Set up your key')"
)


def usable_key(reviewer: Reviewer, key: str | None, revoked: Collection[str] = ()) -> str:
    """``key`` when it is one the roster gives ``reviewer`` and not one it has ``revoked``;
    refused otherwise, with how to set it up (a decision or a check signed with any other key
    would not count)."""
    if not key:
        raise RefusedError(SETUP)
    public = public_key(key)
    if public not in reviewer.keys:
        raise RefusedError(
            f"{key} ({fingerprint(public)}) is not a key workflows/panel.toml gives "
            f"{reviewer.id}; ask a maintainer to add your public key (docs/review.md)"
        )
    if public in revoked:
        raise RefusedError(
            f"{key} ({fingerprint(public)}) is revoked in workflows/panel.toml; what it signs "
            "would not count: ask a maintainer to add your new key"
        )
    return key


def public_key(key: str) -> str:
    """The public half of a signing key given as git's ``user.signingkey`` would be."""
    try:
        if key.startswith("key::"):
            return parse_key(key[5:])
        path = Path(key).expanduser()
        pub = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
        if pub.is_file():
            return parse_key(pub.read_text(encoding="utf-8"))
        if not path.is_file():
            raise RefusedError(f"no key file {key}; " + SETUP)
        found = subprocess.run(
            ["ssh-keygen", "-y", "-P", "", "-f", str(path)], capture_output=True, text=True
        )
        if found.returncode != 0:
            raise RefusedError(
                f"cannot read the public half of {key}; put {pub.name} beside it "
                "(ssh-keygen -y -f KEY > KEY.pub)"
            )
        return parse_key(found.stdout)
    except ValueError as exc:
        raise RefusedError(f"{key}: {exc}") from None


def _repeats(ledger: Ledger, doc: Document, message: Message, reviewer: str, decision: str) -> bool:
    """Whether ``reviewer``'s latest decision on this entry is ``decision`` on this very text."""
    key, text = key_hash(message.msgctxt, message.msgid), text_hash(message)
    mine = [d for d in ledger.for_entry(doc.id, key) if d.reviewer == reviewer]
    return bool(mine) and mine[-1].decision == decision and mine[-1].text == text


UNION_RULE = "locales/*/reviews.jsonl merge=union"


def ensure_union_merge(root: Path) -> Path | None:
    """Make git merge parallel ledgers line by line (no conflicts); returns the file if changed."""
    path = root / ".gitattributes"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if UNION_RULE in text.splitlines():
        return None
    write_atomic(path, text + ("" if not text or text.endswith("\n") else "\n") + UNION_RULE + "\n")
    return path


def _select(
    catalog: Catalog, entry_ids: Iterable[str], every: bool, decision: str
) -> list[Message]:
    wanted = list(entry_ids)
    candidates = [m for m in catalog.active if m.msgid and m.has_translation]
    if decision == "approve":
        candidates = [m for m in candidates if not m.fuzzy]
    if every:
        if wanted:
            raise EqualcityError("give --entry IDs or --all, not both")
        return candidates
    if not wanted:
        raise EqualcityError("say which entries: --entry ID (from 'review list') or --all")
    chosen = []
    for entry_id in wanted:
        matches = [m for m in candidates if key_hash(m.msgctxt, m.msgid).startswith(entry_id)]
        if len(matches) != 1:
            raise EqualcityError(
                f"entry {entry_id!r} matches {len(matches)} "
                f"{'translated ' if decision == 'approve' else ''}entries of this document; "
                "use an id from 'equalcity review list'"
            )
        chosen.append(matches[0])
    return chosen
