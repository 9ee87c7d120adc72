"""Where things live in a content repository (see docs/layout in the README)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import EqualcityError
from .locales import parse_name, same_language

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
        """The language folder named ``code``, exactly as written, or an error.

        Folder names are the user's (and Weblate's, Poedit's): ``zh_CN`` is never looked up as
        ``zh_Hans_CN``; a name that means the same as an existing folder is only suggested.
        """
        folders = self.locales()
        if code in folders:
            return code
        where = self.rel(self.locales_dir)
        try:
            parse_name(code)
        except EqualcityError as exc:
            raise exc.located(where) from None
        similar = [folder for folder in folders if same_language(folder, code)]
        if similar:
            raise EqualcityError(
                f"no language folder {code!r}; did you mean {similar[0]!r}? "
                "(a language is named as its folder is)",
                path=where,
            )
        raise EqualcityError(
            f"no language {code!r} yet; create it with 'equalcity init {code}'", path=where
        )

    def po_documents(self, locale: str) -> list[Document]:
        return sorted(
            Document(path.parent.name, path.stem)
            for path in (self.locales_dir / locale).glob("*/*.po")
        )

    def refuse_links(self) -> None:
        """Refuse symbolic links that leave the repository in the content folders, and any
        link in place of a review ledger: a read through them would take text from elsewhere,
        a write would change a file outside, or another language's decisions."""
        root = self.root.resolve()
        for folder in CONTENT_FOLDERS:
            top = self.root / folder
            if top.is_symlink():
                self._check_link(top, root)
            if not top.is_dir():
                continue
            for current, dirs, files in os.walk(top):
                for name in [*dirs, *files]:
                    path = Path(current) / name
                    if path.is_symlink():
                        self._check_link(path, root)

    def _check_link(self, path: Path, root: Path) -> None:
        target = path.resolve()
        if path.name == LEDGER_NAME:
            raise EqualcityError(
                "a review ledger must be a file, not a symbolic link; replace the link with "
                "the ledger of this language",
                path=os.path.relpath(path, self.root),
            )
        if target != root and root not in target.parents:
            raise EqualcityError(
                f"symbolic link to {target}, outside the repository; copy the file in instead",
                path=os.path.relpath(path, self.root),
            )
