"""New languages and template changes merged into the translations (``equalcity init``, ``update``).

Every operation reads and validates all its inputs first and writes only when everything is
ready, so bad input anywhere leaves every file as it was. No translation is ever lost: what
``merge`` cannot place stays in the file as an obsolete entry.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from equalcity.content.templates import PROJECT
from equalcity.errors import EqualcityError
from equalcity.fs import remove_leftovers, write_atomic
from equalcity.glossary.matching import hints
from equalcity.glossary.matching import matcher as glossary_matcher
from equalcity.glossary.termbase import Glossary
from equalcity.po.catalog import (
    Catalog,
    Message,
    format_header,
    render_canonical,
)
from equalcity.po.locales import english_name, parse_name, plural_forms, same_language
from equalcity.po.merge import Compendium, FuzzyIndex, MergeStats, merge
from equalcity.po.plurals import migrate_strings, plural_problem, reorder
from equalcity.po.plurals import parse as parse_plural
from equalcity.repository.project import TEMPLATES, Document, Project
from equalcity.repository.snapshot import Snapshot

Clock = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def po_header(locale: str, source: str, now: dt.datetime) -> Message:
    """A complete header for a new translation of ``source`` into ``locale``."""
    fields = {
        "Project-Id-Version": PROJECT,
        "Report-Msgid-Bugs-To": "",
        "PO-Revision-Date": now.strftime("%Y-%m-%d %H:%M+0000"),
        "Last-Translator": "",
        "Language-Team": english_name(locale),
        "Language": locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(locale),
        "X-Source": source,
    }
    return Message(
        "",
        format_header(fields),
        comments=[f"{english_name(locale)} translation of {source}."],
    )


def complete_header(header: Message, locale: str) -> Message:
    """``header`` with the fields every PO file must have added where missing."""
    fields = dict(_header_fields(header))
    required = {
        "Language": locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(locale),
    }
    changed = False
    for name, value in required.items():
        if not fields.get(name):
            fields[name] = value
            changed = True
    if not changed:
        return header
    updated = Message("", format_header(fields), comments=list(header.comments))
    updated.flags = list(header.flags)
    return updated


def migrate_plural_rule(catalog: Catalog, locale: str, display: str) -> None:
    """Replace a Plural-Forms rule that is wrong for the language with gettext's rule, moving
    every plural translation to the index the new rule gives the same numbers (in place).

    Refuses (nothing written) when the two rules do not divide the numbers into the same
    groups: then a translation would be lost or invented, and a person must decide.
    """
    header = catalog.header
    if header is None:
        return
    fields = _header_fields(header)
    value = fields.get("Plural-Forms", "")
    wanted = plural_forms(locale)
    if not value or plural_problem(locale, value) is None:
        return
    plural = [m for m in catalog.messages if m.msgid_plural is not None and any(m.msgstr_plural)]
    if plural:
        try:
            old = parse_plural(value)
            order = reorder(old, parse_plural(wanted))
        except EqualcityError:
            order = None
        if order is None:
            raise EqualcityError(
                f"Plural-Forms {value!r} cannot be changed to {wanted!r} without losing "
                "plural translations (the rules group the numbers differently); move the "
                "msgstr[N] lines by hand, then run 'equalcity update' again",
                path=display,
                line=header.line,
            )
        for message in plural:
            message.msgstr_plural = migrate_strings(message.msgstr_plural, order)
    fields["Plural-Forms"] = wanted
    updated = Message("", format_header(fields), comments=list(header.comments))
    updated.flags = list(header.flags)
    updated.line = header.line
    catalog.header = updated


def _header_fields(header: Message) -> dict[str, str]:
    return Catalog(header=header).header_fields()


@dataclass
class UpdateResult:
    written: list[Path] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    stats: dict[str, MergeStats] = field(default_factory=dict)


def _templates(project: Project) -> dict[Document, Catalog]:
    snapshot = Snapshot.of(project)
    docs = snapshot.template_documents()
    if not docs:
        raise EqualcityError(
            "no templates yet; run 'equalcity extract' first",
            path=project.rel(project.templates_dir),
        )
    return {doc: snapshot.catalog_at(f"locales/{TEMPLATES}/{doc.id}.pot") for doc in docs}


def _read_locale(project: Project, locale: str) -> dict[Document, Catalog]:
    snapshot = Snapshot.of(project)
    return {doc: snapshot.catalog(locale, doc) for doc in snapshot.po_documents(locale)}


def init_language(project: Project, code: str, clock: Clock = _utcnow) -> UpdateResult:
    """Create ``locales/<lang>/`` with one PO file per template, named as ``code`` is written."""
    locale = parse_name(code).name
    folder = project.locales_dir / locale
    if folder.exists():
        raise EqualcityError(
            f"language {locale} exists already; run 'equalcity update --locale {locale}'",
            path=project.rel(folder),
        )
    for other in Snapshot.of(project).locales():
        if same_language(other, locale):
            raise EqualcityError(
                f"locales/{other}/ is this language already; run "
                f"'equalcity update --locale {other}' (or rename the folder)",
                path=project.rel(project.locales_dir / other),
            )
    return update_languages(project, [locale], clock=clock, create=True)


def update_languages(
    project: Project,
    locales: Iterable[str] | None = None,
    *,
    clock: Clock = _utcnow,
    create: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> UpdateResult:
    """Merge every template into every PO file of ``locales`` (default: all languages).

    Languages are merged in parallel (one worker per core); every file is read, merged and laid
    out before the first one is written. ``progress(done, total)`` counts languages merged.
    """
    _templates(project)  # fail early, before starting workers
    remove_leftovers(project.locales_dir, recursive=True)
    snapshot = Snapshot.of(project)
    names = list(locales) if locales is not None else snapshot.locales()
    if not create:
        names = [snapshot.language(name) for name in names]
    glossary = snapshot.glossary()
    now = clock()
    jobs = min(jobs or os.cpu_count() or 1, max(len(names), 1))
    groups = [names[i::jobs] for i in range(jobs)]
    tasks = [_UpdateTask(project, group, now, glossary) for group in groups if group]
    parts: list[_UpdatePart] = []

    def done(part: _UpdatePart) -> None:
        parts.append(part)
        if progress is not None:
            progress(sum(len(p.stats) for p in parts), len(names))

    if len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=len(tasks)) as pool:
            for part in pool.map(_update_group, tasks):
                done(part)
    else:
        for task in tasks:
            done(_update_group(task))
    result = UpdateResult()
    for part in parts:
        result.created += part.created
        result.stats.update(part.stats)
    result.stats = dict(sorted(result.stats.items()))
    result.written = [
        path for part in parts for path, text in part.outputs if write_atomic(path, text)
    ]
    return result


@dataclass(frozen=True)
class _UpdateTask:
    project: Project
    locales: list[str]
    now: dt.datetime
    glossary: Glossary


@dataclass
class _UpdatePart:
    outputs: list[tuple[Path, str]] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    stats: dict[str, MergeStats] = field(default_factory=dict)


def _update_group(task: _UpdateTask) -> _UpdatePart:
    """Merge the templates into the PO files of some languages; return their new text."""
    project, now = task.project, task.now
    templates = _templates(project)
    old = {locale: _read_locale(project, locale) for locale in task.locales}
    # Shared by the languages of this worker; each language still takes the best candidate
    # among its own translations, so the result does not depend on how languages are grouped.
    fuzzy = _fuzzy_indexes(templates, old.values())
    part = _UpdatePart()
    catalogs_out: list[tuple[Path, Catalog, str]] = []
    for locale, catalogs in old.items():
        stats = MergeStats()
        compendium = Compendium.of(catalogs.values())
        for doc in sorted(set(templates) | set(catalogs)):
            path = project.po_path(locale, doc)
            template = templates.get(doc, Catalog())
            previous = catalogs.get(doc)
            source = project.rel(project.source_path(doc))
            if previous is None:
                previous = Catalog(header=po_header(locale, source, now))
                part.created.append(path)
            migrate_plural_rule(previous, locale, project.rel(path))
            header = complete_header(previous.header or po_header(locale, source, now), locale)
            merged, doc_stats = merge(
                template,
                previous,
                compendium=compendium,
                fuzzy=fuzzy.get(doc),
                header=header,
            )
            stats.add(doc_stats)
            _add_glossary_hints(merged, task.glossary, locale)
            catalogs_out.append((path, merged, project.rel(path)))
        part.stats[locale] = stats
    texts = render_canonical((catalog, display) for _, catalog, display in catalogs_out)
    part.outputs = [(path, text) for (path, _, _), text in zip(catalogs_out, texts, strict=True)]
    return part


def _add_glossary_hints(catalog: Catalog, glossary: Glossary, locale: str) -> None:
    """Append ``#. glossary: …`` lines (the template's comments are fresh, so none repeat)."""
    if not glossary.concepts:
        return
    source = glossary_matcher(glossary, "en")
    for message in catalog.active:
        message.auto_comments = [
            c for c in message.auto_comments if not c.startswith("glossary: ")
        ] + hints(glossary, source, locale, message.msgid)


def _fuzzy_indexes(
    templates: dict[Document, Catalog], languages: Iterable[dict[Document, Catalog]]
) -> dict[Document, FuzzyIndex]:
    choices: dict[Document, dict[str, None]] = {doc: {} for doc in templates}
    for catalogs in languages:
        for doc, catalog in catalogs.items():
            bucket = choices.setdefault(doc, {})
            for message in catalog.messages:
                if message.has_translation:
                    bucket[message.msgid] = None
    return {doc: FuzzyIndex(list(bucket)) for doc, bucket in choices.items()}
