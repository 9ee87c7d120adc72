"""``equalcity serve``: the expert panel's review page on this computer."""

from __future__ import annotations

import socket

import click

from ..errors import EqualcityError
from ..gitrepo import open_repo, signing_key
from ..project import Project
from ..reviewflow import resolve_reviewer, usable_key
from ..web.security import is_loopback
from .errors import reports_errors


@click.command("serve")
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
@click.pass_obj
@reports_errors
def command(
    project: Project, host: str, port: int, reviewer_id: str | None, key: str | None
) -> None:
    """Start the review page: pick a language and module, read each entry beside its source
    and glossary terms, approve or request changes. Each decision is recorded exactly as
    'equalcity review' records it (a ledger line and a commit authored and signed by you).

    Listens on this computer only unless --host says otherwise; stop it with Ctrl+C.
    """
    import uvicorn

    from ..web.app import create_app

    if not project.locales_dir.is_dir():
        raise EqualcityError(
            "no locales/ folder here; run in the content repository or pass --root",
            path=project.root,
        )
    open_repo(project.root).close()  # decisions are commits: refuse to start outside git
    reviewer, _who = resolve_reviewer(project, reviewer_id)
    with open_repo(project.root) as repo:
        usable_key(reviewer, key or signing_key(repo))  # refuse now, not at the first click
    app = create_app(project, reviewer, host, key)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise EqualcityError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Review page for {reviewer.id} at http://{shown}:{bound}/  (Ctrl+C stops it)")
    if not is_loopback(host):
        click.echo(
            f"equalcity: warning: listening on {host}: anyone who can reach this address "
            f"can record decisions as {reviewer.id}",
            err=True,
        )
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn has shut down cleanly and passes the Ctrl+C on: stopping is success
    finally:
        sock.close()
    click.echo("Review page stopped.")
