"""The termbase enforced: forbidden terms nowhere, preferred terms where the source has them."""

from __future__ import annotations

from collections.abc import Iterator

from equalcity.checks import FileContext, SourceContext, entry_check, source_check
from equalcity.checks.source import segments
from equalcity.glossary.matching import Match, hints, matcher
from equalcity.glossary.termbase import Glossary
from equalcity.po.catalog import Message
from equalcity.po.locales import language_of


def _language(locale: str) -> str:
    return language_of(locale)


@entry_check(
    "glossary-forbidden",
    "error",
    "The translation uses a term the glossary forbids: use the preferred term (the message "
    "says which, and why).",
)
def forbidden(context: FileContext, message: Message) -> Iterator[str]:
    if context.glossary is None or not context.glossary.concepts:
        return
    target = matcher(context.glossary, context.locale)
    if not target.index and context.locale != _language(context.locale):
        target = matcher(context.glossary, _language(context.locale))
    if not target.has_forbidden:
        return
    for text in (s for s in message.strings if s):
        if not target.may_contain_forbidden(text):
            continue
        for match in target.find(text):
            if match.status == "forbidden":
                terms = match.concept.terms.get(target.language)
                use = ", ".join(terms.preferred) if terms else ""
                yield (
                    f"forbidden term {text[match.start : match.end]!r} ({match.concept.id}); "
                    f"use {use!r}. {match.concept.note}"
                ).strip()


@entry_check(
    "glossary-missing",
    "warning",
    "The source uses a glossary term, but the translation has none of its approved "
    "translations: use the preferred term, or say why not in a translator comment.",
)
def missing(context: FileContext, message: Message) -> Iterator[str]:
    if context.glossary is None or not context.glossary.concepts or not message.msgstr:
        return
    target = matcher(context.glossary, context.locale)
    if not target.has_terms:
        return  # the glossary has no terms in this language: nothing can be missing
    source_matches = _source_matches(context.glossary, message.msgid)
    if not source_matches:
        return
    wanted = {}
    for match in source_matches:
        if match.status != "forbidden" and target.language in match.concept.terms:
            terms = match.concept.terms[target.language]
            if terms.preferred:
                wanted[match.concept.id] = (match, terms)
    if not wanted:
        return
    # A forbidden term of the concept is glossary-forbidden's finding: one problem, one line.
    present: set[str] = set()
    for text in message.strings:
        if text:
            present |= target.concepts_in(text, set(wanted))
    for concept_id, (match, terms) in wanted.items():
        if concept_id not in present:
            yield (
                f"{match.term!r} should be translated as {' / '.join(terms.preferred)!r} "
                f"({concept_id}). {match.concept.note}"
            ).strip()


@entry_check(
    "glossary-hint",
    "error",
    "The '#. glossary:' comments that show translators the termbase are missing or out of "
    "date (a msgmerge, e.g. Weblate's add-on, drops them): run 'equalcity update'.",
)
def hint(context: FileContext, message: Message) -> Iterator[str]:
    # Hints are content a translator relies on, but only 'update' writes them: msgmerge keeps
    # '#.' comments from the template alone, and the template cannot hold per-language terms.
    if context.glossary is None or not context.glossary.concepts or message.obsolete:
        return
    expected = hints(
        context.glossary, matcher(context.glossary, "en"), context.locale, message.msgid
    )
    actual = [c for c in message.auto_comments if c.startswith("glossary: ")]
    if actual == expected:
        return
    lost = [line[len("glossary: ") :] for line in expected if line not in actual]
    stale = [line[len("glossary: ") :] for line in actual if line not in expected]
    parts = []
    if lost:
        parts.append("missing glossary hint " + "; ".join(lost))
    if stale:
        parts.append("out-of-date glossary hint " + "; ".join(stale))
    if not parts:
        parts.append("glossary hints out of order")
    yield "; ".join(parts) + "; run 'equalcity update'"


_SOURCE_CACHE: dict[tuple[str, str], list[Match]] = {}


def _source_matches(glossary: Glossary, msgid: str) -> list[Match]:
    """The glossary terms of an English msgid (cached: msgids recur in every language)."""
    key = (glossary.version, msgid)
    found = _SOURCE_CACHE.get(key)
    if found is None:
        if len(_SOURCE_CACHE) > 100_000:
            _SOURCE_CACHE.clear()
        found = _SOURCE_CACHE[key] = matcher(glossary, "en").find(msgid)
    return found


@source_check(
    "source-forbidden-term",
    "error",
    "The English source uses a term the glossary forbids: rewrite it with the preferred term.",
)
def source_forbidden(context: SourceContext) -> Iterator[tuple[int, str]]:
    if context.glossary is None or not context.glossary.concepts:
        return
    english = matcher(context.glossary, "en")
    for segment in segments(context.text):
        if not english.may_contain_forbidden(segment.msgid):
            continue
        for match in english.find(segment.msgid):
            if match.status == "forbidden":
                use = ", ".join(match.concept.terms["en"].preferred)
                yield (
                    segment.line,
                    f"forbidden term {segment.msgid[match.start : match.end]!r} "
                    f"({match.concept.id}); use {use!r}. {match.concept.note}".strip(),
                )
