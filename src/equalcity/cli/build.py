"""``equalcity build``: translated Markdown from the PO files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from equalcity.cli.completion import languages
from equalcity.repository.project import Project
from equalcity.translation.build import build_file, build_language


@click.command("build")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--po", type=click.Path(dir_okay=False, path_type=Path), help="With FILE.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="With FILE.")
@click.option("--locale", "-l", help="The language whose tree to build.", shell_complete=languages)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="With --locale.")
@click.pass_obj
def command(
    project: Project,
    file: Path | None,
    po: Path | None,
    output: str | None,
    locale: str | None,
    out: Path | None,
) -> None:
    """Write translated Markdown: translated, non-fuzzy strings; source text elsewhere.

    \b
    equalcity build --locale fr --out DIR        the whole tree: DIR/MODULE/DOC.md
    equalcity build FILE.md --po FILE.po -o OUT  one document ('-' = standard output)
    """
    if file is not None:
        if po is None or locale is not None or out is not None:
            raise click.UsageError("FILE needs --po (and takes -o, not --locale/--out)")
        text = build_file(file, po, None if output in (None, "-") else Path(output))
        if output in (None, "-"):
            sys.stdout.write(text)
        return
    if locale is None or out is None:
        raise click.UsageError("give --locale and --out, or FILE --po PO")
    result = build_language(project, locale, out)
    click.echo(f"{locale}: {result.documents} documents written to {out}")
