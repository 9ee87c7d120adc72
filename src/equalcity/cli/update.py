"""``equalcity update``: merge the templates into the translations."""

from __future__ import annotations

import click

from equalcity.cli.completion import languages
from equalcity.cli.progress import on_terminal
from equalcity.repository.project import Project
from equalcity.translation.update import update_languages


@click.command("update")
@click.option(
    "--locale",
    "-l",
    "locales",
    multiple=True,
    help="Only this language folder, named as written, e.g. zh_CN or sr@latin (repeatable). "
    "Default: every folder under locales/.",
    shell_complete=languages,
)
@click.pass_obj
def command(project: Project, locales: tuple[str, ...]) -> None:
    """Merge every template into every PO file (msgmerge semantics; no translation is lost).

    Unchanged strings keep their translation; a changed source string keeps its old translation
    as fuzzy with the previous msgid (#|); removed strings become obsolete (#~) and come back
    when the text returns; identical strings from other documents of the language are reused.
    Every file is written in GNU gettext's canonical layout.
    """
    result = update_languages(
        project, list(locales) or None, progress=on_terminal("merging languages")
    )
    for path in result.written:
        click.echo(f"wrote {project.rel(path)}")
    for locale, stats in result.stats.items():
        click.echo(
            f"{locale}: {stats.kept} kept, {stats.restored} restored, "
            f"{stats.compendium} from other documents, {stats.fuzzy} fuzzy, "
            f"{stats.untranslated} untranslated, {stats.obsoleted} made obsolete"
        )
