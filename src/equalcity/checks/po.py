"""PO file health: syntax, header, plural forms, canonical layout."""

from __future__ import annotations

import re
from collections.abc import Iterator

from equalcity.checks import FileContext, file_check
from equalcity.po.catalog import canonical
from equalcity.po.plurals import plural_problem
from equalcity.po.wrap import format_native

_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


@file_check(
    "po-syntax",
    "error",
    "The file is not a valid PO file; fix the line named (PO editors show the same error).",
)
def syntax(context: FileContext) -> Iterator[tuple[int, str]]:
    # Reported by the runner when the file cannot be read; listed here for --list-checks.
    return iter(())


@file_check(
    "po-header",
    "error",
    "The header must name the language, UTF-8, and a Plural-Forms rule that means the same as "
    "gettext's or CLDR's rule for the language; 'equalcity update' fills what is missing and "
    "replaces a wrong rule, moving plural translations to their new places.",
)
def header(context: FileContext) -> Iterator[tuple[int, str]]:
    catalog = context.catalog
    line = catalog.header.line if catalog.header else 1
    if catalog.header is None:
        yield 1, "no header entry (msgid \"\"); run 'equalcity update'"
        return
    fields = catalog.header_fields()
    language = fields.get("Language", "")
    if not language:
        yield line, "header has no Language; run 'equalcity update'"
    elif language != context.locale:
        yield line, f"header says Language: {language}, but the file is in locales/{context.locale}"
    content_type = fields.get("Content-Type", "")
    if "charset=UTF-8" not in content_type.replace("utf-8", "UTF-8"):
        yield line, f"Content-Type must be 'text/plain; charset=UTF-8', not {content_type!r}"
    actual = fields.get("Plural-Forms", "")
    fix = f"run 'equalcity update --locale {context.locale}'"
    if not actual:
        yield line, f"header has no Plural-Forms; {fix}"
        return
    problem = plural_problem(context.locale, actual)
    if problem:
        yield line, f"{problem}; {fix} (it moves plural translations to the new rule's places)"


@file_check(
    "po-plural-count",
    "error",
    "A plural entry needs exactly one msgstr[N] per plural form of the language.",
)
def plural_count(context: FileContext) -> Iterator[tuple[int, str]]:
    match = _NPLURALS.search(context.catalog.header_fields().get("Plural-Forms", ""))
    if not match:
        return
    expected = int(match.group(1))
    for message in context.catalog.active:
        if message.msgid_plural is not None and len(message.msgstr_plural) != expected:
            yield (
                message.msgstr_line or message.line,
                f"{len(message.msgstr_plural)} plural forms, the language has {expected}",
            )


@file_check(
    "po-canonical",
    "warning",
    "Only the line layout differs from GNU gettext's (what Poedit and msgcat write), e.g. after "
    "a Weblate, polib or Babel save; run 'equalcity format FILE' (CI does it on main).",
)
def canonical_layout(context: FileContext) -> Iterator[tuple[int, str]]:
    native = format_native(context.catalog)
    if native == context.text:
        return
    # Not what our port of gettext's layout writes (or beyond it): msgcat has the last word.
    expected = canonical(context.text, context.path)
    if expected == context.text:
        return
    ours, theirs = context.text.split("\n"), expected.split("\n")
    line = next(
        (i + 1 for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    yield line, "not in GNU gettext's canonical layout from here on; run 'equalcity format'"
