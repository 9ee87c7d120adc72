"""Source documents → PO templates over a content repository (``equalcity extract``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from equalcity.errors import EqualcityError
from equalcity.fs import remove_leftovers
from equalcity.po.catalog import (
    Catalog,
    write_po_files,
)
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot


def template_for(project: Project, doc: Document) -> Catalog:
    """The template ``extract`` writes for ``doc`` (the snapshot derives it the same way)."""
    return Snapshot.of(project).template(doc)


@dataclass
class ExtractResult:
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    templates: int = 0
    entries: int = 0


def extract_all(project: Project) -> ExtractResult:
    """Write ``locales/templates/<module>/<doc>.pot`` for every source document."""
    remove_leftovers(project.locales_dir, recursive=True)
    snapshot = Snapshot.of(project)
    docs = snapshot.documents()
    if not docs:
        raise EqualcityError(
            "no documents in source/<module>/<doc>.md", path=project.rel(project.source_dir)
        )
    catalogs = [(doc, snapshot.template(doc)) for doc in docs]
    result = ExtractResult(templates=len(catalogs))
    result.entries = sum(len(c.messages) for _, c in catalogs)
    result.written = write_po_files(
        (project.template_path(doc), catalog, project.rel(project.template_path(doc)))
        for doc, catalog in catalogs
    )
    for stale in sorted(set(snapshot.template_documents()) - set(docs)):
        path = project.template_path(stale)
        path.unlink()
        result.removed.append(path)
    return result
