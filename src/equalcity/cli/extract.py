"""``equalcity extract``: source Markdown → PO templates."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from equalcity.content.templates import build_template
from equalcity.fs import read_text, write_atomic
from equalcity.po.catalog import canonical, format_po
from equalcity.repository.project import Project
from equalcity.translation.extract import extract_all


@click.command("extract")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="With FILE: where to write the template ('-' = standard output).",
)
@click.pass_obj
def command(project: Project, file: Path | None, output: str | None) -> None:
    """Write PO templates for every source/MODULE/DOC.md into locales/templates/.

    With FILE, extract that one Markdown file (to OUTPUT, or standard output).
    """
    if file is None:
        if output is not None:
            raise click.UsageError("-o/--output goes with FILE")
        result = extract_all(project)
        for path in result.written:
            click.echo(f"wrote {project.rel(path)}")
        for path in result.removed:
            click.echo(f"removed {project.rel(path)} (its source is gone)")
        click.echo(
            f"{result.templates} templates, {result.entries} entries, {len(result.written)} changed"
        )
        return
    source = project.rel(file)
    text = canonical(format_po(build_template(read_text(file, source), source)), source)
    if output in (None, "-"):
        sys.stdout.write(text)
    else:
        write_atomic(Path(output), text)
