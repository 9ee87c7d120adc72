"""``equalcity release``: editions → bundles, behind the gates of ``workflows/release.toml``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from equalcity.fs import remove_leftovers
from equalcity.release.bundle import (
    EditionResult,
    build,
    commit_info,
    gate,
    input_key,
    restore,
    store,
)
from equalcity.release.editions import Edition
from equalcity.release.gate import release_inputs
from equalcity.release.ui import CATALOGUE
from equalcity.repository.snapshot import Snapshot

DEFAULT_CACHE = Path(".cache/equalcity")


@dataclass(frozen=True)
class Plan:
    """What one edition needs: for the progress bar, one step per document and per PDF."""

    edition: Edition
    preview: bool
    steps: int


def plan(snapshot: Snapshot, edition_ids: Sequence[str], preview: bool) -> list[Plan]:
    release = snapshot.release()
    editions = [release.edition(e) for e in edition_ids] if edition_ids else list(release.editions)
    documents = [d for d in snapshot.documents() if d.module != CATALOGUE.module]
    modules = {d.module for d in documents}
    # one step per document, per module PDF and per referral-card PDF (A4, A6)
    steps = len(documents) + len(modules) + 2
    return [Plan(e, preview or e.preview, steps) for e in editions]


def release_edition(
    snapshot: Snapshot,
    item: Plan,
    dist: Path,
    cache: Path | None,
    progress: Callable[[int], None] = lambda n: None,
    today: dt.date | None = None,
) -> EditionResult:
    """Gate, then build (or restore from the cache) one edition."""
    remove_leftovers(dist)  # staging folders of a release that was killed
    if cache is not None:
        remove_leftovers(cache / "editions")
    project = snapshot.project
    release = snapshot.release()
    edition = item.edition
    commit = commit_info(project, release_inputs(project, edition, existing=True))
    key = input_key(project, edition, item.preview, commit)
    if not item.preview:
        blockers = gate(snapshot, edition, commit, cache, key, today or dt.date.today())
        if blockers:
            return EditionResult(edition, False, blockers)
    if cache is not None:
        folder = restore(cache, key, dist, edition)
        if folder is not None:
            progress(item.steps)
            archive = next(folder.glob("*.zip"), None)
            return EditionResult(edition, item.preview, folder=folder, archive=archive, cached=True)
    result = build(
        snapshot,
        release,
        edition,
        dist,
        preview=item.preview,
        commit=commit,
        cache=cache,
        progress=progress,
        jobs=os.cpu_count() or 1,
    )
    if cache is not None and result.folder is not None:
        store(cache, key, result.folder)
    return result
