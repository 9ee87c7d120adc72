"""What a panel member does: see what waits, look at one entry, approve or request changes.

Decisions go through ``decide`` whatever the front end (``equalcity review``, the review page of
``equalcity serve``): one ledger line per entry, the translator-facing comment in the PO file,
and one commit authored by the reviewer, whose identity is git's ``user.email`` (or a named
reviewer id) matched against the roster.
"""

from __future__ import annotations

import datetime as dt
import difflib
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from equalcity.catalog import Catalog, Message, read_po, write_po_files
from equalcity.errors import ConflictError, EqualcityError, RefusedError
from equalcity.fs import write_atomic
from equalcity.gitrepo import (
    Identity,
    ServiceSigning,
    commit_as_service,
    commit_signed,
    identity,
    line_authors,
    open_repo,
    signing_key,
    uncommitted,
    write_lock,
)
from equalcity.glossary import hints
from equalcity.glossary import matcher as glossary_matcher
from equalcity.project import Document, Project
from equalcity.review import (
    REVIEW_PREFIX,
    Decision,
    EntryReview,
    Ledger,
    Reviewer,
    append_decisions,
    key_hash,
    ledger_path,
    msgstr_lines,
    now_iso,
    read_ledger,
    review_comment,
    text_hash,
)
from equalcity.reviewindex import panel_in_force
from equalcity.signatures import fingerprint, parse_key
from equalcity.snapshot import Snapshot

if TYPE_CHECKING:
    import git  # only the type: git operations stay in gitrepo.py


@dataclass(frozen=True)
class Item:
    doc: Document
    message: Message
    review: EntryReview

    @property
    def id(self) -> str:
        return key_hash(self.message.msgctxt, self.message.msgid)[:8]

    @property
    def changed_since_approval(self) -> bool:
        current = text_hash(self.message)
        return any(d.decision == "approve" and d.text != current for d in self.review.history)

    def as_dict(self, locale: str) -> dict[str, object]:
        """The entry as ``review list --format json`` shows it (stable keys, for scripts)."""
        return {
            "locale": locale,
            "doc": self.doc.id,
            "line": self.message.line,
            "id": self.id,
            "state": self.review.state,
            "tier": self.review.tier.name,
            "approvals": list(self.review.approvals),
            "approvals_required": self.review.tier.approvals,
            "changes_requested": [d.comment for d in self.review.requests],
            "changed_since_approval": self.changed_since_approval,
            "msgctxt": self.message.msgctxt,
            "msgid": self.message.msgid,
            "msgstr": self.message.strings,
            "fuzzy": self.message.fuzzy,
        }


def items(snapshot: Snapshot, locale: str, module: str | None = None) -> list[Item]:
    """Every entry of the language (or one module) with its review state."""
    locale = snapshot.language(locale)
    out = []
    for doc in snapshot.po_documents(locale):
        if module and doc.module != module:
            continue
        judge = snapshot.reviewer(locale, doc)
        for message in snapshot.catalog(locale, doc).active:
            if message.msgid:
                out.append(Item(doc, message, judge(message)))
    return out


def pending(items_: Iterable[Item], reviewer: Reviewer | None) -> list[Item]:
    """Translated entries that still need approvals (with or without approvals that do not
    count), leaving out those this reviewer's counted approval covers."""
    out = []
    for item in items_:
        if item.review.state not in ("translated", "unverified"):
            continue
        if reviewer is not None and reviewer.id in item.review.approvals:
            continue
        out.append(item)
    return out


def word_diff_ops(old: str, new: str) -> list[tuple[str, str]]:
    """A word diff as ``(op, words)`` pairs, op one of ``equal``, ``delete``, ``insert``.

    >>> word_diff_ops("call the helpline now", "call the national helpline")
    [('equal', 'call the'), ('insert', 'national'), ('equal', 'helpline'), ('delete', 'now')]
    """
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", " ".join(b[j1:j2])))
    return out


