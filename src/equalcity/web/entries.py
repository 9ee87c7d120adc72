"""What the review page shows of each entry: plain values for the templates, which escape them.

Texts are split into ``Piece`` runs (glossary terms marked) rather than marked up here, so no
translation ever reaches the page unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from equalcity.content.markdown import FLAG_COMMENTS
from equalcity.glossary.matching import Match, Matcher, matcher, source_concepts
from equalcity.glossary.termbase import Glossary, terms_in
from equalcity.release.contacts import Contact, placeholders
from equalcity.review.ledger import Decision, key_hash, text_hash
from equalcity.review.panel import Panel, Reviewer
from equalcity.review.queue import Item, pending, previous_approval, word_diff_ops
from equalcity.review.sourcechanges import SourceChange, SourceChanges
from equalcity.review.state import REVIEW_PREFIX
from equalcity.web.i18n import ENGLISH_TEXTS, Texts

SOURCE_LANGUAGE = "en"
# What each choice of "Show" lists, by its label in the page's words (i18n.ENGLISH).
SHOWS = {
    "pending": "show_pending",
    "unverified": "show_unverified",
    "changes-requested": "show_changes",
    "approved": "show_approved",
    "all": "show_all",
}


@dataclass(frozen=True)
class Filters:
    """The review page's filters (query parameters ``show``, ``risk``, ``changed``)."""

    show: str = "pending"
    risk: bool = False  # high-risk entries only (a stricter tier, or the risk-high marker)
    changed: bool = False  # only entries whose translation changed since an approval

    @classmethod
    def parse(cls, params: dict[str, str]) -> Filters:
        show = params.get("show", "pending")
        return cls(
            show if show in SHOWS else "pending",
            params.get("risk") == "high",
            params.get("changed") == "1",
        )

    def query(self, **extra: str) -> str:
        params = {"show": self.show}
        if self.risk:
            params["risk"] = "high"
        if self.changed:
            params["changed"] = "1"
        params.update(extra)
        return urlencode(params)

    def apply(
        self,
        found: list[Item],
        reviewer: Reviewer,
        panel: Panel,
        earlier: SourceChanges | None = None,
    ) -> list[Item]:
        """The entries to show; "changed" counts a translation changed since its approval and,
        with ``earlier``, English changed since a translation of it was approved."""
        if self.show == "pending":
            found = pending(found, reviewer)
        elif self.show != "all":
            found = [i for i in found if i.review.state == self.show]
        if self.risk:
            found = [i for i in found if high_risk(i, panel)]
        if self.changed:
            found = [
                i
                for i in found
                if i.changed_since_approval or (earlier is not None and earlier.of(i) is not None)
            ]
        return found


def high_risk(item: Item, panel: Panel) -> bool:
    """A stricter tier than the panel's default, or the source's risk-high marker."""
    flagged = any(c.startswith("risk: high") for c in item.message.auto_comments)
    return flagged or (len(panel.tiers) > 1 and item.review.tier != panel.tiers[-1])


@dataclass(frozen=True)
class Piece:
    """A run of text; ``status`` is set on a glossary term (preferred, admitted, forbidden…)."""

    text: str
    status: str = ""
    concept: str = ""
    hint: str = ""


@dataclass(frozen=True)
class TermHint:
    english: str
    concept: str
    definition: str
    preferred: tuple[str, ...]
    admitted: tuple[str, ...]
    forbidden: tuple[str, ...]
    used: bool  # a preferred or admitted term (or variant) is in the translation
    misused: bool  # a forbidden term is in the translation


@dataclass(frozen=True)
class Comment:
    time: str
    author: str
    kind: str  # approve | request-changes | translator
    text: str


@dataclass(frozen=True)
class Previous:
    reviewer: str
    time: str
    translation: str
    diff: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ContactView:
    """What a ``{{contact:ID}}`` of the source becomes in one edition."""

    placeholder: str
    edition: str
    name: str  # empty: no contacts file of the edition defines it
    phone: str
    status: str  # "verified on …", "not verified yet", "an example, not a real service"
    ok: bool


