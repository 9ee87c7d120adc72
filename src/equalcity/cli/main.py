"""The command group and its shared options."""

from __future__ import annotations

from pathlib import Path

import click

from .. import __version__
from ..errors import EqualcityError
from ..project import Project
from . import (
    build,
    check,
    extract,
    format,
    glossary,
    init,
    merge_driver,
    release,
    review,
    serve,
    status,
    update,
)
from .errors import InputError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The content repository (the folder with source/ and locales/).",
)
@click.version_option(__version__, prog_name="equalcity")
@click.pass_context
def main(ctx: click.Context, root: Path) -> None:
    """Translation and review pipeline for the equalcity SGBV training toolbox.

    source/*.md --extract--> locales/templates/*.pot --update--> locales/LANG/*.po
    --build--> translated Markdown.

    Exit status: 0 success, 1 findings, 2 bad input or usage (one line naming the file and
    line on stderr).
    """
    project = Project(root)
    try:
        project.refuse_links()
    except EqualcityError as exc:
        raise InputError(str(exc)) from None
    ctx.obj = project


for command in (
    extract.command,
    init.command,
    update.command,
    build.command,
    status.command,
    check.command,
    format.command,
    merge_driver.command,
    glossary.command,
    review.command,
    release.command,
    serve.command,
):
    main.add_command(command)
