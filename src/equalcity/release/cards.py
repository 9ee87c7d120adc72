"""Contact cards: one model (``editions.Contact``), one HTML rendering for pages, PDFs and the
referral card, so a number, its purpose, the hours and who a service is for read the same
everywhere.

A field the contacts file does not give is shown as unknown ("ask when you call"), never
guessed; a placeholder says "example — not a real service" in the edition's language; text that
comes from the English register inside another language carries ``lang="en" dir="ltr"`` so it
is read and laid out as English (and isolated from right-to-left text around it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from html import escape

from babel import Locale, UnknownLocaleError

from equalcity.po.locales import language_of
from equalcity.release.contacts import Contact, Number
from equalcity.release.editions import SOURCE_CONTACTS


def text_language(contact: Contact, language: str) -> str:
    """The language a contact's text is written in: English for the source register."""
    return "en" if contact.origin == SOURCE_CONTACTS else language


@lru_cache(maxsize=32)
def _language_names(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(language.replace("-", "_")).languages)
    except (UnknownLocaleError, ValueError):
        return {}


def language_name(code: str, language: str) -> str:
    """A language code's name in the edition's language (the code itself when unknown).

    >>> language_name("de", "fr"), language_name("xx", "fr")
    ('allemand', 'xx')
    """
    return _language_names(language).get(code.replace("-", "_"), code)


def tel_link(number: Number) -> str:
    """A number that is one tap away, never reversed in right-to-left text, never wrapped."""
    return f'<a class="tel" href="tel:{escape(number.tel)}" dir="ltr">{escape(number.number)}</a>'


def _value(text: str, contact_lang: str, page_lang: str) -> str:
    if contact_lang != page_lang:
        return f'<span lang="{contact_lang}" dir="ltr">{escape(text)}</span>'
    return escape(text)


def card(
    contact: Contact,
    labels: Mapping[str, str],
    language: str,
    *,
    heading: str = "h3",
    compact: bool = False,
) -> str:
    """One contact as an HTML card (``compact``: the referral card's short form)."""
    page_lang = language_of(language)
    lang = text_language(contact, page_lang)
    unknown = f'<span class="unknown">{escape(labels["unknown"])}</span>'

    def text(value: str) -> str:
        return _value(value, lang, page_lang) if value else unknown

    name = _value(contact.name, lang, page_lang)
    if contact.url and not compact:
        name = f'<a href="{escape(contact.url)}">{name}</a>'
    parts = [
        f'<article class="contact-card{" example" if contact.example else ""}" '
        f'id="contact-{escape(contact.id)}">',
        f'<{heading} class="contact-name">{name}</{heading}>',
    ]
    if contact.example:
        parts.append(f'<p class="example-label"><strong>{escape(labels["example"])}</strong></p>')
    rows: list[tuple[str, str]] = []
    missing: list[str] = []  # compact cards name the unknown fields on one line
    numbers = contact.all_numbers
    for number in numbers:
        purpose = _value(number.purpose, lang, page_lang) if number.purpose else ""
        if purpose:
            # the number first: on a wall card the eye looks for the digits
            rows.append((tel_link(number), purpose))
        else:
            rows.append((escape(labels["phone"]), tel_link(number)))
    if not numbers:
        rows.append((escape(labels["phone"]), unknown))
    names = ", ".join(language_name(code, page_lang) for code in contact.languages)
    for key, value in (
        ("hours", text(contact.hours) if contact.hours else ""),
        ("audience", text(contact.audience) if contact.audience else ""),
        ("remit", text(contact.remit) if contact.remit else ""),
        ("languages", escape(names)),
    ):
        if value:
            rows.append((escape(labels[key]), value))
        elif compact:
            missing.append(labels[key])
        else:
            rows.append((escape(labels[key]), unknown))
    if contact.address:
        rows.append((escape(labels["address"]), text(contact.address)))
    if contact.email:
        mail = escape(contact.email)
        rows.append((escape(labels["email"]), f'<a href="mailto:{mail}">{mail}</a>'))
    verified = (
        f'<time datetime="{contact.verified.isoformat()}">{contact.verified.isoformat()}</time>'
        if contact.verified
        else f'<span class="unknown">{escape(labels["not_verified"])}</span>'
    )
    rows.append((escape(labels["verified"]), verified))
    parts.append("<dl>")
    for label, value in rows:
        parts.append(f"<div><dt>{label}</dt><dd>{value}</dd></div>")
    parts.append("</dl>")
    if missing:
        parts.append(
            f'<p class="unknown">{escape(", ".join(missing))} — {escape(labels["unknown"])}</p>'
        )
    parts.append("</article>")
    return "\n".join(parts)


def cards_section(
    contacts: Iterable[Contact], labels: Mapping[str, str], language: str, anchor: str
) -> str:
    """The cards of every contact a document names, after its text."""
    items = [card(c, labels, language) for c in contacts]
    if not items:
        return ""
    title = escape(labels["contacts_here"])
    return (
        f'<section class="contact-cards" aria-labelledby="{anchor}">\n'
        f'<h2 id="{anchor}">{title}</h2>\n' + "\n".join(items) + "\n</section>\n"
    )


def referral_order(contacts: Iterable[Contact]) -> tuple[list[Contact], list[Contact]]:
    """Emergency services first (in the order the text uses them), then everyone else."""
    listed = list(contacts)
    emergency = [c for c in listed if c.category == "emergency"]
    return emergency, [c for c in listed if c.category != "emergency"]
