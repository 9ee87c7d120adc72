"""A one-line progress counter on stderr, only when a person is watching.

On a terminal, ``update`` and ``check`` on a large repository run long enough that silence
looks like a hang; in CI, pipes and tests, a counter would only be noise in the logs, so it is
shown only when stderr is a terminal. It overwrites itself and is erased at the end, so the
command's own output is the same either way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click


def on_terminal(label: str) -> Callable[[int, int], None] | None:
    """A ``progress(done, total)`` callback printing ``label done/total``, or None off a TTY."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if done >= total:
            click.echo("\r\x1b[K", nl=False, err=True)
        else:
            click.echo(f"\r{label} {done}/{total}", nl=False, err=True)

    return show
