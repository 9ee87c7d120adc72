"""Where things live in a content repository (see docs/layout in the README)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import EqualcityError
from .locales import normalize

TEMPLATES = "templates"


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
        module, sep, name = text.removesuffix(".md").removesuffix(".po").partition("/")
        if not sep or not module or not name or "/" in name:
            raise EqualcityError(f"document {text!r} is not of the form MODULE/DOC")
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

    def documents(self) -> list[Document]:
        """Every source document, sorted."""
        if not self.source_dir.is_dir():
            raise EqualcityError(
                "no source/ folder here; run in the content repository or pass --root",
                path=self.root,
            )
        return sorted(
            Document(path.parent.name, path.stem) for path in self.source_dir.glob("*/*.md")
        )

    def template_documents(self) -> list[Document]:
        return sorted(
            Document(path.parent.name, path.stem) for path in self.templates_dir.glob("*/*.pot")
        )

    def source_path(self, doc: Document) -> Path:
        return self.source_dir / doc.module / f"{doc.name}.md"

    def template_path(self, doc: Document) -> Path:
        return self.templates_dir / doc.module / f"{doc.name}.pot"

    def po_path(self, locale: str, doc: Document) -> Path:
        return self.locales_dir / locale / doc.module / f"{doc.name}.po"

    def locales(self) -> list[str]:
        """The languages that have a folder under ``locales/``."""
        if not self.locales_dir.is_dir():
            return []
        return sorted(
            path.name
            for path in self.locales_dir.iterdir()
            if path.is_dir() and path.name != TEMPLATES and not path.name.startswith(".")
        )

    def locale(self, code: str) -> str:
        """An existing language folder for ``code`` (normalised), or an error."""
        name = normalize(code)
        if name not in self.locales():
            raise EqualcityError(
                f"no language {name!r} yet; create it with 'equalcity init {name}'",
                path=self.rel(self.locales_dir),
            )
        return name

    def po_documents(self, locale: str) -> list[Document]:
        return sorted(
            Document(path.parent.name, path.stem)
            for path in (self.locales_dir / locale).glob("*/*.po")
        )
