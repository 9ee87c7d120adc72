"""An entry's review state, computed from its catalog entry, the judged ledger and the roster."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from equalcity.po.catalog import Catalog, Message
from equalcity.review.ledger import Decision, Ledger, key_hash, text_hash
from equalcity.review.panel import Panel, Tier

REVIEW_PREFIX = "review: "


# "unverified": translated, not approved by decisions that count, but with approvals that do
# not (unsigned, signed by the wrong key, …): shown apart so nobody mistakes them for approval.
STATES = ("untranslated", "fuzzy", "translated", "unverified", "changes-requested", "approved")


@dataclass(frozen=True)
class EntryReview:
    state: str
    tier: Tier
    approvals: tuple[str, ...]  # reviewer ids whose approval of this exact text counts
    requests: tuple[Decision, ...]  # change requests on this exact text that count
    history: tuple[Decision, ...]  # every decision on this source text, oldest first
    unverified: tuple[Decision, ...] = ()  # decisions on this exact text that do not count


def review_state(
    message: Message,
    doc: str,
    locale: str,
    ledger: Ledger,
    panel: Panel,
    *,
    tier_of: Message | None = None,
) -> EntryReview:
    """The entry's state, computed from the PO entry and the ledger (never stored): only
    decisions whose verdict counts (``Ledger.counts``) approve or send back. The tier is read
    from ``tier_of`` — the template's entry (``Snapshot.review`` passes it) — or else from
    the PO entry's own extracted comments."""
    tier = panel.tier_of(tier_of if tier_of is not None else message)
    history = tuple(ledger.for_entry(doc, key_hash(message.msgctxt, message.msgid)))
    if not message.has_translation:
        return EntryReview("untranslated", tier, (), (), history)
    current = text_hash(message)
    module = doc.split("/")[0]
    valid: dict[str, Decision] = {}
    unverified: list[Decision] = []
    for decision in history:
        if decision.text != current:
            continue
        reviewer = panel.by_id(decision.reviewer)
        # The verdict already holds the roster check; asking again keeps an in-memory ledger
        # judged under another roster from counting.
        if ledger.counts(decision) and reviewer is not None and reviewer.covers(locale, module):
            valid[decision.reviewer] = decision
        else:
            unverified.append(decision)
    approvals = tuple(sorted(rid for rid, d in valid.items() if d.decision == "approve"))
    requests = tuple(d for d in valid.values() if d.decision == "request-changes")
    if message.fuzzy:
        state = "changes-requested" if requests else "fuzzy"
    elif requests:
        state = "changes-requested"
    else:
        experts = sum(
            1 for rid in approvals if (r := panel.by_id(rid)) and r.role == "subject-expert"
        )
        enough = len(approvals) >= tier.approvals and experts >= tier.subject_experts
        if enough:
            state = "approved"
        elif any(d.decision == "approve" for d in unverified):
            state = "unverified"
        else:
            state = "translated"
    return EntryReview(state, tier, approvals, requests, history, tuple(unverified))


def now_iso(clock: dt.datetime | None = None) -> str:
    moment = clock or dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def review_comment(comment: str, reviewer: str, when: str) -> str:
    """The translator comment a change request leaves in the PO entry.

    >>> review_comment("Use 'survivante'.", "rev-fr-1", "2026-11-25T10:00:00Z")
    "review: Use 'survivante'. (rev-fr-1, 2026-11-25)"
    """
    one_line = " ".join(comment.split())
    return f"{REVIEW_PREFIX}{one_line} ({reviewer}, {when[:10]})"


def entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog.active if m.msgid]


def msgstr_lines(lines: list[str], first: int) -> range:
    """Line numbers (1-based) of an entry's msgstr, from its keyword to the blank line."""
    end = first
    while end < len(lines) and lines[end].strip() and not lines[end].startswith("#"):
        end += 1
    return range(first, end + 1)
