"""Contact checks: a contact verifier's record of what they confirmed about a helpline, and
whether the release gate may trust it.

A ``verified`` date is only as good as the person behind it. So a check is recorded as fields
of the contact (``verified``, ``verified_by``, ``verified_method``, ``verified_what``,
``verified_url``) written in **one commit signed** by the shared service (with a ``Verifier:``
trailer naming the person who signed in) or by the verifier's own key (``equalcity contacts
verify``, with the same trailer), and the gate judges it like a review decision
(``verdicts.signature_problem``): the newest of the commits that last wrote those lines (git
blame), its signature, the roster in force at its parent, today's roster. A date typed by hand
in an unsigned commit is a date, not a check; and a check vouches only for what it saw: a later
commit that changes the number, the hours or any other printed field of the contact voids it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from equalcity.errors import EqualcityError, RefusedError
from equalcity.fs import write_atomic
from equalcity.release.contacts import (
    CONFIRMABLE,
    METHODS,
    Contact,
    contacts_for,
    parse_contacts,
    used_contacts,
)
from equalcity.release.editions import Edition, load_release
from equalcity.repository.gitrepo import (
    Identity,
    ServiceSigning,
    commit_as_service,
    commit_signed,
    is_ancestor,
    line_commits,
    open_repo,
    parents_of,
    raw_commit,
    refuse_other_changes,
    signing_key,
    undo,
    write_lock,
)
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.decide import resolve_reviewer, usable_key
from equalcity.review.index import panel_in_force
from equalcity.review.panel import Panel, Reviewer, Signer
from equalcity.review.signatures import (
    CommitSignature,
    check_commit,
    fingerprint,
    split_commit,
    trailers,
)
from equalcity.schema import toml_lines

if TYPE_CHECKING:
    import git  # only the type: git runs in gitrepo.py

RECORD_FIELDS = ("verified", "verified_by", "verified_method", "verified_what", "verified_url")
# What a check vouches for: every field of a contact that a release prints. The record's own
# fields and where the contact was read from are not; ``source`` and ``notes`` (for the people
# who verify) are not even parsed.
PRINTED = tuple(
    f.name
    for f in dataclasses.fields(Contact)
    if f.name not in ("verified", "origin", "line") and not f.name.startswith("verified_")
)
ROLE = "contact-verifier"


@dataclass(frozen=True)
class Check:
    """What a contact verifier says they confirmed, and how."""

    what: tuple[str, ...]  # among CONFIRMABLE
    method: str  # among METHODS
    url: str = ""  # the official page, for METHODS[2]

    def problem(self) -> str:
        """Why the check cannot be recorded ("" when it can)."""
        if not self.what:
            return "say what you confirmed (the number, the hours, …)"
        unknown = [w for w in self.what if w not in CONFIRMABLE]
        if unknown:
            return f"unknown item {unknown[0]!r}; confirmable: {', '.join(CONFIRMABLE)}"
        if self.method not in METHODS:
            return f"say how you checked: {', '.join(METHODS)}"
        if self.method == "official web page" and not self.url:
            return "give the address (https://…) of the official web page you checked"
        # Shown to verifiers and maintainers on pages and in notes: never a script or a path.
        if self.url and not re.fullmatch(r"https://[^\s\"\\<>]+", self.url):
            return (
                "the address of what you checked is one https:// address, without spaces, "
                "quotes or angle brackets"
            )
        return ""


@dataclass(frozen=True)
class Facts:
    """What git says about one commit that wrote lines of a contact's record."""

    commit: str | None  # None: not committed
    signature: CommitSignature | None
    verifiers: tuple[str, ...]  # the commit's ``Verifier:`` trailers
    roster: Panel | None  # the trusted roster in force at the commit's parent


NOT_COMMITTED = Facts(None, None, (), None)


