"""``equalcity review``: the expert panel's work."""

from __future__ import annotations

import json
from collections.abc import Callable

import click

from equalcity.cli.completion import documents, languages, modules
from equalcity.errors import EqualcityError
from equalcity.repository.gitrepo import identity_of
from equalcity.repository.project import Document, Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.decide import Ask, current_reviewer, decide
from equalcity.review.queue import describe, items, pending
from equalcity.review.sourcechanges import source_changes

KEY_HELP = (
    "Your SSH signing key (private key file, or .pub with the key in ssh-agent); "
    "default: git's user.signingkey (gpg.format=ssh)."
)


@click.group("review")
def command() -> None:
    """Approve translations or request changes (workflows/panel.toml is the roster).

    Who you are is git's user.email; each decision is a line in locales/LANG/reviews.jsonl and a
    commit authored by you and signed with your SSH key (--key, or git's user.signingkey with
    gpg.format=ssh), which must be the key the roster gives you. A decision counts only in such a
    signed commit, and an approval only while the source and the translation are exactly what you
    approved; 'review list' and 'status' show the others as unverified.
    """


@command.command("list")
@click.option("--locale", "-l", required=True, shell_complete=languages)
@click.option(
    "--module", "-m", help="Only this module, e.g. 02-domestic-violence.", shell_complete=modules
)
@click.option("--all-states", is_flag=True, help="Every entry, not only those waiting.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: a list of objects (doc, line, id, state, tier, approvals, msgid, msgstr, …).",
)
@click.pass_obj
def list_command(
    project: Project, locale: str, module: str | None, all_states: bool, fmt: str
) -> None:
    """What waits for you: translated entries without enough approvals."""
    snapshot = Snapshot.of(project)
    found = items(snapshot, locale, module)
    reviewer = None
    try:
        email = identity_of(project.root).email
        reviewer = snapshot.panel.by_email(email)
    except EqualcityError:
        pass
    shown = found if all_states else pending(found, reviewer)
    if fmt == "json":
        data = [item.as_dict(locale) for item in shown]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for item in shown:
        flag = " changed since approval" if item.changed_since_approval else ""
        text = item.message.msgid.replace("\n", " ")
        click.echo(
            f"{item.doc.id}:{item.message.line} {item.id} {item.review.state} "
            f"[{item.review.tier.name} {len(item.review.approvals)}/{item.review.tier.approvals}]"
            f"{flag}  {text[:60]}{'…' if len(text) > 60 else ''}"
        )
    click.echo(
        f"{len(shown)} entr{'y' if len(shown) == 1 else 'ies'}"
        + ("" if all_states else " waiting for review")
    )


@command.command("show")
@click.option("--locale", "-l", required=True, shell_complete=languages)
@click.option(
    "--doc",
    "doc_id",
    required=True,
    help="MODULE/DOC, e.g. 02-domestic-violence/module",
    shell_complete=documents,
)
@click.option("--entry", "entry_id", required=True, help="The id from 'review list'.")
@click.pass_obj
def show_command(project: Project, locale: str, doc_id: str, entry_id: str) -> None:
    """One entry: source (and how the English changed since an approval), translation,
    glossary terms, previous approved text, comments."""
    doc = Document.parse(doc_id)
    snapshot = Snapshot.of(project)
    module = items(snapshot, locale, doc.module)
    found = [i for i in module if i.doc == doc and i.id.startswith(entry_id)]
    if len(found) != 1:
        raise EqualcityError(f"entry {entry_id!r} matches {len(found)} entries of {doc.id}")
    # The whole module: an earlier approval is linked to the most similar entry of them all.
    changes = source_changes(snapshot, locale, module)
    for line in describe(
        snapshot,
        snapshot.language(locale),
        found[0],
        english=changes.of(found[0]),
        history_missing=changes.unavailable,
    ):
        click.echo(line)


def _decide(
    project: Project,
    locale: str,
    doc_id: str,
    entries: tuple[str, ...],
    every: bool,
    decision: str,
    comment: str,
    key: str | None,
) -> None:
    doc = Document.parse(doc_id)
    sha, count = decide(project, Ask(locale, doc, decision, entries, every, comment), key=key)
    click.echo(
        f"{decision}: {count} entr{'y' if count == 1 else 'ies'} of {doc.id}, commit {sha[:10]}"
    )


def _entries(func: Callable[..., None]) -> Callable[..., None]:
    """The options both decisions take: which entries of which document, signed with which
    key (``--comment`` differs: required for a change request)."""
    for option in reversed(
        [
            click.option("--locale", "-l", required=True, shell_complete=languages),
            click.option("--doc", "doc_id", required=True, shell_complete=documents),
            click.option(
                "--entry", "entries", multiple=True, help="An id from 'review list' (repeatable)."
            ),
            click.option(
                "--all", "every", is_flag=True, help="Every translated, non-fuzzy entry of the doc."
            ),
            click.option("--key", help=KEY_HELP),
        ]
    ):
        func = option(func)
    return click.pass_obj(func)


def _decision_command(
    name: str, comment: Callable[[Callable[..., None]], Callable[..., None]], summary: str
) -> click.Command:
    """``review approve`` and ``review request-changes``: the same options, one decision."""

    def run(
        project: Project,
        locale: str,
        doc_id: str,
        entries: tuple[str, ...],
        every: bool,
        comment: str,
        key: str | None,
    ) -> None:
        _decide(project, locale, doc_id, entries, every, name, comment, key)

    run.__doc__ = summary
    return command.command(name)(comment(_entries(run)))


approve_command = _decision_command(
    "approve",
    click.option("--comment", default=""),
    "Approve entries: a ledger line each, one commit authored and signed by you.",
)
request_changes_command = _decision_command(
    "request-changes",
    click.option("--comment", required=True, help="What to change; the translator sees it."),
    "Send entries back: marked fuzzy with '# review: COMMENT (you, date)' in the PO file.",
)


__all__ = ["command", "current_reviewer"]
