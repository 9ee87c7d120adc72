"""Translated Markdown from the English source and a catalog (``equalcity build``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from equalcity.content.markdown import render
from equalcity.errors import EqualcityError
from equalcity.fs import read_text, write_atomic
from equalcity.po.catalog import (
    Catalog,
    read_po,
)
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot


def translations(catalog: Catalog) -> dict[str, str]:
    """Msgid → msgstr for entries that are translated and not fuzzy (no msgctxt)."""
    return {
        m.msgid: m.msgstr
        for m in catalog.messages
        if m.translated and m.msgctxt is None and m.msgid_plural is None
    }


def build_text(source: str, catalog: Catalog) -> str:
    """The translated document: non-fuzzy translations spliced in, source text elsewhere."""
    return render(source, translations(catalog).get)


def build_file(source: Path, po: Path, out: Path | None) -> str:
    text = read_text(source)
    catalog = read_po(po)
    try:
        built = build_text(text, catalog)
    except EqualcityError as exc:
        raise exc.located(str(source)) from None
    if out is not None:
        write_atomic(out, built)
    return built


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    documents: int = 0


def build_language(project: Project, code: str, out: Path) -> BuildResult:
    """Write the translated Markdown tree of ``code`` to ``out/<module>/<doc>.md``."""
    snapshot = Snapshot.of(project)
    locale = snapshot.language(code)
    texts = []
    for doc in snapshot.documents():
        catalog = snapshot.catalog_if_any(locale, doc) or Catalog()
        try:
            texts.append((doc, build_text(snapshot.source(doc), catalog)))
        except EqualcityError as exc:
            raise exc.located(f"source/{doc.id}.md") from None
    result = BuildResult(documents=len(texts))
    for doc, text in texts:
        path = out / doc.module / f"{doc.name}.md"
        write_atomic(path, text)
        result.written.append(path)
    return result
