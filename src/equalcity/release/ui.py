"""The page furniture of a release (navigation, the preview notice, contact-card labels), as
text that goes through the same PO files and review as the toolbox itself.

``source/ui/page-furniture.md`` holds the English labels, each a paragraph after a
``<!-- ui: KEY -->`` marker; ``extract`` and ``update`` give every language its
``locales/<lang>/ui/page-furniture.po``, the panel reviews it like any document, and the release
takes a label from it as it takes any string: approved (or, in a preview, translated), else the
English text. ``ENGLISH`` is what a repository without the catalogue gets, and the list of keys
the templates may use.
"""

from __future__ import annotations

from equalcity.content.uitext import PAGE_FURNITURE, load_labels, parse_catalogue
from equalcity.release.editions import Edition
from equalcity.repository.snapshot import Snapshot

__all__ = ["CATALOGUE", "ENGLISH", "labels", "parse_catalogue"]

CATALOGUE = PAGE_FURNITURE

ENGLISH: dict[str, str] = {
    "skip": "Skip to content",
    "contents": "Contents",
    "home": "Home",
    "modules": "Modules",
    "in_module": "In this module",
    "previous": "Previous",
    "next": "Next",
    "pdf": "PDF for printing",
    "version": "Version",
    "testimony": "Testimony (fictional composite)",
    "table_hint": "Wide table: scroll sideways to see every column.",
    "preview": "Preview — not reviewed. Do not use with survivors or clients.",
    "legend": "Marks in this preview:",
    "unapproved": "translated, not yet approved by the expert panel",
    "fallback": "not translated yet: English original",
    "example": "example — not a real service",
    "contacts_here": "Contacts in this document",
    "phone": "Phone",
    "hours": "Hours",
    "languages": "Languages",
    "remit": "What they do",
    "audience": "Who it is for",
    "address": "Address",
    "web": "Web",
    "email": "E-mail",
    "verified": "Last verified",
    "not_verified": "not verified yet: check before you refer",
    "unknown": "not known: ask when you call",
    "card": "Referral card",
    "card_intro": "Who to call: the emergency and specialist services of this edition. "
    "Check the hours and who each service is for before you refer.",
    "emergency": "In an emergency",
    "specialist": "Specialist services",
    "card_a4": "Referral card, A4 (PDF)",
    "card_a6": "Wallet card, A6 (PDF)",
    "card_fold": "Wallet card to print and fold, A4 (PDF)",
    "card_fold_how": "To make the wallet card: print the sheets on A4 at actual size, on one side "
    "only. Fold each sheet in half with the top half behind, then in half again like a book. If "
    "there are two sheets, slip the second inside the first.",
}


def labels(snapshot: Snapshot, edition: Edition, preview: bool) -> dict[str, str]:
    """The edition's labels: a translation the panel approved (in previews, any translation
    that is not fuzzy), otherwise English."""
    return dict(
        load_labels(snapshot, CATALOGUE, ENGLISH, edition.language, unapproved=preview).text
    )
