"""``equalcity serve``: the expert panel's review page on this computer."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING

import click

from equalcity.errors import EqualcityError
from equalcity.repository.gitrepo import open_repo, signing_key
from equalcity.repository.project import Project
from equalcity.repository.snapshot import Snapshot
from equalcity.review.decide import resolve_reviewer, usable_key
from equalcity.review.index import panel_in_force
from equalcity.web.security import is_loopback

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from equalcity.web.state import State


@click.group("serve", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8470, show_default=True, type=click.IntRange(0, 65535), help="0: any free."
)
@click.option(
    "--reviewer",
    "reviewer_id",
    help="Your id on the panel (workflows/panel.toml); default: the one with git's user.email.",
)
@click.option(
    "--key",
    help="Your SSH signing key (private key file, or .pub with the key in ssh-agent); "
    "default: git's user.signingkey.",
)
@click.option(
    "--public-url",
    help="Run as the panel's shared service at this https:// address (behind a TLS proxy; "
    "docs/deploy.md). Needs --state and --signing-key.",
)
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the service's SQLite state (accounts, passkeys, sessions, audit log); "
    "never inside the content repository.",
)
@click.option(
    "--signing-key",
    "service_key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The service's SSH private key (ssh-keygen): every decision commit is signed with it.",
)
@click.option(
    "--remote", default="origin", show_default=True, help="The git remote decisions are pushed to."
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    help="Address (or network) of the reverse proxy whose X-Forwarded-For is believed; repeat.",
)
@click.pass_context
def command(
    ctx: click.Context,
    host: str,
    port: int,
    reviewer_id: str | None,
    key: str | None,
    public_url: str | None,
    state_dir: Path | None,
    service_key: Path | None,
    remote: str,
    trusted_proxies: tuple[str, ...],
) -> None:
    """Start the review page: pick a language and module, read each entry beside its source
    and glossary terms, approve or request changes. Each decision is recorded exactly as
    'equalcity review' records it (a ledger line and a commit authored and signed by you).

    Listens on this computer only unless --host says otherwise; stop it with Ctrl+C.

    With --public-url it is the whole panel's service instead: people sign in with passkeys
    ('equalcity serve invite ID' prints their link), decisions are commits signed with
    --signing-key and pushed to --remote. Translators (roster role 'translator') download and
    upload PO files there, contact verifiers ('contact-verifier') record contact checks; each
    becomes a commit signed the same way (docs/translating.md, docs/release.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    project: Project = ctx.obj
    import uvicorn

    from equalcity.web.app import create_app

    if not project.locales_dir.is_dir():
        raise EqualcityError(
            "no locales/ folder here; run in the content repository or pass --root",
            path=project.root,
        )
    open_repo(project.root).close()  # decisions are commits: refuse to start outside git
    if public_url is not None:
        app = _team_app(project, public_url, state_dir, service_key, remote, trusted_proxies)
        reviewer_id = "every signed-in panel member"
    else:
        reviewer, _who = resolve_reviewer(project, reviewer_id)
        with open_repo(project.root) as repo:
            # refuse now, not at the first click
            usable_key(reviewer, key or signing_key(repo), panel_in_force(project.root).revoked)
        app = create_app(project, reviewer, host, key)
        reviewer_id = reviewer.id
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EqualcityError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Review page for {reviewer_id} at http://{shown}:{bound}/  (Ctrl+C stops it)")
    if public_url is not None:
        click.echo(f"People open {public_url}/ (through the TLS proxy).")
    elif not is_loopback(host):
        click.echo(
            f"equalcity: warning: listening on {host}: anyone who can reach this address "
            f"can record decisions as {reviewer_id}",
            err=True,
        )
    # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the
    # team service reads it itself, only from --trusted-proxy addresses.
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False)
    )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has shut down cleanly and passes the Ctrl+C on: stopping is success
    finally:
        sock.close()
    click.echo("Review page stopped.")


def _team_app(
    project: Project,
    public_url: str,
    state_dir: Path | None,
    service_key: Path | None,
    remote: str,
    trusted_proxies: tuple[str, ...],
) -> Starlette:
    from equalcity.repository.gitrepo import ServiceSigning
    from equalcity.web.team import PublicSite, check_public_url, create_team_app

    url = check_public_url(public_url)
    state = _state(project, state_dir)
    if service_key is None or not service_key.is_file():
        raise EqualcityError(
            "the team service signs every decision: pass --signing-key with its SSH private "
            "key (ssh-keygen -t ed25519 -f KEY; list KEY.pub in workflows/panel.toml)",
            path=service_key,
        )
    return create_team_app(
        project,
        PublicSite(url, trusted_proxies),
        state,
        ServiceSigning(service_key.resolve()),
        remote,
    )


def _state(project: Project, state_dir: Path | None) -> State:
    from equalcity.web.state import State

    if state_dir is None:
        raise EqualcityError("the team service keeps its accounts in --state DIR; name a folder")
    folder = state_dir.resolve()
    if folder.is_relative_to(project.root.resolve()):
        raise EqualcityError(
            "the state folder holds sign-in data and must not be inside the content "
            "repository; choose a folder outside it",
            path=state_dir,
        )
    return State(folder).open()


def _member(project: Project, roster_id: str) -> None:
    if Snapshot.of(project).panel.by_id(roster_id) is None:
        raise EqualcityError(
            f"{roster_id!r} is not a reviewer id on the roster (workflows/panel.toml)"
        )


@command.command("invite")
@click.argument("roster_id")
@click.option(
    "--state", "state_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--public-url", required=True, help="The service's address, as in 'serve'.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 30), help="Valid for.")
@click.pass_obj
def invite(project: Project, roster_id: str, state_dir: Path, public_url: str, days: int) -> None:
    """Print a one-time link with which ROSTER_ID registers a passkey (send it privately)."""
    from equalcity.web.team import check_public_url

    url = check_public_url(public_url)
    _member(project, roster_id)
    token = _state(project, state_dir).invite(roster_id, days * 24 * 3600)
    click.echo(f"{url}/invite/{token}")
    click.echo(
        f"One use, valid {days} days. Send it to {roster_id} through a private channel.", err=True
    )


@command.command("revoke")
@click.argument("roster_id")
@click.option(
    "--state", "state_dir", required=True, type=click.Path(file_okay=False, path_type=Path)
)
@click.pass_obj
def revoke(project: Project, roster_id: str, state_dir: Path) -> None:
    """Sign ROSTER_ID out everywhere and remove their passkeys, open invitations and personal
    tokens."""
    sessions, keys, invitations = _state(project, state_dir).revoke(roster_id)
    click.echo(
        f"{roster_id}: {sessions} sessions ended, {keys} passkeys and {invitations} open "
        "invitations removed."
    )
