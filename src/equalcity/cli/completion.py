"""Shell completion of languages, documents and editions (click's completion protocol).

Enable it with click's mechanism, e.g. for bash:
``eval "$(_EQUALCITY_COMPLETE=bash_source equalcity)"`` (zsh: ``zsh_source``, fish:
``fish_source``). The values come from the content repository named by ``--root``; a folder
that is not one completes nothing rather than failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

from equalcity.errors import EqualcityError

if TYPE_CHECKING:
    from equalcity.repository.snapshot import Snapshot


def _snapshot(ctx: click.Context) -> Snapshot:
    from equalcity.repository.snapshot import Snapshot

    root = ctx.find_root().params.get("root") or Path(".")
    return Snapshot.of(Path(root))


def _items(values: list[str], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(value) for value in values if value.startswith(incomplete)]


def languages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The language folders under locales/."""
    return _items(_snapshot(ctx).locales(), incomplete)


def documents(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """MODULE/DOC of every source document."""
    try:
        found = _snapshot(ctx).documents()
    except EqualcityError:
        return []
    return _items([doc.id for doc in found], incomplete)


def modules(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The modules (folders of source/)."""
    try:
        found = _snapshot(ctx).documents()
    except EqualcityError:
        return []
    return _items(sorted({doc.module for doc in found}), incomplete)


def editions(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The editions of workflows/release.toml."""
    try:
        release = _snapshot(ctx).release()
    except EqualcityError:
        return []
    return _items([edition.id for edition in release.editions], incomplete)
