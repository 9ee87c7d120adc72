"""PO files put back into gettext's layout after another tool wrote them (``equalcity format``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from equalcity.errors import EqualcityError
from equalcity.fs import read_text, write_atomic
from equalcity.po.catalog import (
    read_po,
    render_canonical,
)
from equalcity.po.layout import normalise


def po_files_under(paths: Iterable[Path]) -> list[Path]:
    """PO and POT files named, or found under the folders named."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".po", ".pot"))
        elif path.exists():
            found.append(path)
        else:
            raise EqualcityError("no such file or folder", path=path)
    return found


def format_files(paths: Iterable[Path], *, write: bool = True) -> list[Path]:
    """Rewrite PO files in the canonical layout; returns those that were (or would be) changed.

    Every file is parsed first: one with a syntax error stops the run before anything is written.
    """
    files = po_files_under(paths)
    texts = [(path, read_text(path)) for path in files]
    catalogs = [(path, read_po(path), text) for path, text in texts]
    canon = render_canonical((catalog, str(path)) for path, catalog, _ in catalogs)
    # A file already in gettext's layout is left alone: un-wrapping comments is a judgement
    # (layout.py), made only for files another tool has visibly rewritten.
    redo = [
        i for i, ((_, _, text), new) in enumerate(zip(catalogs, canon, strict=True)) if new != text
    ]
    again = render_canonical((normalise(catalogs[i][1]), str(catalogs[i][0])) for i in redo)
    for index, new in zip(redo, again, strict=True):
        canon[index] = new
    changed = [path for (path, _, text), new in zip(catalogs, canon, strict=True) if new != text]
    if write:
        for (path, _, text), new in zip(catalogs, canon, strict=True):
            if new != text:
                write_atomic(path, new)
    return changed