def edition_contacts(
    placeholders: list[str],
    editions: dict[str, dict[str, tuple[Contact, str]]],
    t: Texts = ENGLISH_TEXTS,
) -> list[ContactView]:
    """Each placeholder as the service it becomes in each edition of the language, verified
    only when the release gate trusts its recorded check (``verification.trusted``: a date
    typed into the contacts file by hand is "not verified yet", as the gate says).

    >>> import datetime as dt
    >>> c = Contact("police", "Police", "113", "", "", "", False, dt.date(2026, 11, 2), "f", 1)
    >>> found = {"fr-LU": {"police": (c, "commit 1a2b is not signed")}}
    >>> [v.status for v in edition_contacts(["police", "x"], found)]
    ['not verified yet', 'not defined for this edition']
    >>> [v.status for v in edition_contacts(["police"], {"fr-LU": {"police": (c, "")}})]
    ['verified on 2026-11-02']
    """
    out = []
    for placeholder in placeholders:
        for edition, contacts in editions.items():
            if placeholder not in contacts:
                out.append(ContactView(placeholder, edition, "", "", t("not_defined"), False))
                continue
            contact, problem = contacts[placeholder]
            if contact.example:
                status, ok = t("example_contact"), False
            elif problem or contact.verified is None:
                status, ok = t("not_verified"), False
            else:
                status, ok = t("verified_on", date=contact.verified.isoformat()), True
            out.append(ContactView(placeholder, edition, contact.name, contact.phone, status, ok))
    return out


@dataclass(frozen=True)
class EntryView:
    key: str
    id: str
    doc: str
    line: int
    msgctxt: str | None
    state: str
    tier: str
    approvals: tuple[str, ...]
    needed: int
    experts_needed: int
    high_risk: bool
    changed: bool
    context: tuple[tuple[str, str], ...]  # ("section", path), ("note", text), or (label key, "")
    source: tuple[Piece, ...]
    source_plural: tuple[Piece, ...]
    translations: tuple[tuple[Piece, ...], ...]  # one per msgstr (plural forms)
    text: str  # hash of the translation shown, sent back with a decision
    terms: tuple[TermHint, ...]
    previous: Previous | None
    comments: tuple[Comment, ...]
    can_approve: bool
    approve_note: str  # why approval is not offered
    mine: bool  # this reviewer's approval counts already
    needs: str  # the approvals it needs and has, in plain words
    contacts: tuple[ContactView, ...]  # what its {{contact:ID}} become in each edition
    source_change: SourceChange | None = None  # the English approved before it changed


def pieces(text: str, found: Iterable[Match], hints: dict[str, str] | None = None) -> list[Piece]:
    """``text`` cut into runs, each glossary match its own run (the first of overlapping ones).

    >>> from equalcity.glossary.matching import Match
    >>> from equalcity.glossary.termbase import Concept
    >>> c = Concept("survivor", "", "", "", {}, "", 1)
    >>> found = [Match(c, "preferred", "survivor", 2, 10)]
    >>> [(p.text, p.status) for p in pieces("A survivor calls", found)]
    [('A ', ''), ('survivor', 'preferred'), (' calls', '')]
    """
    out: list[Piece] = []
    at = 0
    for match in sorted(found, key=lambda m: (m.start, -m.end)):
        if match.start < at:
            continue
        if match.start > at:
            out.append(Piece(text[at : match.start]))
        hint = (hints or {}).get(match.concept.id, "")
        out.append(Piece(text[match.start : match.end], match.status, match.concept.id, hint))
        at = match.end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out


def _terms(locale: str, source_matches: list[Match], found: list[Match]) -> list[TermHint]:
    in_translation = {m.concept.id for m in found if m.status != "forbidden"}
    misused = {m.concept.id for m in found if m.status == "forbidden"}
    out = []
    for concept, english in source_concepts(source_matches):
        target = terms_in(concept, locale)
        out.append(
            TermHint(
                english,
                concept.id,
                concept.definition,
                target.preferred if target else (),
                target.admitted if target else (),
                target.forbidden if target else (),
                concept.id in in_translation,
                concept.id in misused,
            )
        )
    return out


