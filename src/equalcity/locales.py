"""Language codes and the locale data a PO header needs (CLDR via Babel)."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from babel.messages.plurals import get_plural

from .errors import EqualcityError

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv", "ug"})


def normalize(code: str) -> str:
    """The gettext form of a language code, or an error for a code CLDR does not know.

    >>> normalize("pt-BR")
    'pt_BR'
    >>> normalize("xx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    equalcity.errors.EqualcityError: unknown language code 'xx'; use an ISO 639 code ...
    """
    try:
        return str(Locale.parse(code.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise EqualcityError(
            f"unknown language code {code!r}; use an ISO 639 code such as fr, de, pt_BR or ar"
        ) from None


def plural_forms(code: str) -> str:
    """The ``Plural-Forms`` header value a new file of ``code`` gets: gettext's rule (what
    msginit and Poedit write), CLDR's through Babel for a language gettext does not list.

    >>> plural_forms("fr")
    'nplurals=2; plural=(n > 1);'
    """
    from .plurals import default_header

    return default_header(code) or get_plural(Locale.parse(normalize(code))).plural_forms


def english_name(code: str) -> str:
    """The language's English name, for headers and messages.

    >>> english_name("pt_BR")
    'Portuguese (Brazil)'
    """
    return str(Locale.parse(normalize(code)).english_name)


def is_rtl(code: str) -> bool:
    return normalize(code).split("_")[0] in RTL_LANGUAGES
