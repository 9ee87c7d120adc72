"""``equalcity merge-driver``: git's merge driver for PO files (entry by entry, no markers)."""

from __future__ import annotations

from pathlib import Path

import click

from equalcity.errors import FindingsError
from equalcity.po.catalog import read_po, write_po_files
from equalcity.po.merge3 import merge3


@click.command("merge-driver")
@click.argument("base", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("ours", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("theirs", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("name", required=False, default="")
def command(base: Path, ours: Path, theirs: Path, name: str) -> None:
    """Merge PO files for git: BASE (%O), OURS (%A, rewritten with the result), THEIRS (%B),
    NAME (%P, the file's path, for messages).

    Entries are matched by msgctxt and msgid; a translation changed on one side wins. The same
    entry changed differently on both sides stays valid PO: our text, marked fuzzy, both
    versions in '# merge conflict' comments; git then reports a conflict (exit 1). Set up with

        git config merge.equalcity.driver "equalcity merge-driver %O %A %B %P"

    and '*.po merge=equalcity' in .gitattributes (scripts/install.sh does both here).
    """
    label = name or str(ours)
    result = merge3(
        read_po(base, f"{label} (base)"),
        read_po(ours, f"{label} (ours)"),
        read_po(theirs, f"{label} (theirs)"),
    )
    write_po_files([(ours, result.catalog, label)])
    for conflict in result.conflicts:
        context = f"{conflict.key[0]} | " if conflict.key[0] else ""
        click.echo(f"{label}: conflict in {context}{conflict.key[1][:60]!r}", err=True)
    if result.conflicts:
        raise FindingsError("")