def entry_view(
    item: Item,
    locale: str,
    reviewer: Reviewer,
    panel: Panel,
    glossary: Glossary,
    *,
    may_decide: bool,
    editions: dict[str, dict[str, tuple[Contact, str]]] | None = None,
    t: Texts = ENGLISH_TEXTS,
    source_change: SourceChange | None = None,
) -> EntryView:
    """Everything the page shows of one entry, for this reviewer, in the words of ``t``."""
    message = item.message
    review = item.review
    source_matcher: Matcher = matcher(glossary, SOURCE_LANGUAGE)
    target_matcher: Matcher = matcher(glossary, locale)
    source_matches = source_matcher.find(message.msgid) if glossary.concepts else []
    translation_matches = [
        target_matcher.find(text) if glossary.concepts else [] for text in message.strings
    ]
    terms = _terms(locale, source_matches, [m for ms in translation_matches for m in ms])
    hints = {
        term.concept: f"{term.english} → {', '.join(term.preferred) or t('no_term')}"
        + (f"; {t('avoid')} {', '.join(term.forbidden)}" if term.forbidden else "")
        for term in terms
    }
    previous = previous_approval(item)
    comments = [
        Comment(d.time[:10], d.reviewer, d.decision, d.comment) for d in review.history if d.comment
    ] + [
        Comment("", "translator", "translator", c)
        for c in message.comments
        if c.strip() and not c.startswith(REVIEW_PREFIX) and not c.startswith("equalcity-ignore")
    ]
    mine = reviewer.id in review.approvals
    note = _approve_note(item, mine, may_decide, t)
    return EntryView(
        key=key_hash(message.msgctxt, message.msgid),
        id=item.id,
        doc=item.doc.id,
        line=message.line,
        msgctxt=message.msgctxt,
        state=review.state,
        tier=review.tier.name,
        approvals=review.approvals,
        needed=review.tier.approvals,
        experts_needed=review.tier.subject_experts,
        high_risk=high_risk(item, panel),
        changed=item.changed_since_approval,
        context=context_lines(message.auto_comments),
        source=tuple(pieces(message.msgid, source_matches, hints)),
        source_plural=tuple(pieces(message.msgid_plural, [])) if message.msgid_plural else (),
        translations=tuple(
            tuple(pieces(text, found, hints))
            for text, found in zip(message.strings, translation_matches, strict=True)
        ),
        text=text_hash(message),
        terms=tuple(terms),
        previous=_previous(previous, message.msgstr),
        comments=tuple(comments),
        can_approve=not note,
        approve_note=note,
        mine=mine,
        needs=approval_words(
            review.tier.approvals, review.tier.subject_experts, review.approvals, review.state, t
        ),
        contacts=tuple(
            edition_contacts([c for c, _line in placeholders(message.msgid)], editions or {}, t)
        ),
        source_change=source_change,
    )


def context_lines(comments: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The extracted comments a reviewer needs, as label keys of the page: the section (its
    path is English content), the testimony note; never the tool's block kinds or glossary
    hints (shown apart), and the risk note only as the "high risk" badge.

    >>> context_lines(["section: Intro › Safety", "kind: list item", "glossary: x → y"])
    (('section', 'Intro › Safety'),)
    """
    out: list[tuple[str, str]] = []
    for comment in comments:
        if comment.startswith("section: "):
            out.append(("section", comment.removeprefix("section: ")))
        elif comment == FLAG_COMMENTS["testimony"]:
            out.append(("note_testimony", ""))
        elif comment.startswith(("kind: ", "glossary: ")) or comment == FLAG_COMMENTS["risk-high"]:
            continue
        else:
            out.append(("note", comment))
    return tuple(out)


def approval_words(
    needed: int, experts: int, approvals: Iterable[str], state: str, t: Texts = ENGLISH_TEXTS
) -> str:
    """What an entry needs, as a social worker would say it.

    >>> approval_words(2, 1, (), "translated")
    'needs 2 approvals, one from a subject expert — none yet'
    >>> approval_words(2, 1, ("fr-lang-1",), "translated")
    'needs 2 approvals, one from a subject expert — 1 so far (fr-lang-1)'
    >>> approval_words(1, 0, ("a", "b"), "approved")
    'approved by a and b'
    """
    given = list(approvals)
    if state == "approved":
        return t("approved_by", who=t.join(given))
    if needed == 1:
        wanted = t("needs_one_expert") if experts else t("needs_one")
    elif experts == 1:
        wanted = t("needs_many_one_expert", count=needed)
    elif experts:
        wanted = t("needs_many_experts", count=needed, experts=experts)
    else:
        wanted = t("needs_many", count=needed)
    if not given:
        return t("none_yet", needs=wanted)
    return t("so_far", needs=wanted, count=len(given), who=", ".join(given))


def _previous(decision: Decision | None, current: str) -> Previous | None:
    if decision is None:
        return None
    ops = tuple(word_diff_ops(decision.translation, current))
    return Previous(decision.reviewer, decision.time[:10], decision.translation, ops)


def _approve_note(item: Item, mine: bool, may_decide: bool, t: Texts) -> str:
    if not may_decide:
        return t("note_not_yours")
    if not item.message.has_translation:
        return t("note_untranslated")
    if item.message.fuzzy:
        return t("note_fuzzy")
    if mine:
        return t("note_mine")
    return ""
