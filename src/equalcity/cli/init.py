"""``equalcity init LANG``: start a new language."""

from __future__ import annotations

import click

from equalcity.repository.project import Project
from equalcity.translation.update import init_language


@click.command("init")
@click.argument("lang")
@click.pass_obj
def command(project: Project, lang: str) -> None:
    """Create locales/LANG/ with one PO file per template (header from CLDR: Plural-Forms).

    LANG is a gettext language name and is kept as written, for the folder and the Language
    header: fr, pt_BR, zh_CN, zh_TW, sr@latin, sr_RS@latin, ca@valencia.
    """
    result = init_language(project, lang)
    for path in result.created:
        click.echo(f"created {project.rel(path)}")
