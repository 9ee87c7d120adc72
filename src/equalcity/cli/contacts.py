"""``equalcity contacts``: the helplines an edition prints and the checks behind them."""

from __future__ import annotations

import datetime as dt
import json

import click

from equalcity.cli.completion import editions as complete_editions
from equalcity.release.contacts import CONFIRMABLE, METHODS
from equalcity.release.verification import Check, describe, listing, record_own
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot


@click.group("contacts")
def command() -> None:
    """The contacts each edition prints and whether the release gate trusts their checks.

    A check is what a contact verifier (role contact-verifier in workflows/panel.toml, for the
    edition's country) confirmed about a contact and how, recorded in one signed commit with a
    'Verifier:' trailer: through the shared service, or with 'contacts verify' and the
    verifier's own SSH key (docs/release.md, 'Recorded checks').
    """


@command.command("list")
@click.option(
    "--edition",
    "edition_ids",
    multiple=True,
    help="Only this edition (repeatable), e.g. fr-LU; default: every edition in release.toml.",
    shell_complete=complete_editions,
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: {edition: [{id, from, line, name, phone, verified, verified_by, …, trusted, "
    "problem}]}.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Judge the checks' age as of this day (YYYY-MM-DD), as 'release --as-of'; default: today.",
)
@click.pass_obj
def list_command(
    project: Project, edition_ids: tuple[str, ...], fmt: str, as_of: dt.datetime | None
) -> None:
    """Every contact an edition prints, the file it comes from, and its check as the release
    gate sees it: trusted (by whom, when, what, how) or why not."""
    snapshot = Snapshot.of(project)
    release = snapshot.release()
    chosen = [release.edition(e) for e in edition_ids] if edition_ids else release.editions
    today = as_of.date() if as_of else dt.date.today()
    listed = {edition.id: listing(snapshot, edition, today) for edition in chosen}
    if fmt == "json":
        data = {edition: [item.as_dict() for item in items] for edition, items in listed.items()}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for edition_id, items in listed.items():
        trusted = sum(item.trusted for item in items)
        noun = "contact" if len(items) == 1 else "contacts"
        click.echo(f"{edition_id}: {len(items)} {noun}, {trusted} with a trusted check")
        for item in items:
            contact = item.contact
            if contact is None:
                click.echo("  {}  used at {}:{}".format(item.id, *item.used_at))
            else:
                where = f"{contact.origin}:{contact.line}" if contact.line else contact.origin
                phone = f" ({contact.phone})" if contact.phone else ""
                click.echo(f"  {item.id}  {where}  {contact.name}{phone}")
            if item.trusted and contact:
                click.echo(f"    trusted: {describe(contact)}")
            else:
                click.echo(f"    not trusted: {item.problem}")


@command.command("verify")
@click.argument("contact_id", metavar="ID")
@click.option(
    "--edition",
    "edition_id",
    required=True,
    help="The edition whose contact you checked, e.g. fr-LU.",
    shell_complete=complete_editions,
)
@click.option(
    "--method",
    required=True,
    type=click.Choice(METHODS),
    help="How you checked it.",
)
@click.option(
    "--confirmed",
    required=True,
    help=f"What you confirmed, comma-separated among: {','.join(CONFIRMABLE)}.",
)
@click.option("--url", default="", help="The official page you checked (https://…).")
@click.option("--note", default="", help="One line for the commit message, e.g. who answered.")
@click.option(
    "--as",
    "verifier_id",
    help="Your roster id; default: the roster member whose e-mail is git's user.email.",
)
@click.option(
    "--key",
    help="Your SSH signing key (private key file, or .pub with the key in ssh-agent); "
    "default: git's user.signingkey (gpg.format=ssh).",
)
@click.pass_obj
def verify_command(
    project: Project,
    contact_id: str,
    edition_id: str,
    method: str,
    confirmed: str,
    url: str,
    note: str,
    verifier_id: str | None,
    key: str | None,
) -> None:
    """Record your check of a contact: one commit, authored as you and signed with your own
    key, that writes verified (today), verified_by, verified_method, verified_what and
    verified_url into the contact's file, with a 'Verifier:' trailer.

    Refused, writing nothing, unless the roster in force makes you a contact verifier for the
    edition's country and gives you that key, the contact exists and is not an example, and
    its file has no uncommitted changes and nothing else is staged. Push the commit as usual.
    """
    what = tuple(part.strip() for part in confirmed.split(",") if part.strip())
    verifier, sha = record_own(
        project,
        edition_id,
        contact_id,
        Check(what, method, url.strip()),
        verifier_id=verifier_id,
        key=key,
        note=note,
    )
    click.echo(
        f"{edition_id}: {verifier.id} checked {contact_id} ({method}: {', '.join(what)}), "
        f"commit {sha[:10]}"
    )
