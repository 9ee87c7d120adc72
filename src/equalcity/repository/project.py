"""Where things live in a content repository: the paths, and the document ids that name them.

What is in those places — which documents and languages exist, their text — is read by
``snapshot`` only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from equalcity.errors import EqualcityError

TEMPLATES = "templates"
CONTENT_FOLDERS = ("source", "locales", "glossary", "workflows")
LEDGER_NAME = "reviews.jsonl"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(?<!\.)")


@dataclass(frozen=True, order=True)
class Document:
    """One source document, e.g. ``02-domestic-violence/module``."""

    module: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.module}/{self.name}"

    @classmethod
    def parse(cls, text: str) -> Document:
        """A document id such as ``02-domestic-violence/module``; nothing that could leave
        ``source/`` or ``locales/`` (``..``, absolute paths, hidden or odd names).

        >>> Document.parse("../module")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        equalcity.errors.EqualcityError: document '../module' is not of the form MODULE/DOC...
        """
        module, sep, name = text.removesuffix(".md").removesuffix(".po").partition("/")
        if not sep or not _NAME.fullmatch(module) or not _NAME.fullmatch(name):
            raise EqualcityError(
                f"document {text!r} is not of the form MODULE/DOC (letters, digits, '-', '_' "
                "and '.' inside a name), e.g. 02-domestic-violence/module"
            )
        return cls(module, name)


@dataclass(frozen=True)
class Project:
    """A checkout with ``source/``, ``locales/`` and friends under ``root``."""

    root: Path

    @property
    def source_dir(self) -> Path:
        return self.root / "source"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.locales_dir / TEMPLATES

    def rel(self, path: Path) -> str:
        """``path`` relative to the root, as shown in messages and ``#:`` references."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def source_path(self, doc: Document) -> Path:
        return self.source_dir / doc.module / f"{doc.name}.md"

    def template_path(self, doc: Document) -> Path:
        return self.templates_dir / doc.module / f"{doc.name}.pot"

    def po_path(self, locale: str, doc: Document) -> Path:
        return self.locales_dir / locale / doc.module / f"{doc.name}.po"
