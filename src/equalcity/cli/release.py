"""``equalcity release``: the bundles, and the release notes."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from equalcity.cli.completion import editions as complete_editions
from equalcity.errors import FindingsError
from equalcity.release import DEFAULT_CACHE, plan, release_edition
from equalcity.release.notes import release_notes
from equalcity.release.verification import contact_checks
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot


@click.group("release", invoke_without_command=True)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the bundles go: OUT/<edition>/ per edition (required unless a subcommand).",
)
@click.option(
    "--edition",
    "-e",
    "editions",
    multiple=True,
    help="Only this edition (repeatable), e.g. fr-LU; default: every edition in release.toml.",
    shell_complete=complete_editions,
)
@click.option(
    "--preview",
    is_flag=True,
    help="Build even if the gate fails; every page says 'preview — not reviewed' and "
    "unapproved and fallback text is highlighted.",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"Cache folder (default: ROOT/{DEFAULT_CACHE}).",
)
@click.option("--no-cache", is_flag=True, help="Build everything from scratch.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    envvar="EQUALCITY_AS_OF",
    help="Judge contact ages as of this day (YYYY-MM-DD; default: today), e.g. to see whether "
    "a release would still pass on the day it is printed.",
)
@click.pass_context
def command(
    ctx: click.Context,
    out: Path | None,
    editions: tuple[str, ...],
    preview: bool,
    cache: Path | None,
    no_cache: bool,
    as_of: dt.datetime | None,
) -> None:
    """Build the release bundles of workflows/release.toml.

    Per edition, OUT/<edition>/ holds the translated Markdown, a static HTML site, one PDF per
    module, a referral card (HTML, A4 and A6 PDFs, and the A6 pages on A4 sheets to print and
    fold into a pocket booklet: docs/release.md) with the edition's contacts, manifest.json,
    SHA256SUMS and a zip of them all. Page labels come from source/ui/page-furniture.md through
    the language's PO file (approved; in previews, translated). An official edition uses approved
    strings only and is built only when its gate passes: no check errors, enough approved
    strings, every contact real and recently verified, inputs committed. Otherwise nothing is
    written for it and a table says what blocks it.

    Exit status: 0 every edition built, 1 an edition blocked, 2 bad input.
    """
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise click.UsageError("--out DIR is required, e.g. 'equalcity release --out dist/'")
    project: Project = ctx.obj
    snapshot = Snapshot.of(project)
    cache_dir = None if no_cache else (cache or project.root / DEFAULT_CACHE)
    blocked = 0
    today = as_of.date() if as_of else dt.date.today()
    for item in plan(snapshot, editions, preview):
        label = f"{item.edition.id}{' (preview)' if item.preview else ''}"
        with click.progressbar(length=item.steps, label=label, file=sys.stderr) as bar:
            result = release_edition(
                snapshot, item, out, cache_dir, bar.update, today=as_of.date() if as_of else None
            )
        checks = [] if item.preview else contact_checks(snapshot, item.edition, today)
        if result.blockers:
            blocked += 1
            click.echo(
                f"{item.edition.id}: blocked — an official release needs all of these fixed:"
            )
            width = max(len(b.where) for b in result.blockers)
            click.echo(f"  {'gate':<9} {'where':<{width}}  what")
            for blocker in result.blockers:
                click.echo(f"  {blocker.gate:<9} {blocker.where:<{width}}  {blocker.detail}")
            _echo_checks(checks)
            continue
        assert result.folder is not None
        how = " (from cache)" if result.cached else ""
        if result.pdfs_cached and not result.cached:
            how = f" ({result.pdfs_cached} PDFs unchanged, reused)"
        click.echo(f"{item.edition.id}: {result.folder}{how}")
        if result.archive is not None:
            click.echo(f"  {result.archive}")
        _echo_checks(checks)
    if blocked:
        click.echo(
            f"{blocked} edition{'s' if blocked > 1 else ''} blocked; fix the above, or build a "
            "preview with --preview"
        )
        raise FindingsError("")


def _echo_checks(checks: list[tuple[str, str, bool]]) -> None:
    if checks:
        click.echo("  contact checks:")
    for contact_id, what, counts in checks:
        click.echo(f"    {contact_id}: {what}{'' if counts else ' (does not count)'}")


@command.command("notes")
@click.option("--since", required=True, help="The git tag or commit of the previous release.")
@click.option(
    "--edition",
    "-e",
    "editions",
    multiple=True,
    help="Only this edition.",
    shell_complete=complete_editions,
)
@click.pass_obj
def notes_command(project: Project, since: str, editions: tuple[str, ...]) -> None:
    """What changed per edition since a tag, from git history (Markdown on stdout)."""
    click.echo(release_notes(project, since, editions), nl=False)