def describe(contact: Contact) -> str:
    """The check in plain words, e.g. "checked 2026-12-04 by lu-check-1 (phone call: number,
    hours)"."""
    if contact.verified is None:
        return "never checked"
    if not contact.verified_by:
        return f"dated {contact.verified.isoformat()}, no recorded check"
    how = contact.verified_method or "method not said"
    if contact.verified_url:
        how += f" {contact.verified_url}"
    what = ", ".join(contact.verified_what) or "nothing said"
    return f"checked {contact.verified.isoformat()} by {contact.verified_by} ({how}: {what})"


def judge(
    contact: Contact,
    facts: Sequence[Facts],
    now: Panel,
    country: str,
    today: dt.date,
    max_age: int,
) -> str:
    """Why the gate may not trust ``contact``'s verification ("" when it may); ``facts``: the
    commits that wrote the record's lines, the one of its ``verified`` line first. Every one
    of them must be signed for the verifier the record names."""
    if contact.verified is None:
        return "never verified"
    date = contact.verified.isoformat()
    if not contact.verified_by or not contact.verified_method or not contact.verified_what:
        return (
            f"verified {date} by hand: no recorded check (who, how, what); a contact verifier "
            "records it on the service's contacts page"
        )
    for fact in facts or [NOT_COMMITTED]:
        problem = _commit_problem(contact.verified_by, fact, now)
        if problem:
            return f"verified {date}: {problem}"
    verifier = now.by_id(contact.verified_by)
    if verifier is None or verifier.role != ROLE:
        return f"verified {date}: {contact.verified_by} is no longer a contact verifier"
    if country and not verifier.verifies(country):
        return f"verified {date}: {contact.verified_by} does not verify contacts for {country}"
    if (today - contact.verified).days > max_age:
        return f"verified {date}, older than {max_age} days"
    return ""


def _commit_problem(verifier_id: str, facts: Facts, now: Panel) -> str:
    if facts.commit is None or facts.signature is None:
        return "the check is not committed yet"
    short = facts.commit[:10]
    signature = facts.signature
    if signature.key is None:
        return (
            f"commit {short} {signature.problem}; only a check recorded through the service, "
            "or signed by the verifier's own key, counts"
        )
    if signature.key in now.revoked:
        return f"commit {short} is signed by a revoked key"
    return _signer_problem(verifier_id, signature.key, facts, short)


def _signer_problem(verifier_id: str, key: str, facts: Facts, short: str) -> str:
    roster = facts.roster
    if roster is None:
        return f"commit {short}: no trusted roster was in force before it"
    owner: Reviewer | Signer | None = roster.key_owner(key)
    member = roster.by_id(verifier_id)
    if owner is None:
        return f"commit {short} is signed by a key the roster does not know ({fingerprint(key)})"
    if isinstance(owner, Reviewer):
        if owner.id != verifier_id:
            return f"commit {short} is signed with {owner.id}'s key, not {verifier_id}'s"
    else:
        if facts.verifiers != (verifier_id,):
            return f"commit {short} is signed by service {owner.id}, not for {verifier_id}"
        if ROLE not in owner.may_sign_for:
            return f"service {owner.id} may not sign for contact verifiers (commit {short})"
    if member is None or member.role != ROLE:
        return f"commit {short}: {verifier_id} was not a contact verifier before it"
    return ""


def facts_for(
    snapshot: Snapshot, contact: Contact, blames: dict[str, list[str | None]] | None = None
) -> list[Facts]:
    """What git says about the commit that recorded ``contact``'s check: signature,
    ``Verifier:`` trailers, the roster before it.

    That commit is the newest of those that last wrote the record's lines: a check rewrites
    the whole record, and a line it left as it was (the same method as the last check) is
    blamed on an older commit whose content it confirmed. Lines written on branches that
    were merged, with no newest commit among them, give every one of those commits, and each
    must be signed for the verifier. ``blames``: git blame of each contacts file, kept
    between calls."""
    lines = record_lines(snapshot.require_text(contact.origin), contact.id)
    index = snapshot.reviews()
    with open_repo(snapshot.project.root) as repo:
        blamed = _blamed(repo, snapshot, contact.origin, {} if blames is None else blames)
        shas = {blamed[n - 1] if n <= len(blamed) else None for n in lines.values()}
        if None in shas:
            return [NOT_COMMITTED]
        written = sorted(s for s in shas if s is not None)
        newest = [s for s in written if all(o == s or is_ancestor(repo, o, s) for o in written)]
        out: list[Facts] = []
        for sha in newest[:1] or written:
            raw = raw_commit(repo, sha)
            parents = parents_of(repo, sha)
            roster = index.rosters.get(parents[0]) if parents else None
            verifiers = trailers(split_commit(raw)[2], "Verifier")
            out.append(Facts(sha, check_commit(raw), verifiers, roster))
    return out