def word_diff(old: str, new: str) -> str:
    """A word diff: [-removed-] {+added+}.

    >>> word_diff("call the helpline now", "call the national helpline")
    'call the {+national+} helpline [-now-]'
    """
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return " ".join(marks[op][0] + words + marks[op][1] for op, words in word_diff_ops(old, new))


def previous_approval(item: Item) -> Decision | None:
    """The last approval of another translation of the entry, if it recorded that text."""
    current = text_hash(item.message)
    earlier = [d for d in item.review.history if d.decision == "approve" and d.text != current]
    return earlier[-1] if earlier and earlier[-1].translation else None


def describe(snapshot: Snapshot, locale: str, item: Item) -> list[str]:
    """What ``review show`` prints for one entry."""
    message = item.message
    lines = [
        f"{item.doc.id} {item.id}  state: {item.review.state}  tier: {item.review.tier.name} "
        f"({len(item.review.approvals)}/{item.review.tier.approvals} approvals"
        + (
            f", {item.review.tier.subject_experts} subject expert"
            if item.review.tier.subject_experts
            else ""
        )
        + ")",
        *[f"  {c}" for c in message.auto_comments if not c.startswith("glossary: ")],
        "source:",
        f"  {message.msgid}",
        "translation:",
        f"  {message.msgstr or '(none)'}",
    ]
    glossary = snapshot.glossary()
    if glossary.concepts:
        terms = hints(glossary, glossary_matcher(glossary, "en"), locale, message.msgid)
        if terms:
            lines.append("glossary:")
            lines += [f"  {t.removeprefix('glossary: ')}" for t in terms]
    previous = previous_approval(item)
    if previous is not None:
        lines += [
            f"previously approved ({previous.reviewer}, {previous.time[:10]}):",
            f"  {previous.translation}",
            "changes since:",
            f"  {word_diff(previous.translation, message.msgstr)}",
        ]
    comments = [d for d in item.review.history if d.comment]
    if comments:
        lines.append("comments:")
        lines += [f"  {d.time[:10]} {d.reviewer} ({d.decision}): {d.comment}" for d in comments]
    if item.review.approvals:
        lines.append("approved by: " + ", ".join(item.review.approvals))
    if item.review.unverified:
        verdicts = snapshot.ledger(locale).verdicts
        lines.append("does not count (see 'equalcity check'):")
        for decision in item.review.unverified:
            verdict = verdicts.get(decision.line)
            why = verdict.reasons[0].message if verdict and verdict.reasons else "not judged"
            lines.append(
                f"  {decision.reviewer} ({decision.decision}, ledger line {decision.line}): {why}"
            )
    return lines


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
            signer = usable_key(reviewer, key or signing_key(repo))
    with open_repo(project.root) as repo, write_lock(repo):
        _refuse_other_changes(repo, [po, ledger_path(project.root, locale)])
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


def usable_key(reviewer: Reviewer, key: str | None) -> str:
    """``key`` when it is one the roster gives ``reviewer``; refused otherwise, with how to
    set it up (a decision signed with any other key would not count)."""
    if not key:
        raise RefusedError(SETUP)
    public = public_key(key)
    if public not in reviewer.keys:
        raise RefusedError(
            f"{key} ({fingerprint(public)}) is not a key workflows/panel.toml gives "
            f"{reviewer.id}; ask a maintainer to add your public key (docs/review.md)"
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


def _refuse_other_changes(repo: git.Repo, paths: list[Path]) -> None:
    """The review commit must hold only the review: no uncommitted edits of the files it
    writes, nothing else staged."""
    dirty, staged = uncommitted(repo, [p for p in paths if p.exists()])
    if dirty:
        raise ConflictError(
            f"uncommitted changes in {', '.join(dirty)}; commit or stash them first, so the "
            "review commit holds only the review"
        )
    if staged:
        raise ConflictError(
            f"staged changes in {', '.join(staged[:3])}{' …' if len(staged) > 3 else ''} "
            "would go into the review commit; commit or unstage them first"
        )


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
