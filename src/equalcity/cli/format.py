"""``equalcity format``: PO files in GNU gettext's canonical layout."""

from __future__ import annotations

from pathlib import Path

import click

from equalcity.errors import FindingsError
from equalcity.translation.format import format_files


@click.command("format")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Only report files that would change (exit 1).")
def command(paths: tuple[Path, ...], check: bool) -> None:
    """Rewrite PO/POT files (or every one under a folder) the way GNU msgcat and Poedit write
    them, so that saving in any editor causes no diff noise.

    Also after Weblate (translate-toolkit), polib or Babel saved a file: strings re-wrapped,
    comment lines they split re-joined, header fields in gettext's order; nothing else changes.
    A file already in gettext's layout is left as it is.
    """
    changed = format_files(paths, write=not check)
    for path in changed:
        click.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    if check and changed:
        raise FindingsError("")