def record_lines(text: str, contact_id: str) -> dict[str, int]:
    """The line of each record field (``verified``, ``verified_by``…) in one contact's table."""
    return {
        x.key: x.number
        for x in toml_lines(text)
        if x.table == contact_id and x.key in RECORD_FIELDS
    }


def trusted(snapshot: Snapshot, edition: Edition, today: dt.date) -> dict[str, tuple[Contact, str]]:
    """Every contact of ``edition`` with why its verification is not trusted ("": trusted)."""
    now = snapshot.panel
    out = {}
    blames: dict[str, list[str | None]] = {}
    for contact_id, contact in contacts_for(snapshot, edition).items():
        if contact.example:
            out[contact_id] = (contact, "an example, not a real service")
            continue
        try:
            facts = facts_for(snapshot, contact, blames) if contact.verified else []
        except EqualcityError:
            facts = []  # outside git nothing proves a check: "not committed yet"
        problem = judge(contact, facts, now, edition.country, today, edition.max_contact_age_days)
        if not problem and facts:
            problem = changed_after(snapshot, contact, facts[0])
        out[contact_id] = (contact, problem)
    return out


def changed_after(snapshot: Snapshot, contact: Contact, check: Facts) -> str:
    """Why a check no longer vouches for ``contact`` ("" when it does): what the contact prints
    (its name, number, hours, languages, remit…) is not what it was in the commit that
    recorded the check. Values are compared, not lines: a number changed by hand after the
    call that confirmed the old one voids the check, and so does a field deleted since (which
    no blame can see); a note for the verifiers (``source``, ``notes``) or a new layout of the
    same values does not."""
    if check.commit is None:
        return ""
    date = contact.verified.isoformat() if contact.verified else ""
    then = f"verified {date} (commit {check.commit[:10]})"
    with open_repo(snapshot.project.root) as repo:
        text = Snapshot.at(snapshot.project, repo, check.commit).text(contact.origin)
    try:
        checked = parse_contacts(text, contact.origin).get(contact.id) if text else None
    except EqualcityError:
        checked = None
    if checked is None:
        return f"{then}, but {contact.origin} did not define it then; a contact verifier checks it"
    for name in PRINTED:
        if getattr(checked, name) != getattr(contact, name):
            return f"{then}, but its {name} changed since; a contact verifier checks it again"
    return ""


def _blamed(
    repo: git.Repo, snapshot: Snapshot, origin: str, blames: dict[str, list[str | None]]
) -> list[str | None]:
    """The commit that last wrote each line of ``origin``: one ``git blame`` per file, however
    many of its contacts are judged."""
    if origin not in blames:
        blames[origin] = line_commits(repo, snapshot.project.root / origin)
    return blames[origin]


def contact_checks(
    snapshot: Snapshot, edition: Edition, today: dt.date
) -> list[tuple[str, str, bool]]:
    """(contact id, its check in plain words, whether the gate trusts it) for every contact
    the text uses, for the gate's table."""
    judged = trusted(snapshot, edition, today)
    return [
        (contact_id, describe(judged[contact_id][0]), not judged[contact_id][1])
        for contact_id in sorted(used_contacts(snapshot))
        if contact_id in judged and not judged[contact_id][0].example
    ]


