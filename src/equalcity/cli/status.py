"""``equalcity status``: how far each language is."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from equalcity.cli.completion import languages
from equalcity.fs import write_atomic
from equalcity.progress.dashboard import collect, labels, render_html
from equalcity.progress.status import STATES, Row, compute
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot


@click.command("status")
@click.option(
    "--locale",
    "-l",
    "locales",
    multiple=True,
    help="Only this language (repeatable).",
    shell_complete=languages,
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "html"]),
    default="table",
    show_default=True,
    help="html: a self-contained dashboard with charts, the weekly trend and release blockers.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--weeks",
    default=26,
    show_default=True,
    type=click.IntRange(1, 520),
    help="html: how many weeks of git history the trend shows.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    envvar="EQUALCITY_AS_OF",
    help="html: judge the release blockers' contact ages as of this day (YYYY-MM-DD; default: "
    "today), as 'equalcity release --as-of' does.",
)
@click.option(
    "--ui-locale",
    "ui_locale",
    default="en",
    show_default=True,
    help="html: the page's own text in this language (locales/L/ui/dashboard.po: translations "
    "waiting for review included, English where there is none); Arabic pages read right to left.",
    shell_complete=languages,
)
@click.pass_obj
def command(
    project: Project,
    locales: tuple[str, ...],
    fmt: str,
    out: Path | None,
    weeks: int,
    as_of: dt.datetime | None,
    ui_locale: str,
) -> None:
    """Per language × module: strings and source words untranslated, fuzzy, translated (waiting
    for review), unverified (approvals that do not count: unsigned, or not signed with the
    reviewer's key), changes requested and approved; 'words done' = translated, unverified or
    approved.

    Where the roster (workflows/panel.toml) cannot satisfy a risk tier — too few reviewers or
    subject experts for that language and module — the translated count says how many of its
    strings are blocked, and a note under the table says why (json: roster_gaps).
    """
    snapshot = Snapshot.of(project)
    names = [snapshot.language(code) for code in locales] or None
    text_in = page = None
    if ui_locale != "en":
        from equalcity.web.i18n import Catalogues

        text_in = labels(snapshot, snapshot.language(ui_locale))
        page = Catalogues(project).texts(text_in.language)  # the skip link, the header
    if fmt == "html":
        dashboard = collect(
            project,
            weeks=weeks,
            locales=names,
            as_of=as_of.date() if as_of else None,
            snapshot=snapshot,
        )
        text = render_html(dashboard, text=text_in, page=page)
    elif fmt == "json":
        rows = compute(snapshot, names)
        text = json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False) + "\n"
    else:
        rows = compute(snapshot, names)
        notes = [note for row in rows for note in row.roster_notes()]
        text = (
            _table(rows) + "\n" + "".join(f"\n{note}" for note in notes) + ("\n" if notes else "")
        )
    if out is None or str(out) == "-":
        click.echo(text, nl=False)
    else:
        write_atomic(out, text)
        click.echo(f"wrote {out}", err=True)


def _cell(row: Row, state: str) -> str:
    """A count; "translated" says how many of its strings the roster can never approve."""
    count = str(row.strings[state])
    if state == "translated" and row.blocked_strings:
        return f"{count} ({row.blocked_strings} blocked by roster)"
    return count


def _table(rows: list[Row]) -> str:
    header = ["language", "module", "strings", *STATES, "words done"]
    lines = [header]
    for row in rows:
        lines.append(
            [
                row.locale,
                row.module,
                str(row.total_strings),
                *(_cell(row, name) for name in STATES),
                f"{row.share('translated') + row.share('unverified') + row.share('approved'):.0%}",
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
