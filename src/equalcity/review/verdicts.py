"""Whether a decision counts: the one pure judgement behind check, status, the dashboard, the
review page and the release gate.

Inputs are facts gathered from git by ``reviewindex`` (which commit added a ledger line, what
that commit's signature proves, which roster was in force at its parent); nothing here reads a
file or runs a process, so every rule is testable with plain values.

The roster is a chain of trust (TUF's root rotation): the roster of the trust root commit is
trusted as it is; every later change of its meaning counts only when the commit is signed by a
maintainer key of the roster in force before it. An unsigned or wrongly signed change is
ignored — the roster in force stays the last trusted one — and reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from equalcity.review.ledger import Decision, Reason, Verdict
from equalcity.review.panel import Panel, Reviewer
from equalcity.review.signatures import CommitSignature, fingerprint


@dataclass(frozen=True)
class LineFacts:
    """What git says about one ledger line."""

    commit: str | None  # the commit that added the line; None: not committed yet
    signature: CommitSignature | None  # that commit's signature fact
    roster: Panel | None  # the trusted roster in force at that commit's (first) parent
    self_written: str = ""  # where the reviewer wrote the approved msgstr ("doc:line"), if so
    edited_by: str = ""  # a commit that removed or rewrote ledger lines of this entry
    unavailable: str = ""  # why git cannot say (not a repository, a shallow clone)


def judge(decision: Decision, locale: str, facts: LineFacts, now: Panel) -> Verdict:
    """The verdict on one ledger line: counts, or every reason it does not."""
    reasons: list[Reason] = []
    module = decision.doc.split("/")[0]
    reviewer = now.by_id(decision.reviewer)
    if reviewer is None:
        reasons.append(Reason("review-roster", f"{decision.reviewer} is not on the panel"))
    elif not reviewer.covers(locale, module):
        reasons.append(
            Reason("review-roster", f"{decision.reviewer} does not review {locale}/{module}")
        )
    problem = signature_problem(decision.reviewer, facts, now)
    if problem:
        reasons.append(Reason("review-signature", problem))
    if facts.self_written and decision.decision == "approve":
        reasons.append(
            Reason(
                "review-self-approval",
                f"{decision.reviewer} approved a translation they wrote ({facts.self_written})",
            )
        )
    if facts.edited_by:
        reasons.append(
            Reason(
                "review-edited",
                f"commit {facts.edited_by[:10]} removed or rewrote ledger lines of this entry; "
                "its decisions do not count until someone decides again",
            )
        )
    return Verdict(decision.line, tuple(reasons))


def signature_problem(reviewer_id: str, facts: LineFacts, now: Panel) -> str:
    """Why the line's commit does not prove ``reviewer_id`` decided ("" when it does)."""
    if facts.unavailable:
        return f"cannot be verified: {facts.unavailable}"
    if facts.commit is None or facts.signature is None:
        return "not committed yet: a decision counts once it is in a commit signed by its reviewer"
    short = facts.commit[:10]
    signature = facts.signature
    if signature.key is None:
        return (
            f"commit {short} {signature.problem}; only a commit signed with {reviewer_id}'s "
            "key counts"
        )
    if signature.key in now.revoked:
        return f"commit {short} is signed by a revoked key ({fingerprint(signature.key)})"
    roster = facts.roster
    if roster is None:
        return f"commit {short}: no trusted roster was in force before it (see review-trust)"
    owner = roster.key_owner(signature.key)
    if isinstance(owner, Reviewer):
        if owner.id == reviewer_id:
            return ""
        return f"commit {short} is signed with {owner.id}'s key, not {reviewer_id}'s"
    if owner is None:
        return (
            f"commit {short} is signed by a key the roster before it does not give "
            f"{reviewer_id} ({fingerprint(signature.key)})"
        )
    # a service key: it signs for the person its Reviewer: trailer names
    named = signature.reviewers
    if not named:
        return f"commit {short} is signed by service {owner.id} without a 'Reviewer:' trailer"
    if named != (reviewer_id,):
        return (
            f"commit {short} is signed by service {owner.id} for {', '.join(named)}, "
            f"not for {reviewer_id}"
        )
    member = roster.by_id(reviewer_id)
    if member is None:
        return f"commit {short}: {reviewer_id} was not on the roster before it"
    if member.role not in owner.may_sign_for:
        return f"service {owner.id} may not sign for a {member.role} reviewer (commit {short})"
    return ""


# -- the roster's chain of trust -------------------------------------------------------------


@dataclass(frozen=True)
class RosterChain:
    """The trusted roster blob in force at each commit, and the changes that were ignored."""

    root: str | None  # the trust root commit
    in_force: Mapping[str, str | None]  # commit → roster blob trusted at that commit
    ignored: tuple[tuple[str, str], ...]  # (commit, why its roster change does not count)


def roster_chain(
    commits: Iterable[tuple[str, tuple[str, ...]]],
    blobs: Mapping[str, str | None],
    root: str | None,
    roster: Callable[[str], Panel | None],
    signature: Callable[[str], CommitSignature],
) -> RosterChain:
    """Walk ``commits`` (parents before children) from the trust root.

    ``blobs`` gives each commit's roster blob; ``root`` pins the trust root (None: the first
    commit that has a roster while its first parent has none); ``roster`` parses a blob (None
    if it is not a valid roster); ``signature`` is a commit's signature fact. A merge is judged
    against its first parent, like any commit: a merge that brings a roster change must itself
    be signed by a maintainer (a fast-forward keeps the maintainer's signed commit).
    """
    in_force: dict[str, str | None] = {}
    ignored: list[tuple[str, str]] = []
    for sha, parents in commits:
        blob = blobs.get(sha)
        first = parents[0] if parents else None
        if root is None and blob is not None and (first is None or blobs.get(first) is None):
            root = sha
        if sha == root:
            in_force[sha] = blob if blob is not None and roster(blob) is not None else None
            if in_force[sha] is None:
                ignored.append((sha, "the trust root commit has no valid roster"))
            continue
        base = in_force.get(first) if first else None
        if base is None or blob == base or (first is not None and blob == blobs.get(first)):
            in_force[sha] = base
            continue
        old, new = roster(base), roster(blob) if blob is not None else None
        if new is not None and new == old:
            in_force[sha] = blob  # only comments or layout changed: nothing to authorise
            continue
        why = _change_problem(old, new, signature(sha))
        if why:
            in_force[sha] = base
            ignored.append((sha, why))
        else:
            in_force[sha] = blob
    return RosterChain(root, in_force, tuple(ignored))


def _change_problem(old: Panel | None, new: Panel | None, signature: CommitSignature) -> str:
    if new is None:
        return "the roster it writes is missing or not valid"
    if signature.key is None:
        return f"changes the roster but {signature.problem}"
    maintainers = old.maintainer_keys() if old is not None else frozenset()
    if signature.key not in maintainers or (old is not None and signature.key in old.revoked):
        return (
            "changes the roster but is not signed by a maintainer of the roster before it "
            f"(signed by {fingerprint(signature.key)})"
        )
    return ""