@dataclass(frozen=True)
class Listed:
    """One contact an edition prints: where the text first uses it, the file that defines it,
    and the gate's verdict on its check."""

    id: str
    contact: Contact | None  # None: no contacts file defines it
    used_at: tuple[str, int]  # (source file, line) of its first placeholder
    problem: str  # why the gate does not trust its check; "" when it does

    @property
    def trusted(self) -> bool:
        return self.contact is not None and not self.problem

    def as_dict(self) -> dict[str, object]:
        contact = self.contact
        return {
            "id": self.id,
            "used_at": "{}:{}".format(*self.used_at),
            "from": contact.origin if contact else None,
            "line": contact.line if contact else None,
            "name": contact.name if contact else None,
            "phone": contact.phone if contact else None,
            "example": contact.example if contact else None,
            "verified": contact.verified.isoformat() if contact and contact.verified else None,
            "verified_by": contact.verified_by if contact else "",
            "verified_method": contact.verified_method if contact else "",
            "verified_what": list(contact.verified_what) if contact else [],
            "verified_url": contact.verified_url if contact else "",
            "check": describe(contact) if contact else "",
            "trusted": self.trusted,
            "problem": self.problem,
        }


UNDEFINED = "not defined in any contacts file"


def listing(snapshot: Snapshot, edition: Edition, today: dt.date) -> list[Listed]:
    """Every contact ``edition`` prints (the text's placeholders), judged as the release gate
    judges it on ``today``."""
    judged = trusted(snapshot, edition, today)
    out = []
    for contact_id, used_at in sorted(used_contacts(snapshot).items()):
        contact, problem = judged.get(contact_id, (None, UNDEFINED))
        out.append(Listed(contact_id, contact, used_at, problem))
    return out


# -- recording a check ------------------------------------------------------------------------


def record(
    project: Project,
    edition: Edition,
    contact_id: str,
    verifier: Reviewer,
    check: Check,
    service: ServiceSigning | None,
    today: dt.date | None = None,
    *,
    key: str | None = None,
    note: str = "",
) -> str:
    """Write ``check`` into the contact's file and commit it with a ``Verifier:`` trailer,
    signed by the service, or, when ``service`` is None, by ``key``, which must be a key the
    roster gives ``verifier`` (a check signed with any other key would not count, so none is
    written); returns the commit id. ``note`` (one line) goes into the commit message."""
    if verifier.role != ROLE:
        raise RefusedError(
            f"{verifier.id} is not a contact verifier (workflows/panel.toml gives people the "
            "contact-verifier role and their countries)"
        )
    if not verifier.verifies(edition.country) and edition.country:
        raise RefusedError(
            f"{verifier.id} does not verify contacts for {edition.country} "
            "(workflows/panel.toml lists their countries)"
        )
    problem = check.problem() or _note_problem(note)
    if problem:
        raise EqualcityError(problem)
    signer = None if service is not None else _own_key(project, verifier, key)
    day = (today or dt.date.today()).isoformat()
    with open_repo(project.root) as repo, write_lock(repo):
        contact = contacts_for(Snapshot.of(project), edition).get(contact_id)
        if contact is None:
            raise EqualcityError(f"edition {edition.id} has no contact {contact_id!r}")
        if contact.example:
            raise RefusedError(
                f"{contact_id} is an example, not a real service: a maintainer replaces it "
                "with the real service first; an example is never verified"
            )
        path = project.root / contact.origin
        refuse_other_changes(repo, [path], "contact check")
        current = Snapshot.of(project)
        text = current.require_text(contact.origin)
        original = current.data(contact.origin) or b""
        # JSON strings are TOML basic strings: nothing typed can end the value early.
        fields = [
            f"verified = {json.dumps(day)}",
            f"verified_by = {json.dumps(verifier.id)}",
            f"verified_method = {json.dumps(check.method)}",
            f"verified_what = {json.dumps(list(check.what))}",
            *([f"verified_url = {json.dumps(check.url, ensure_ascii=False)}"] if check.url else []),
        ]
        new = with_record(text, contact_id, fields)
        write_atomic(path, new.encode("utf-8"))
        try:
            parse_contacts(new, contact.origin)  # the file must still be valid
        except EqualcityError:
            write_atomic(path, original)
            raise
        summary = f"contacts({edition.id}): {verifier.id} checked {contact_id} ({check.method})"
        message = f"{summary}\n\n{note}" if note else summary
        # The trailer comes from the roster id, never from what was typed: the note is one
        # line in a paragraph of its own, and only the last paragraph holds trailers.
        trailer = f"Verifier: {verifier.id}"
        who = Identity(verifier.id, verifier.email)  # the roster's pseudonym, on both paths
        try:
            if signer is None:
                assert service is not None
                return commit_as_service(repo, [path], message, who, service, trailer)
            return commit_signed(repo, [path], f"{message}\n\n{trailer}", who, signer)
        except EqualcityError:
            undo(repo, {path: original})
            raise


