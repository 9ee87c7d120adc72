"""``equalcity glossary``: validate and export the termbase."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from equalcity.cli.completion import languages
from equalcity.cli.errors import InputError
from equalcity.errors import EqualcityError
from equalcity.fs import write_atomic
from equalcity.glossary.export import to_csv, to_tbx
from equalcity.glossary.termbase import lint, load
from equalcity.po.locales import parse_name
from equalcity.repository.project import Project


@click.group("glossary")
def command() -> None:
    """The shared SGBV termbase in glossary/*.yaml (docs/glossary.md)."""


@command.command("lint")
@click.pass_obj
def lint_command(project: Project) -> None:
    """Validate the termbase; every problem as 'file:line: message', exit 2 if any."""
    glossary = load(project.root)
    problems = lint(glossary)
    for problem in problems:
        click.echo(f"equalcity: {problem}", err=True)
    if problems:
        raise EqualcityError(f"{len(problems)} problem(s) in the termbase, listed above")
    click.echo(f"{len(glossary.concepts)} concepts, version {glossary.version}: ok")


@command.command("export")
@click.option("--format", "fmt", type=click.Choice(["tbx", "csv"]), required=True)
@click.option(
    "--locale",
    "-l",
    help="The target language: csv needs one; tbx keeps English and this language only.",
    shell_complete=languages,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.pass_obj
def export_command(project: Project, fmt: str, locale: str | None, output: str) -> None:
    """Export TBX-Basic (every language, or English and --locale) or Weblate's glossary CSV
    (one language; forbidden terms only in its comments, see docs/glossary.md)."""
    glossary = load(project.root)
    problems = lint(glossary)
    if problems:
        raise InputError(f"{problems[0]} (run 'equalcity glossary lint')")
    if fmt == "csv" and locale is None:
        raise click.UsageError("--format csv needs --locale")
    try:
        code = parse_name(locale).name if locale is not None else None
    except EqualcityError as exc:
        raise InputError(str(exc)) from None
    text = to_csv(glossary, code) if code is not None and fmt == "csv" else to_tbx(glossary, code)
    if output == "-":
        sys.stdout.write(text)
    else:
        write_atomic(Path(output), text)
