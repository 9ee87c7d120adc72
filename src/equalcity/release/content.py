"""The text of an edition: which string each segment shows, and contacts filled in.

Official editions show approved translations only; where a string has none, the fallback
(another language's approved text, or the English source) fills the gap and is counted. Previews
also show translated strings the panel has not approved yet. Fuzzy strings are never shown.

The "marked" Markdown wraps unapproved and fallback text in private sentinel characters that the
HTML renderer turns into highlights; they are Unicode punctuation, so Markdown emphasis around them
parses as it does at the start or end of a line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from equalcity.content.markdown import Segment, render_segments
from equalcity.errors import EqualcityError
from equalcity.po.catalog import Catalog, Message
from equalcity.po.locales import language_of
from equalcity.release.contacts import PLACEHOLDER, Contact, placeholders
from equalcity.release.editions import SOURCE_CONTACTS, Edition
from equalcity.repository.project import Document
from equalcity.repository.snapshot import Snapshot

UNAPPROVED = ("\u2e28", "\u2e29")  # ⸨ ⸩ translated, not approved (previews only)
FALLBACK = ("\u2e26", "\u2e27")  # ⸦ ⸧ fallback text (no approved translation)
SENTINELS = "".join(UNAPPROVED + FALLBACK)
_STRIP = str.maketrans("", "", SENTINELS)
# A "<" that opens an HTML tag, comment or declaration (not an autolink such as <https://…>
# or <name@example.org>): translations never carry raw HTML into a release.
_RAW_HTML = re.compile(r"<(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:)(?![^<>\s@]+@[^<>\s]+>)")


def neutralise_html(text: str) -> str:
    """Escape raw HTML in a translation so Markdown shows it as text.

    >>> neutralise_html("<script>x</script> <https://e.org> <a@b.org>")
    '&lt;script>x&lt;/script> <https://e.org> <a@b.org>'
    """
    return _RAW_HTML.sub("&lt;", text)


@dataclass
class DocumentText:
    doc: Document
    markdown: str  # what ships as Markdown: contacts filled in, no marks
    marked: str  # the same with sentinel marks around unapproved and fallback text
    heading_ids: list[str]  # anchors of the headings, from the English text: links keep working
    title: str
    summary: str
    strings: int = 0
    marked_title: str = ""  # title and summary with the preview's sentinel marks
    marked_summary: str = ""
    contacts: list[str] = field(
        default_factory=list
    )  # contact ids, in order of first use  # distinct strings of the document
    approved: int = 0
    unapproved: int = 0  # shown although not approved (previews)
    fallback: int = 0
    reviewers: set[str] = field(default_factory=set)

    def as_manifest(self) -> dict[str, object]:
        return {
            "id": self.doc.id,
            "title": self.title,
            "strings": self.strings,
            "approved": self.approved,
            "unapproved_shown": self.unapproved,
            "fallback": self.fallback,
            "reviewers": sorted(self.reviewers),
        }


@dataclass
class _Choice:
    text: str | None  # None: the source text
    status: str  # "approved" | "unapproved" | "fallback"
    reviewers: tuple[str, ...] = ()


class LanguageStrings:
    """Approved (and, for previews, unapproved) strings of one language's documents."""

    def __init__(self, snapshot: Snapshot, language: str) -> None:
        self.snapshot = snapshot
        self.language = language

    def catalog(self, doc: Document) -> Catalog:
        return self.snapshot.catalog_if_any(self.language, doc) or Catalog()

    def review(self, message: Message, doc: Document) -> tuple[str, tuple[str, ...]]:
        entry = self.snapshot.review(self.language, doc, message)
        return entry.state, entry.approvals


def _by_msgid(catalog: Catalog) -> dict[str, Message]:
    return {
        m.msgid: m
        for m in catalog.active
        if m.msgid and m.msgctxt is None and m.msgid_plural is None
    }


