"""Language names and the locale data a PO header needs (CLDR via Babel).

A language folder's name is the user's, written as gettext writes it (``fr``, ``pt_BR``,
``zh_CN``, ``sr@latin``, ``sr_RS@latin``, ``ca@valencia``): it is kept as written everywhere —
folder, ``Language`` header, ``--locale`` — and Babel is asked only what it *means* (language,
script, right-to-left, plural rules, English name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.plurals import get_plural

from equalcity.errors import EqualcityError


def normalize(code: str) -> str:
    """Babel's form of a language code (CLDR lookups only, never a folder name), or an error.

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
    from equalcity.po.plurals import default_header

    return default_header(code) or get_plural(Locale.parse(normalize(code))).plural_forms


def english_name(code: str) -> str:
    """The language's English name, for headers and messages.

    >>> english_name("pt_BR")
    'Portuguese (Brazil)'
    >>> english_name("sr_RS@latin")
    'Serbian (Latin, Serbia)'
    """
    return parse_name(code).english_name


def is_rtl(code: str) -> bool:
    """True when the language (in its script) is written right to left.

    >>> is_rtl("fa"), is_rtl("pa_Arab"), is_rtl("pa")
    (True, True, False)
    """
    return parse_name(code).rtl


# -- gettext names -----------------------------------------------------------------------------

# ll[_Ssss][_CC][@modifier]: ISO 639 language, ISO 15924 script (Weblate writes zh_Hans),
# ISO 3166 or UN M.49 territory, and a modifier (gettext's sr@latin, ca@valencia).
_NAME = re.compile(
    r"(?P<language>[a-z]{2,3})(?:_(?P<script>[A-Z][a-z]{3}))?"
    r"(?:_(?P<territory>[A-Z]{2}|[0-9]{3}))?(?:@(?P<modifier>[a-z][a-z0-9]*))?"
)
# gettext's script modifiers (sr@latin, uz@cyrillic, ks@devanagari) and the scripts they name.
SCRIPT_MODIFIERS = {
    "latin": "Latn",
    "cyrillic": "Cyrl",
    "arabic": "Arab",
    "devanagari": "Deva",
    "hebrew": "Hebr",
}
_EXAMPLES = "such as fr, pt_BR, zh_CN, sr@latin or ca@valencia"


@dataclass(frozen=True)
class LocaleName:
    """A language folder's gettext name, and what it means."""

    name: str  # as written: the folder, the Language header, what --locale matches
    language: str
    script: str | None  # written (zh_Hans), from a modifier (@latin), or CLDR's likely script
    territory: str | None
    modifier: str | None  # a modifier that is not a script (ca@valencia)
    script_named: bool = False  # the name says the script (zh_Hans, sr@latin)

    @property
    def identity(self) -> tuple[str, str | None, str | None, str | None]:
        """What two names must share to mean the same language (``zh_CN`` = ``zh_Hans_CN``)."""
        return (self.language, self.script, self.territory, self.modifier)

    @property
    def babel(self) -> Locale:
        """The closest CLDR locale (``sr_RS@latin``: ``sr_Latn_RS``)."""
        parts = [self.language, self.script, self.territory]
        for candidate in (parts, parts[:2], parts[:1]):
            try:
                return Locale.parse("_".join(p for p in candidate if p))
            except (UnknownLocaleError, ValueError):
                continue
        raise EqualcityError(f"unknown language code {self.language!r}")  # pragma: no cover

    @property
    def english_name(self) -> str:
        name = str(self.babel.english_name)
        return f"{name} ({self.modifier})" if self.modifier else name

    @property
    def rtl(self) -> bool:
        return bool(self.babel.character_order == "right-to-left")

    @property
    def bcp47(self) -> str:
        """The BCP 47 tag for HTML ``lang`` and TBX ``xml:lang`` (``sr-Latn``, ``ca-valencia``)."""
        named_script = self.script if self.script_named else None
        parts = [self.language, named_script, self.territory, self.modifier]
        return "-".join(p for p in parts if p)


def parse_name(name: str) -> LocaleName:
    """Understand a gettext language name, or say why it is not one.

    >>> parse_name("sr_RS@latin").identity
    ('sr', 'Latn', 'RS', None)
    >>> parse_name("zh_TW").script, parse_name("ca@valencia").bcp47
    ('Hant', 'ca-valencia')
    >>> parse_name("pt-BR")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    equalcity.errors.EqualcityError: 'pt-BR' is not a gettext language name; write pt_BR ...
    """
    return _parse_name(name)


@lru_cache(maxsize=256)
def _parse_name(name: str) -> LocaleName:
    match = _NAME.fullmatch(name)
    if match is None:
        hint = name.replace("-", "_")
        if hint != name and _NAME.fullmatch(hint):
            raise EqualcityError(
                f"{name!r} is not a gettext language name; write {hint} "
                "(gettext and PO editors name folders language_COUNTRY)"
            )
        raise EqualcityError(
            f"{name!r} is not a gettext language name; use ll, ll_CC or ll@variant, {_EXAMPLES}"
        )
    language, script, territory, modifier = match.group(
        "language", "script", "territory", "modifier"
    )
    english = Locale("en")
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        where = f" in {name!r}" if name != language else ""
        raise EqualcityError(
            f"unknown language code {language!r}{where}; "
            "use an ISO 639 code such as fr, de, pt_BR or ar"
        ) from None
    if territory is not None and territory not in english.territories:
        raise EqualcityError(f"unknown country or region {territory!r} in {name!r}")
    if script is not None and script not in english.scripts:
        raise EqualcityError(f"unknown script {script!r} in {name!r}")
    if modifier in SCRIPT_MODIFIERS:
        script, modifier = script or SCRIPT_MODIFIERS[modifier], None
    if script is not None:
        return LocaleName(name, language, script, territory, modifier, script_named=True)
    return LocaleName(name, language, _likely_script(language, territory), territory, modifier)


def _likely_script(language: str, territory: str | None) -> str | None:
    """CLDR's likely script of the language in its territory (zh_TW: Hant; sr: Cyrl)."""
    likely: Mapping[str, str] = get_global("likely_subtags")
    keys = [f"{language}_{territory}"] if territory else []
    for key in [*keys, language]:
        if key in likely:
            parts = likely[key].split("_")
            return parts[1] if len(parts) > 2 else None
    return None


def language_of(name: str) -> str:
    """The language part of a folder name, for per-language data (stemmers, glossary, roster).

    >>> language_of("sr@latin"), language_of("pt_BR"), language_of("fr")
    ('sr', 'pt', 'fr')
    """
    return re.split(r"[_@.-]", name, maxsplit=1)[0]


def same_language(a: str, b: str) -> bool:
    """True when two names mean the same language, script and country (``zh_CN``, ``zh_Hans_CN``).

    >>> same_language("zh_CN", "zh_Hans_CN"), same_language("sr@latin", "sr")
    (True, False)
    """
    try:
        return parse_name(a).identity == parse_name(b).identity
    except EqualcityError:
        return False