def _note_problem(note: str) -> str:
    if "\n" in note or any(ord(c) < 32 or ord(c) == 127 for c in note):
        return "the note is one line of text (no line breaks or control characters)"
    if len(note) > 500:
        return f"the note is {len(note)} characters; keep it under 500 (details go in notes)"
    return ""


def _own_key(project: Project, verifier: Reviewer, key: str | None) -> str:
    """``key`` (default: git's ``user.signingkey``) when the roster in force gives it to
    ``verifier`` and has not revoked it."""
    if not key:
        with open_repo(project.root) as repo:
            key = signing_key(repo)
    if not key:
        raise RefusedError(
            "a contact check is signed with your SSH key: pass --key ~/.ssh/id_ed25519, or run "
            "'git config gpg.format ssh' and 'git config user.signingkey ~/.ssh/id_ed25519.pub' "
            "(docs/review.md, 'Set up your key')"
        )
    return usable_key(verifier, key, panel_in_force(project.root).revoked)


def record_own(
    project: Project,
    edition_id: str,
    contact_id: str,
    check: Check,
    *,
    verifier_id: str | None = None,
    key: str | None = None,
    note: str = "",
) -> tuple[Reviewer, str]:
    """``equalcity contacts verify``: record ``check`` as the verifier named ``verifier_id``
    (default: the roster member whose e-mail is git's ``user.email``), in a commit signed with
    their own ``key``; returns the verifier and the commit id."""
    edition = load_release(project).edition(edition_id)
    verifier, _who = resolve_reviewer(project, verifier_id)
    return verifier, record(
        project, edition, contact_id, verifier, check, None, key=key, note=note.strip()
    )


def with_record(text: str, contact_id: str, fields: list[str]) -> str:
    """``text`` with the contact's record fields replaced by ``fields`` (every other line
    kept byte for byte), written where the table's own lines end.

    >>> with_record('[a]\\nname = "A"\\nverified = "2020-01-01"\\n\\n[b]\\n', "a", ['v = 1'])
    '[a]\\nname = "A"\\nv = 1\\n\\n[b]\\n'
    """
    lines = text.split("\n")
    drop = set(record_lines(text, contact_id).values())
    # The table's lines, values over several lines included (a line of a multi-line note that
    # starts with "[" is still the note's).
    ours = [x.number for x in toml_lines(text) if x.table == contact_id and x.number not in drop]
    if not ours:
        raise EqualcityError(f"no table [{contact_id}]")
    while len(ours) > 1 and not lines[ours[-1] - 1].strip():
        ours.pop()  # before the blank lines that separate it from the next table
    last = ours[-1]
    kept = [(n, line) for n, line in enumerate(lines, start=1) if n not in drop]
    at = next(i for i, (n, _) in enumerate(kept) if n == last) + 1
    return "\n".join([*(line for _, line in kept[:at]), *fields, *(line for _, line in kept[at:])])