def document_text(
    snapshot: Snapshot,
    edition: Edition,
    doc: Document,
    *,
    preview: bool,
    contacts: dict[str, Contact],
    languages: dict[str, LanguageStrings] | None = None,
    example: str = "example — not a real service",
) -> DocumentText:
    """The edition's text of one document, with counts for the manifest; ``example`` is the
    label every placeholder contact carries, in the edition's language."""
    languages = languages if languages is not None else {}
    for code in (edition.language, edition.fallback):
        if code != "en" and code not in languages:
            languages[code] = LanguageStrings(snapshot, code)
    main = languages[edition.language]
    fallback = languages.get(edition.fallback) if edition.fallback != "en" else None
    entries = _by_msgid(main.catalog(doc))
    fallback_entries = _by_msgid(fallback.catalog(doc)) if fallback else {}
    choices: dict[str, _Choice] = {}

    def choose(msgid: str) -> _Choice:
        if msgid in choices:
            return choices[msgid]
        message = entries.get(msgid)
        choice = _Choice(None, "fallback")
        if message is not None and message.translated:
            state, approvals = main.review(message, doc)
            if state == "approved":
                choice = _Choice(message.msgstr, "approved", approvals)
            elif preview:
                choice = _Choice(message.msgstr, "unapproved")
        if choice.status == "fallback" and fallback is not None:
            other = fallback_entries.get(msgid)
            if other is not None and other.translated:
                state, approvals = fallback.review(other, doc)
                if state == "approved":
                    choice = _Choice(other.msgstr, "fallback", approvals)
        choices[msgid] = choice
        return choice

    def plain(segment: Segment) -> str | None:
        text = choose(segment.msgid).text
        return None if text is None else neutralise_html(text.translate(_STRIP))

    def marked(segment: Segment) -> str | None:
        choice = choose(segment.msgid)
        if choice.text is None:
            text = segment.msgid.translate(_STRIP)
        else:
            text = neutralise_html(choice.text.translate(_STRIP))
        if choice.status == "unapproved":
            return UNAPPROVED[0] + text + UNAPPROVED[1]
        if choice.status == "fallback" and (edition.language != "en"):
            return FALLBACK[0] + text + FALLBACK[1]
        return None if choice.text is None else text

    display = f"source/{doc.id}.md"
    source = snapshot.source(doc).translate(_STRIP)
    for contact_id, line in placeholders(source):
        if contact_id not in contacts:
            raise EqualcityError(
                f"{{{{contact:{contact_id}}}}} is defined in no contacts file of this edition; "
                "add it to source/contacts.toml or the edition's contacts file",
                path=display,
                line=line,
            )
    try:
        markdown = render_segments(source, plain)
        marked_text = render_segments(source, marked)
    except EqualcityError as exc:
        raise exc.located(display) from None
    english = FALLBACK if language_of(edition.language) != "en" else None
    result = DocumentText(
        doc,
        fill_contacts(markdown, contacts, display, example=example),
        fill_contacts(marked_text, contacts, display, example=example, english=english),
        heading_ids(source),
        "",
        "",
    )
    result.title, result.summary = front_matter(result.markdown, display)
    result.marked_title, result.marked_summary = front_matter(result.marked, display)
    result.contacts = list(dict.fromkeys(c for c, _ in placeholders(source)))
    for choice in choices.values():
        result.strings += 1
        if choice.status == "approved":
            result.approved += 1
            result.reviewers.update(choice.reviewers)
        elif choice.status == "unapproved":
            result.unapproved += 1
        else:
            result.fallback += 1
            result.reviewers.update(choice.reviewers)
    return result


def heading_ids(source: str) -> list[str]:
    """Anchors for a document's headings in order, made from the English headings."""
    from equalcity.release.html import headings_of

    return [anchor for _, anchor, _ in headings_of(source, all_levels=True)]


def contact_text(
    contact: Contact, example: str = "", english: tuple[str, str] | None = None
) -> str:
    """A contact as Markdown: the name (linked when it has a web page), the phone number, and
    for a placeholder the ``example`` label; ``english`` wraps a name that comes from the English
    register in the fallback marks, so it is laid out as English inside another language.

    >>> c = Contact("x", "Helpline", "116 006", "https://e.org", "", "", False, None, "f", 1)
    >>> contact_text(c)
    '[Helpline](https://e.org) ([116 006](tel:116006))'
    >>> contact_text(Contact("y", "Shelter", "+00 1", "", "", "", True, None, "f", 1), "example")
    'Shelter ([+00 1](tel:+001), *example*)'
    """
    name = contact.name.replace("[", "\\[").replace("]", "\\]")
    if english is not None and contact.origin == SOURCE_CONTACTS:
        name = english[0] + name + english[1]
    text = f"[{name}]({contact.url})" if contact.url else name
    details = []
    if contact.phone:
        details.append(f"[{contact.phone}](tel:{contact.all_numbers[0].tel})")
    if contact.email:
        details.append(f"<{contact.email}>")
    if contact.example and example:
        details.append(f"*{example}*")
    return text + (f" ({', '.join(details)})" if details else "")


def fill_contacts(
    text: str,
    contacts: Mapping[str, Contact],
    display: str,
    *,
    example: str = "",
    english: tuple[str, str] | None = None,
) -> str:
    """Replace every ``{{contact:ID}}``; an ID no contacts file defines is an error."""

    def replace(match: re.Match[str]) -> str:
        contact = contacts.get(match.group(1))
        if contact is None:
            line = text.count("\n", 0, match.start()) + 1
            raise EqualcityError(
                f"{{{{contact:{match.group(1)}}}}} is defined in no contacts file of this "
                "edition; add it to source/contacts.toml or the edition's contacts file",
                path=display,
                line=line,
            )
        return contact_text(contact, example, english)

    return PLACEHOLDER.sub(replace, text)


def front_matter(markdown: str, display: str = "<document>") -> tuple[str, str]:
    """The title and summary of a document's front matter ("" when it has none); front matter
    that is not a YAML mapping is an error naming ``display`` (the source document)."""
    if not markdown.startswith("---"):
        return "", ""
    end = markdown.find("\n---", 3)
    if end < 0:
        raise EqualcityError(
            "the front matter has no closing '---' line; close it after the last field",
            path=display,
            line=1,
        )
    try:
        data = yaml.safe_load(markdown[3:end])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise EqualcityError(
            f"the front matter is not valid YAML ({getattr(exc, 'problem', exc)}); check the "
            "translation of its title and summary",
            path=display,
            line=mark.line + 1 if mark else 1,
        ) from None
    if data is None:
        return "", ""
    if not isinstance(data, dict):
        raise EqualcityError(
            "the front matter must be 'title: …' and 'summary: …' fields", path=display, line=1
        )
    return str(data.get("title", "")), str(data.get("summary", ""))


def strip_marks(text: str) -> str:
    return text.translate(_STRIP)
