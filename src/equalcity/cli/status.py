"""``equalcity status``: how far each language is."""

from __future__ import annotations

import json

import click

from ..project import Project
from ..status import STATES, Row, compute
from .errors import reports_errors


@click.command("status")
@click.option("--locale", "-l", "locales", multiple=True, help="Only this language (repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@click.pass_obj
@reports_errors
def command(project: Project, locales: tuple[str, ...], fmt: str) -> None:
    """Per language × module: strings and source words untranslated, fuzzy, translated (waiting
    for review), changes requested and approved; 'words done' = translated or approved."""
    names = [project.locale(code) for code in locales] or None
    rows = compute(project, names)
    if fmt == "json":
        click.echo(json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False))
        return
    click.echo(_table(rows))


def _table(rows: list[Row]) -> str:
    header = ["language", "module", "strings", *STATES, "words done"]
    lines = [header]
    for row in rows:
        lines.append(
            [
                row.locale,
                row.module,
                str(row.total_strings),
                *(str(row.strings[name]) for name in STATES),
                f"{row.share('translated') + row.share('approved'):.0%}",
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )
